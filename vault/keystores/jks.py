"""JKS, read and written here (the bytes in ``_jks_native``), without pyjks.

Key entries keep the protection they have when the file is rewritten (a
trusted certificate added); ``passwd`` re-protects each key with the new key
password. JCEKS, which shares the key protector, is :mod:`.jceks`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import serialization

from vault.errors import KeystoreFormatError, PasswordError
from vault.keystores import _jks_native
from vault.keystores._model import (
    Entry,
    EntryKind,
    Keystore,
    KeystoreKind,
    NewEntry,
    TrustedCertificate,
    need_password,
)
from vault.secret import Secret

if TYPE_CHECKING:
    from collections.abc import Sequence

    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes


class JksKeystore(Keystore):
    def __init__(
        self,
        path: str,
        entries: tuple[Entry, ...],
        password: Secret | None,
        raw: dict[str, _jks_native.RawEntry],
    ) -> None:
        super().__init__(path, "JKS", entries, password)
        self._raw = raw

    def _decrypt_private_key(self, entry: Entry, password: Secret | None) -> PrivateKeyTypes:
        protected = self._raw[entry.alias].protected_key
        assert protected is not None
        secret = need_password(password, self.path, entry.alias)
        try:
            pkcs8 = _jks_native.unprotect(protected, secret.reveal())
            # The key's own SHA-1 check digest has just passed: the bytes are the ones
            # keytool wrote, so OpenSSL's slow RSA consistency check is skipped.
            return serialization.load_der_private_key(
                pkcs8, None, unsafe_skip_rsa_key_validation=True
            )
        except _jks_native.JksPasswordError:
            raise PasswordError(
                f"wrong key password for alias '{entry.alias}'", path=self.path, alias=entry.alias
            ) from None
        except ValueError:
            raise KeystoreFormatError(
                f"the key entry '{entry.alias}' is damaged", path=self.path, alias=entry.alias
            ) from None


def _load(path: str, data: bytes, password: Secret | None) -> JksKeystore:
    """Load a JKS; with no password, entries are listed unverified."""
    try:
        raw = _jks_native.load(data, password.reveal() if password is not None else None)
    except _jks_native.JksPasswordError:
        raise PasswordError(
            "wrong store password (keystore integrity check failed)", path=path
        ) from None
    except _jks_native.JksFormatError as exc:
        raise KeystoreFormatError(f"not a readable JKS keystore ({exc})", path=path) from None
    entries = []
    for item in raw:
        created = datetime.fromtimestamp(item.timestamp_ms / 1000, tz=UTC)
        leaf = item.certificates[0] if item.certificates else None
        kind: EntryKind = "private-key" if item.protected_key is not None else "trusted-cert"
        algorithm = "RSA" if kind == "private-key" else None
        entries.append(
            Entry(item.alias, kind, leaf, item.certificates, created, algorithm, source=path)
        )
    return JksKeystore(path, tuple(entries), password, {e.alias: e for e in raw})


def _der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def _timestamp(created: datetime | None) -> int:
    """Milliseconds since 1970, as JKS stores them (0: now, when written)."""
    return round(created.timestamp() * 1000) if created is not None else 0


class JksKind(KeystoreKind):
    name = "JKS"
    min_password = 6  # keytool's rule
    keys_beside_trust = True

    def load(self, name: str, data: bytes, password: Secret | None) -> JksKeystore:
        """A JKS; with no password, its entries listed unverified."""
        return _load(name, data, password)

    def dump(self, entries: Sequence[NewEntry], password: Secret) -> bytes:
        raw = []
        for entry in entries:
            if isinstance(entry, TrustedCertificate):
                stamp = _timestamp(entry.created)
                raw.append(_jks_native.RawEntry(entry.alias, stamp, (_der(entry.certificate),)))
                continue
            pkcs8 = entry.key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            protected = _jks_native.protect(pkcs8, (entry.key_password or password).reveal())
            raw.append(_jks_native.RawEntry(entry.alias, 0, (_der(entry.certificate),), protected))
        return _jks_native.dump(raw, password.reveal())

    def rewrap(
        self,
        store: Keystore,
        data: bytes,
        key_password: Secret,
        new_password: Secret,
        new_key_password: Secret,
    ) -> bytes:
        """Every key re-protected with the new key password, the file re-sealed."""
        assert isinstance(store, JksKeystore)
        entries = []
        for entry in store.entries:
            raw = store._raw[entry.alias]
            if raw.protected_key is not None:
                pkcs8 = _unprotect(store, entry.alias, raw.protected_key, key_password)
                protected = _jks_native.protect(pkcs8, new_key_password.reveal())
                raw = raw._replace(protected_key=protected)
            entries.append(raw)
        return _jks_native.dump(entries, new_password.reveal())

    def add_trusted(
        self,
        store: Keystore,
        data: bytes,
        certificate: TrustedCertificate,
        password: Secret,
    ) -> bytes:
        """Every entry kept byte for byte (keys in the protection they have), the
        certificate after them."""
        assert isinstance(store, JksKeystore)
        entries = [store._raw[entry.alias] for entry in store.entries]
        stamp = _timestamp(certificate.created)
        der = _der(certificate.certificate)
        entries.append(_jks_native.RawEntry(certificate.alias, stamp, (der,)))
        return _jks_native.dump(entries, password.reveal())


def _unprotect(store: Keystore, alias: str, protected: bytes, key_password: Secret) -> bytes:
    """A JKS key under the key password given, else under the store password (keytool's
    default): a keystore whose keys have different passwords still changes in one run."""
    for candidate in (key_password, store.store_password):
        if candidate is None:
            continue
        try:
            return _jks_native.unprotect(protected, candidate.reveal())
        except _jks_native.JksPasswordError:
            continue
    raise PasswordError(
        f"wrong key password for alias '{alias}' (tried the key and the store password)",
        path=store.path,
        alias=alias,
    )


KIND = JksKind()
