"""JKS read and written here, without pyjks.

pyjks costs its imports (pycryptodome, javaobj) at every service start,
and fails on JKS written by JDK 21+ (pyjks issue 79). JKS itself is
small: a header, entries, and a SHA-1 over the password and the bytes; keys
are protected by Sun's SHA-1 keystream (``sun.security.provider.KeyProtector``,
in :mod:`vault.crypto._primitives` with the store digest).
JCEKS, whose keys use 3DES, still goes through pyjks.
"""

from __future__ import annotations

import os
import struct
import time
from typing import NamedTuple

from vault.crypto._primitives import (
    CheckFailed,
    compare_digest,
    jks_protect,
    jks_store_digest,
    jks_unprotect,
)

MAGIC = b"\xfe\xed\xfe\xed"
KEY_PROTECTOR_OID_DER = bytes.fromhex("060a2b060104012a02110101")  # 1.3.6.1.4.1.42.2.17.1.1
_PRIVATE_KEY, _TRUSTED_CERT = 1, 2


class JksFormatError(ValueError):
    """The bytes are not a JKS keystore, or are damaged."""


class JksPasswordError(ValueError):
    """The integrity check or a key's check digest failed: a wrong password."""


class RawEntry(NamedTuple):
    alias: str
    timestamp_ms: int
    certificates: tuple[bytes, ...]
    protected_key: bytes | None = None
    """The EncryptedPrivateKeyInfo DER of a private-key entry; None for a trusted cert."""


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, size: int) -> bytes:
        if size < 0 or self.pos + size > len(self.data):
            raise JksFormatError("truncated")
        chunk = self.data[self.pos : self.pos + size]
        self.pos += size
        return chunk

    def u16(self) -> int:
        return int(struct.unpack(">H", self.take(2))[0])

    def u32(self) -> int:
        return int(struct.unpack(">I", self.take(4))[0])

    def u64(self) -> int:
        return int(struct.unpack(">Q", self.take(8))[0])

    def utf(self) -> str:
        try:
            return self.take(self.u16()).decode("utf-8")
        except UnicodeDecodeError:
            raise JksFormatError("bad modified UTF-8") from None


def load(data: bytes, password: str | None) -> list[RawEntry]:
    """The entries of a JKS; with a password, its integrity is checked."""
    reader = _Reader(data)
    if reader.take(4) != MAGIC:
        raise JksFormatError("not JKS")
    version = reader.u32()
    if version not in (1, 2):
        raise JksFormatError(f"unknown JKS version {version}")
    entries = []
    for _ in range(reader.u32()):
        tag = reader.u32()
        alias = reader.utf()
        timestamp = reader.u64()
        if tag == _PRIVATE_KEY:
            protected = reader.take(reader.u32())
            certs = []
            for _ in range(reader.u32()):
                if version == 2:
                    reader.utf()  # certificate type, "X.509"
                certs.append(reader.take(reader.u32()))
            entries.append(RawEntry(alias, timestamp, tuple(certs), protected))
        elif tag == _TRUSTED_CERT:
            if version == 2:
                reader.utf()
            entries.append(RawEntry(alias, timestamp, (reader.take(reader.u32()),)))
        else:
            raise JksFormatError(f"unknown entry tag {tag}")
    body = data[: reader.pos]
    digest = reader.take(20)
    if reader.pos != len(data):
        raise JksFormatError("trailing bytes")
    if password is not None:
        if not compare_digest(jks_store_digest(password, body), digest):
            raise JksPasswordError("integrity check failed")
    return entries


def _protected_payload(epki: bytes) -> bytes:
    """The encryptedData of an EncryptedPrivateKeyInfo using Sun's key protector.

    Parameters may be NULL (JDK 17) or absent (JDK 21+), so only the OID is read."""
    from vault.keystores import _der

    try:
        outer = _der.parse_one(epki, _der.SEQUENCE)
        algorithm, encrypted = _der.children(outer)
        oid = next(_der.children(algorithm))
    except (_der.DerError, ValueError, StopIteration):
        raise JksFormatError("damaged key entry") from None
    if oid.raw != KEY_PROTECTOR_OID_DER:
        raise JksFormatError("a key protected by something other than Sun's JKS key protector")
    return _der.expect(encrypted, _der.OCTET_STRING).value


def unprotect(epki: bytes, password: str) -> bytes:
    """The PKCS#8 DER of a JKS key entry."""
    payload = _protected_payload(epki)
    if len(payload) < 40:
        raise JksFormatError("damaged key entry")
    try:
        return jks_unprotect(payload, password)
    except CheckFailed:
        raise JksPasswordError("wrong key password") from None


def protect(pkcs8: bytes, password: str) -> bytes:
    """An EncryptedPrivateKeyInfo holding ``pkcs8`` under Sun's key protector."""
    payload = jks_protect(pkcs8, password, os.urandom(20))
    algorithm = _tlv(0x30, KEY_PROTECTOR_OID_DER + b"\x05\x00")
    return _tlv(0x30, algorithm + _tlv(0x04, payload))


def _tlv(tag: int, value: bytes) -> bytes:
    size = len(value)
    if size < 0x80:
        return bytes([tag, size]) + value
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + value


def _utf(text: str) -> bytes:
    data = text.encode("utf-8")
    return struct.pack(">H", len(data)) + data


def dump(entries: list[RawEntry], password: str) -> bytes:
    """A version-2 JKS of ``entries`` (key entries keep the protection they have)."""
    out = bytearray(MAGIC + struct.pack(">II", 2, len(entries)))
    for entry in entries:
        timestamp = entry.timestamp_ms or int(time.time() * 1000)
        if entry.protected_key is not None:
            out += struct.pack(">I", _PRIVATE_KEY) + _utf(entry.alias.lower())
            out += struct.pack(">Q", timestamp)
            out += struct.pack(">I", len(entry.protected_key)) + entry.protected_key
            out += struct.pack(">I", len(entry.certificates))
            for cert in entry.certificates:
                out += _utf("X.509") + struct.pack(">I", len(cert)) + cert
        else:
            out += struct.pack(">I", _TRUSTED_CERT) + _utf(entry.alias.lower())
            out += struct.pack(">Q", timestamp)
            out += (
                _utf("X.509")
                + struct.pack(">I", len(entry.certificates[0]))
                + entry.certificates[0]
            )
    out += jks_store_digest(password, bytes(out))
    return bytes(out)
