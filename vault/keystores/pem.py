"""PEM: one file holding a private key (encrypted or not) and its certificate
chain, or certificates alone (a truststore).

PEM has no aliases: the single key entry is named after the file's stem and
answers to any alias asked for; certificates alone are ``cert1``, ``cert2``...
"""

from __future__ import annotations

import re
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from ..errors import KeystoreFormatError, PasswordError
from ..secret import Secret
from ._model import Entry, Keystore

_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----.*?-----END \1-----\r?\n?", re.S)


class PemKeystore(Keystore):
    def __init__(
        self, path: str, entries: tuple[Entry, ...], password: Secret | None, key_pem: bytes
    ) -> None:
        super().__init__(path, "PEM", entries, password)
        self._key_pem = key_pem

    def entry(self, alias: str | None = None) -> Entry:
        if self._key_pem:
            return self.entries[0]
        return super().entry(alias)

    def _decrypt_private_key(self, entry: Entry, password: Secret | None) -> PrivateKeyTypes:
        # PKCS#8 "ENCRYPTED PRIVATE KEY", or a legacy key's "Proc-Type: 4,ENCRYPTED" header.
        encrypted = b"ENCRYPTED" in self._key_pem
        if encrypted and password is None:
            raise PasswordError("the PEM key is encrypted and needs a password", path=self.path)
        try:
            return serialization.load_pem_private_key(
                self._key_pem, password.encode() if encrypted and password is not None else None
            )
        except (ValueError, TypeError):
            if encrypted:
                raise PasswordError("wrong password for the PEM key", path=self.path) from None
            raise KeystoreFormatError("the PEM key does not parse", path=self.path) from None


def load(path: str, data: bytes, password: Secret | None) -> PemKeystore:
    keys: list[bytes] = []
    certs: list[x509.Certificate] = []
    for match in _BLOCK.finditer(data):
        label = match.group(1)
        if label.endswith(b"PRIVATE KEY"):
            keys.append(match.group(0))
        elif label in (b"CERTIFICATE", b"TRUSTED CERTIFICATE"):
            try:
                certs.append(x509.load_pem_x509_certificate(match.group(0)))
            except ValueError:
                raise KeystoreFormatError(
                    "holds a certificate that does not parse", path=path
                ) from None
    if not keys and not certs:
        raise KeystoreFormatError("holds no PEM private key or certificate", path=path)
    if len(keys) > 1:
        raise KeystoreFormatError("holds more than one private key", path=path)
    entries: list[Entry] = []
    if keys:
        ders = tuple(_der_of(c) for c in certs)
        leaf = ders[0] if ders else None
        entries.append(Entry(Path(path).stem, "private-key", leaf, ders, None, "RSA", source=path))
    else:
        for n, cert in enumerate(certs, 1):
            der = _der_of(cert)
            entries.append(Entry(f"cert{n}", "trusted-cert", der, (der,), source=path))
    return PemKeystore(path, tuple(entries), password, keys[0] if keys else b"")


def _der_of(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def dump(key: PrivateKeyTypes, cert: x509.Certificate, password: Secret) -> bytes:
    """The key (PKCS#8, encrypted with the password) followed by its certificate."""
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password.encode()),
    )
    return key_pem + cert.public_bytes(serialization.Encoding.PEM)
