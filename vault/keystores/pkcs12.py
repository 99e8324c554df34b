"""PKCS#12, every key bag by its friendlyName.

pyca's ``load_pkcs12`` gives one key only; keytool puts several in one file.
Certificates (which may sit in encrypted bags) come from ``load_pkcs12``;
key bags are found by walking the plain SafeContents, and each key is
decrypted on its own when asked for.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from cryptography import x509
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.serialization import pkcs12

from ..errors import AliasError, KeystoreFormatError, PasswordError
from ..secret import Secret
from . import _der
from ._der import DerError, Tlv
from ._model import Entry, Keystore, thumbprint

_DATA = "1.2.840.113549.1.7.1"
_KEY_BAG = "1.2.840.113549.1.12.10.1.1"
_SHROUDED_KEY_BAG = "1.2.840.113549.1.12.10.1.2"
_SECRET_BAG = "1.2.840.113549.1.12.10.1.5"
_FRIENDLY_NAME = "1.2.840.113549.1.9.20"
_PBES2 = "1.2.840.113549.1.5.13"
_PBKDF2 = "1.2.840.113549.1.5.12"
_PRFS: dict[str, hashes.HashAlgorithm] = {
    "1.2.840.113549.2.7": hashes.SHA1(),
    "1.2.840.113549.2.9": hashes.SHA256(),
    "1.2.840.113549.2.10": hashes.SHA384(),
    "1.2.840.113549.2.11": hashes.SHA512(),
}
_AES_CBC = {
    "2.16.840.1.101.3.4.1.2": 16,
    "2.16.840.1.101.3.4.1.22": 24,
    "2.16.840.1.101.3.4.1.42": 32,
}
_SECRET_ALGORITHMS = {
    "2.16.840.1.101.3.4.1": "AES",
    "1.2.840.113549.2.9": "HmacSHA256",
}


class _Bag(NamedTuple):
    kind: str  # "key", "shrouded-key" or "secret"
    alias: str | None
    value: bytes


class Pkcs12Keystore(Keystore):
    def __init__(self, path: str, entries: tuple[Entry, ...], password: Secret, bags: Any) -> None:
        super().__init__(path, "PKCS12", entries, password)
        self._bags: dict[str, _Bag] = bags

    def _decrypt_private_key(self, entry: Entry, password: Secret | None) -> PrivateKeyTypes:
        bag = self._bags[entry.alias]
        if bag.kind == "key":
            return serialization.load_der_private_key(bag.value, None)
        try:
            # The store's MAC was verified at load: the key is the one written, so
            # OpenSSL's slow RSA consistency check (~35 ms at every start) is skipped.
            return serialization.load_der_private_key(
                bag.value, _password_bytes(password), unsafe_skip_rsa_key_validation=True
            )
        except (ValueError, TypeError):
            raise PasswordError(
                f"wrong key password for alias '{entry.alias}'", path=self.path, alias=entry.alias
            ) from None

    def _decrypt_secret_key(self, entry: Entry, password: Secret | None) -> bytes:
        bag = self._bags[entry.alias]
        try:
            return _open_secret(bag.value, _password_bytes(password))[1]
        except _WrongPassword:
            raise PasswordError(
                f"wrong key password for alias '{entry.alias}'", path=self.path, alias=entry.alias
            ) from None
        except (DerError, ValueError, StopIteration):
            raise AliasError(
                f"the secret key '{entry.alias}' uses a protection this tool does not read",
                path=self.path,
                alias=entry.alias,
            ) from None


class _WrongPassword(Exception):
    pass


def _password_bytes(password: Secret | None) -> bytes | None:
    """UTF-8 of the password. A NUL byte is refused here: pyca's Rust code would panic
    with the password's bytes in its message."""
    if password is None:
        return None
    data = password.encode()
    if b"\0" in data:
        raise PasswordError("the password contains a NUL byte")
    return data


def load(path: str, data: bytes, password: Secret | None) -> Pkcs12Keystore:
    try:
        bags = list(_walk(data))
    except (DerError, ValueError, StopIteration, IndexError):
        raise KeystoreFormatError("not a readable PKCS12 keystore (bad DER)", path=path) from None
    if password is None:
        raise PasswordError("a PKCS12 keystore needs its store password", path=path)
    try:
        loaded = pkcs12.load_pkcs12(data, _password_bytes(password))
    except ValueError:
        raise PasswordError("wrong store password (or damaged PKCS12 MAC)", path=path) from None
    certs = ([loaded.cert] if loaded.cert is not None else []) + list(loaded.additional_certs)

    entries: list[Entry] = []
    by_alias: dict[str, _Bag] = {}
    key_certs: set[str] = set()
    for index, bag in enumerate(bags):
        alias = bag.alias or f"key{index}"
        by_alias[alias] = bag
        if bag.kind == "secret":
            algorithm, bits = _peek_secret(bag.value, _password_bytes(password))
            entries.append(Entry(alias, "secret-key", algorithm=algorithm, bits=bits, source=path))
            continue
        cert = _find_cert(alias, certs)
        if cert is None and len(bags) == 1 and loaded.cert is not None:
            cert = (
                loaded.cert
            )  # one key, no friendlyName (openssl pkcs12 -export): OpenSSL paired them
        if cert is not None:
            key_certs.add(thumbprint(cert.certificate))
        leaf = _der_of(cert.certificate) if cert is not None else None
        entries.append(
            Entry(alias, "private-key", leaf, (leaf,) if leaf else (), None, "RSA", source=path)
        )
    for number, cert in enumerate(certs, 1):
        if thumbprint(cert.certificate) in key_certs:
            continue
        if cert.friendly_name:
            alias = cert.friendly_name.decode("utf-8", "replace")
        elif bags:
            continue  # a chain certificate of a key entry, not an entry of its own
        else:
            alias = f"cert{number}"  # a truststore certificate without a name is kept, not dropped
        der = _der_of(cert.certificate)
        entries.append(Entry(alias, "trusted-cert", der, (der,), source=path))
    return Pkcs12Keystore(path, tuple(entries), password, by_alias)


def _der_of(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def _find_cert(
    alias: str, certs: list[pkcs12.PKCS12Certificate]
) -> pkcs12.PKCS12Certificate | None:
    for cert in certs:
        if (
            cert.friendly_name is not None
            and cert.friendly_name.decode("utf-8", "replace").lower() == alias.lower()
        ):
            return cert
    return None


def _walk(data: bytes) -> list[_Bag]:
    """Key and secret bags of the unencrypted SafeContents, with friendlyNames."""
    pfx = _der.parse_one(data, _der.SEQUENCE)
    version, auth_safe, *_ = _der.children(pfx)
    _der.integer(version)
    content_type, content = _der.children(_der.expect(auth_safe, _der.SEQUENCE))
    if _der.oid(content_type) != _DATA:
        raise DerError("authSafe is not data")
    octets = _der.parse_one(_der.expect(content, _der.CONTEXT_0).value, _der.OCTET_STRING)
    bags: list[_Bag] = []
    for info in _der.children(_der.parse_one(octets.value, _der.SEQUENCE)):
        kind, *rest = _der.children(info)
        if _der.oid(kind) != _DATA:
            continue  # encryptedData: certificates, read by load_pkcs12
        inner = _der.parse_one(_der.expect(rest[0], _der.CONTEXT_0).value, _der.OCTET_STRING)
        for bag in _der.children(_der.parse_one(inner.value, _der.SEQUENCE)):
            found = _bag(bag)
            if found is not None:
                bags.append(found)
    return bags


def _bag(bag: Tlv) -> _Bag | None:
    bag_id, value, *attributes = _der.children(bag)
    kind = _der.oid(bag_id)
    body = _der.parse_one(_der.expect(value, _der.CONTEXT_0).value)
    alias = _friendly_name(attributes[0]) if attributes else None
    if kind == _KEY_BAG:
        return _Bag("key", alias, body.raw)
    if kind == _SHROUDED_KEY_BAG:
        return _Bag("shrouded-key", alias, body.raw)
    if kind == _SECRET_BAG:
        _type, secret_value = _der.children(body)
        inner = _der.parse_one(_der.expect(secret_value, _der.CONTEXT_0).value)
        if inner.tag == _der.OCTET_STRING:
            inner = _der.parse_one(inner.value)
        return _Bag("secret", alias, inner.raw)
    return None


def _friendly_name(attributes: Tlv) -> str | None:
    for attribute in _der.children(_der.expect(attributes, _der.SET)):
        attr_type, values = _der.children(attribute)
        if _der.oid(attr_type) == _FRIENDLY_NAME:
            for value in _der.children(values):
                if value.tag == _der.BMP_STRING:
                    return value.value.decode("utf-16-be")
    return None


def _open_secret(epki: bytes, password: bytes | None) -> tuple[str, bytes]:
    """The algorithm name and raw bytes of a secret-key bag's PKCS#8."""
    info = _der.parse_one(_pbes2_decrypt(epki, password), _der.SEQUENCE)
    _version, algorithm, key = _der.children(info)
    algorithm_oid = _der.oid(next(_der.children(algorithm)))
    return _SECRET_ALGORITHMS.get(algorithm_oid, algorithm_oid), _der.expect(
        key, _der.OCTET_STRING
    ).value


def _peek_secret(epki: bytes, password: bytes | None) -> tuple[str | None, int | None]:
    """Secret keys' algorithm is inside the encrypted PKCS#8, as keytool shows it."""
    try:
        algorithm, key = _open_secret(epki, password)
    except (_WrongPassword, DerError, ValueError, StopIteration):
        return None, None
    return algorithm, len(key) * 8


def _pbes2_decrypt(epki: bytes, password: bytes | None) -> bytes:
    """Decrypt a PBES2 (PBKDF2 + AES-CBC) EncryptedPrivateKeyInfo, as JDK 12+ writes them."""
    if password is None:
        raise _WrongPassword
    outer = _der.parse_one(epki, _der.SEQUENCE)
    algorithm, encrypted = _der.children(outer)
    scheme, params = _der.children(algorithm)
    if _der.oid(scheme) != _PBES2:
        raise DerError("not PBES2")
    kdf, enc = _der.children(params)
    kdf_oid, kdf_params = _der.children(kdf)
    if _der.oid(kdf_oid) != _PBKDF2:
        raise DerError("not PBKDF2")
    salt, count, *more = _der.children(kdf_params)
    prf: hashes.HashAlgorithm = hashes.SHA1()
    for item in more:
        if item.tag == _der.SEQUENCE:
            prf_oid = _der.oid(next(_der.children(item)))
            if prf_oid not in _PRFS:
                raise DerError("unknown PRF")
            prf = _PRFS[prf_oid]
    enc_oid, iv = _der.children(enc)
    if _der.oid(enc_oid) not in _AES_CBC:
        raise DerError("not AES-CBC")
    key = PBKDF2HMAC(
        prf,
        _AES_CBC[_der.oid(enc_oid)],
        _der.expect(salt, _der.OCTET_STRING).value,
        _der.integer(count),
    ).derive(password)
    decryptor = Cipher(
        algorithms.AES(key), modes.CBC(_der.expect(iv, _der.OCTET_STRING).value)
    ).decryptor()
    padded = (
        decryptor.update(_der.expect(encrypted, _der.OCTET_STRING).value) + decryptor.finalize()
    )
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise _WrongPassword from None


def _encryption(password: Secret) -> serialization.KeySerializationEncryption:
    """PBES2 (PBKDF2-SHA256, AES-256-CBC) and an HMAC-SHA256 MAC, as JDK 17's keytool writes."""
    return (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(10000)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(_password_bytes(password) or b"")
    )


def dump(
    alias: str,
    key: PrivateKeyTypes | None,
    cert: x509.Certificate | None,
    password: Secret,
) -> bytes:
    """A PKCS12 holding one key entry, readable by JDK 17's keytool."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    assert key is None or isinstance(key, rsa.RSAPrivateKey)
    encryption = _encryption(password)
    return pkcs12.serialize_key_and_certificates(alias.encode(), key, cert, None, encryption)


def dump_truststore(certs: list[tuple[str, x509.Certificate]], password: Secret) -> bytes:
    """A PKCS12 truststore Java lists as trustedCertEntry (the Oracle trust attribute is set)."""
    encryption = _encryption(password)
    return pkcs12.serialize_java_truststore(
        [pkcs12.PKCS12Certificate(cert, alias.encode()) for alias, cert in certs], encryption
    )
