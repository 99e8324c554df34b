"""PKCS#11 tokens as keystores, over real SoftHSM2 tokens and real ciphertool processes.

URI parsing needs no token; everything else runs against a SoftHSM2 token of the
test's own (tests/hsm.py) and skips, saying why, where SoftHSM2 cannot be had.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from tests.conftest import Result, Run, assert_clean_error, clean_env
from tests.hsm import PIN, Token, needs_hsm
from tests.keystores.contract import KeystoreContract, Made
from vault.errors import UsageError
from vault.keys.spec import (
    KeystoreSpec,
    is_pkcs11,
    keystore_spec,
    parse_pkcs11_uri,
    split_keystores,
)
from vault.keystores import Keystore, keystore_kind
from vault.keystores.create import parse_dname
from vault.secret import Secret

# -- URIs (no token needed) ---------------------------------------------------------


def test_uri_attributes_are_read_and_percent_decoded() -> None:
    uri = parse_pkcs11_uri(
        "pkcs11:token=vault%20hsm;serial=9e22;slot-id=7;object=app%3Av2;id=%01%FF;type=private"
        "?module-path=/usr/lib/softhsm/libsofthsm2.so"
    )
    assert (uri.token, uri.serial, uri.slot_id, uri.object) == ("vault hsm", "9e22", 7, "app:v2")
    assert uri.id == b"\x01\xff"
    assert uri.module_path == "/usr/lib/softhsm/libsofthsm2.so"
    assert uri.module({}) == "/usr/lib/softhsm/libsofthsm2.so"
    assert is_pkcs11("PKCS11:token=x") and not is_pkcs11("pkcs11.p12")


def test_module_comes_from_the_environment_when_the_uri_names_none() -> None:
    uri = parse_pkcs11_uri("pkcs11:token=t")
    assert uri.module({"CIPHERTOOL_PKCS11_MODULE": "/m.so"}) == "/m.so"
    with pytest.raises(UsageError, match="CIPHERTOOL_PKCS11_MODULE"):
        uri.module({})


@pytest.mark.parametrize("attribute", ["pin-value", "PIN-VALUE", "pin-source"])
def test_a_pin_in_the_uri_is_refused_without_repeating_it(attribute: str) -> None:
    where = "?" if attribute != "token" else ";"
    text = f"pkcs11:token=t;object=a{where}{attribute}=S3cretPin"
    with pytest.raises(UsageError) as caught:
        parse_pkcs11_uri(text)
    assert "S3cretPin" not in str(caught.value)
    assert "store password" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("pkcs11:token=t;object", "attribute=value"),
        ("pkcs11:token=t;label=x", "unsupported path attribute 'label'"),
        ("pkcs11:token=t;token=u", "given twice"),
        ("pkcs11:token=t%G1", "percent-encoding"),
        ("pkcs11:slot-id=x1", "slot-id"),
        ("pkcs11:token=t;type=secret-key", "type"),
        ("pkcs11:token=t?module-name=softhsm", "unsupported query attribute"),
    ],
)
def test_bad_uris_are_usage_errors(text: str, needle: str) -> None:
    with pytest.raises(UsageError, match=needle):
        parse_pkcs11_uri(text)


@pytest.mark.parametrize(
    ("value", "parts"),
    [
        ("pkcs11:token=t;object=a", ["pkcs11:token=t;object=a"]),
        ("pkcs11:token=t;object=a:b", ["pkcs11:token=t;object=a:b"]),
        ("pkcs11:token=t;object=a:./old.p12", ["pkcs11:token=t;object=a", "./old.p12"]),
        ("/k/old.p12:pkcs11:token=t;object=a", ["/k/old.p12", "pkcs11:token=t;object=a"]),
        (
            "pkcs11:token=t;object=a:pkcs11:token=u?module-path=/m.so:/k/x.jks",
            ["pkcs11:token=t;object=a", "pkcs11:token=u?module-path=/m.so", "/k/x.jks"],
        ),
        ("a.p12:b.p12", ["a.p12", "b.p12"]),
    ],
)
def test_keystore_lists_are_never_cut_inside_a_uri(value: str, parts: list[str]) -> None:
    assert split_keystores(value) == parts


def test_the_uri_object_is_the_alias_and_may_not_contradict_one() -> None:
    assert keystore_spec("pkcs11:token=t;object=app", environ={}).alias == "app"
    env = {"CIPHERTOOL_KEYSTORE": "pkcs11:token=t;object=app?module-path=/m.so"}
    assert keystore_spec(environ=env) == KeystoreSpec(env["CIPHERTOOL_KEYSTORE"], None, "app")
    with pytest.raises(UsageError, match="differ"):
        keystore_spec("pkcs11:token=t;object=app", alias="other", environ={})


def test_a_config_may_name_a_token_but_not_the_module_to_load(tmp_path: Path) -> None:
    config = tmp_path / "app.toml"
    config.write_text('[keystore.internal]\nfile_name = "pkcs11:token=t;object=app"\n')
    spec = keystore_spec(config=config, environ={})
    assert spec[:3] == ("pkcs11:token=t;object=app", None, "app")  # not made relative
    config.write_text(
        '[keystore.internal]\nfile_name = "pkcs11:token=t;object=app?module-path=/tmp/evil.so"\n'
    )
    with pytest.raises(UsageError, match="may not choose the PKCS#11 module"):
        keystore_spec(config=config, environ={})


# -- over a SoftHSM2 token -------------------------------------------------------------

TRANSFORMATIONS = [
    "RSA/ECB/OAEPwithSHA1andMGF1Padding",
    "RSA/ECB/OAEPWithSHA-256AndMGF1Padding",
    "RSA/ECB/PKCS1Padding",
]


def _ok(result: Result) -> Result:
    assert result.returncode == 0, result.stderr
    return result


@needs_hsm
def test_encrypt_with_the_certificate_and_decrypt_inside_the_token(in_process: Token) -> None:
    from vault.crypto.ring import KeyEntry, KeyRing
    from vault.keys.passwords import PasswordOptions
    from vault.keys.ring import open_key_ring

    ring = open_key_ring(
        keystore_spec(in_process.uri(), environ=os.environ),
        PasswordOptions(storepass_file=str(in_process.pin_file)),
    )
    # Encrypted as anyone holding only the certificate would.
    public = KeyRing([KeyEntry(ring.entries[0].certificate)])
    for transformation in TRANSFORMATIONS:
        for fmt in ("self-contained", "plain"):
            ciphertext = public.encrypt("db-pw", format=fmt, transformation=transformation)  # type: ignore[arg-type]
            given = transformation if fmt == "plain" else None
            assert ring.decrypt(ciphertext, transformation=given).reveal() == "db-pw"


@needs_hsm
def test_one_command_line_round_trip(run: Run, token: Token) -> None:
    env = token.env()
    pin = ["--storepass-file", str(token.pin_file)]
    ciphertext = _ok(run("encrypt", "-k", token.uri(), *pin, input="db-pw", env=env)).stdout.strip()
    assert _ok(run("decrypt", "-k", token.uri(), *pin, ciphertext, env=env)).stdout == "db-pw"


@needs_hsm
def test_hybrid_values_and_plain_blocks_without_a_transformation(run: Run, token: Token) -> None:
    env = token.env(CIPHERTOOL_KEYSTORE=token.uri(), CIPHERTOOL_KEYSTORE_PASSWORD=PIN)
    long_value = "-----BEGIN KEY-----" + "k" * 1500
    hybrid = _ok(run("encrypt", input=long_value, env=env)).stdout.strip()
    assert _ok(run("decrypt", hybrid, env=env)).stdout == long_value
    for transformation in ("RSA/ECB/OAEPwithSHA1andMGF1Padding", "RSA/ECB/PKCS1Padding"):
        block = _ok(
            run("encrypt", "--format", "plain", "-t", transformation, input="wso2", env=env)
        ).stdout.strip()
        assert _ok(run("decrypt", block, env=env)).stdout == "wso2"  # OAEP-SHA1, then PKCS#1


@needs_hsm
def test_resolve_exec_list_and_check_with_a_token(run: Run, token: Token, tmp_path: Path) -> None:
    config = tmp_path / "app.toml"
    config.write_text(
        '[db]\npassword = "$secret{db_pass}"\nurl = "jdbc://h/$secret{api}"\n\n'
        '[secrets]\ndb_pass = "[hunter2]"\napi = "[tok-123]"\n'
    )
    uri = token.uri(module=True)  # the module from the URI this time
    env = clean_env(SOFTHSM2_CONF=str(token.conf))
    pin = ["--storepass-file", str(token.pin_file)]
    _ok(run("configure", str(config), "-k", uri, *pin, env=env))
    assert "hunter2" not in config.read_text()
    resolved = json.loads(_ok(run("resolve", str(config), "-k", uri, *pin, env=env)).stdout)
    assert resolved["db"] == {"password": "hunter2", "url": "jdbc://h/tok-123"}
    listing = _ok(run("list", str(config), "-k", uri, *pin, "--json", env=env)).stdout
    assert [e["state"] for e in json.loads(listing)] == ["encrypted", "encrypted"]
    _ok(run("check", str(config), "-k", uri, *pin, env=env))
    child = _ok(
        run("exec", "-k", uri, *pin, str(config), "--", "sh", "-c", 'echo "$DB_PASS $API"', env=env)
    )
    assert child.stdout.strip() == "hunter2 tok-123"


@needs_hsm
def test_the_pin_comes_from_the_store_password_sources(
    run: Run, token: Token, tmp_path: Path
) -> None:
    ciphertext = _ok(
        run(
            "encrypt", "-k", token.uri(), input="v", env=token.env(CIPHERTOOL_KEYSTORE_PASSWORD=PIN)
        )
    ).stdout.strip()
    home = tmp_path / "home"
    home.mkdir()
    (home / "password-persist").write_text(PIN + "\n")
    (home / "password-persist").chmod(0o600)
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "ciphertool-keystore-password").write_text(PIN)
    sources = [
        token.env(MY_PIN=PIN),
        token.env(CIPHERTOOL_KEYSTORE_PASSWORD=PIN),
        token.env(CIPHERTOOL_HOME=str(home)),
        token.env(CREDENTIALS_DIRECTORY=str(creds)),
    ]
    flags = [["--storepass-env", "MY_PIN"], [], [], []]
    for env, extra in zip(sources, flags, strict=True):
        assert _ok(run("decrypt", "-k", token.uri(), *extra, ciphertext, env=env)).stdout == "v"
    # The folder a URI has not: a password-persist in the working folder is not read.
    (tmp_path / "password-persist").write_text(PIN + "\n")
    assert_clean_error(
        run("decrypt", "-k", token.uri(), ciphertext, env=token.env(), cwd=tmp_path),
        3,
        "no keystore password given",
    )


@needs_hsm
def test_a_token_in_a_product_home_takes_its_pin_from_the_homes_root(
    in_process: Token, tmp_path: Path
) -> None:
    """A product home's keystore may be a token: its PIN comes from the home's
    password-persist (KeystoreSpec.password_home), as a file keystore's password does;
    no environment variable carries the home (issue 17 removed that write)."""
    from vault.keys.ring import open_key_ring

    home = tmp_path / "home"
    home.mkdir()
    (home / "password-persist").write_text(PIN + "\n")
    (home / "password-persist").chmod(0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIPHERTOOL_")}
    env["CIPHERTOOL_PKCS11_MODULE"] = os.environ["CIPHERTOOL_PKCS11_MODULE"]
    spec = keystore_spec(in_process.uri(), environ=env)._replace(password_home=str(home))
    ring = open_key_ring(spec, environ=env, interactive=False)
    ciphertext = ring.encrypt("db-pw")
    assert ring.decrypt(ciphertext).reveal() == "db-pw"


@needs_hsm
def test_wrong_pin_and_unknown_token_are_exit_3_in_one_line(
    run: Run, token: Token, tmp_path: Path
) -> None:
    ciphertext = _ok(
        run(
            "encrypt", "-k", token.uri(), input="v", env=token.env(CIPHERTOOL_KEYSTORE_PASSWORD=PIN)
        )
    ).stdout.strip()
    wrong = run(
        "decrypt",
        "-k",
        token.uri(),
        ciphertext,
        env=token.env(CIPHERTOOL_KEYSTORE_PASSWORD="nope-99"),
    )
    assert_clean_error(wrong, 3, "wrong PIN")
    assert "nope-99" not in wrong.stderr
    unknown = run(
        "decrypt",
        "-k",
        "pkcs11:token=no-such;object=app",
        ciphertext,
        env=token.env(CIPHERTOOL_KEYSTORE_PASSWORD=PIN),
    )
    assert_clean_error(unknown, 3, "no token matches token=no-such", "vault-hsm")
    no_object = run(
        "decrypt",
        "-k",
        token.uri("ghost"),
        ciphertext,
        env=token.env(CIPHERTOOL_KEYSTORE_PASSWORD=PIN),
    )
    assert_clean_error(no_object, 3, "ghost")
    missing_module = run(
        "decrypt",
        "-k",
        token.uri(),
        ciphertext,
        env=token.env(
            CIPHERTOOL_PKCS11_MODULE=str(tmp_path / "none.so"), CIPHERTOOL_KEYSTORE_PASSWORD=PIN
        ),
    )
    assert_clean_error(missing_module, 2, "no such PKCS#11 module")
    for command in (["keystore", "passwd", token.uri()], ["keystore", "import-cert", token.uri()]):
        extra = ["c.pem", "-a", "x"] if "import-cert" in command else []
        refused = run(*command, *extra, env=token.env(), cwd=tmp_path)
        assert_clean_error(refused, 2, "token")
    assert not list(tmp_path.glob("pkcs11*"))  # no file named after the URI
    on_argv = run("decrypt", "-k", token.uri() + "?pin-value=" + PIN, ciphertext, env=token.env())
    assert_clean_error(on_argv, 2, "may not carry the PIN")
    assert PIN not in on_argv.stderr


@needs_hsm
def test_keystore_create_makes_the_pair_inside_the_token(
    run: Run, token: Token, tmp_path: Path
) -> None:
    env = token.env()
    pin = ["--storepass-file", str(token.pin_file)]
    made = _ok(
        run(
            "keystore", "create", token.uri("web"), "--alias", "web", "--key-size", "2048",
            "--dname", "CN=web, O=Example", "--validity", "30", *pin, env=env,
        )
    )  # fmt: skip
    assert "never extractable" in made.stderr
    listing = json.loads(
        _ok(run("keystore", "list", token.uri(None), "--json", *pin, env=env)).stdout
    )
    rows = {row["alias"]: row for row in listing["entries"]}
    assert listing["type"] == "PKCS11"
    assert set(rows) == {"app", "web"}
    web = rows["web"]
    assert (web["kind"], web["key_size"], web["subject"]) == (
        "private-key",
        2048,
        "CN=web,O=Example",
    )
    assert web["expires"] and len(web["thumbprint"]) == 40
    # Without the PIN the private keys are not even visible: the certificates are.
    public = _ok(run("keystore", "list", token.uri(None), "--json", env=env))
    assert {r["kind"] for r in json.loads(public.stdout)["entries"]} == {"trusted-cert"}
    assert "no PIN given" in public.stderr
    pem = _ok(run("keystore", "export-cert", token.uri("web"), env=env)).stdout
    from cryptography import x509

    cert = x509.load_pem_x509_certificate(pem.encode())
    cert.verify_directly_issued_by(cert)  # signed by the token's own key
    from vault.keystores import thumbprint

    assert thumbprint(cert) == web["thumbprint"]
    # A label in use is never overwritten.
    again = run("keystore", "create", token.uri(None), "--alias", "web", *pin, env=env)
    assert_clean_error(again, 2, "already holds an object labelled 'web'")
    after = json.loads(
        _ok(run("keystore", "list", token.uri(None), "--json", *pin, env=env)).stdout
    )
    assert [r["thumbprint"] for r in after["entries"]] == [
        r["thumbprint"] for r in listing["entries"]
    ]


@needs_hsm
def test_the_generated_private_key_is_sensitive_and_never_extractable(in_process: Token) -> None:
    import pkcs11
    from pkcs11 import Attribute, ObjectClass

    from vault.keys.ring import load_store
    from vault.keystores import pkcs11 as kind
    from vault.secret import Secret

    store = load_store(in_process.uri(), Secret(PIN))
    assert isinstance(store, kind.TokenKeystore)
    assert kind.key_attributes(store) == {
        "sensitive": True,
        "extractable": False,
        "private": True,
        "always_sensitive": True,
        "never_extractable": True,
    }
    # Read back through the binding itself, and try to read the key out.
    session = store._held.session
    (private,) = session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY})
    with pytest.raises(pkcs11.exceptions.AttributeSensitive):
        private[Attribute.PRIVATE_EXPONENT]
    with pytest.raises(TypeError, match="never leaves"):
        store.private_key().private_numbers()  # type: ignore[call-arg]


@needs_hsm
def test_rotate_from_a_file_to_the_token_and_back(run: Run, token: Token, tmp_path: Path) -> None:
    (tmp_path / "p12pass").write_text("file-pass-1\n")
    (tmp_path / "p12pass").chmod(0o600)
    run_env = token.env()
    _ok(
        run("keystore", "create", "old.p12", "--alias", "old", "--storepass-file", "p12pass",
            env=run_env, cwd=tmp_path)
    )  # fmt: skip
    config = tmp_path / "app.toml"
    config.write_text('[db]\npassword = "$secret{a}"\n\n[secrets]\na = "[alpha]"\nb = "[beta]"\n')
    file_args = ["-k", "old.p12", "--storepass-file", "p12pass"]
    _ok(run("configure", "app.toml", *file_args, env=run_env, cwd=tmp_path))
    to_token = run(
        "rotate", "app.toml", *file_args, "--to-keystore", token.uri(),
        "--to-storepass-file", str(token.pin_file), env=run_env, cwd=tmp_path,
    )  # fmt: skip
    assert _ok(to_token).stderr.count("rotated 2 secret(s)") == 1, to_token.stderr
    token_args = ["-k", token.uri(), "--storepass-file", str(token.pin_file)]
    resolved = _ok(run("resolve", "app.toml", *token_args, "-o", "env", env=run_env, cwd=tmp_path))
    assert "A=alpha" in resolved.stdout and "B=beta" in resolved.stdout
    # The file key no longer reads them; the token alone does.
    assert run("resolve", "app.toml", *file_args, env=run_env, cwd=tmp_path).returncode == 3
    # A mixed ring (token first, the old file after it) during the switch-over.
    # Each keystore's password from its own source: the file's from password-persist beside
    # it, the token's PIN (a URI has no folder) from systemd's credentials.
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "ciphertool-keystore-password").write_text(PIN)
    mixed = f"{token.uri()}:./old.p12"
    env = token.env(CIPHERTOOL_KEYSTORE=mixed, CREDENTIALS_DIRECTORY=str(creds))
    old_value = _ok(
        run("encrypt", *file_args, input="from-the-file", env=run_env, cwd=tmp_path)
    ).stdout.strip()
    with config.open("a") as handle:
        handle.write(f'c = "{old_value}"\n')
    (tmp_path / "password-persist").write_text("file-pass-1\n")
    (tmp_path / "password-persist").chmod(0o600)
    both = _ok(run("resolve", "app.toml", "-o", "env", env=env, cwd=tmp_path)).stdout
    assert "C=from-the-file" in both and "A=alpha" in both, both
    # And back to a file, from the mixed ring (c is still for the old file's key).
    _ok(
        run("keystore", "create", "new.p12", "--alias", "new", "--storepass-file", "p12pass",
            env=run_env, cwd=tmp_path)
    )  # fmt: skip
    back = run(
        "rotate", "app.toml", "--to-keystore", "new.p12", "--to-storepass-file", "p12pass",
        env=env, cwd=tmp_path,
    )  # fmt: skip
    assert "rotated 3 secret(s)" in _ok(back).stderr
    (tmp_path / "password-persist").unlink()
    new_args = ["-k", "new.p12", "--storepass-file", "p12pass"]
    final = _ok(run("resolve", "app.toml", *new_args, "-o", "env", env=run_env, cwd=tmp_path))
    assert "A=alpha" in final.stdout and "C=from-the-file" in final.stdout


@needs_hsm
def test_each_secret_is_decrypted_once_and_threads_share_the_session(
    in_process: Token, tmp_path: Path
) -> None:
    from vault import Vault
    from vault.keys.passwords import PasswordOptions
    from vault.keystores import _pkcs11_session as sessions
    from vault.keystores import pkcs11 as kind

    options = PasswordOptions(storepass_file=str(in_process.pin_file))
    vault = Vault.open(in_process.uri(), passwords=options)
    values = {f"s{n}": f"value-{n}" for n in range(12)}
    lines = "".join(f'{a} = "{vault.ring.encrypt(v)}"\n' for a, v in values.items())
    refs = "".join(f'r{a} = "$secret{{{a}}}-$secret{{{a}}}"\n' for a in values)
    config = tmp_path / "app.toml"
    config.write_text(f"[app]\n{refs}\n[secrets]\n{lines}")
    key = vault.ring.entries[0].private_key
    assert isinstance(key, kind.TokenKey)
    before = key.operations
    loaded = vault.load(config)
    assert loaded["app"] == {f"r{a}": f"{v}-{v}" for a, v in values.items()}
    assert key.operations - before == len(values)  # each alias once, though named twice
    assert len(sessions.SESSIONS) == 1
    # Eight threads decrypting at once through the one session.
    ciphertexts = [(vault.ring.encrypt(f"t-{n}"), f"t-{n}") for n in range(40)]
    errors: list[BaseException] = []

    def work(chunk: list[tuple[str, str]]) -> None:
        try:
            for ciphertext, expected in chunk:
                assert vault.ring.decrypt(ciphertext).reveal() == expected
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(ciphertexts[n::8],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len(sessions.SESSIONS) == 1


@needs_hsm
def test_pkcs1_through_ckm_rsa_pkcs_when_the_token_has_no_raw_rsa(in_process: Token) -> None:
    """Most tokens offer CKM_RSA_X_509 (the padding is then checked here, with no implicit
    rejection); one that does not decrypts PKCS#1 blocks with CKM_RSA_PKCS, and OAEP with
    a digest it refuses is a clean key error."""
    import pkcs11

    from vault.errors import KeyTroubleError
    from vault.keys.passwords import PasswordOptions
    from vault.keys.ring import open_key_ring

    ring = open_key_ring(
        keystore_spec(in_process.uri(), environ=os.environ),
        PasswordOptions(storepass_file=str(in_process.pin_file)),
    )
    from vault.keystores import _pkcs11_session as sessions

    (held,) = sessions.SESSIONS.values()
    held.mechanisms.discard(pkcs11.Mechanism.RSA_X_509)
    pkcs1 = ring.encrypt("old-wso2", transformation="RSA/ECB/PKCS1Padding", format="plain")
    assert ring.decrypt(pkcs1, transformation="RSA").reveal() == "old-wso2"
    sha1 = ring.encrypt("oaep-1")
    assert ring.decrypt(sha1).reveal() == "oaep-1"  # CKM_RSA_PKCS_OAEP in the token
    sha256 = ring.encrypt("oaep-256", transformation="RSA/ECB/OAEPWithSHA-256AndMGF1Padding")
    with pytest.raises(KeyTroubleError, match="neither OAEP with SHA-256 nor raw RSA"):
        ring.decrypt(sha256)


@needs_hsm
def test_a_ciphertext_for_another_key_is_not_read_by_the_token(
    in_process: Token, tmp_path: Path
) -> None:
    from vault.crypto.ring import KeyEntry, KeyRing
    from vault.errors import DecryptionError
    from vault.keys.passwords import PasswordOptions
    from vault.keys.ring import open_key_ring
    from vault.keystores.create import create_keystore
    from vault.secret import Secret

    other = create_keystore(tmp_path / "other.p12", "o", Secret("file-pass-1"))
    stranger = KeyRing([KeyEntry(other)])
    ring = open_key_ring(
        keystore_spec(in_process.uri(), environ=os.environ),
        PasswordOptions(storepass_file=str(in_process.pin_file)),
    )
    for transformation in TRANSFORMATIONS:
        block = stranger.encrypt("not-yours", format="plain", transformation=transformation)
        with pytest.raises(DecryptionError, match=r"^decryption failed$"):
            ring.decrypt(block, transformation=transformation)


@needs_hsm
def test_a_certificate_planted_under_the_keys_label_is_not_the_keys(
    in_process: Token, tmp_path: Path
) -> None:
    """A public certificate object anyone may create without the PIN, under the key's
    label and id, holding another key: it is listed, and never encrypts for 'app'."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding
    from pkcs11 import Attribute, CertificateType, ObjectClass
    from pkcs11 import lib as load_lib

    from vault.keys.ring import load_store
    from vault.keystores.create import create_keystore
    from vault.secret import Secret

    other = create_keystore(tmp_path / "o.p12", "o", Secret("file-pass-1"))
    token = load_lib(in_process.module).get_token(token_label=in_process.label)
    store = load_store(in_process.uri(), Secret(PIN))
    real = store.certificate_der("app")
    ident = store._keys["app"][0].id  # type: ignore[attr-defined]
    real_cert = x509.load_der_x509_certificate(real)

    def cert_object(cert: x509.Certificate) -> dict[Attribute, object]:
        return {
            Attribute.CLASS: ObjectClass.CERTIFICATE,
            Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
            Attribute.TOKEN: True,
            Attribute.PRIVATE: False,
            Attribute.LABEL: "app",
            Attribute.ID: ident,
            Attribute.SUBJECT: cert.subject.public_bytes(),
            Attribute.VALUE: cert.public_bytes(Encoding.DER),
        }

    with token.open(rw=True) as session:  # the planted one first, the real one after it
        for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE}):
            obj.destroy()
        session.create_object(cert_object(other))
        session.create_object(cert_object(real_cert))
    again = load_store(in_process.uri(), Secret(PIN))
    for _ in range(2):  # whichever order the token lists them in
        assert again.certificate_der("app") == real
        again = load_store(in_process.uri(), Secret(PIN))
    assert [e.kind for e in again.entries] == ["private-key", "trusted-cert"]


@needs_hsm
class TestPkcs11(KeystoreContract):
    """A token under the keystore contract: key pairs are made inside it, the PIN is its
    password, its public certificate objects are its truststore."""

    kind = "PKCS11"
    suffix = ""
    password = PIN
    not_written = "a token's key pairs are made inside it; it is no byte string to write"
    ordered = False  # the token lists its objects in an order of its own

    @pytest.fixture(autouse=True)
    def _token(self, in_process: Token) -> None:
        self.token = in_process

    def make(self, alias: str) -> Made:
        from vault.keystores.pkcs11 import create_key_pair

        uri = parse_pkcs11_uri(self.token.uri(alias))
        cert = create_key_pair(
            uri,
            self.token.module,
            Secret(PIN),
            key_size=2048,
            subject=parse_dname(f"CN={alias}"),
            validity_days=30,
        )
        return Made(uri.text, alias, cert)

    def made(self) -> Made:
        """The token's own pair 'app', its certificate read without logging in."""
        uri = self.token.uri("app")
        der = self.open(uri, None).certificate_der("app")
        return Made(uri, "app", x509.load_der_x509_certificate(der))

    def open(self, location: str, password: str | None) -> Keystore:
        from vault.keys.ring import load_store

        return load_store(location, Secret(password) if password is not None else None)

    def change(self, location: str, old: str, new: str) -> None:
        store = self.open(location, old)
        keystore_kind("PKCS11").rewrap(store, b"", Secret(old), Secret(new), Secret(new))

    def snapshot(self, location: str) -> object:
        store = self.open(location, PIN)
        return [(e.alias, e.kind, e.thumbprint) for e in store.entries]

    def truststore(self, certificates: list[tuple[str, x509.Certificate]]) -> str:
        """Public certificate objects, written through the binding (as p11tool --write)."""
        from pkcs11 import Attribute, CertificateType, ObjectClass
        from pkcs11 import lib as load_lib

        token = load_lib(self.token.module).get_token(token_label=self.token.label)
        with token.open(rw=True, user_pin=PIN) as session:
            for alias, cert in certificates:
                session.create_object(
                    {
                        Attribute.CLASS: ObjectClass.CERTIFICATE,
                        Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                        Attribute.TOKEN: True,
                        Attribute.PRIVATE: False,
                        Attribute.LABEL: alias,
                        Attribute.ID: alias.encode(),
                        Attribute.SUBJECT: cert.subject.public_bytes(),
                        Attribute.VALUE: cert.public_bytes(Encoding.DER),
                    }
                )
        return self.token.uri(None)

    def test_import_cert_refuses_a_taken_alias_and_keys_beside(self) -> None:
        pytest.skip("import-cert writes truststore files; a token's are written by its tools")

    def test_a_damaged_byte_is_refused(self) -> None:
        pytest.skip("a token keeps its objects itself: there are no bytes here to damage")
