"""JKS and JCEKS through pyjks, imported only when such a keystore is opened.

pyjks fails on JKS files written by JDK 21+ (pyjks issue 79): their key
entries carry no algorithm parameters, and pyjks asks for them. So keys are
not decrypted by pyjks' loader; :func:`_decrypt_pkcs8` reads the envelope
itself and calls pyjks' Sun key protector directly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from ..errors import KeystoreFormatError, PasswordError
from ..secret import Secret
from . import _der
from ._model import Entry, Keystore, StoreKind, key_size

_SUN_JKS_KEY_PROTECTOR = "1.3.6.1.4.1.42.2.17.1.1"

# javaobj dumps its parser state at ERROR level on a damaged JCEKS: keep it off stderr.
logging.getLogger("javaobj").propagate = False
logging.getLogger("javaobj").addHandler(logging.NullHandler())


@dataclass
class JavaKeystore(Keystore):
    _raw: dict[str, Any] = field(default_factory=dict, repr=False)

    def _decrypt_private_key(self, entry: Entry, password: Secret | None) -> PrivateKeyTypes:
        raw = self._raw[entry.alias]
        pkcs8 = _decrypt_pkcs8(raw, _need(password, self.path, entry.alias), self.path, entry.alias)
        return serialization.load_der_private_key(pkcs8, None)

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


def _need(password: Secret | None, path: str, alias: str) -> Secret:
    if password is None:
        raise PasswordError(f"the key of alias '{alias}' needs a password", path=path, alias=alias)
    return password


def _decrypt_pkcs8(raw: Any, password: Secret, path: str, alias: str) -> bytes:
    import jks
    from jks import sun_crypto

    try:
        epki = _der.parse_one(raw._encrypted, _der.SEQUENCE)
        algorithm, data = _der.children(epki)
        algorithm_oid = _der.oid(next(_der.children(algorithm)))
        encrypted = _der.expect(data, _der.OCTET_STRING).value
    except (_der.DerError, ValueError, StopIteration):
        raise KeystoreFormatError(
            f"the key entry '{alias}' is damaged", path=path, alias=alias
        ) from None
    try:
        if algorithm_oid == _SUN_JKS_KEY_PROTECTOR:
            return bytes(sun_crypto.jks_pkey_decrypt(encrypted, password.reveal()))
        raw.decrypt(password.reveal())
        return bytes(raw.pkey_pkcs8)
    except (jks.util.BadHashCheckException, jks.util.DecryptionFailureException):
        raise PasswordError(
            f"wrong key password for alias '{alias}'", path=path, alias=alias
        ) from None
    except Exception:
        # JCEKS: a wrong key password may decrypt to bytes that are no ASN.1 at all.
        raise PasswordError(
            f"wrong key password for alias '{alias}' (or a damaged entry)", path=path, alias=alias
        ) from None


def load(path: str, data: bytes, kind: StoreKind, password: Secret | None) -> JavaKeystore:
    """Load a JKS or JCEKS; with no password, entries are listed unverified."""
    import jks

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
            chain = tuple(_certificate(der, path) for _, der in item.cert_chain)
            leaf = chain[0] if chain else None
            entries.append(
                Entry(alias, "private-key", leaf, chain, created, "RSA", key_size(leaf, path))
            )
        elif isinstance(item, jks.TrustedCertEntry):
            cert = _certificate(item.cert, path)
            entries.append(
                Entry(alias, "trusted-cert", cert, (cert,), created, None, key_size(cert, path))
            )
        else:
            algorithm, size = _peek_secret(item, password)
            entries.append(Entry(alias, "secret-key", None, (), created, algorithm, size))
    return JavaKeystore(path, kind, tuple(entries), password, raw)


def _peek_secret(item: Any, password: Secret | None) -> tuple[str | None, int | None]:
    """Algorithm and size of a JCEKS secret key, when the store password opens it."""

    if password is None:
        return None, None
    try:
        item.decrypt(password.reveal())
    except Exception:  # a wrong key password or a damaged sealed object: shown as unknown
        return None, None
    return str(item.algorithm), int(item.key_size)


def _certificate(der: bytes, path: str) -> x509.Certificate:
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError:
        raise KeystoreFormatError("holds a certificate that does not parse", path=path) from None


def save_jks(entries: list[Any], store_password: Secret) -> bytes:
    """Serialise pyjks entries (still-encrypted keys are written as they are)."""
    import jks

    return bytes(jks.KeyStore.new("jks", entries).saves(store_password.reveal()))


def new_private_key_entry(alias: str, cert_der: bytes, pkcs8: bytes, key_password: Secret) -> Any:
    import jks

    entry = jks.PrivateKeyEntry.new(alias, [cert_der], pkcs8)
    entry.encrypt(key_password.reveal())
    return entry


def new_trusted_cert_entry(alias: str, cert_der: bytes) -> Any:
    import jks

    return jks.TrustedCertEntry.new(alias, cert_der)
