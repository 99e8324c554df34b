"""keystore passwd: a new password, every entry and key kept, checked by keytool."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import (
    KEYSTORES,
    VECTOR_PASSWORD,
    Run,
    assert_clean_error,
    clean_env,
    needs_java,
)
from vault.keystores import load_keystore
from vault.keystores.create import create_keystore
from vault.secret import Secret

NEW = "brand-new-pass"


def _pass_file(folder: Path, *lines: str) -> Path:
    path = folder / f"pass-{len(list(folder.glob('pass-*')))}"
    path.write_text("".join(line + "\n" for line in lines))
    path.chmod(0o600)
    return path


def _keys(path: Path, password: str, key_passwords: dict[str, str] | None = None) -> dict:
    store = load_keystore(path, Secret(password))
    found = {}
    for entry in store.entries:
        if entry.kind == "private-key":
            key_password = (key_passwords or {}).get(entry.alias.lower())
            key = store.private_key(entry.alias, Secret(key_password) if key_password else None)
            found[entry.alias.lower()] = (entry.thumbprint, key.private_numbers())
        else:
            found[entry.alias.lower()] = (entry.thumbprint, entry.kind)
    return found


def _keytool_ok(path: Path, password: str) -> bool:
    proc = subprocess.run(
        ["keytool", "-list", "-keystore", str(path), "-storepass", password],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return proc.returncode == 0


@needs_java
def test_a_keytool_jks_with_two_key_passwords_changes_in_one_run(run: Run, tmp_path: Path) -> None:
    """jdk17.jks: 'wso2carbon' under the store password, 'other' under 'keypass'."""
    path = tmp_path / "ks.jks"
    shutil.copy(KEYSTORES / "jdk17.jks", path)
    path.chmod(0o640)
    before = _keys(path, VECTOR_PASSWORD, {"other": "keypass"})
    result = run(
        "keystore",
        "passwd",
        str(path),
        "--keypass-env",
        "KP",
        "--new-storepass-file",
        str(_pass_file(tmp_path, NEW)),
        env=clean_env(CIPHERTOOL_KEYSTORE_PASSWORD=VECTOR_PASSWORD, KP="keypass"),
    )
    assert result.returncode == 0, result.stderr
    assert "password changed (2 entries kept)" in result.stderr
    assert _keys(path, NEW) == before  # every key now under the new password
    assert _keytool_ok(path, NEW) and not _keytool_ok(path, VECTOR_PASSWORD)
    assert path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@needs_java
def test_a_ciphertool_pkcs12_changes_and_keytool_reads_it(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "ks.p12"
    create_keystore(path, "main", Secret("old-pass"))
    before = _keys(path, "old-pass")
    ciphertext = run(
        "encrypt",
        "--keystore",
        str(path),
        env=clean_env(CIPHERTOOL_KEYSTORE_PASSWORD="old-pass"),
        input="still readable",
    ).stdout.strip()
    env = clean_env(CIPHERTOOL_KEYSTORE_PASSWORD="old-pass", NEWPW=NEW)
    result = run("keystore", "passwd", str(path), "--new-storepass-env", "NEWPW", env=env)
    assert result.returncode == 0, result.stderr
    assert _keys(path, NEW) == before
    assert _keytool_ok(path, NEW)
    decrypted = run(
        "decrypt",
        ciphertext,
        "--keystore",
        str(path),
        env=clean_env(CIPHERTOOL_KEYSTORE_PASSWORD=NEW),
    )
    assert decrypted.stdout == "still readable", decrypted.stderr


def test_a_pem_key_is_re_encrypted_and_its_certificate_bytes_kept(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "key.pem"
    create_keystore(path, "main", Secret("old-pass"), kind="PEM")
    certificate = path.read_bytes().split(b"-----BEGIN CERTIFICATE-----")[1]
    before = _keys(path, "old-pass")
    env = clean_env(CIPHERTOOL_KEYSTORE_PASSWORD="old-pass", NEWPW=NEW)
    result = run("keystore", "passwd", str(path), "--new-storepass-env", "NEWPW", env=env)
    assert result.returncode == 0, result.stderr
    assert path.read_bytes().split(b"-----BEGIN CERTIFICATE-----")[1] == certificate
    assert _keys(path, NEW) == before


@pytest.mark.parametrize(
    ("vector", "needle"),
    [("jdk17-two-keys.p12", "keytool -storepasswd"), ("jdk17.jceks", "keytool -storepasswd")],
)
def test_what_cannot_be_rewritten_whole_is_refused_untouched(
    run: Run, tmp_path: Path, vector: str, needle: str
) -> None:
    path = tmp_path / vector
    shutil.copy(KEYSTORES / vector, path)
    original = path.read_bytes()
    env = clean_env(CIPHERTOOL_KEYSTORE_PASSWORD=VECTOR_PASSWORD, NEWPW=NEW)
    result = run("keystore", "passwd", str(path), "--new-storepass-env", "NEWPW", env=env)
    assert_clean_error(result, 2, needle)
    assert path.read_bytes() == original


def test_a_wrong_current_password_changes_nothing(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "ks.p12"
    create_keystore(path, "main", Secret("old-pass"))
    original = path.read_bytes()
    env = clean_env(CIPHERTOOL_KEYSTORE_PASSWORD="not-it", NEWPW=NEW)
    result = run("keystore", "passwd", str(path), "--new-storepass-env", "NEWPW", env=env)
    assert_clean_error(result, 3, "password")
    assert path.read_bytes() == original
    # No new password and no terminal to ask on: a clean error too.
    env = clean_env(CIPHERTOOL_KEYSTORE_PASSWORD="old-pass")
    assert_clean_error(run("keystore", "passwd", str(path), env=env), 3, "--new-storepass-file")
    assert path.read_bytes() == original
