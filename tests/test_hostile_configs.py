"""Hostile configs: whoever can write a config, holding only the public certificate,
gains nothing (issue 13). Each attack is run as it was reproduced: real keystores,
real files, real ``ciphertool`` subprocesses."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from tests.conftest import CIPHERTOOL, Run, assert_clean_error, clean_env
from vault.crypto.ring import KeyEntry, KeyRing
from vault.keystores import load_keystore
from vault.keystores.create import create_keystore
from vault.secret import Secret

PASSWORD = "operator-pass-1"


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, Path]:
    """The operator's keystore, and its certificate (all an attacker holds)."""
    create_keystore(tmp_path / "real.p12", "app", Secret(PASSWORD))
    return {"real": tmp_path / "real.p12"}


def _env(keystore: Path | None = None, **extra: str) -> dict[str, str]:
    env = clean_env(CIPHERTOOL_KEYSTORE_PASSWORD=PASSWORD, **extra)
    if keystore is not None:
        env["CIPHERTOOL_KEYSTORE"] = str(keystore)
    return env


def _public(keystore: Path) -> KeyRing:
    """What an attacker with the certificate alone can do: encrypt."""
    store = load_keystore(keystore, Secret(PASSWORD))
    return KeyRing([KeyEntry(store.certificate_der())])


def _private(keystore: Path) -> KeyRing:
    store = load_keystore(keystore, Secret(PASSWORD))
    return KeyRing([KeyEntry(store.certificate_der(), store.private_key())])


# -- store entry names -------------------------------------------------------------------


def test_a_store_key_that_is_no_alias_never_reaches_eval(
    run: Run, tmp_path: Path, keys: dict[str, Path]
) -> None:
    ring = _public(keys["real"])
    name = "x;$'\\164\\157\\165\\143\\150' pwned;y"  # $'...': "touch" in bash
    config = tmp_path / "f.json"
    config.write_text(
        json.dumps(
            {"a": "$secret{ok}", "secrets": {name: ring.encrypt("v"), "ok": ring.encrypt("o")}}
        )
        + "\n"
    )
    env = _env(keys["real"])
    result = run("resolve", "f.json", "--output", "env", env=env)
    assert_clean_error(result, 2, "f.json:1:", "is no alias")
    assert result.stdout == ""
    script = f'eval "$({" ".join(CIPHERTOOL)} resolve f.json --output env)"'
    subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, timeout=60)
    assert not (tmp_path / "PWNED").exists() and not (tmp_path / "pwned").exists()
    for command in (["exec", "f.json", "--", "true"], ["list", "f.json"], ["configure", "f.json"]):
        assert_clean_error(run(*command, env=env), 2, "f.json:1:", "is no alias")
    checked = run("check", "f.json", env=env)
    assert checked.returncode == 1
    assert "f.json:1: the store entry" in checked.stdout and "is no alias" in checked.stdout


def test_a_sidecar_store_entry_that_is_no_alias_is_named_by_file_and_line(
    run: Run, tmp_path: Path, keys: dict[str, Path]
) -> None:
    ring = _public(keys["real"])
    (tmp_path / "app.properties").write_text("db.password=$secret{db}\n")
    (tmp_path / "cipher-text.properties").write_text(
        f"db={ring.encrypt('v')}\nbad\\ name$(id)={ring.encrypt('w')}\n"
    )
    result = run("exec", "app.properties", "--", "true", env=_env(keys["real"]))
    assert_clean_error(result, 2, "cipher-text.properties:2:", "is no alias")
    result = run("rotate", "app.properties", "--to-alias", "app", env=_env(keys["real"]))
    assert_clean_error(result, 2, "cipher-text.properties:2:", "is no alias")


@pytest.mark.parametrize(
    ("alias", "variable"),
    [("path", "PATH"), ("ld_preload", "LD_PRELOAD"), ("bash_env", "BASH_ENV"),
     ("pythonstartup", "PYTHONSTARTUP"), ("java_tool_options", "JAVA_TOOL_OPTIONS"),
     ("ifs", "IFS"), ("env", "ENV")],
)  # fmt: skip
def test_an_alias_that_would_set_a_loader_or_shell_variable_is_refused_before_anything_runs(
    run: Run, tmp_path: Path, keys: dict[str, Path], alias: str, variable: str
) -> None:
    evil = tmp_path / "evil"
    evil.mkdir()
    marker = tmp_path / "ran-the-attackers-binary"
    fake = evil / "env"
    fake.write_text(f"#!/bin/sh\ntouch {marker}\n")
    fake.chmod(0o755)
    ring = _public(keys["real"])
    value = f"{evil}:/usr/bin:/bin" if alias == "path" else str(fake)
    (tmp_path / "app.yml").write_text(
        f"secrets:\n  db: {ring.encrypt('pw')}\n  {alias}: {ring.encrypt(value)}\n"
    )
    result = run("exec", "app.yml", "--", "env", env=_env(keys["real"]))
    assert_clean_error(result, 2, "app.yml:3:", f"${variable}", "refused")
    assert not marker.exists()
    assert_clean_error(run("resolve", "app.yml", "-o", "env", env=_env(keys["real"])), 2)
    checked = run("check", "app.yml", env=_env(keys["real"]))
    assert checked.returncode == 1 and f"${variable}" in checked.stdout


def test_two_aliases_that_give_one_variable_are_refused_and_check_finds_them(
    run: Run, tmp_path: Path, keys: dict[str, Path]
) -> None:
    ring = _public(keys["real"])
    (tmp_path / "app.yml").write_text(
        f"secrets:\n  db_pw: {ring.encrypt('one')}\n  db-pw: {ring.encrypt('two')}\n"
    )
    env = _env(keys["real"])
    assert_clean_error(run("exec", "app.yml", "--", "true", env=env), 2, "$DB_PW")
    assert_clean_error(run("resolve", "app.yml", "-o", "env", env=env), 2, "$DB_PW")
    checked = run("check", "app.yml", env=env)
    assert checked.returncode == 1 and "both give $DB_PW" in checked.stdout


def test_check_finds_a_cycle_a_dangling_chain_and_a_password_variable(
    run: Run, tmp_path: Path, keys: dict[str, Path]
) -> None:
    ring = _public(keys["real"])
    (tmp_path / "app.yml").write_text(
        "a: $secret{one}\n"
        "b: svc/$env{CIPHERTOOL_KEYSTORE_PASSWORD}\n"
        "secrets:\n"
        "  one: $secret{two}\n"
        "  two: $secret{one}\n"
        "  three: $secret{gone}\n"
        f"  fine: {ring.encrypt('x')}\n"
    )
    env = _env(keys["real"])
    checked = run("check", "app.yml", env=env)
    assert checked.returncode == 1
    assert "alias cycle: one -> two -> one" in checked.stdout
    assert "refers to 'gone', which no entry holds" in checked.stdout
    assert "$env{CIPHERTOOL_KEYSTORE_PASSWORD} names a keystore password" in checked.stdout
    assert run("resolve", "app.yml", env=env).returncode == 3


def test_a_deep_chain_of_aliases_is_bad_input_not_an_internal_error(
    run: Run, tmp_path: Path, keys: dict[str, Path]
) -> None:
    ring = _public(keys["real"])
    lines = [f"  a{n}: $secret{{a{n + 1}}}" for n in range(5000)]
    lines.append(f"  a5000: {ring.encrypt('end')}")
    (tmp_path / "deep.yml").write_text("x: $secret{a0}\nsecrets:\n" + "\n".join(lines) + "\n")
    env = _env(keys["real"])
    assert_clean_error(run("resolve", "deep.yml", env=env), 2, "aliases of aliases")
    checked = run("check", "deep.yml", env=env)
    assert checked.returncode == 1 and "aliases of aliases" in checked.stdout


# -- exec's child and $env{} -------------------------------------------------------------


def test_env_refuses_the_keystore_password_variables(
    run: Run, tmp_path: Path, keys: dict[str, Path]
) -> None:
    ring = _public(keys["real"])
    for variable in ("CIPHERTOOL_KEYSTORE_PASSWORD", "CIPHERTOOL_KEY_PASSWORD", "MY_PW"):
        (tmp_path / "app.yml").write_text(
            f"url: svc/$env{{{variable}}}\nsecrets:\n  a: {ring.encrypt('x')}\n"
        )
        env = _env(keys["real"], CIPHERTOOL_KEY_PASSWORD=PASSWORD, MY_PW=PASSWORD)
        result = run("resolve", "app.yml", "--storepass-env", "MY_PW", env=env)
        assert_clean_error(result, 3, f"$env{{{variable}}}", "password")
        assert PASSWORD not in result.stdout + result.stderr


# -- the key that encrypts -----------------------------------------------------------------


def _unencrypted_pem(path: Path) -> str:
    """An attacker's key pair, unencrypted; the thumbprint of its certificate."""
    create_keystore(path.with_suffix(".tmp.pem"), "evil", Secret("x"), kind="pem")
    store = load_keystore(path.with_suffix(".tmp.pem"), Secret("x"))
    key = store.private_key(None, Secret("x"))
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.write_bytes(pem + store.certificate().public_bytes(serialization.Encoding.PEM))
    path.with_suffix(".tmp.pem").unlink()
    return str(store.entries[0].thumbprint)


def test_a_config_keystore_list_with_an_attackers_pem_first_is_refused(
    run: Run, tmp_path: Path, keys: dict[str, Path]
) -> None:
    evil = _unencrypted_pem(tmp_path / "evil.pem")
    config = tmp_path / "deployment.toml"
    before = (
        '[keystore.internal]\nfile_name = "evil.pem:real.p12"\ntype = "PKCS12"\nalias = "app"\n\n'
        '[secrets]\nadmin = "[new-secret]"\n'
    )
    config.write_text(before)
    env = _env()
    for command in (
        ["configure", "deployment.toml"],
        ["change", "admin", "--file", "deployment.toml"],
    ):
        result = run(*command, input="v", env=env)
        assert_clean_error(result, 2, "deployment.toml:2:", "several keystores")
    assert config.read_text() == before
    assert evil not in config.read_text()


def test_a_config_naming_an_unencrypted_pem_is_refused(
    run: Run, tmp_path: Path, keys: dict[str, Path]
) -> None:
    _unencrypted_pem(tmp_path / "evil.pem")
    config = tmp_path / "deployment.toml"
    before = '[keystore.internal]\nfile_name = "evil.pem"\n\n[secrets]\nadmin = "[new]"\n'
    config.write_text(before)
    result = run("configure", "deployment.toml", env=_env())
    assert_clean_error(result, 2, "unencrypted private key")
    assert config.read_text() == before
    # The operator may still choose such a file on purpose.
    assert run("configure", "deployment.toml", "--keystore", "evil.pem", env=_env()).returncode == 0


def test_a_keystore_swapped_under_its_name_stops_a_write(
    run: Run, tmp_path: Path, keys: dict[str, Path]
) -> None:
    ring = _public(keys["real"])
    config = tmp_path / "app.yml"
    config.write_text(f"secrets:\n  old: {ring.encrypt('x')}\n  new: '[n]'\n")
    before = config.read_text()
    keys["real"].unlink()
    create_keystore(keys["real"], "app", Secret(PASSWORD))  # someone else's key, same name
    env = _env(keys["real"])
    result = run("configure", "app.yml", env=env)
    assert_clean_error(result, 3, "app.yml", "--new-key")
    assert config.read_text() == before
    result = run("change", "old", "--file", "app.yml", input="y", env=env)
    assert_clean_error(result, 3, "--new-key")
    (tmp_path / "p.yml").write_text(f"password: plain\nsecrets:\n  a: {ring.encrypt('x')}\n")
    assert_clean_error(run("protect", "p.yml", env=env), 3, "--new-key")
    assert run("configure", "app.yml", "--new-key", env=env).returncode == 0
    assert config.read_text() != before


def test_a_jks_whose_integrity_check_fails_never_encrypts(run: Run, tmp_path: Path) -> None:
    create_keystore(tmp_path / "ks.jks", "app", Secret("another-password"), kind="jks")
    (tmp_path / "app.yml").write_text("secrets:\n  a: '[x]'\n")
    env = _env(tmp_path / "ks.jks")
    assert_clean_error(run("configure", "app.yml", env=env), 3, "integrity")
    assert_clean_error(run("encrypt", input="v", env=env), 3, "integrity")
    assert (tmp_path / "app.yml").read_text() == "secrets:\n  a: '[x]'\n"
    # No password at all: encrypting needs one (or --cert).
    bare = clean_env(CIPHERTOOL_KEYSTORE=str(tmp_path / "ks.jks"))
    assert run("encrypt", input="v", env=bare).returncode == 3


def test_a_pem_whose_certificate_is_another_keys_is_refused(run: Run, tmp_path: Path) -> None:
    create_keystore(tmp_path / "a.pem", "a", Secret(PASSWORD), kind="pem")
    create_keystore(tmp_path / "b.pem", "b", Secret(PASSWORD), kind="pem")
    key_a = re.search(rb"-----BEGIN ENCRYPTED PRIVATE KEY-----.*?-----END[^\n]*\n",
                      (tmp_path / "a.pem").read_bytes(), re.S)  # fmt: skip
    cert_b = re.search(rb"-----BEGIN CERTIFICATE-----.*?-----END[^\n]*\n",
                       (tmp_path / "b.pem").read_bytes(), re.S)  # fmt: skip
    assert key_a and cert_b
    (tmp_path / "mixed.pem").write_bytes(key_a.group(0) + cert_b.group(0))
    config = tmp_path / "app.yml"
    config.write_text("secrets:\n  a: '[precious]'\n")
    env = _env(tmp_path / "mixed.pem")
    assert_clean_error(run("configure", "app.yml", env=env), 2, "certificate is not its key")
    assert config.read_text() == "secrets:\n  a: '[precious]'\n"
    assert_clean_error(run("decrypt", "AAAA", env=env), 2, "certificate is not its key")


# -- a ciphertext moved to another alias ---------------------------------------------------


def test_a_ciphertext_copied_to_another_alias_does_not_resolve_there(
    run: Run, tmp_path: Path, keys: dict[str, Path]
) -> None:
    config = tmp_path / "app.json"
    config.write_text(
        '{"db": "$secret{db_password}", "hook": "$secret{webhook_token}",\n'
        ' "secrets": {"db_password": "[s3cret]", "webhook_token": "[tok]"}}\n'
    )
    env = _env(keys["real"])
    assert run("configure", "app.json", env=env).returncode == 0
    data = json.loads(config.read_text())
    data["secrets"]["webhook_token"] = data["secrets"]["db_password"]
    config.write_text(json.dumps(data))
    result = run("resolve", "app.json", env=env)
    assert_clean_error(result, 3, "webhook_token", "bound to alias 'db_password'")
    assert "s3cret" not in result.stdout
    assert run("exec", "app.json", "--", "true", env=env).returncode == 3
    checked = run("check", "app.json", env=env)
    assert checked.returncode == 1 and "bound to alias 'db_password'" in checked.stdout
    # The envelope's own field changed to the new alias: the label no longer matches.
    envelope = json.loads(__import__("base64").b64decode(data["secrets"]["db_password"]))
    envelope["alias"] = "webhook_token"
    forged = __import__("base64").b64encode(json.dumps(envelope).encode()).decode()
    data["secrets"]["webhook_token"] = forged
    config.write_text(json.dumps(data))
    assert_clean_error(run("resolve", "app.json", env=env), 3, "webhook_token")
    # The field removed (an unbound envelope): no label, no decryption either.
    del envelope["alias"]
    data["secrets"]["webhook_token"] = (
        __import__("base64").b64encode(json.dumps(envelope).encode()).decode()
    )
    config.write_text(json.dumps(data))
    assert_clean_error(run("resolve", "app.json", env=env), 3, "webhook_token")


def test_old_unbound_ciphertexts_keep_reading_and_check_strict_reports_them(
    run: Run, tmp_path: Path, keys: dict[str, Path]
) -> None:
    ring = _public(keys["real"])
    (tmp_path / "app.yml").write_text(
        f"a: $secret{{old}}\nsecrets:\n  old: {ring.encrypt('legacy')}\n"
        f"  new: {ring.encrypt('fresh', bind='new')}\n"
    )
    env = _env(keys["real"])
    assert json.loads(run("resolve", "app.yml", env=env).stdout) == {"a": "legacy"}
    assert run("check", "app.yml", env=env).returncode == 0
    strict = run("check", "--strict", "app.yml", env=env)
    assert strict.returncode == 1
    assert "app.yml:3: alias 'old' is not bound" in strict.stdout
    assert "'new'" not in strict.stdout


def test_toml_secrets_and_product_homes_keep_wso2_envelopes(
    run: Run, tmp_path: Path, keys: dict[str, Path]
) -> None:
    (tmp_path / "deployment.toml").write_text('[secrets]\nadmin = "[x]"\n')
    home = tmp_path / "home" / "repository" / "conf" / "security"
    home.mkdir(parents=True)
    (home / "cipher-text.properties").write_text("Carbon.Pw=[y]\n")
    (tmp_path / "app.yml").write_text("secrets:\n  a: '[z]'\n")
    env = _env(keys["real"])
    store = str(home / "cipher-text.properties")
    assert run("configure", "deployment.toml", store, "app.yml", env=env).returncode == 0
    ring = _private(keys["real"])
    toml_value = re.search(r'admin = "(.*)"', (tmp_path / "deployment.toml").read_text())
    home_value = (home / "cipher-text.properties").read_text().split("=", 1)[1].strip()
    home_value = home_value.replace("\\=", "=")  # Java Properties escaping
    yaml_value = (tmp_path / "app.yml").read_text().split("a: ", 1)[1].strip().strip("'")
    assert toml_value is not None
    assert ring.open(toml_value.group(1)).bound is None
    assert ring.open(home_value).bound is None
    assert ring.open(yaml_value).bound == "a"


def test_rotation_binds_unbound_values_outside_wso2_stores_and_keeps_wso2_ones(
    run: Run, tmp_path: Path, keys: dict[str, Path]
) -> None:
    ring = _public(keys["real"])
    (tmp_path / "app.yml").write_text(f"secrets:\n  a: {ring.encrypt('one')}\n")
    (tmp_path / "deployment.toml").write_text(f'[secrets]\nb = "{ring.encrypt("two")}"\n')
    create_keystore(tmp_path / "next.p12", "next", Secret(PASSWORD))
    (tmp_path / "next.pass").write_text(PASSWORD + "\n")
    env = _env(keys["real"])
    result = run(
        "rotate", "app.yml", "deployment.toml", "--to-keystore", "next.p12",
        "--to-storepass-file", "next.pass", env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    new = _private(tmp_path / "next.p12")
    yaml_value = (tmp_path / "app.yml").read_text().split("a: ", 1)[1].strip()
    toml_value = re.search(r'b = "(.*)"', (tmp_path / "deployment.toml").read_text())
    assert toml_value is not None
    assert new.open(yaml_value, alias="a").bound == "a"
    assert new.open(toml_value.group(1)).bound is None


# -- YAML alias bombs ----------------------------------------------------------------------

BOMB = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
    "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
    "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
)


def test_a_yaml_alias_bomb_is_bad_input_within_a_second(
    run: Run, tmp_path: Path, keys: dict[str, Path]
) -> None:
    assert len(BOMB) < 600
    (tmp_path / "bomb.yml").write_text(BOMB + "secrets:\n  x: '[y]'\n")
    started = time.monotonic()
    result = run("resolve", "bomb.yml", env=_env(keys["real"]))
    assert_clean_error(result, 2, "bomb.yml", "YAML aliases expand")
    assert time.monotonic() - started < 5  # the subprocess's own start included
    import vault

    started = time.monotonic()
    with pytest.raises(vault.InputError, match="YAML aliases expand"):
        vault.load_config(
            tmp_path / "bomb.yml",
            keystore=keys["real"],
            environ={"CIPHERTOOL_KEYSTORE_PASSWORD": PASSWORD},
        )
    assert time.monotonic() - started < 1
    (tmp_path / "self.yml").write_text("a: &a [1, *a]\n")
    assert_clean_error(run("resolve", "self.yml", env=_env(keys["real"])), 2, "self.yml")


def test_yaml_anchors_a_real_config_uses_still_resolve(
    run: Run, tmp_path: Path, keys: dict[str, Path]
) -> None:
    ring = _public(keys["real"])
    (tmp_path / "app.yml").write_text(
        "base: &base\n  user: app\n  password: $secret{pw}\n"
        "primary: *base\nreplica:\n  <<: *base\n  host: r\n"
        f"secrets:\n  pw: {ring.encrypt('p', bind='pw')}\n"
    )
    data = json.loads(run("resolve", "app.yml", env=_env(keys["real"])).stdout)
    assert data["replica"] == {"user": "app", "password": "p", "host": "r"}


def test_a_dotenv_file_cannot_set_a_loader_variable_through_exec(
    run: Run, tmp_path: Path, keys: dict[str, Path]
) -> None:
    (tmp_path / ".env").write_text("LD_PRELOAD=/tmp/evil.so\nAPP=1\n")
    result = run("exec", ".env", "--", "true", env=_env(keys["real"]))
    assert_clean_error(result, 2, "$LD_PRELOAD")


def test_library_exports_name_checks_run_before_any_decryption(
    tmp_path: Path, keys: dict[str, Path]
) -> None:
    """The rules are the library's: both entry paths call vault.runtime.exports."""
    from vault import Vault
    from vault.errors import InputError
    from vault.runtime.exports import exported_values

    ring = _public(keys["real"])
    (tmp_path / "app.yml").write_text(
        f"secrets:\n  good: not-even-a-ciphertext\n  path: {ring.encrypt('x')}\n"
    )
    with pytest.raises(InputError, match=r"\$PATH") as caught:
        exported_values([tmp_path / "app.yml"], Vault(_private(keys["real"])))
    assert caught.value.line == 3
    os.environ.get("PATH")  # untouched
