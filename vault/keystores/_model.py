"""The neutral model every keystore kind loads into."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, ClassVar, Literal, NamedTuple

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa

from vault.errors import AliasError, KeystoreFormatError, PasswordError, UsageError
from vault.secret import Secret

if TYPE_CHECKING:
    from datetime import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

EntryKind = Literal["private-key", "trusted-cert", "secret-key"]
StoreKind = Literal["JKS", "JCEKS", "PKCS12", "PEM", "PKCS11"]


def thumbprint(certificate: x509.Certificate | bytes) -> str:
    """Uppercase hex SHA-1 of the certificate's DER, as keytool and WSO2 print it."""
    if not isinstance(certificate, bytes):
        from cryptography.hazmat.primitives.serialization import Encoding

        certificate = certificate.public_bytes(Encoding.DER)
    return sha1(certificate).hex().upper()


def sha1(data: bytes) -> bytes:
    """SHA-1 through ``cryptography``, already loaded: ``hashlib`` would cost the runtime
    path the import of Python's own OpenSSL binding at every start."""
    digest = hashes.Hash(hashes.SHA1())
    digest.update(data)
    return digest.finalize()


def parse_certificate(der: bytes, path: str | None = None) -> x509.Certificate:
    """A certificate from DER, its lazily parsed parts read now: damage is a clean error."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.x509 import load_der_x509_certificate

    try:
        certificate = load_der_x509_certificate(der)
        certificate.public_key()
        certificate.subject.rfc4514_string()
        certificate.not_valid_after_utc  # noqa: B018
    except (ValueError, UnsupportedAlgorithm):
        raise KeystoreFormatError("holds a certificate that does not parse", path=path) from None
    return certificate


def need_password(password: Secret | None, path: str, alias: str) -> Secret:
    """The key password, or a PasswordError naming the alias when there is none."""
    if password is None:
        raise PasswordError(f"the key of alias '{alias}' needs a password", path=path, alias=alias)
    return password


class Entry:
    """One entry of a keystore, as ``keytool -list`` would show it.

    Certificates are kept as DER and parsed on first use: the runtime path
    needs only their thumbprints (a SHA-1 of the DER), and parsing costs the
    import of ``cryptography.x509`` at every service start.
    """

    def __init__(
        self,
        alias: str,
        kind: EntryKind,
        certificate_der: bytes | None = None,
        chain_der: tuple[bytes, ...] = (),
        created: datetime | None = None,
        algorithm: str | None = None,
        bits: int | None = None,
        source: str | None = None,
    ) -> None:
        self.alias = alias
        self.kind = kind
        self.certificate_der = certificate_der
        self.chain_der = chain_der
        self.created = created
        self.algorithm = algorithm
        self.bits = bits  # the key size when known without a certificate (secret keys)
        self.source = source

    def __repr__(self) -> str:
        return f"Entry({self.alias!r}, {self.kind!r}, thumbprint={self.thumbprint})"

    @cached_property
    def certificate(self) -> x509.Certificate | None:
        if self.certificate_der is None:
            return None
        return parse_certificate(self.certificate_der, self.source)

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        return tuple(parse_certificate(der, self.source) for der in self.chain_der)

    @property
    def key_size(self) -> int | None:
        if self.bits is not None or self.certificate is None:
            return self.bits
        size = getattr(self.certificate.public_key(), "key_size", None)
        return int(size) if size is not None else None

    @property
    def thumbprint(self) -> str | None:
        return thumbprint(self.certificate_der) if self.certificate_der is not None else None


class Keystore(ABC):
    """A loaded keystore: entries are listed at once, keys decrypted on demand.

    Aliases compare case-insensitively, as Java's do. The store password is
    kept (hidden in a :class:`Secret`) because a key password defaults to it.
    """

    def __init__(
        self,
        path: str,
        kind: StoreKind,
        entries: tuple[Entry, ...],
        store_password: Secret | None = None,
    ) -> None:
        self.path = path
        self.kind = kind
        self.entries = entries
        self.store_password = store_password

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.path!r}, {self.kind}, {len(self.entries)} entries)"

    def entry(self, alias: str | None = None) -> Entry:
        """The entry under ``alias``; with none, the only key entry (or the only entry)."""
        if alias is None:
            keys = [e for e in self.entries if e.kind == "private-key"]
            if len(keys) == 1:
                return keys[0]
            if not keys and len(self.entries) == 1:
                return self.entries[0]
            if not keys:
                raise AliasError("holds no private key entry", path=self.path)
            names = ", ".join(e.alias for e in keys)
            raise AliasError(
                f"holds several keys ({names}) and no alias says which one to use",
                path=self.path,
                hint="alias",
            )
        wanted = alias.lower()
        for e in self.entries:
            if e.alias.lower() == wanted:
                return e
        raise AliasError(f"no entry with alias '{alias}'", path=self.path, alias=alias)

    def certificate(self, alias: str | None = None) -> x509.Certificate:
        """The certificate of a private-key or trusted-certificate entry."""
        entry = self.entry(alias)
        certificate = entry.certificate
        if certificate is None:
            raise AliasError(
                f"entry '{entry.alias}' holds no certificate", path=self.path, alias=entry.alias
            )
        return certificate

    def certificate_der(self, alias: str | None = None) -> bytes:
        """The DER of an entry's certificate (no parsing)."""
        entry = self.entry(alias)
        if entry.certificate_der is None:
            raise AliasError(
                f"entry '{entry.alias}' holds no certificate", path=self.path, alias=entry.alias
            )
        return entry.certificate_der

    def private_key(
        self, alias: str | None = None, key_password: Secret | None = None
    ) -> rsa.RSAPrivateKey:
        """Decrypt the private key of ``alias``; the key password defaults to the store's."""
        entry = self._entry_of_kind(alias, "private-key")
        password = key_password if key_password is not None else self.store_password
        key = self._decrypt_private_key(entry, password)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise AliasError(
                f"entry '{entry.alias}' is not an RSA key", path=self.path, alias=entry.alias
            )
        return key

    def secret_key(self, alias: str, key_password: Secret | None = None) -> bytes:
        """The raw bytes of a secret-key entry (JCEKS, PKCS12)."""
        entry = self._entry_of_kind(alias, "secret-key")
        password = key_password if key_password is not None else self.store_password
        return self._decrypt_secret_key(entry, password)

    def _entry_of_kind(self, alias: str | None, kind: EntryKind) -> Entry:
        entry = self.entry(alias)
        if entry.kind != kind:
            raise AliasError(
                f"entry '{entry.alias}' is a {entry.kind} entry, not a {kind.replace('-', ' ')}",
                path=self.path,
                alias=entry.alias,
            )
        return entry

    @abstractmethod
    def _decrypt_private_key(self, entry: Entry, password: Secret | None) -> PrivateKeyTypes: ...

    def _decrypt_secret_key(self, entry: Entry, password: Secret | None) -> bytes:
        raise AliasError(
            f"reading secret-key entries of {self.kind} keystores is not supported",
            path=self.path,
            alias=entry.alias,
        )


# -- writing: the interface every kind implements --------------------------------------


class KeyPair(NamedTuple):
    """A key entry to write: an RSA key and its certificate under ``alias``."""

    alias: str
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    key_password: Secret | None = None
    """The key's own password where the kind keeps one (JKS); by default the store's."""


class TrustedCertificate(NamedTuple):
    """A trusted-certificate entry to write."""

    alias: str
    certificate: x509.Certificate
    created: datetime | None = None
    """Kept where the kind records it (JKS), so that rewriting a store keeps its bytes."""


NewEntry = KeyPair | TrustedCertificate


class KeystoreKind(ABC):
    """How one kind of keystore is read, written and re-protected.

    One module per kind holds its :class:`Keystore` subclass and one instance
    of this, ``KIND``, registered in :mod:`vault.keystores`. The runtime path
    calls :meth:`load` only; ``create`` and ``passwd`` call the rest. A kind
    this tool only reads says why in :attr:`read_only`.
    """

    name: ClassVar[StoreKind]
    read_only: ClassVar[str | None] = None
    """Why no keystore of this kind is written here (None: it is written)."""
    min_password: ClassVar[int] = 0
    """The shortest store password a new keystore of this kind takes."""
    one_password: ClassVar[bool] = False
    """Whether the key password must be the store password."""
    keys_beside_trust: ClassVar[bool] = False
    """Whether a trusted certificate may be added beside key entries."""

    @abstractmethod
    def load(self, name: str, data: bytes, password: Secret | None) -> Keystore:
        """The keystore in ``data`` (``name`` names it in errors); with no password,
        what the kind lists unverified, or a PasswordError."""

    def dump(self, entries: Sequence[NewEntry], password: Secret) -> bytes:
        """A new keystore holding ``entries`` under ``password``."""
        raise UsageError(self.read_only or f"{self.name} keystores are not written here")

    def rewrap(
        self,
        store: Keystore,
        data: bytes,
        key_password: Secret,
        new_password: Secret,
        new_key_password: Secret,
    ) -> bytes:
        """``data``, the bytes ``store`` was loaded from, under new passwords: every
        entry kept (``key_password`` opens the keys, else the store password)."""
        raise UsageError(f"{self.name} keystores are read, not written; use keytool -storepasswd")

    def add_trusted(
        self,
        store: Keystore,
        data: bytes,
        certificate: TrustedCertificate,
        password: Secret,
    ) -> bytes:
        """``store`` (loaded from ``data``) with one trusted certificate more. Here, for a
        truststore: its certificates written again with the new one after them."""
        self.refuse_keys(store)
        existing = [
            TrustedCertificate(e.alias, e.certificate, e.created)
            for e in store.entries
            if e.certificate is not None
        ]
        return self.dump([*existing, certificate], password)

    def refuse_keys(self, store: Keystore) -> None:
        """UsageError when ``store`` holds keys and this kind keeps no trust beside them."""
        if not self.keys_beside_trust and any(e.kind != "trusted-cert" for e in store.entries):
            raise UsageError(
                "holds key entries; import-cert adds to truststores only (or to a JKS)",
                path=store.path,
            )
