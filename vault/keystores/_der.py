"""Just enough DER to walk PKCS#12 bags and PKCS#8 envelopes.

pyca/cryptography reads certificates and decrypts private keys; what it does
not give is every key bag of a PKCS#12 file with its friendlyName, so this
walks the structure itself. Definite lengths only: Java and OpenSSL write DER.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

SEQUENCE = 0x30
SET = 0x31
OCTET_STRING = 0x04
OID = 0x06
INTEGER = 0x02
BMP_STRING = 0x1E
CONTEXT_0 = 0xA0


class DerError(ValueError):
    """The bytes are not the DER expected."""


class Tlv(NamedTuple):
    tag: int
    value: bytes
    raw: bytes


def read_tlv(data: bytes, pos: int = 0) -> tuple[Tlv, int]:
    """The TLV at ``pos`` and the position after it."""
    if pos + 2 > len(data):
        raise DerError("truncated")
    tag = data[pos]
    if tag & 0x1F == 0x1F:
        raise DerError("high tag numbers are not used here")
    length = data[pos + 1]
    head = pos + 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4:
            raise DerError("indefinite or oversized length")
        if head + count > len(data):
            raise DerError("truncated")
        length = int.from_bytes(data[head : head + count], "big")
        head += count
    end = head + length
    if end > len(data):
        raise DerError("truncated")
    return Tlv(tag, data[head:end], data[pos:end]), end


def parse_one(data: bytes, tag: int | None = None) -> Tlv:
    """The single TLV that is all of ``data``."""
    tlv, end = read_tlv(data)
    if end != len(data):
        raise DerError("trailing bytes")
    expect(tlv, tag)
    return tlv


def children(tlv: Tlv) -> Iterator[Tlv]:
    """The TLVs inside a constructed value."""
    pos = 0
    while pos < len(tlv.value):
        child, pos = read_tlv(tlv.value, pos)
        yield child


def expect(tlv: Tlv, tag: int | None) -> Tlv:
    if tag is not None and tlv.tag != tag:
        raise DerError(f"expected tag {tag:#x}, found {tlv.tag:#x}")
    return tlv


def oid(tlv: Tlv) -> str:
    """Dotted text of an OBJECT IDENTIFIER."""
    expect(tlv, OID)
    body = tlv.value
    if not body:
        raise DerError("empty OID")
    parts: list[int] = []
    value = 0
    for byte in body:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    if not parts or value:
        raise DerError("unterminated OID")
    first = parts[0]
    head = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    return ".".join(str(p) for p in head + parts[1:])


def integer(tlv: Tlv) -> int:
    expect(tlv, INTEGER)
    return int.from_bytes(tlv.value, "big", signed=True)
