"""Regressions for what review found: each once let a secret out, a wrong value through,
a certificate drop, or a traceback reach the user."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from tests.conftest import (
    CIPHERTOOL,
    KEYSTORES,
    VECTOR_PASSWORD,
    Run,
    assert_clean_error,
    clean_env,
)
from vault.crypto.ring import KeyEntry, KeyRing
from vault.crypto.transformations import PKCS1
from vault.errors import DecryptionError, PasswordError
from vault.keys.passwords import find_passwords
from vault.keystores import load_keystore
from vault.secret import Secret

PW = Secret("storepass")


def _ring(name: str, alias: str) -> KeyRing:
    store = load_keystore(KEYSTORES / name, PW)
    return KeyRing([KeyEntry(store.certificate(alias), store.private_key(alias))])


def test_a_nul_in_a_password_file_is_refused_without_showing_it(run: Run, tmp_path: Path) -> None:
    pw = tmp_path / "pw"
    pw.write_bytes(b"store\0pass\n")
    pw.chmod(0o600)
    result = run(
        "keystore", "list", str(KEYSTORES / "jdk17-two-keys.p12"), "--storepass-file", str(pw)
    )
    assert_clean_error(result, 3, "NUL byte")
    assert "115, 116" not in result.stderr and "pass" not in result.stderr.replace("password", "")


def test_pkcs1_blocks_for_another_key_never_decrypt_to_something() -> None:
    """OpenSSL's implicit rejection would return random bytes (often valid UTF-8) here."""
    mine, other = _ring("jdk17.jks", "wso2carbon"), _ring("jdk17-two-keys.p12", "first")
    for n in range(100):
        block = other.encrypt(f"v{n}", format="plain", transformation=PKCS1)
        with pytest.raises(DecryptionError):
            mine.decrypt(block)
        with pytest.raises(DecryptionError):
            mine.decrypt(block, transformation=PKCS1)


def test_wrong_jceks_key_passwords_are_password_errors() -> None:
    store = load_keystore(KEYSTORES / "jdk17.jceks", PW)
    for n in range(40):
        with pytest.raises(PasswordError):
            store.private_key("wso2carbon", Secret(f"wrong{n}"))


def test_import_cert_keeps_nameless_truststore_certificates(run: Run, tmp_path: Path) -> None:
    first = load_keystore(KEYSTORES / "first.pem").certificate()
    trust = tmp_path / "openssl-made.p12"
    trust.write_bytes(
        pkcs12.serialize_key_and_certificates(
            None, None, None, [first], serialization.BestAvailableEncryption(b"storepass")
        )
    )
    assert [e.alias for e in load_keystore(trust, PW).entries] == ["cert1"]
    env = clean_env(CIPHERTOOL_KEYSTORE_PASSWORD="storepass")
    assert (
        run(
            "keystore",
            "import-cert",
            str(trust),
            str(KEYSTORES / "second.pem"),
            "--alias",
            "second",
            env=env,
        ).returncode
        == 0
    )
    kept = {e.thumbprint for e in load_keystore(trust, PW).entries}
    assert load_keystore(KEYSTORES / "first.pem").entries[0].thumbprint in kept and len(kept) == 2


def test_password_tmp_symlink_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    target = tmp_path / "important.txt"
    target.write_text("do not wipe me\n")
    (tmp_path / "password-tmp").symlink_to(target)
    with pytest.raises(PasswordError, match="symbolic link"):
        find_passwords(tmp_path / "ks.p12", environ={}, interactive=False)
    assert target.read_text() == "do not wipe me\n"


def test_an_unusable_password_tmp_is_still_wiped(tmp_path: Path) -> None:
    tmp = tmp_path / "password-tmp"
    tmp.write_bytes(b"")
    with pytest.raises(PasswordError):
        find_passwords(tmp_path / "ks.p12", environ={}, interactive=False)
    assert not tmp.exists()


def test_closed_stdin_is_a_clean_error(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            *CIPHERTOOL,
            "encrypt",
            "--keystore",
            str(KEYSTORES / "jdk17.jks"),
            "--alias",
            "wso2carbon",
        ],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=clean_env(CIPHERTOOL_KEYSTORE_PASSWORD=VECTOR_PASSWORD),
        timeout=60,
        preexec_fn=lambda: os.close(0),
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
