"""Keystores and truststores: JKS, JCEKS, PKCS12, PEM and PKCS#11 tokens behind one model.

The kind of a file is read from the bytes (``--storetype`` overrides); a token is
a ``pkcs11:`` URI. Each kind is one module with a :class:`KeystoreKind` (load,
dump, rewrap), listed in :data:`_KIND_MODULES` and imported only when a keystore
of that kind is opened: pyjks, which pulls in pycryptodome, only for JCEKS; the
PKCS#11 binding only for a token.
"""

from __future__ import annotations

import os

from vault._bounded import KEYSTORE_LIMIT, read_bounded
from vault.errors import InputError, KeystoreFormatError, UsageError
from vault.keystores._model import (
    Entry,
    EntryKind,
    KeyPair,
    Keystore,
    KeystoreKind,
    StoreKind,
    TrustedCertificate,
    thumbprint,
)
from vault.secret import Secret

__all__ = [
    "Entry",
    "EntryKind",
    "KeyPair",
    "Keystore",
    "KeystoreKind",
    "StoreKind",
    "TrustedCertificate",
    "keystore_kind",
    "load_keystore",
    "normalise_kind",
    "parse_keystore",
    "read_keystore_bytes",
    "sniff_kind",
    "thumbprint",
]

_KINDS: dict[str, StoreKind] = {
    "jks": "JKS",
    "jceks": "JCEKS",
    "pkcs12": "PKCS12",
    "p12": "PKCS12",
    "pfx": "PKCS12",
    "pem": "PEM",
    "pkcs11": "PKCS11",
}


_KIND_MODULES: dict[StoreKind, str] = {
    "JKS": "vault.keystores.jks",
    "JCEKS": "vault.keystores.jceks",
    "PKCS12": "vault.keystores.pkcs12",
    "PEM": "vault.keystores.pem",
    "PKCS11": "vault.keystores.pkcs11",
}
"""Each kind's module, whose ``KIND`` reads and writes it."""


def keystore_kind(kind: StoreKind) -> KeystoreKind:
    """The :class:`KeystoreKind` of ``kind``, its module imported now (by ``__import__``,
    the import statement's own path: ``importlib.import_module`` would hide it from
    ``python -X importtime``)."""
    found: KeystoreKind = __import__(_KIND_MODULES[kind], fromlist=["KIND"]).KIND
    return found


def normalise_kind(name: str) -> StoreKind:
    """``jks``, ``JCEKS``, ``pkcs12``/``p12``/``pfx``, ``pem``: any case."""
    try:
        return _KINDS[name.lower()]
    except KeyError:
        raise UsageError(
            f"unknown keystore type '{name}' (JKS, JCEKS, PKCS12, PEM or PKCS11)"
        ) from None


def sniff_kind(data: bytes) -> StoreKind | None:
    """The keystore kind the bytes look like, or None."""
    if data.startswith(b"\xfe\xed\xfe\xed"):
        return "JKS"
    if data.startswith(b"\xce\xce\xce\xce"):
        return "JCEKS"
    if data.lstrip().startswith(b"-----BEGIN"):
        return "PEM"
    if data.startswith(b"\x30"):
        return "PKCS12"
    return None


def read_keystore_bytes(path: str | os.PathLike[str]) -> bytes:
    """A keystore's bytes: a regular file of at most 1 MB (a FIFO or device is refused)."""
    try:
        return read_bounded(path, KEYSTORE_LIMIT, "keystore")
    except FileNotFoundError:
        raise InputError("no such keystore file", path=path) from None


def load_keystore(
    path: str | os.PathLike[str],
    password: Secret | None = None,
    storetype: str | None = None,
) -> Keystore:
    """Load a keystore or truststore.

    With no password, JKS, JCEKS and PEM still list their entries and
    certificates (integrity unchecked); PKCS12 needs its password.
    """
    name = os.fspath(path)
    return parse_keystore(name, read_keystore_bytes(name), password, storetype)


def parse_keystore(
    name: str, data: bytes, password: Secret | None = None, storetype: str | None = None
) -> Keystore:
    """:func:`load_keystore` of bytes already read (``name`` names them in errors)."""
    kind = normalise_kind(storetype) if storetype else sniff_kind(data)
    if kind is None:
        raise KeystoreFormatError("is not a keystore (JKS, JCEKS, PKCS12 or PEM)", path=name)
    return keystore_kind(kind).load(name, data, password)
