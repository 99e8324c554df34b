"""What a new user met in the first hour (issue 15), one test per item, as real processes.

Each test follows the steps the user took, with the options where the user put them.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import vault
from tests.conftest import KEYSTORES, VECTOR_PASSWORD, Result, Run, clean_env
from vault.keys.passwords import PasswordOptions
from vault.keys.ring import open_key_ring
from vault.keys.spec import KeystoreSpec
from vault.keystores.create import create_keystore
from vault.secret import Secret

PW = "first-hour-pass"
CLICK = (
    "import sys\nfrom vault.cli.app import main\nmain(args=sys.argv[1:], prog_name='ciphertool')\n"
)


def _ring(keystore: Path, password: str = PW, alias: str | None = None) -> vault.KeyRing:
    return open_key_ring(
        KeystoreSpec(str(keystore), alias=alias),
        PasswordOptions(),
        environ={"CIPHERTOOL_KEYSTORE_PASSWORD": password},
    )


@pytest.fixture
def ks(tmp_path: Path) -> Path:
    """vault.p12 (one key, alias app) and a config whose store holds two secrets."""
    keystore = tmp_path / "vault.p12"
    create_keystore(keystore, "app", Secret(PW))
    ring = _ring(keystore)
    (tmp_path / "deployment.toml").write_text(
        '[db]\npassword = "$secret{db_password}"\n'
        f'[secrets]\ndb_password = "{ring.encrypt("db-s3cret")}"\n'
        f'api_key = "{ring.encrypt("api-s3cret")}"\n'
    )
    (tmp_path / "pw.txt").write_text(PW + "\n")
    (tmp_path / "pw.txt").chmod(0o600)
    return keystore


def _env(**extra: str) -> dict[str, str]:
    return clean_env(PW=PW, **extra)


def _click(cwd: Path, *args: str, env: dict[str, str]) -> Result:
    """The same command line through the click application alone."""
    proc = subprocess.run(
        [sys.executable, "-c", CLICK, *args], capture_output=True, env=env, cwd=cwd, timeout=120
    )
    return Result(proc.returncode, proc.stdout.decode(), proc.stderr.decode())


def _both(run: Run, cwd: Path, *args: str, env: dict[str, str]) -> Result:
    """Run through the ``ciphertool`` entry point and through click; they must agree."""
    fast = run(*args, env=env, cwd=cwd)
    slow = _click(cwd, *args, env=env)
    assert (fast.returncode, fast.stdout, fast.stderr) == (
        slow.returncode,
        slow.stdout,
        slow.stderr,
    ), args
    return fast


# -- 1 ------------------------------------------------------------------------------------


def test_1_exec_and_resolve_take_their_options_after_the_files(
    run: Run, tmp_path: Path, ks: Path
) -> None:
    show = ["sh", "-c", 'printf "%s|%s" "$DB_PASSWORD" "$APP_DB_PASSWORD"']
    lines = [
        [
            "exec",
            "deployment.toml",
            "--keystore",
            "vault.p12",
            "--storepass-env",
            "PW",
            "--",
            *show,
        ],
        ["exec", "deployment.toml", "-k", "vault.p12", "--storepass-file", "pw.txt", "--", *show],
        ["exec", "--keystore", "vault.p12", "deployment.toml", "--storepass-env=PW", "--", *show],
    ]
    for line in lines:
        result = _both(run, tmp_path, *line, env=_env())
        assert (result.returncode, result.stdout) == (0, "db-s3cret|"), (line, result.stderr)
    prefixed = ["exec", "deployment.toml", "--env-prefix", "APP_", "-k", "vault.p12", "--"]
    result = _both(
        run,
        tmp_path,
        *prefixed,
        *show,
        "--storepass-env",
        env=_env(CIPHERTOOL_KEYSTORE_PASSWORD=PW),
    )
    assert (result.returncode, result.stdout) == (0, "|db-s3cret"), result.stderr
    resolved = _both(
        run,
        tmp_path,
        "resolve",
        "deployment.toml",
        "-o",
        "env",
        "-k",
        "vault.p12",
        "--storepass-env",
        "PW",
        env=_env(),
    )
    assert resolved.stdout == "API_KEY=api-s3cret\nDB_PASSWORD=db-s3cret\n", resolved.stderr


# -- 2 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "config", "store"),
    [
        ("app.toml", 'password = "$secret{nope}"\n[secrets]\nreal = "{ct}"\n', None),
        ("app.yml", 'password: "$secret{nope}"\nsecrets:\n  real: "{ct}"\n', None),
        ("app.json", '{{"password": "x $secret{{nope}}", "secrets": {{"real": "{ct}"}}}}', None),
        ("app.properties", "password=$secret{nope}\nother=$secret{real}\n", "real={ct}\n"),
        (".env", "PASSWORD=$secret{nope}\n", "real={ct}\n"),
    ],
)
def test_2_a_reference_no_store_answers_fails_closed(
    run: Run, tmp_path: Path, ks: Path, name: str, config: str, store: str | None
) -> None:
    ct = _ring(ks).encrypt("real-value")
    if name.endswith(".json"):
        (tmp_path / name).write_text(config.format(ct=ct))
    else:
        (tmp_path / name).write_text(config.replace("{ct}", ct))
    if store is not None:
        (tmp_path / "cipher-text.properties").write_text(store.replace("{ct}", ct))
    env = _env(CIPHERTOOL_KEYSTORE="vault.p12", CIPHERTOOL_KEYSTORE_PASSWORD=PW)
    marker = tmp_path / "child-ran"
    for args in (
        ["resolve", name],
        ["resolve", name, "--output", "env"],
        ["exec", name, "--", "touch", str(marker)],
    ):
        result = _both(run, tmp_path, *args, env=env)
        assert result.returncode == 3, (args, result.stdout, result.stderr)
        assert result.stdout == "" and not marker.exists(), args
        assert f"{name}: unknown alias 'nope'" in result.stderr, result.stderr
        assert "real-value" not in result.stderr
    library = vault.Vault.open(ks, passwords=PasswordOptions(storepass_env="PW"), environ=env)
    for call in (
        lambda: library.secrets(tmp_path / name),
        lambda: library.load(tmp_path / name),
        lambda: vault.load_config(tmp_path / name, keystore=ks, environ=env),
    ):
        with pytest.raises(vault.ResolveError) as raised:
            call()
        assert (raised.value.alias, raised.value.exit_code) == ("nope", 3)


# -- 3 ------------------------------------------------------------------------------------


def test_3_a_keystore_of_several_keys_needs_an_alias_only_to_encrypt(
    run: Run, tmp_path: Path
) -> None:
    two = tmp_path / "two.p12"
    shutil.copy(KEYSTORES / "jdk17-two-keys.p12", two)
    env = clean_env(CIPHERTOOL_KEYSTORE_PASSWORD=VECTOR_PASSWORD)
    first = _ring(two, VECTOR_PASSWORD, "first").encrypt("one")
    second = _ring(two, VECTOR_PASSWORD, "second").encrypt("two")
    decrypted = run("decrypt", "--keystore", "two.p12", input=second, env=env)
    assert (decrypted.returncode, decrypted.stdout) == (0, "two"), decrypted.stderr
    (tmp_path / "app.toml").write_text(
        f'a = "$secret{{one}}"\nb = "$secret{{two}}"\n[secrets]\none = "{first}"\n'
        f'two = "{second}"\n'
    )
    env["CIPHERTOOL_KEYSTORE"] = "two.p12"
    resolved = run("resolve", "app.toml", "-o", "env", env=env)
    assert resolved.stdout == "ONE=one\nTWO=two\n", resolved.stderr
    listed = run("list", "app.toml", env=env)
    assert listed.returncode == 0 and listed.stdout.count(" encrypted ") == 2, listed.stderr
    checked = run("check", "app.toml", env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    env_abs = {**env, "CIPHERTOOL_KEYSTORE": str(two)}
    data = vault.load_config(tmp_path / "app.toml", environ=env_abs)
    assert (data["a"], data["b"]) == ("one", "two")
    # Encrypting is the one thing that needs the alias; the error says how to give it.
    encrypted = run("encrypt", input="x", env=env)
    assert encrypted.returncode == 3
    assert "holds several keys (first, second)" in encrypted.stderr
    assert "--alias" in encrypted.stderr
    with pytest.raises(vault.AliasError) as raised:
        vault.Vault.open(environ=env_abs).ring.encrypt("x")
    assert "--" not in str(raised.value)  # a library caller has no command-line flags


@pytest.mark.java
@pytest.mark.skipif(shutil.which("keytool") is None, reason="keytool is not on PATH")
def test_3_after_the_runbooks_to_alias_rotation_everything_reads(
    run: Run, tmp_path: Path, ks: Path
) -> None:
    """README runbook step 1's keytool variant, then ``--to-alias``: no
    CIPHERTOOL_KEY_ALIAS needed afterwards by any runtime path."""
    subprocess.run(
        [
            "keytool",
            "-genkeypair",
            "-alias",
            "app-2027",
            "-keyalg",
            "RSA",
            "-keysize",
            "2048",
            "-dname",
            "CN=app 2027",
            "-validity",
            "30",
            "-keystore",
            str(ks),
            "-storetype",
            "PKCS12",
            "-storepass",
            PW,
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    env = _env(CIPHERTOOL_KEYSTORE="vault.p12", CIPHERTOOL_KEYSTORE_PASSWORD=PW)
    rotated = run("rotate", "deployment.toml", "--to-alias", "app-2027", env=env)
    assert rotated.returncode == 0, rotated.stderr
    for args in (
        ["resolve", "deployment.toml"],
        ["list", "deployment.toml"],
        ["check", "deployment.toml"],
    ):
        result = run(*args, env=env)
        assert result.returncode == 0, (args, result.stderr)
    env["CIPHERTOOL_KEYSTORE"] = str(ks)
    assert vault.load_config(tmp_path / "deployment.toml", environ=env)["db"] == {
        "password": "db-s3cret"
    }


# -- 4 ------------------------------------------------------------------------------------


def _product_home(root: Path) -> Path:
    """A WSO2 product home: keystore under repository/resources/security, the store
    password in the home's password-persist, deployment.toml naming the keystore."""
    security = root / "repository" / "resources" / "security"
    security.mkdir(parents=True)
    (root / "repository" / "conf" / "security").mkdir(parents=True)
    create_keystore(security / "wso2carbon.jks", "wso2carbon", Secret(PW), kind="jks")
    ring = _ring(security / "wso2carbon.jks")
    (root / "repository" / "conf" / "deployment.toml").write_text(
        '[super_admin]\nusername = "admin"\npassword = "$secret{admin_password}"\n\n'
        '[keystore.primary]\nfile_name = "wso2carbon.jks"\ntype = "JKS"\nalias = "wso2carbon"\n'
        f'\n[secrets]\nadmin_password = "{ring.encrypt("admin-s3cret")}"\n'
    )
    persist = root / "password-persist"
    persist.write_text(PW + "\n")
    persist.chmod(0o600)
    return root


def test_4_a_product_home_resolves_with_its_own_keystore(run: Run, tmp_path: Path) -> None:
    home = _product_home(tmp_path / "wso2is")
    env = clean_env()
    toml = Path("repository", "conf", "deployment.toml")
    by_file = _both(run, home, "resolve", str(toml), "-o", "env", env=env)
    assert by_file.stdout == "ADMIN_PASSWORD=admin-s3cret\n", by_file.stderr
    by_home = _both(run, tmp_path, "resolve", "--wso2-home", "wso2is", "-o", "env", env=env)
    assert by_home.stdout == "ADMIN_PASSWORD=admin-s3cret\n", by_home.stderr
    show = ["sh", "-c", 'printf %s "$ADMIN_PASSWORD"']
    executed = _both(run, tmp_path, "exec", "--wso2-home", "wso2is", "--", *show, env=env)
    assert executed.stdout == "admin-s3cret", executed.stderr
    assert vault.load_config(home / toml, environ=env)["super_admin"]["password"] == (
        "admin-s3cret"
    )
    loaded = vault.load_config(wso2_home=home, environ=env)
    assert loaded["super_admin"]["password"] == "admin-s3cret"


# -- 5 ------------------------------------------------------------------------------------


def test_5_secrets_file_for_every_runtime_command(run: Run, tmp_path: Path, ks: Path) -> None:
    ct = _ring(ks).encrypt("mail-s3cret")
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "mail.properties").write_text("mail.password=$secret{mail_password}\n")
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "mail-secrets.properties").write_text(f"mail_password={ct}\n")
    env = _env(CIPHERTOOL_KEYSTORE="vault.p12", CIPHERTOOL_KEYSTORE_PASSWORD=PW)
    given = ("conf/mail.properties", "--secrets", "store/mail-secrets.properties")
    resolved = _both(run, tmp_path, "resolve", *given, "-o", "env", env=env)
    assert resolved.stdout == "MAIL_PASSWORD=mail-s3cret\n", resolved.stderr
    executed = _both(
        run, tmp_path, "exec", *given, "--", "sh", "-c", 'printf %s "$MAIL_PASSWORD"', env=env
    )
    assert executed.stdout == "mail-s3cret", executed.stderr
    listed = run("list", *given, env=env)
    assert "mail_password  encrypted" in listed.stdout, listed.stderr
    assert "conf/mail.properties:1" in listed.stdout
    checked = run("check", *given, env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    loaded = vault.load_config(
        tmp_path / "conf" / "mail.properties",
        secrets=tmp_path / "store" / "mail-secrets.properties",
        keystore=ks,
        environ=env,
    )
    assert loaded == {"mail.password": "mail-s3cret"}
    missing = run("resolve", "conf/mail.properties", "--secrets", "nowhere.properties", env=env)
    assert missing.returncode == 2 and "nowhere.properties: no such" in missing.stderr


# -- 6 ------------------------------------------------------------------------------------


def test_6_a_shared_store_gives_each_file_only_its_own_secrets(
    run: Run, tmp_path: Path, ks: Path
) -> None:
    ring = _ring(ks)
    (tmp_path / "cipher-text.properties").write_text(
        f"mail_pw={ring.encrypt('m')}\nenv_pw={ring.encrypt('e')}\nini_pw={ring.encrypt('i')}\n"
    )
    (tmp_path / "mail.properties").write_text("smtp.password=$secret{mail_pw}\n")
    (tmp_path / ".env").write_text("DB_PASSWORD=$secret{env_pw}\n")
    (tmp_path / "legacy.ini").write_text("[db]\npassword = $secret{ini_pw}\n")
    env = _env(CIPHERTOOL_KEYSTORE="vault.p12", CIPHERTOOL_KEYSTORE_PASSWORD=PW)
    executed = _both(run, tmp_path, "exec", "mail.properties", "--", "env", env=env)
    names = {line.split("=", 1)[0] for line in executed.stdout.splitlines()}
    assert "MAIL_PW" in names and not names & {"ENV_PW", "INI_PW"}, executed.stderr
    resolved = _both(run, tmp_path, "resolve", "mail.properties", "-o", "env", env=env)
    assert resolved.stdout == "MAIL_PW=m\n"
    listed = run("list", "mail.properties", env=env)
    assert [line.split()[0] for line in listed.stdout.splitlines()] == ["mail_pw"]
    assert "(mail.properties:1)" in listed.stdout
    both = run("list", "mail.properties", ".env", env=env)
    assert "(.env:1)" in both.stdout and "not referenced" not in both.stdout, both.stdout
    whole = run("list", "cipher-text.properties", env=env)
    assert len(whole.stdout.splitlines()) == 3  # the store itself: every alias
    secrets = vault.Vault.open(ks, environ=env).secrets(tmp_path / "mail.properties")
    assert list(secrets) == ["mail_pw"]


# -- 7 ------------------------------------------------------------------------------------


def test_7_errors_come_in_the_order_a_user_fixes_them(run: Run, tmp_path: Path, ks: Path) -> None:
    no_password = clean_env(CIPHERTOOL_KEYSTORE="vault.p12")
    for args in (["list", "missing.yml"], ["check", "missing.yml"]):
        result = run(*args, env=no_password)
        assert result.returncode == 2, (args, result.stderr)
        assert "missing.yml: no such file" in result.stderr
    not_a_keystore = run("keystore", "list", "deployment.toml", env=clean_env())
    assert not_a_keystore.returncode == 2
    assert "deployment.toml: is not a keystore" in not_a_keystore.stderr
    assert "password" not in not_a_keystore.stderr
    rotated = run(
        "rotate",
        "deployment.toml",
        "--to-keystore",
        "missing.p12",
        env=_env(CIPHERTOOL_KEYSTORE="vault.p12", CIPHERTOOL_KEYSTORE_PASSWORD=PW),
    )
    assert rotated.returncode == 2 and "missing.p12: no such keystore file" in rotated.stderr
    which = run("resolve", "deployment.toml", env=no_password)
    assert which.returncode == 3 and "no keystore password given for vault.p12" in which.stderr


# -- 8 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        ("e.yml", "a: b: c\n", "e.yml: line 1, column 5: mapping values are not allowed here"),
        ("e.ini", "[s]\nx\n", "e.ini: line 2, column 1:"),
        ("e.json", '{"a":\n', "e.json: line 2, column 1:"),
        ("e.properties", "a=\\u00zz\n", "e.properties: line 1"),
    ],
)
def test_8_resolve_says_where_a_config_does_not_parse_as_check_does(
    run: Run, tmp_path: Path, ks: Path, name: str, text: str, where: str
) -> None:
    (tmp_path / name).write_text(text)
    env = _env(CIPHERTOOL_KEYSTORE="vault.p12", CIPHERTOOL_KEYSTORE_PASSWORD=PW)
    resolved = run("resolve", name, env=env)
    checked = run("check", name, env=env)
    assert resolved.returncode == checked.returncode == 2, (resolved.stderr, checked.stderr)
    assert where in resolved.stderr, resolved.stderr
    assert resolved.error_lines == checked.error_lines


# -- 9 ------------------------------------------------------------------------------------


def test_9_verbose_logs_debug_lines_for_every_command_wherever_v_stands(
    run: Run, tmp_path: Path, ks: Path
) -> None:
    (tmp_path / "app.yml").write_text('db:\n  password: "plain-s3cret"\n')
    env = _env(CIPHERTOOL_KEYSTORE="vault.p12", CIPHERTOOL_KEYSTORE_PASSWORD=PW)
    lines = [
        ["resolve", "deployment.toml", "-v"],
        ["-v", "resolve", "deployment.toml"],
        ["exec", "deployment.toml", "-v", "--", "true"],
        ["configure", "-v", "deployment.toml"],
        ["protect", "app.yml", "-v"],
        ["rotate", "deployment.toml", "--to-alias", "app", "--dry-run", "-v"],
        ["keystore", "list", "vault.p12", "-v"],
        ["check", "-v", "deployment.toml"],
        ["list", "deployment.toml", "--verbose"],
    ]
    for args in lines:
        result = run(*args, env=env)
        assert result.returncode == 0, (args, result.stderr)
        assert "ciphertool: debug: " in result.stderr, (args, result.stderr)
        for secret in ("db-s3cret", "api-s3cret", "plain-s3cret", PW):
            assert secret not in result.stderr, (args, secret)


# -- 10 -----------------------------------------------------------------------------------


def test_10_what_a_user_reads(run: Run, tmp_path: Path, ks: Path) -> None:
    for args in ([], ["keystore"]):
        helped = run(*args)
        assert helped.returncode == 0 and helped.stdout.startswith("Usage: ciphertool"), args
        assert "error" not in helped.stderr + helped.stdout.splitlines()[0]
    missing = run("resolve", "nonexist.toml", env=_env(CIPHERTOOL_KEYSTORE="vault.p12"))
    assert missing.error_lines == ["ciphertool: error: nonexist.toml: no such file"]
    one = tmp_path / "one.jks"
    create_keystore(one, "only", Secret(PW), kind="jks")
    (tmp_path / "new.pass").write_text("another-pass\n")
    changed = run(
        "keystore",
        "passwd",
        "one.jks",
        "--new-storepass-file",
        "new.pass",
        env=_env(CIPHERTOOL_KEYSTORE_PASSWORD=PW),
    )
    assert "(1 entry kept)" in changed.stderr, changed.stderr
    empty = run(
        "encrypt", "--keystore", "vault.p12", input="", env=_env(CIPHERTOOL_KEYSTORE_PASSWORD=PW)
    )
    assert empty.returncode == 2 and empty.stdout == "", empty.stderr
    assert "empty" in empty.stderr
    with pytest.raises(vault.VaultError) as raised:
        vault.load_config(tmp_path / "deployment.toml", environ={})
    assert "--" not in str(raised.value)


# -- 11 -----------------------------------------------------------------------------------


def test_11_pyproject_license_is_an_spdx_string() -> None:
    project = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
    assert project["project"]["license"] == "Apache-2.0"
    requires = project["build-system"]["requires"]
    assert any(r.startswith("setuptools>=") and int(r.split(">=")[1]) >= 77 for r in requires)


# -- 12 -----------------------------------------------------------------------------------


def test_12_a_look_at_the_configs_leaves_password_tmp_for_the_start(
    run: Run, tmp_path: Path
) -> None:
    home = _product_home(tmp_path / "wso2is")
    (home / "password-persist").unlink()
    tmp = home / "password-tmp"
    tmp.write_text(PW + "\n")
    tmp.chmod(0o600)
    env = clean_env()
    for args in (
        ["list", "--wso2-home", str(home)],
        ["check", "--wso2-home", str(home)],
        ["keystore", "list", str(home / "repository/resources/security/wso2carbon.jks")],
    ):
        result = run(*args, env=env)
        assert result.returncode == 0, (args, result.stderr)
        assert tmp.read_text() == PW + "\n", args
    listed = run("list", "--wso2-home", str(home), env=env)
    assert " encrypted " in listed.stdout and "not test-decrypted" not in listed.stderr
    # The start itself reads it and wipes it, as WSO2 does.
    started = run("resolve", "--wso2-home", str(home), "-o", "env", env=env)
    assert started.stdout == "ADMIN_PASSWORD=admin-s3cret\n", started.stderr
    assert not tmp.exists()
