"""Creating keystores and adding certificates to truststores.

Kept apart from the loaders: the runtime path reads keystores and never
needs to write one.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from vault import atomic
from vault._bounded import KEYSTORE_LIMIT, read_bounded
from vault.errors import InputError, UsageError
from vault.keystores import (
    KeyPair,
    StoreKind,
    TrustedCertificate,
    keystore_kind,
    normalise_kind,
    parse_keystore,
    read_keystore_bytes,
)
from vault.keystores._certificates import parse_dname, self_signed
from vault.secret import Secret

KEY_SIZES = (2048, 3072, 4096)
DEFAULT_DNAME = "CN=ciphertool"
DEFAULT_VALIDITY_DAYS = 365


def create_keystore(
    path: str | os.PathLike[str],
    alias: str,
    password: Secret,
    *,
    kind: str = "PKCS12",
    key_size: int = 2048,
    dname: str = DEFAULT_DNAME,
    validity_days: int = DEFAULT_VALIDITY_DAYS,
    key_password: Secret | None = None,
) -> x509.Certificate:
    """Write a new keystore with one RSA key pair; refuse to overwrite. Returns the certificate."""
    store_kind = keystore_kind(normalise_kind(kind))
    if key_size not in KEY_SIZES:
        raise UsageError(f"key size {key_size} is not one of {', '.join(map(str, KEY_SIZES))}")
    if validity_days < 1:
        raise UsageError("--validity must be at least one day")
    if not alias or not alias.strip():
        raise UsageError("the alias is empty")
    if len(password) < store_kind.min_password:
        raise UsageError(
            f"the store password must be at least {store_kind.min_password} characters "
            "(keytool's rule)"
        )
    if store_kind.read_only:
        raise UsageError(store_kind.read_only)
    if store_kind.one_password and key_password is not None and key_password != password:
        raise UsageError(
            f"{store_kind.name} keeps one password: the key password must equal the store password"
        )
    if Path(path).exists():
        raise InputError("already exists; not overwritten", path=path)
    subject = parse_dname(dname)
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    cert = self_signed(key, subject, validity_days)
    atomic.create(path, _serialise(store_kind.name, alias, key, cert, password, key_password))
    return cert


def _serialise(
    kind: StoreKind,
    alias: str,
    key: rsa.RSAPrivateKey,
    cert: x509.Certificate,
    password: Secret,
    key_password: Secret | None,
) -> bytes:
    """The bytes of a new keystore of ``kind`` holding one key pair."""
    return keystore_kind(kind).dump([KeyPair(alias, key, cert, key_password)], password)


def read_certificate(path: str | os.PathLike[str]) -> x509.Certificate:
    """A certificate from a PEM or DER file."""
    try:
        data = read_bounded(path, KEYSTORE_LIMIT, "certificate")
    except FileNotFoundError:
        raise InputError("no such certificate file", path=path) from None
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError:
        raise InputError("is not a PEM or DER certificate", path=path) from None


def import_certificate(
    truststore: str | os.PathLike[str],
    cert: x509.Certificate,
    alias: str,
    password: Secret,
    storetype: str | None = None,
) -> None:
    """Add a trusted certificate under ``alias``, creating the truststore if missing."""
    target = Path(truststore)
    new = TrustedCertificate(alias, cert)
    if not target.exists():
        kind = normalise_kind(storetype) if storetype else _kind_for_new(target)
        atomic.create(target, keystore_kind(kind).dump([new], password))
        return
    with atomic.locked(target):
        data = read_keystore_bytes(target)
        store = parse_keystore(os.fspath(target), data, password, storetype)
        if any(e.alias.lower() == alias.lower() for e in store.entries):
            raise UsageError(
                f"alias '{alias}' already exists; certificate not imported", path=target
            )
        atomic.replace(target, keystore_kind(store.kind).add_trusted(store, data, new, password))


def _kind_for_new(path: Path) -> StoreKind:
    """By extension: .jks is JKS, .pem/.crt PEM, anything else PKCS12."""
    kinds: dict[str, StoreKind] = {".jks": "JKS", ".pem": "PEM", ".crt": "PEM"}
    return kinds.get(path.suffix.lower(), "PKCS12")


__all__ = [
    "create_keystore",
    "import_certificate",
    "parse_dname",
    "read_certificate",
    "self_signed",
]
