"""The runtime resolver: resolved data, fail closed, decrypt once, threads, exec."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import CIPHERTOOL, Run, assert_clean_error, clean_env
from vault.crypto import ring as ring_module
from vault.crypto.ring import KeyEntry, KeyRing
from vault.errors import ResolveError
from vault.keystores import load_keystore
from vault.keystores.create import create_keystore
from vault.runtime.load import Vault, load_config
from vault.secret import Secret

PASSWORD = "resolver-pass"


@pytest.fixture(scope="module")
def keystore(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ks") / "service.jks"
    create_keystore(path, "service", Secret(PASSWORD), kind="jks")
    return path


@pytest.fixture(scope="module")
def ring(keystore: Path) -> KeyRing:
    store = load_keystore(keystore, Secret(PASSWORD))
    return KeyRing([KeyEntry(store.certificate(), store.private_key())])


def write_config(folder: Path, ring: KeyRing, body: str, **secrets: str) -> Path:
    lines = [body, "[secrets]"]
    for alias, value in secrets.items():
        lines.append(
            f'"{alias}" = "{value if value.startswith(("[", "$")) else ring.encrypt(value)}"'
        )
    path = folder / "app.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


BODY = """[db]
password = "$secret{db_password}"
url = "postgres://app:$secret{db_password}@db:5432/app?sslkey=$env{SSL_KEY}"
port = 5432
[api]
tokens = ["$secret{api.token}", "static"]
"""


def test_load_resolves_whole_values_and_references_inside_strings(
    tmp_path: Path, ring: KeyRing
) -> None:
    path = write_config(tmp_path, ring, BODY, db_password="pä$$ word", **{"api.token": "tok-1"})
    data = Vault(ring, environ={"SSL_KEY": "/k.pem"}).load(path)
    assert data == {
        "db": {
            "password": "pä$$ word",
            "url": "postgres://app:pä$$ word@db:5432/app?sslkey=/k.pem",
            "port": 5432,
        },
        "api": {"tokens": ["tok-1", "static"]},
    }


def test_load_config_opens_the_keystore_from_the_environment(
    tmp_path: Path, ring: KeyRing, keystore: Path
) -> None:
    path = write_config(tmp_path, ring, '[a]\nb = "$secret{x}"\n', x="value-x")
    env = {"CIPHERTOOL_KEYSTORE": str(keystore), "CIPHERTOOL_KEYSTORE_PASSWORD": PASSWORD}
    assert load_config(path, environ=env) == {"a": {"b": "value-x"}}


@pytest.mark.parametrize(
    ("body", "secrets", "alias", "message"),
    [
        ('k = "$secret{nope}"', {}, "nope", "unknown alias 'nope'"),
        ('k = "$secret{raw}"', {"raw": "[still-plain]"}, "raw", "still [plaintext]"),
        (
            'k = "$secret{a}"',
            {"a": "$secret{b}", "b": "$secret{a}"},
            "a",
            "alias cycle: a -> b -> a",
        ),
        ('k = "$env{UNSET_VAR_X}"', {}, "UNSET_VAR_X", "$env{UNSET_VAR_X} is not set"),
        (
            'k = "$secret{junk}"',
            {"junk": "bm90LWEtY2lwaGVydGV4dA=="},
            "junk",
            "cannot be decrypted",
        ),
    ],
)
def test_fails_closed_naming_alias_and_file(
    tmp_path: Path, ring: KeyRing, body: str, secrets: dict[str, str], alias: str, message: str
) -> None:
    path = tmp_path / "app.toml"
    path.write_text(body + "\n[secrets]\n" + "".join(f'{a} = "{v}"\n' for a, v in secrets.items()))
    with pytest.raises(ResolveError) as caught:
        Vault(ring, environ={}).load(path)
    assert caught.value.alias == alias
    assert caught.value.path == str(path)
    assert message in str(caught.value)


def test_a_ciphertext_for_another_key_fails_closed(tmp_path: Path, ring: KeyRing) -> None:
    other_path = tmp_path / "other.p12"
    create_keystore(other_path, "other", Secret(PASSWORD))
    other = load_keystore(other_path, Secret(PASSWORD))
    foreign = KeyRing([KeyEntry(other.certificate(), other.private_key())]).encrypt("x")
    path = tmp_path / "app.toml"
    path.write_text(f'k = "$secret{{f}}"\n[secrets]\nf = "{foreign}"\n')
    with pytest.raises(ResolveError, match="alias 'f' cannot be decrypted: no key in the key ring"):
        Vault(ring).load(path)


def test_each_secret_is_decrypted_once(
    tmp_path: Path, ring: KeyRing, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = "\n".join(
        f'k{n} = "$secret{{s{n % 5}}} and $secret{{s{(n + 1) % 5}}}"' for n in range(30)
    )
    path = write_config(tmp_path, ring, body, **{f"s{n}": f"v{n}" for n in range(5)})
    calls: list[int] = []
    real = ring_module.rsa_decrypt
    monkeypatch.setattr(ring_module, "rsa_decrypt", lambda *a: calls.append(1) or real(*a))
    data = Vault(ring).load(path)
    assert data["k7"] == "v2 and v3"
    assert len(calls) == 5


def test_lazy_mapping_decrypts_on_first_access(
    tmp_path: Path, ring: KeyRing, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_config(tmp_path, ring, "", a="A", b="B", c="C")
    calls: list[int] = []
    real = ring_module.rsa_decrypt
    monkeypatch.setattr(ring_module, "rsa_decrypt", lambda *a: calls.append(1) or real(*a))
    secrets = Vault(ring).secrets(path)
    assert sorted(secrets) == ["a", "b", "c"] and not calls
    assert secrets["b"].reveal() == "B" and secrets["b"].reveal() == "B"
    assert len(calls) == 1
    assert "B" not in repr(secrets) + repr(secrets["b"])


def test_a_resolver_shared_by_eight_threads(
    tmp_path: Path, ring: KeyRing, monkeypatch: pytest.MonkeyPatch
) -> None:
    values = {f"s{n}": f"value-{n}-✓" for n in range(12)}
    path = write_config(tmp_path, ring, "", **values)
    calls: list[int] = []
    real = ring_module.rsa_decrypt
    monkeypatch.setattr(ring_module, "rsa_decrypt", lambda *a: calls.append(1) or real(*a))
    _, resolver = Vault(ring).resolver(path)
    results: dict[int, dict[str, str]] = {}
    barrier = threading.Barrier(8)

    def work(n: int) -> None:
        barrier.wait()
        order = sorted(values, reverse=n % 2 == 1)
        results[n] = {alias: resolver.secret(alias).reveal() for alias in order}

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(result == values for result in results.values()) and len(results) == 8
    assert len(calls) == len(values)


def test_resolve_command(run: Run, tmp_path: Path, ring: KeyRing, keystore: Path) -> None:
    path = write_config(
        tmp_path,
        ring,
        '[db]\npassword = "$secret{db.pass-word}"\n',
        **{"db.pass-word": "it's secret"},
    )
    env = clean_env(CIPHERTOOL_KEYSTORE=str(keystore), CIPHERTOOL_KEYSTORE_PASSWORD=PASSWORD)
    as_json = run("resolve", str(path), env=env)
    assert json.loads(as_json.stdout) == {"db": {"password": "it's secret"}}
    as_env = run("resolve", str(path), "--output", "env", "--env-prefix", "APP_", env=env)
    assert as_env.stdout == "APP_DB_PASS_WORD='it'\"'\"'s secret'\n"
    path.write_text('k = "$secret{gone}"\n')
    failed = run("resolve", str(path), env=env)
    assert_clean_error(failed, 3, "unknown alias 'gone'", str(path))
    assert failed.stdout == ""


def test_exec_passes_secrets_in_the_environment_and_the_exit_code(
    tmp_path: Path, ring: KeyRing, keystore: Path
) -> None:
    path = write_config(tmp_path, ring, "", api_token="exec-canary-7f3a")
    env = clean_env(CIPHERTOOL_KEYSTORE=str(keystore), CIPHERTOOL_KEYSTORE_PASSWORD=PASSWORD)
    script = 'cat /proc/$$/cmdline | tr "\\0" " "; echo; echo "token=$API_TOKEN"; exit 7'
    proc = subprocess.run(
        [*CIPHERTOOL, "exec", str(path), "--", "sh", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 7, proc.stderr
    cmdline, token = proc.stdout.splitlines()[:2]
    assert token == "token=exec-canary-7f3a"
    assert "exec-canary" not in cmdline


# What only costs start-up time: json, hashlib and hmac (Python's own OpenSSL binding),
# threading, AES-GCM, x509 (a PKCS12's MAC takes hashlib: its key derivation runs faster).
LEAN = "json hashlib hmac threading cryptography.x509 cryptography.hazmat.primitives.ciphers.aead"


@pytest.mark.parametrize(
    ("kind", "lean"),
    [("jks", LEAN), ("pem", LEAN), ("pkcs12", LEAN.replace("hashlib ", ""))],
)
def test_the_runtime_path_imports_no_write_code(tmp_path: Path, kind: str, lean: str) -> None:
    keystore = tmp_path / f"k.{kind}"
    create_keystore(keystore, "k", Secret(PASSWORD), kind=kind)
    store = load_keystore(keystore, Secret(PASSWORD))
    path = write_config(
        tmp_path, KeyRing([KeyEntry(store.certificate())]), 'a = "$secret{x}"\n', x="y"
    )
    environ = {"CIPHERTOOL_KEYSTORE_PASSWORD": PASSWORD}
    ks = str(keystore)
    code = (
        "import sys, vault\n"
        f"data = vault.load_config({str(path)!r}, keystore={ks!r}, environ={environ!r})\n"
        "heavy = ('tomlkit', 'click', 'jks', 'yaml')\n"
        "write = ('vault.operations', 'vault.cli.app', 'vault.keystores.create',"
        " 'vault.configs.formats', 'logging')\n"
        f"lean = tuple({lean!r}.split())\n"
        "print(data, sorted(m for m in sys.modules"
        " if m.split('.')[0] in heavy or m.startswith(write + lean)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=clean_env()
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "{'a': 'y'} []"


SHA256 = "RSA/ECB/OAEPWithSHA-256AndMGF1Padding"


def test_plain_ciphertexts_take_their_transformation_from_the_flag_or_the_config(
    run: Run, tmp_path: Path, ring: KeyRing, keystore: Path
) -> None:
    """A bare RSA block names no transformation: OAEP-SHA256 needs telling, by --transformation
    or, as a WSO2 product says it, [system.parameter] in deployment.toml."""
    block = ring.encrypt("sha-256 value", format="plain", transformation=SHA256)
    path = tmp_path / "app.toml"
    path.write_text(f'a = "$secret{{s}}"\n[secrets]\ns = "{block}"\n')
    env = clean_env(CIPHERTOOL_KEYSTORE=str(keystore), CIPHERTOOL_KEYSTORE_PASSWORD=PASSWORD)
    assert_clean_error(run("resolve", str(path), env=env), 3, "alias 's' cannot be decrypted")
    flagged = run("resolve", "-t", SHA256.lower(), str(path), env=env)
    assert json.loads(flagged.stdout) == {"a": "sha-256 value"}
    configured = f'[system.parameter]\n"org.wso2.CipherTransformation" = "{SHA256}"\n'
    path.write_text(path.read_text() + configured)
    assert Vault(ring).load(path) == {"a": "sha-256 value", "system": ANY_SYSTEM}
    assert json.loads(run("resolve", str(path), env=env).stdout)["a"] == "sha-256 value"
    # The flag wins over the config; a wrong one fails, saying where it came from.
    wrong = run("resolve", "-t", "RSA/ECB/PKCS1Padding", str(path), env=env)
    assert_clean_error(wrong, 3, "alias 's' cannot be decrypted")
    path.write_text(path.read_text().replace(SHA256, "RSA/ECB/OAEPwithSHA1andMGF1Padding"))
    told = run("resolve", str(path), env=env)
    assert_clean_error(told, 3, "read as RSA/ECB/OAEPwithSHA1andMGF1Padding", "[system.parameter]")
    path.write_text(path.read_text().replace("RSA/ECB/OAEPwithSHA1andMGF1Padding", "RSA/X"))
    assert_clean_error(run("resolve", str(path), env=env), 2, "unknown transformation 'RSA/X'")
    assert_clean_error(run("resolve", "-t", "RSA/Y", str(path), env=env), 2, "'RSA/Y'")


ANY_SYSTEM = {"parameter": {"org.wso2.CipherTransformation": SHA256}}


def test_a_product_homes_secret_conf_names_the_transformation(
    tmp_path: Path, ring: KeyRing
) -> None:
    """XML and .properties configs of a WSO2 home: secret-conf.properties beside the store."""
    security = tmp_path / "repository" / "conf" / "security"
    security.mkdir(parents=True)
    block = ring.encrypt("from the home", format="plain", transformation=SHA256)
    (security / "cipher-text.properties").write_text(f"db.password={block}\n")
    config = security / "app.properties"
    config.write_text("password=$secret{db.password}\n")
    with pytest.raises(ResolveError):
        Vault(ring).load(config)
    (security / "secret-conf.properties").write_text(
        f"secretRepositories.file.algorithm={SHA256}\n"
    )
    assert Vault(ring).load(config) == {"password": "from the home"}
