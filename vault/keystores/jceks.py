"""JCEKS, read through pyjks (which pulls in pycryptodome: imported only here).

pyjks's loader fails on keys written by JDK 21+ (pyjks issue 79: no algorithm
parameters), so keys are not decrypted by it at load time: a key under Sun's
JKS protector is opened by :mod:`._jks_native`, one under the JCEKS protector
(3DES) by pyjks when asked for. JCEKS is read, never written, here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import serialization

from vault.errors import KeystoreFormatError, PasswordError, UsageError
from vault.keystores import _jks_native
from vault.keystores._model import (
    Entry,
    Keystore,
    KeystoreKind,
    TrustedCertificate,
    need_password,
)
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
        pkcs8 = _decrypt_pkcs8(
            raw, need_password(password, self.path, entry.alias), self.path, entry.alias
        )
        # With the store password given, the store's keyed digest has vouched for these
        # bytes: OpenSSL's slow RSA consistency check (primality tests) is skipped.
        return serialization.load_der_private_key(
            pkcs8, None, unsafe_skip_rsa_key_validation=self.store_password is not None
        )

    def _decrypt_secret_key(self, entry: Entry, password: Secret | None) -> bytes:
        import jks

        raw = self._raw[entry.alias]
        try:
            raw.decrypt(need_password(password, self.path, entry.alias).reveal())
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


def _load(path: str, data: bytes, password: Secret | None) -> JceksKeystore:
    """A JCEKS through pyjks; with no password, entries are listed unverified."""
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
            f"not a readable JCEKS keystore ({type(exc).__name__})", path=path
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


class JceksKind(KeystoreKind):
    name = "JCEKS"
    read_only = "new keystores are PKCS12, JKS or PEM; JCEKS is read only"

    def load(self, name: str, data: bytes, password: Secret | None) -> JceksKeystore:
        return _load(name, data, password)

    def add_trusted(
        self,
        store: Keystore,
        data: bytes,
        certificate: TrustedCertificate,
        password: Secret,
    ) -> bytes:
        self.refuse_keys(store)
        raise UsageError(
            "JCEKS is read only here; import into a PKCS12 or JKS truststore", path=store.path
        )


KIND = JceksKind()
