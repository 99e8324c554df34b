"""A user's journey through each section of the README, as real processes in a shell.

Where ``tests/test_readme.py`` runs the README's own lines, these take the steps a
user takes around them: options where people put them (after the files, ``-v`` at the
end), a mistake on the way and its message, and a look at the result.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import clean_env

ROOT = Path(__file__).parent.parent
PW = "journey-pass-1"


class Shell:
    """One folder, a copy of sample-configs/, ``ciphertool`` on PATH."""

    def __init__(self, folder: Path) -> None:
        shutil.copytree(ROOT / "sample-configs", folder)
        self.folder = folder
        self.env = clean_env(
            PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            HOME=str(folder),
        )

    def __call__(self, script: str, code: int = 0, stdin: str = "") -> tuple[str, str]:
        proc = subprocess.run(
            ["bash", "-u", "-o", "pipefail", "-c", script],
            cwd=self.folder,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == code, (script, proc.returncode, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr, proc.stderr
        return proc.stdout, proc.stderr


@pytest.fixture
def sh(tmp_path: Path) -> Shell:
    return Shell(tmp_path / "work")


def _keystore(sh: Shell) -> None:
    sh(f"(umask 077; echo '{PW}' > vault.pass)")
    sh("ciphertool keystore create vault.p12 --alias app --storepass-file vault.pass")


def test_keystores(sh: Shell) -> None:
    _, err = sh("ciphertool keystore create vault.p12 --alias app", code=3)
    assert "no keystore password given for vault.p12" in err and "--storepass-file" in err
    _keystore(sh)
    sh("ciphertool keystore create vault.p12 --alias app --storepass-file vault.pass", code=2)
    assert (sh.folder / "vault.p12").stat().st_mode & 0o777 == 0o600
    out, _ = sh("ciphertool keystore list vault.p12 --storepass-file vault.pass --json")
    [entry] = json.loads(out)["entries"]
    assert (entry["alias"], entry["key_size"]) == ("app", 2048)
    _, err = sh("ciphertool keystore list deployment.toml", code=2)
    assert "is not a keystore" in err
    sh("ciphertool keystore export-cert vault.p12 -o app.pem --storepass-file vault.pass")
    assert (sh.folder / "app.pem").read_text().startswith("-----BEGIN CERTIFICATE-----")
    out, _ = sh("ciphertool keystore")
    assert out.startswith("Usage: ciphertool keystore")


def test_one_value(sh: Shell) -> None:
    _keystore(sh)
    sh("ciphertool keystore export-cert vault.p12 -o app.pem --storepass-file vault.pass")
    out, _ = sh(
        "printf %s 's3cret' | ciphertool encrypt --cert app.pem > ct && "
        "ciphertool decrypt < ct --keystore vault.p12 --storepass-file vault.pass"
    )
    assert out == "s3cret"
    _, err = sh("printf '' | ciphertool encrypt --cert app.pem", code=2)
    assert "empty" in err
    _, err = sh(
        "ciphertool decrypt --keystore vault.p12 --storepass-file vault.pass < /dev/null", code=2
    )
    assert "no ciphertext given" in err


def test_config_files(sh: Shell) -> None:
    _keystore(sh)
    sh.env.update(CIPHERTOOL_KEYSTORE="vault.p12")
    out, _ = sh("ciphertool check deployment.toml .env --storepass-file vault.pass", code=1)
    assert "deployment.toml:26: plaintext value under sensitive key" in out
    sh("ciphertool protect deployment.toml database.properties .env --storepass-file vault.pass")
    sh(
        "ciphertool configure deployment.toml database.properties .env -v "
        "--storepass-file vault.pass"
    )
    assert "db.password $secret{db.password}\n" in (sh.folder / "database.properties").read_text()
    # Single-quoted, whatever the quotes were: Compose would expand $ in "..." (README).
    assert "DB_PASSWORD='$secret{DB_PASSWORD}'   # inline" in (sh.folder / ".env").read_text()
    out, _ = sh("ciphertool list database.properties --storepass-file vault.pass")
    aliases = [line.split()[0] for line in out.splitlines()]
    assert "db.password" in aliases and "DB_PASSWORD" not in aliases  # .env's, beside it
    # The shared store holds db.password and DB_PASSWORD: each file exports only its own
    # (issue 15), so check, judging as exec does, finds no clash (the demo's "clean now").
    out, _ = sh(
        "ciphertool check deployment.toml database.properties .env -v --storepass-file vault.pass"
    )
    assert "both give" not in out, out
    _, err = sh("ciphertool list missing.yml", code=2)
    assert err.strip() == "ciphertool: error: missing.yml: no such file"


def test_the_resolver(sh: Shell) -> None:
    _keystore(sh)
    sh(
        "ciphertool protect deployment.toml .env database.properties -k vault.p12 "
        "--storepass-file vault.pass && ciphertool configure deployment.toml .env "
        "database.properties -k vault.p12 --storepass-file vault.pass"
    )
    out, _ = sh(
        "ciphertool exec deployment.toml .env -k vault.p12 --storepass-file vault.pass "
        "-- sh -c 'echo \"$ADMIN_PASSWORD|$DB_PASSWORD|$APP_ENV\"'"
    )
    assert out == "admin|env-db-pass|production\n"
    out, _ = sh(
        "ciphertool exec database.properties -k vault.p12 --storepass-file vault.pass -- env"
    )
    names = {line.split("=", 1)[0] for line in out.splitlines()}
    assert "DB_PASSWORD" in names and "KEYSTORE_PASSWORD" not in names
    assert "DB_PASSWORD" not in {n for n in names if n == "API_TOKEN"}
    out, _ = sh("ciphertool resolve deployment.toml --storepass-file vault.pass -k vault.p12")
    assert json.loads(out)["database"]["shared_db"]["password"] == "shared-db-pässword"
    sh.env.update(CIPHERTOOL_KEYSTORE="vault.p12", CIPHERTOOL_KEYSTORE_PASSWORD=PW)
    out, _ = sh("python service.py deployment.toml")
    assert "password of 18 characters" in out
    (sh.folder / "typo.toml").write_text('password = "$secret{admin_pasword}"\n[secrets]\n')
    _, err = sh("ciphertool exec typo.toml -- touch started", code=3)
    assert "typo.toml: unknown alias 'admin_pasword'" in err
    assert not (sh.folder / "started").exists()


def test_rotation_runbook(sh: Shell) -> None:
    _keystore(sh)
    sh.env.update(CIPHERTOOL_KEYSTORE="vault.p12", CIPHERTOOL_KEYSTORE_PASSWORD=PW)
    sh("ciphertool protect deployment.toml application.yml")
    sh("ciphertool configure deployment.toml application.yml")
    sh(
        "mkdir keys-2027 && (umask 077; echo 'new-pass-2027' > keys-2027/password-persist) && "
        "ciphertool keystore create keys-2027/vault-2027.p12 --alias app-2027 "
        "--storepass-file keys-2027/password-persist"
    )
    _, err = sh("ciphertool rotate deployment.toml --to-keystore keys-2027/missing.p12", code=2)
    assert "keys-2027/missing.p12: no such keystore file" in err
    out, _ = sh(
        "ciphertool rotate deployment.toml application.yml --dry-run "
        "--to-keystore keys-2027/vault-2027.p12 --to-storepass-file "
        "keys-2027/password-persist"
    )
    assert out and all(line.endswith("  rotate") for line in out.splitlines()), out
    sh(
        "ciphertool rotate deployment.toml application.yml --to-keystore keys-2027/vault-2027.p12 "
        "--to-storepass-file keys-2027/password-persist -v"
    )
    del sh.env["CIPHERTOOL_KEYSTORE_PASSWORD"]
    sh(f"(umask 077; echo '{PW}' > password-persist)")
    sh.env["CIPHERTOOL_KEYSTORE"] = "keys-2027/vault-2027.p12:vault.p12"
    out, _ = sh("ciphertool resolve application.yml -o env")
    assert "MAIL_PASSWORD=" in out
    sh("ciphertool check deployment.toml application.yml --keystore keys-2027/vault-2027.p12")


@pytest.mark.skipif(shutil.which("keytool") is None, reason="keytool is not on PATH")
@pytest.mark.java
def test_rotation_runbook_to_alias_with_keytool(sh: Shell) -> None:
    _keystore(sh)
    sh.env.update(CIPHERTOOL_KEYSTORE="vault.p12", CIPHERTOOL_KEYSTORE_PASSWORD=PW)
    sh("ciphertool protect deployment.toml application.yml")
    sh("ciphertool configure deployment.toml application.yml")
    sh(
        f"keytool -genkeypair -alias app-2027 -keyalg RSA -keysize 2048 -dname CN=app-2027 "
        f"-validity 30 -keystore vault.p12 -storetype PKCS12 -storepass {PW} 2>/dev/null"
    )
    sh("ciphertool rotate deployment.toml application.yml --to-alias app-2027")
    for line in (
        "ciphertool resolve deployment.toml",
        "ciphertool list application.yml",
        "ciphertool check deployment.toml application.yml",
        "python service.py deployment.toml",
    ):
        sh(line)
    _, err = sh("printf x | ciphertool encrypt", code=3)
    assert "holds several keys (app, app-2027)" in err and "--alias" in err
    sh("printf x | ciphertool encrypt --alias app-2027")


def test_wso2_home(sh: Shell) -> None:
    home = sh.folder / "wso2is"
    sh(
        "mkdir -p wso2is/repository/conf/security wso2is/repository/resources/security && "
        f"(umask 077; echo '{PW}' > wso2is/password-persist) && "
        "ciphertool keystore create wso2is/repository/resources/security/wso2carbon.jks "
        "--type jks --alias wso2carbon --storepass-file wso2is/password-persist"
    )
    toml = home / "repository" / "conf" / "deployment.toml"
    toml.write_text(
        '[super_admin]\npassword = "$secret{admin_password}"\n[keystore.primary]\n'
        'file_name = "wso2carbon.jks"\ntype = "JKS"\nalias = "wso2carbon"\n'
        '[secrets]\nadmin_password = "[admin-s3cret]"\n'
    )
    sh("ciphertool configure --wso2-home wso2is")
    out, _ = sh("cd wso2is && ciphertool resolve repository/conf/deployment.toml -o env")
    assert out == "ADMIN_PASSWORD=admin-s3cret\n"
    out, _ = sh("cd wso2is && ciphertool resolve -o env")  # the home is the current folder
    assert out == "ADMIN_PASSWORD=admin-s3cret\n"
    out, _ = sh("ciphertool exec --wso2-home wso2is -- sh -c 'echo $ADMIN_PASSWORD'")
    assert out == "admin-s3cret\n"
    out, _ = sh(
        "python -c \"import vault; print(vault.load_config(wso2_home='wso2is')"
        "['super_admin']['password'])\""
    )
    assert out == "admin-s3cret\n"
    (home / "password-persist").rename(home / "password-tmp")
    sh("ciphertool list --wso2-home wso2is -v && ciphertool check --wso2-home wso2is")
    assert (home / "password-tmp").exists()
    sh("ciphertool resolve --wso2-home wso2is > /dev/null")
    assert not (home / "password-tmp").exists()
