"""JKS (read and written here, see ``_jks_native``) and JCEKS (through pyjks).

pyjks, which pulls in pycryptodome, is imported only for JCEKS. Its loader
fails on keys written by JDK 21+ (pyjks issue 79: no algorithm parameters),
so JCEKS keys are not decrypted by it at load time either.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import serialization

from vault.errors import KeystoreFormatError, PasswordError
from vault.keystores import _jks_native
from vault.keystores._model import Entry, EntryKind, Keystore, StoreKind
from vault.secret import Secret

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes


class JceksKeystore(Keystore):
    def __init__(
        self, path: str, entries: tuple[Entry, ...], password: Secret | None, raw: dict[str, Any]
    ) -> None:
        super().__init__(path, "JCEKS", entries, password)
        self._raw = raw

    def _decrypt_private_key(self, entry: Entry, password: Secret | None) -> PrivateKeyTypes:
        raw = self._raw[entry.alias]
        pkcs8 = _decrypt_pkcs8(raw, _need(password, self.path, entry.alias), self.path, entry.alias)
        # With the store password given, the store's keyed digest has vouched for these
        # bytes: OpenSSL's slow RSA consistency check (primality tests) is skipped.
        return serialization.load_der_private_key(
            pkcs8, None, unsafe_skip_rsa_key_validation=self.store_password is not None
        )

    def _decrypt_secret_key(self, entry: Entry, password: Secret | None) -> bytes:
        import jks

        raw = self._raw[entry.alias]
        try:
            raw.decrypt(_need(password, self.path, entry.alias).reveal())
        except jks.util.DecryptionFailureException:
            raise PasswordError(
                f"wrong key password for alias '{entry.alias}'", path=self.path, alias=entry.alias
            ) from None
        except Exception as exc:
            raise KeystoreFormatError(
                f"cannot read the secret key '{entry.alias}' ({type(exc).__name__})",
                path=self.path,
                alias=entry.alias,
            ) from None
        return bytes(raw.key)


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
        secret = _need(password, self.path, entry.alias)
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


def load_jks(path: str, data: bytes, password: Secret | None) -> JksKeystore:
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


def _need(password: Secret | None, path: str, alias: str) -> Secret:
    if password is None:
        raise PasswordError(f"the key of alias '{alias}' needs a password", path=path, alias=alias)
    return password


def _decrypt_pkcs8(raw: Any, password: Secret, path: str, alias: str) -> bytes:
    """A JCEKS key entry's PKCS#8 (JCEKS may also hold keys under Sun's JKS protector)."""
    import jks

    try:
        return _jks_native.unprotect(raw._encrypted, password.reveal())
    except _jks_native.JksPasswordError:
        raise PasswordError(
            f"wrong key password for alias '{alias}'", path=path, alias=alias
        ) from None
    except _jks_native.JksFormatError:
        pass  # not Sun's JKS protector: the JCEKS one, through pyjks
    try:
        raw.decrypt(password.reveal())
        return bytes(raw.pkey_pkcs8)
    except jks.util.DecryptionFailureException:
        raise PasswordError(
            f"wrong key password for alias '{alias}'", path=path, alias=alias
        ) from None
    except Exception:
        # A wrong key password may decrypt to bytes that are no ASN.1 at all.
        raise PasswordError(
            f"wrong key password for alias '{alias}' (or a damaged entry)", path=path, alias=alias
        ) from None


def load(path: str, data: bytes, kind: StoreKind, password: Secret | None) -> Keystore:
    """Load a JKS or JCEKS; with no password, entries are listed unverified."""
    if kind == "JKS":
        return load_jks(path, data, password)
    import logging

    import jks

    # javaobj dumps its parser state at ERROR level on a damaged JCEKS: keep it off stderr.
    logging.getLogger("javaobj").propagate = False
    logging.getLogger("javaobj").addHandler(logging.NullHandler())

    try:
        store = jks.KeyStore.loads(
            data, password.reveal() if password is not None else None, try_decrypt_keys=False
        )
    except jks.util.KeystoreSignatureException:
        raise PasswordError(
            "wrong store password (keystore integrity check failed)", path=path
        ) from None
    except Exception as exc:  # pyjks and javaobj raise anything from struct.error to RuntimeError
        raise KeystoreFormatError(
            f"not a readable {kind} keystore ({type(exc).__name__})", path=path
        ) from None
    entries: list[Entry] = []
    raw: dict[str, Any] = {}
    for alias, item in store.entries.items():
        created = datetime.fromtimestamp(item.timestamp / 1000, tz=UTC)
        raw[alias] = item
        if isinstance(item, jks.PrivateKeyEntry):
            chain = tuple(bytes(der) for _, der in item.cert_chain)
            leaf = chain[0] if chain else None
            entries.append(Entry(alias, "private-key", leaf, chain, created, "RSA", source=path))
        elif isinstance(item, jks.TrustedCertEntry):
            cert = bytes(item.cert)
            entries.append(Entry(alias, "trusted-cert", cert, (cert,), created, source=path))
        else:
            algorithm, size = _peek_secret(item, password)
            entries.append(Entry(alias, "secret-key", None, (), created, algorithm, size, path))
    return JceksKeystore(path, tuple(entries), password, raw)


def _peek_secret(item: Any, password: Secret | None) -> tuple[str | None, int | None]:
    """Algorithm and size of a JCEKS secret key, when the store password opens it."""

    if password is None:
        return None, None
    try:
        item.decrypt(password.reveal())
    except Exception:  # a wrong key password or a damaged sealed object: shown as unknown
        return None, None
    return str(item.algorithm), int(item.key_size)


def save_jks(entries: list[_jks_native.RawEntry], store_password: Secret) -> bytes:
    """A JKS of ``entries`` (key entries keep the protection they have)."""
    return _jks_native.dump(entries, store_password.reveal())


def new_private_key_entry(
    alias: str, cert_der: bytes, pkcs8: bytes, key_password: Secret
) -> _jks_native.RawEntry:
    protected = _jks_native.protect(pkcs8, key_password.reveal())
    return _jks_native.RawEntry(alias, 0, (cert_der,), protected)


def new_trusted_cert_entry(alias: str, cert_der: bytes) -> _jks_native.RawEntry:
    return _jks_native.RawEntry(alias, 0, (cert_der,))
