"""vault.keystores.pkcs12: the native reader sees what pyca's load_pkcs12 sees.

Every file is loaded twice: by the reader (MAC, PBES2 certificate bags, key
bags) and with it switched off, so that the certificates come from pyca's
``load_pkcs12`` as before. Entries, certificates, keys and errors must agree.
Files are made by keytool, by this project and by the openssl command, with
modern and legacy algorithms; the legacy ones must go to pyca.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import KEYSTORES, VECTOR_PASSWORD, needs_java
from tests.keystores.contract import KeystoreContract
from vault.errors import KeystoreFormatError, PasswordError
from vault.keystores import _der, load_keystore, pkcs12
from vault.keystores._model import Keystore
from vault.keystores.create import create_keystore
from vault.secret import Secret

PASSWORD = "p12-pass"
needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl command")


def seen(store: Keystore) -> list[tuple[Any, ...]]:
    """What a caller sees: every entry, and every private key's numbers."""
    rows: list[tuple[Any, ...]] = []
    for entry in store.entries:
        row: tuple[Any, ...] = (entry.alias, entry.kind, entry.certificate_der, entry.chain_der)
        if entry.kind == "private-key":
            key = store.private_key(entry.alias)
            assert isinstance(key, rsa.RSAPrivateKey)
            row += (key.private_numbers(),)
        if entry.kind == "secret-key":
            row += (entry.algorithm, entry.bits, store.secret_key(entry.alias))
        rows.append(row)
    return rows


def both_readers(
    monkeypatch: pytest.MonkeyPatch, path: Path, password: str
) -> tuple[list[tuple[Any, ...]], bool]:
    """(what both readers see, whether the native one read it itself)."""
    data = path.read_bytes()
    try:
        pkcs12._read(data, password.encode())
        native = True
    except pkcs12._NotHere:
        native = False
    ours = seen(load_keystore(path, Secret(password)))

    def not_here(data: bytes, password: bytes | None) -> list[Any]:
        raise pkcs12._NotHere

    with monkeypatch.context() as patch:
        patch.setattr(pkcs12, "_read", not_here)
        theirs = seen(load_keystore(path, Secret(password)))
    assert ours == theirs
    assert ours
    return ours, native


@pytest.fixture(scope="module")
def pem(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A key and its certificate in PEM, for the openssl command to pack."""
    folder = tmp_path_factory.mktemp("p12")
    create_keystore(folder / "k.pem", "k", Secret(PASSWORD), kind="pem")
    subprocess.run(
        ["openssl", "pkey", "-in", "k.pem", "-passin", f"pass:{PASSWORD}", "-out", "key.pem"],
        cwd=folder,
        check=True,
        capture_output=True,
    )
    return folder


def openssl_p12(folder: Path, name: str, *options: str) -> Path:
    out = folder / name
    subprocess.run(
        [
            "openssl",
            "pkcs12",
            "-export",
            "-inkey",
            "key.pem",
            "-in",
            "k.pem",
            "-passout",
            f"pass:{PASSWORD}",
            "-out",
            name,
            *options,
        ],
        cwd=folder,
        check=True,
        capture_output=True,
    )
    return out


@pytest.mark.parametrize("name", ["jdk17-two-keys.p12", "truststore.p12"])
def test_keytool_files_are_read_natively(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    rows, native = both_readers(monkeypatch, KEYSTORES / name, VECTOR_PASSWORD)
    assert native
    if name == "jdk17-two-keys.p12":
        assert [row[:2] for row in rows] == [
            ("first", "private-key"),
            ("second", "private-key"),
            ("aeskey", "secret-key"),
        ]


def test_files_this_tool_writes_are_read_natively(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    create_keystore(tmp_path / "k.p12", "mine", Secret(PASSWORD), kind="pkcs12")
    rows, native = both_readers(monkeypatch, tmp_path / "k.p12", PASSWORD)
    assert native and [row[:2] for row in rows] == [("mine", "private-key")]


@needs_openssl
@pytest.mark.parametrize(
    ("options", "native"),
    [
        (["-name", "svc"], True),  # OpenSSL 3: PBES2 AES-256-CBC, HMAC-SHA256
        ([], True),  # no friendlyName: key and certificate paired by localKeyId
        (["-name", "svc", "-macalg", "sha1"], True),
        (["-name", "svc", "-macalg", "sha512", "-iter", "1"], True),
        (["-name", "svc", "-legacy"], False),  # RC2-40 and 3DES, as OpenSSL 1.x
        (["-name", "svc", "-certpbe", "PBE-SHA1-3DES"], False),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else str(value),
)
def test_openssl_files(
    monkeypatch: pytest.MonkeyPatch, pem: Path, options: list[str], native: bool
) -> None:
    path = openssl_p12(pem, "out.p12", *options)
    rows, read_natively = both_readers(monkeypatch, path, PASSWORD)
    assert read_natively == native
    assert rows[0][1] == "private-key" and rows[0][2] is not None


@needs_java
def test_jdk8_style_files_from_keytool_go_to_pyca(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "legacy.p12"
    subprocess.run(
        [
            "keytool",
            "-J-Dkeystore.pkcs12.legacy",
            "-genkeypair",
            "-keyalg",
            "RSA",
            "-keysize",
            "2048",
            "-alias",
            "old",
            "-dname",
            "CN=old",
            "-storetype",
            "PKCS12",
            "-keystore",
            str(path),
            "-storepass",
            PASSWORD,
            "-keypass",
            PASSWORD,
        ],
        check=True,
        capture_output=True,
    )
    rows, native = both_readers(monkeypatch, path, PASSWORD)
    assert not native and [row[:2] for row in rows] == [("old", "private-key")]


@needs_openssl
def test_a_wrong_password_or_a_damaged_mac_is_refused(pem: Path, tmp_path: Path) -> None:
    path = openssl_p12(pem, "mac.p12", "-name", "svc")
    with pytest.raises(PasswordError, match="wrong store password"):
        load_keystore(path, Secret("not-it"))
    data = bytearray(path.read_bytes())
    data[-40] ^= 1  # inside the MAC's digest, at the end of the file
    damaged = tmp_path / "damaged.p12"
    damaged.write_bytes(bytes(data))
    with pytest.raises(PasswordError, match="wrong store password"):
        load_keystore(damaged, Secret(PASSWORD))


@needs_openssl
def test_a_file_without_a_mac_is_refused_whatever_the_password(pem: Path) -> None:
    """pyca loads a MAC-less PKCS12 with any password: a keystore swapped for one holding
    someone else's key would be used for every new secret. Refused, right or wrong."""
    path = openssl_p12(pem, "nomac.p12", "-name", "svc", "-nomac", "-keypbe", "NONE",
                       "-certpbe", "NONE")  # fmt: skip
    for password in (PASSWORD, "not-the-password"):
        with pytest.raises(KeystoreFormatError, match="has no MAC"):
            load_keystore(path, Secret(password))


def test_more_key_derivation_rounds_than_any_tool_writes_are_refused() -> None:
    """A hostile file must not keep a service starting for minutes."""

    def tlv(tag: int, body: bytes) -> bytes:
        return bytes([tag, len(body)]) + body

    sha256 = tlv(0x30, tlv(0x06, bytes.fromhex("608648016503040201")) + b"\x05\x00")
    rounds = (10_000_001).to_bytes(4, "big")
    mac = tlv(0x30, tlv(0x30, sha256 + tlv(0x04, bytes(32))) + tlv(0x04, bytes(8)) + tlv(2, rounds))
    with pytest.raises(pkcs12._TooCostly):
        pkcs12._check_mac(_der.parse_one(mac), b"", b"pw")


class TestPkcs12(KeystoreContract):
    kind = "PKCS12"
    suffix = ".p12"
    keytool_type = "PKCS12"
    not_byte_stable = "every write draws new salts and IVs (PBES2) and a new MAC salt"
