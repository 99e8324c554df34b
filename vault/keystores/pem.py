"""PEM: one file holding a private key (encrypted or not) and its certificate
chain, or certificates alone (a truststore).

PEM has no aliases: the single key entry is named after the file's stem and
answers to any alias asked for; certificates alone are ``cert1``, ``cert2``...
"""

from __future__ import annotations

import binascii
import contextlib
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from vault.errors import KeystoreFormatError, PasswordError, UsageError
from vault.keystores import _der
from vault.keystores._model import Entry, KeyPair, Keystore, KeystoreKind, NewEntry
from vault.secret import Secret

if TYPE_CHECKING:
    from collections.abc import Sequence

    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

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
        if b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in self._key_pem:
            import base64

            from vault.keystores.pkcs12 import check_key_cost

            body = self._key_pem.split(b"-----")[2]
            with contextlib.suppress(ValueError):
                check_key_cost(self.path, base64.b64decode(body))
        try:
            key = serialization.load_pem_private_key(
                self._key_pem,
                password.encode() if encrypted and password is not None else None,
                unsafe_skip_rsa_key_validation=True,  # checked below, without its primality tests
            )
        except (ValueError, TypeError):
            if encrypted:
                raise PasswordError("wrong password for the PEM key", path=self.path) from None
            raise KeystoreFormatError("the PEM key does not parse", path=self.path) from None
        if isinstance(key, rsa.RSAPrivateKey) and not rsa_numbers_agree(key):
            raise KeystoreFormatError(
                "the PEM key is damaged (its numbers disagree)", path=self.path
            )
        if entry.certificate_der is not None and not _certifies(entry.certificate_der, key):
            # Secrets encrypted for this certificate could never be decrypted with the key.
            raise KeystoreFormatError(
                "the PEM file's certificate is not its key's (the public keys differ)",
                path=self.path,
            )
        return key


def _certifies(certificate_der: bytes, key: PrivateKeyTypes) -> bool:
    """Whether the certificate's public key is ``key``'s: its SubjectPublicKeyInfo read
    from the DER (no X.509 parse at service start), else compared by numbers."""
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    try:
        tbs = next(_der.children(_der.parse_one(certificate_der, _der.SEQUENCE)))
        fields = list(_der.children(tbs))
        if fields and fields[0].tag == _der.CONTEXT_0:
            fields = fields[1:]  # the version
        if len(fields) > 5 and fields[5].raw == public:
            return True
    except (_der.DerError, ValueError, StopIteration):
        pass
    from vault.keystores._model import parse_certificate

    certified = parse_certificate(certificate_der).public_key()
    return bool(
        isinstance(certified, rsa.RSAPublicKey)
        and isinstance(key, rsa.RSAPrivateKey)
        and certified.public_numbers() == key.public_key().public_numbers()
    )


def rsa_numbers_agree(key: rsa.RSAPrivateKey) -> bool:
    """Whether an RSA key's numbers fit together: n = pq, ed = 1 mod lcm(p-1, q-1), and
    the CRT values. A PEM file has no digest or MAC to vouch for its key, so this stands
    in for OpenSSL's check, which also tests p and q for primality, costly at every
    service start (more so at RSA-4096), against a key that was crafted rather than
    damaged (the operator's own keystore is trusted; a damaged one
    is caught here)."""
    numbers = key.private_numbers()
    p, q, d = numbers.p, numbers.q, numbers.d
    n, e = numbers.public_numbers.n, numbers.public_numbers.e
    if min(p, q) < 3 or p == q or p * q != n or not 1 < e < n:
        return False
    lam = math.lcm(p - 1, q - 1)
    return (
        (e * d) % lam == 1
        and numbers.dmp1 == d % (p - 1)
        and numbers.dmq1 == d % (q - 1)
        and (numbers.iqmp * q) % p == 1
    )


def load(path: str, data: bytes, password: Secret | None) -> PemKeystore:
    keys: list[bytes] = []
    certs: list[bytes] = []
    for match in _BLOCK.finditer(data):
        label = match.group(1)
        if label.endswith(b"PRIVATE KEY"):
            keys.append(match.group(0))
        elif label in (b"CERTIFICATE", b"TRUSTED CERTIFICATE"):
            certs.append(_certificate_der(match.group(0), path))
    if not keys and not certs:
        raise KeystoreFormatError("holds no PEM private key or certificate", path=path)
    if len(keys) > 1:
        raise KeystoreFormatError("holds more than one private key", path=path)
    entries: list[Entry] = []
    if keys:
        ders = tuple(certs)
        leaf = ders[0] if ders else None
        entries.append(Entry(Path(path).stem, "private-key", leaf, ders, None, "RSA", source=path))
    else:
        for n, der in enumerate(certs, 1):
            entries.append(Entry(f"cert{n}", "trusted-cert", der, (der,), source=path))
    return PemKeystore(path, tuple(entries), password, keys[0] if keys else b"")


def _certificate_der(block: bytes, path: str) -> bytes:
    """The DER of a PEM certificate block (of a TRUSTED CERTIFICATE: the certificate, its
    trust settings after it left off). Parsed when first used, as every keystore's."""
    lines = block.strip().splitlines()[1:-1]
    try:
        body = binascii.a2b_base64(b"".join(line.strip() for line in lines), strict_mode=True)
        certificate, end = _der.read_tlv(body)
        _der.expect(certificate, _der.SEQUENCE)
        if end != len(body) and not block.startswith(b"-----BEGIN TRUSTED"):
            raise ValueError("bytes after the certificate")
    except (binascii.Error, ValueError):
        raise KeystoreFormatError("holds a certificate that does not parse", path=path) from None
    return certificate.raw


def _encrypted(key: PrivateKeyTypes, password: Secret) -> bytes:
    """The key as PKCS#8 PEM, encrypted with the password."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password.encode()),
    )


class PemKind(KeystoreKind):
    name = "PEM"

    def load(self, name: str, data: bytes, password: Secret | None) -> PemKeystore:
        return load(name, data, password)

    def dump(self, entries: Sequence[NewEntry], password: Secret) -> bytes:
        """The key (PKCS#8, encrypted with the password) followed by its certificate;
        or certificates alone, a truststore."""
        pairs = [e for e in entries if isinstance(e, KeyPair)]
        if pairs and len(entries) != 1:
            raise UsageError("a PEM file holds one key pair, or certificates only")
        if pairs:
            return _encrypted(pairs[0].key, password) + _pem(pairs[0].certificate)
        return b"".join(_pem(e.certificate) for e in entries)

    def rewrap(
        self,
        store: Keystore,
        data: bytes,
        key_password: Secret,
        new_password: Secret,
        new_key_password: Secret,
    ) -> bytes:
        """The private key block encrypted again, every other byte kept."""
        assert isinstance(store, PemKeystore)
        if not store._key_pem:
            raise UsageError(
                "holds certificates only: there is no password to change", path=store.path
            )
        new_pem = _encrypted(store.private_key(None, key_password), new_key_password)
        start = data.index(store._key_pem)
        return data[:start] + new_pem.rstrip(b"\n") + data[start + len(store._key_pem) :]


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


KIND = PemKind()
