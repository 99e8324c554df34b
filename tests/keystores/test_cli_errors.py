"""Bad keystores and passwords: one line on stderr, the exit code of DESIGN.md, no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Run, assert_clean_error, clean_env

STOREPASS = clean_env(CIPHERTOOL_KEYSTORE_PASSWORD="storepass")


def test_missing_file(run: Run, tmp_path: Path) -> None:
    assert_clean_error(
        run("keystore", "list", str(tmp_path / "nope.jks"), env=STOREPASS),
        2,
        "no such keystore file",
    )


def test_not_a_keystore(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "readme.txt"
    path.write_text("just text\n")
    assert_clean_error(run("keystore", "list", str(path), env=STOREPASS), 2, "is not a keystore")


@pytest.mark.parametrize("name", ["jdk17.jks", "jdk17-two-keys.p12"])
def test_truncated_keystore(run: Run, vectors: Path, name: str) -> None:
    path = vectors / name
    path.write_bytes(path.read_bytes()[:700])
    assert_clean_error(run("keystore", "list", str(path), env=STOREPASS), 2, str(path))


@pytest.mark.parametrize("name", ["jdk17.jks", "jdk17-two-keys.p12"])
def test_wrong_store_password(run: Run, vectors: Path, name: str) -> None:
    env = clean_env(CIPHERTOOL_KEYSTORE_PASSWORD="not-the-password")
    result = run("decrypt", "--keystore", str(vectors / name), "--alias", "first", "AAAA", env=env)
    assert_clean_error(result, 3, "wrong store password")
    assert "not-the-password" not in result.stderr


def test_wrong_key_password(run: Run, vectors: Path) -> None:
    result = run(
        "decrypt",
        "--keystore",
        str(vectors / "jdk17.jks"),
        "--alias",
        "other",
        "AAAA",
        env=STOREPASS,
    )
    assert_clean_error(result, 3, "wrong key password for alias 'other'")
    right = clean_env(CIPHERTOOL_KEYSTORE_PASSWORD="storepass", CIPHERTOOL_KEY_PASSWORD="keypass")
    result = run(
        "decrypt",
        "--keystore",
        str(vectors / "jdk17.jks"),
        "--alias",
        "other",
        "not*base64",
        env=right,
    )
    assert_clean_error(result, 2, "not Base64")  # the key opened; the ciphertext is what is wrong


def test_unknown_alias(run: Run, vectors: Path) -> None:
    result = run(
        "decrypt",
        "--keystore",
        str(vectors / "jdk17.jks"),
        "--alias",
        "ghost",
        "AAAA",
        env=STOREPASS,
    )
    assert_clean_error(result, 3, "no entry with alias 'ghost'")


def test_alias_without_private_key(run: Run, vectors: Path) -> None:
    result = run(
        "decrypt",
        "--keystore",
        str(vectors / "truststore.p12"),
        "--alias",
        "first",
        "AAAA",
        env=STOREPASS,
    )
    assert_clean_error(result, 3, "is a trusted-cert entry, not a private key")


def test_no_password_anywhere(run: Run, vectors: Path) -> None:
    result = run("decrypt", "--keystore", str(vectors / "jdk17.jks"), "AAAA", env=clean_env())
    assert_clean_error(
        result, 3, "no keystore password given", "--storepass-file", "password-persist"
    )


def test_unknown_storetype(run: Run, vectors: Path) -> None:
    result = run(
        "keystore", "list", str(vectors / "jdk17.jks"), "--storetype", "BKS", env=STOREPASS
    )
    assert_clean_error(result, 2, "unknown keystore type 'BKS'")


def test_list_with_a_wrong_password_fails_rather_than_listing_unverified(
    run: Run, vectors: Path
) -> None:
    env = clean_env(CIPHERTOOL_KEYSTORE_PASSWORD="wrong-one")
    assert_clean_error(
        run("keystore", "list", str(vectors / "jdk17.jks"), env=env), 3, "wrong store password"
    )


def test_list_jks_without_a_password_warns_and_lists(run: Run, vectors: Path) -> None:
    result = run("keystore", "list", str(vectors / "jdk17.jks"), "--json", env=clean_env())
    assert result.returncode == 0
    assert "integrity not checked" in result.stderr
    assert {e["alias"] for e in json.loads(result.stdout)["entries"]} == {"other", "wso2carbon"}
