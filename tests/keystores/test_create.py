"""Keystores ciphertool creates work in keytool and Java; truststores too."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from tests.conftest import Run, assert_clean_error, clean_env, needs_java
from vault.keystores import load_keystore
from vault.secret import Secret

PW = "changeit-123"


def keytool_list(path: Path, storetype: str, password: str = PW) -> str:
    proc = subprocess.run(
        [
            "keytool",
            "-list",
            "-v",
            "-keystore",
            str(path),
            "-storetype",
            storetype,
            "-storepass",
            password,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


@pytest.mark.parametrize(
    ("kind", "storetype", "size"), [("pkcs12", "PKCS12", "2048"), ("jks", "JKS", "3072")]
)
def test_create_then_list(run: Run, tmp_path: Path, kind: str, storetype: str, size: str) -> None:
    env = clean_env(CIPHERTOOL_KEYSTORE_PASSWORD=PW)
    path = tmp_path / f"new.{kind}"
    result = run(
        "keystore",
        "create",
        str(path),
        "--alias",
        "App",
        "--type",
        kind,
        "--key-size",
        size,
        "--dname",
        "CN=app.example.com, OU=Ops, O=Example, C=LK",
        "--validity",
        "30",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    listed = run("keystore", "list", str(path), "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    data = json.loads(listed.stdout)
    assert data["type"] == storetype
    [entry] = data["entries"]
    assert entry["alias"].lower() == "app"
    assert entry["kind"] == "private-key"
    assert entry["key_size"] == int(size)
    assert entry["subject"] == "CN=app.example.com,OU=Ops,O=Example,C=LK"
    store = load_keystore(path, Secret(PW))
    assert store.private_key("app").key_size == int(size)


@needs_java
@pytest.mark.java
@pytest.mark.parametrize(("kind", "storetype"), [("pkcs12", "PKCS12"), ("jks", "JKS")])
def test_keytool_lists_created_keystores_as_private_key_entries(
    run: Run, tmp_path: Path, kind: str, storetype: str
) -> None:
    env = clean_env(CIPHERTOOL_KEYSTORE_PASSWORD=PW)
    path = tmp_path / f"k.{kind}"
    assert (
        run(
            "keystore", "create", str(path), "--alias", "wso2carbon", "--type", kind, env=env
        ).returncode
        == 0
    )
    listing = keytool_list(path, storetype)
    assert "Alias name: wso2carbon" in listing
    assert "Entry type: PrivateKeyEntry" in listing
    assert "Signature algorithm name: SHA256withRSA" in listing
    thumb = run("keystore", "list", str(path), "--json", env=env)
    sha1 = json.loads(thumb.stdout)["entries"][0]["thumbprint"]
    assert ":".join(sha1[i : i + 2] for i in range(0, 40, 2)) in listing


@needs_java
@pytest.mark.java
@pytest.mark.parametrize("name", ["trust.p12", "trust.jks"])
def test_import_cert_makes_a_truststore_keytool_reads(
    run: Run, tmp_path: Path, vectors: Path, name: str
) -> None:
    env = clean_env(CIPHERTOOL_KEYSTORE_PASSWORD=PW)
    trust = tmp_path / name
    for alias in ("first", "second"):
        result = run(
            "keystore",
            "import-cert",
            str(trust),
            str(vectors / f"{alias}.pem"),
            "--alias",
            alias,
            env=env,
        )
        assert result.returncode == 0, result.stderr
    listing = keytool_list(trust, "JKS" if name.endswith(".jks") else "PKCS12")
    assert listing.count("Entry type: trustedCertEntry") == 2
    again = run(
        "keystore",
        "import-cert",
        str(trust),
        str(vectors / "first.pem"),
        "--alias",
        "FIRST",
        env=env,
    )
    assert_clean_error(again, 2, "alias 'FIRST' already exists")


def test_export_cert_round_trips_through_import(run: Run, tmp_path: Path, vectors: Path) -> None:
    env = clean_env(CIPHERTOOL_KEYSTORE_PASSWORD="storepass")
    exported = run(
        "keystore", "export-cert", str(vectors / "jdk17-two-keys.p12"), "--alias", "second", env=env
    )
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout == (vectors / "second.pem").read_text()


def test_create_refuses_to_overwrite(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "exists.p12"
    path.write_bytes(b"precious")
    result = run(
        "keystore",
        "create",
        str(path),
        "--alias",
        "a",
        env=clean_env(CIPHERTOOL_KEYSTORE_PASSWORD=PW),
    )
    assert_clean_error(result, 2, "already exists")
    assert path.read_bytes() == b"precious"


def test_create_pem_and_use_it(run: Run, tmp_path: Path) -> None:
    env = clean_env(CIPHERTOOL_KEYSTORE_PASSWORD=PW)
    path = tmp_path / "key.pem"
    assert (
        run("keystore", "create", str(path), "--alias", "a", "--type", "pem", env=env).returncode
        == 0
    )
    assert b"ENCRYPTED PRIVATE KEY" in path.read_bytes()
    assert load_keystore(path, Secret(PW)).private_key("anything").key_size == 2048
    assert not os.access(path, os.X_OK)
