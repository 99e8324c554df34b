"""PKCS#12, every key bag by its friendlyName, read here.

pyca's ``load_pkcs12`` gives one key only; keytool puts several in one file.
It also checks the RSA key it decrypts (OpenSSL's primality tests, costly, more
so at RSA-4096) at every service start. So the file is read here: the MAC is
checked (PKCS#12 key derivation, HMAC), certificate bags in PBES2
(PBKDF2 + AES-CBC) encryptedData are decrypted, and each key bag is
decrypted on its own when asked for, its RSA check skipped since the MAC
vouched for it. Files this reader does not know (the legacy RC2 and 3DES
PBE of JDK 8's keytool and OpenSSL 1.x, PBMAC1) get their certificates from
``load_pkcs12`` as before. A file without a MAC is refused: nothing would
check it against the password (pyca loads one with any password).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from cryptography.hazmat.primitives import hashes, serialization

from vault.crypto._primitives import CheckFailed, compare_digest, pbes2_decrypt, pkcs12_mac
from vault.errors import AliasError, KeystoreFormatError, PasswordError, UsageError
from vault.keystores import _der
from vault.keystores._der import DerError, Tlv
from vault.keystores._model import (
    Entry,
    KeyPair,
    Keystore,
    KeystoreKind,
    NewEntry,
    TrustedCertificate,
)
from vault.secret import Secret

if TYPE_CHECKING:
    from collections.abc import Sequence

    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
    from cryptography.hazmat.primitives.serialization import pkcs12

_DATA = "1.2.840.113549.1.7.1"
_KEY_BAG = "1.2.840.113549.1.12.10.1.1"
_SHROUDED_KEY_BAG = "1.2.840.113549.1.12.10.1.2"
_CERT_BAG = "1.2.840.113549.1.12.10.1.3"
_SECRET_BAG = "1.2.840.113549.1.12.10.1.5"
_X509_CERTIFICATE = "1.2.840.113549.1.9.22.1"
_ENCRYPTED_DATA = "1.2.840.113549.1.7.6"
_FRIENDLY_NAME = "1.2.840.113549.1.9.20"
_LOCAL_KEY_ID = "1.2.840.113549.1.9.21"
_MAC_DIGESTS = {  # MAC digest OID: hashlib name
    "1.3.14.3.2.26": "sha1",
    "2.16.840.1.101.3.4.2.4": "sha224",
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
}
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
    kind: str  # "key", "shrouded-key", "secret" or "cert"
    alias: str | None
    value: bytes  # a cert bag's: the certificate's DER
    key_id: bytes | None = None  # localKeyId: pairs a key with its certificate


class _NotHere(Exception):
    """A PKCS#12 this reader leaves to pyca's load_pkcs12."""


class _NoMac(Exception):
    """A PKCS#12 without a MAC: nothing vouches for its contents."""


class _TooCostly(DerError):
    """More key-derivation rounds than any keystore tool writes."""


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
            # OpenSSL's slow RSA consistency check is skipped at every start.
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
    secret = _password_bytes(password)
    try:
        bags = _read(data, secret)
    except _NotHere:
        bags = None
    except _WrongPassword:
        raise PasswordError("wrong store password (or damaged PKCS12 MAC)", path=path) from None
    except _NoMac:
        raise KeystoreFormatError(
            "has no MAC, so nothing checks it against the store password; refused "
            "(write it again with a MAC, as keytool and openssl do by default)",
            path=path,
        ) from None
    except _TooCostly:
        raise _too_costly(path) from None
    except (DerError, ValueError, StopIteration, IndexError):
        raise KeystoreFormatError("not a readable PKCS12 keystore (bad DER)", path=path) from None
    if bags is None:
        bags = _read_with_pyca(path, data, secret)
    assert password is not None  # _read and _read_with_pyca refuse None
    keys = [bag for bag in bags if bag.kind != "cert"]
    certs = [bag for bag in bags if bag.kind == "cert"]

    entries: list[Entry] = []
    by_alias: dict[str, _Bag] = {}
    key_certs: set[bytes] = set()
    for index, bag in enumerate(keys):
        alias = bag.alias or f"key{index}"
        if alias.lower() in (known.lower() for known in by_alias):
            raise KeystoreFormatError(f"holds two key entries named '{alias}'", path=path)
        by_alias[alias] = bag
        if bag.kind == "secret":
            algorithm, bits = _peek_secret(bag.value, secret)
            entries.append(Entry(alias, "secret-key", algorithm=algorithm, bits=bits, source=path))
            continue
        leaf = _cert_of(bag, alias, certs, only_key=len(keys) == 1)
        if leaf is not None:
            key_certs.add(leaf)
        entries.append(
            Entry(alias, "private-key", leaf, (leaf,) if leaf else (), None, "RSA", source=path)
        )
    for number, cert in enumerate(certs, 1):
        if cert.value in key_certs:
            continue
        if cert.alias:
            alias = cert.alias
        elif keys:
            continue  # a chain certificate of a key entry, not an entry of its own
        else:
            alias = f"cert{number}"  # a truststore certificate without a name is kept, not dropped
        entries.append(Entry(alias, "trusted-cert", cert.value, (cert.value,), source=path))
    return Pkcs12Keystore(path, tuple(entries), password, by_alias)


def _cert_of(key: _Bag, alias: str, certs: list[_Bag], *, only_key: bool) -> bytes | None:
    """The certificate of a key bag: the one of the same localKeyId (the pairing the
    format has for it), else of the same friendlyName, else the only one for the only
    key (``openssl pkcs12 -export``)."""
    for cert in certs:
        if key.key_id is not None and cert.key_id == key.key_id:
            return cert.value
    for cert in certs:
        if cert.alias is not None and cert.alias.lower() == alias.lower():
            return cert.value
    if only_key and len(certs) == 1 and certs[0].key_id is not None:
        return certs[0].value
    return None


def _pfx(data: bytes) -> tuple[bytes, list[Tlv]]:
    """The authSafe content (the DER of its ContentInfos) and the MacData, if any."""
    pfx = _der.parse_one(data, _der.SEQUENCE)
    version, auth_safe, *mac = _der.children(pfx)
    _der.integer(version)
    content_type, content = _der.children(_der.expect(auth_safe, _der.SEQUENCE))
    if _der.oid(content_type) != _DATA:
        raise DerError("authSafe is not data")
    return _der.parse_one(_der.expect(content, _der.CONTEXT_0).value, _der.OCTET_STRING).value, mac


def _read(data: bytes, password: bytes | None) -> list[_Bag]:
    """Every bag of the file, the MAC checked and certificate bags decrypted."""
    content, mac = _pfx(data)
    if password is None:
        raise _NotHere  # refused there, after the DER is read
    if len(mac) != 1:
        # pyca loads such a file with any password: a swapped-in keystore holding
        # someone else's key would be used for every new secret.
        raise _NoMac
    _check_mac(mac[0], content, password)
    bags: list[_Bag] = []
    for info in _der.children(_der.parse_one(content, _der.SEQUENCE)):
        kind, *rest = _der.children(info)
        body = _der.expect(rest[0], _der.CONTEXT_0).value
        if _der.oid(kind) == _DATA:
            safe_contents = _der.parse_one(body, _der.OCTET_STRING).value
        elif _der.oid(kind) == _ENCRYPTED_DATA:
            safe_contents = _decrypt_data(_der.parse_one(body, _der.SEQUENCE), password)
        else:
            raise _NotHere
        for bag in _der.children(_der.parse_one(safe_contents, _der.SEQUENCE)):
            found = _bag(bag)
            if found is not None:
                bags.append(found)
    return bags


def _read_with_pyca(path: str, data: bytes, password: bytes | None) -> list[_Bag]:
    """Key bags of the plain SafeContents, certificates from ``load_pkcs12``."""
    from cryptography.hazmat.primitives.serialization import pkcs12

    try:
        keys = _plain_key_bags(data)
    except _TooCostly:
        raise _too_costly(path) from None
    except (DerError, ValueError, StopIteration, IndexError):
        raise KeystoreFormatError("not a readable PKCS12 keystore (bad DER)", path=path) from None
    if password is None:
        raise PasswordError("a PKCS12 keystore needs its store password", path=path)
    try:
        loaded = pkcs12.load_pkcs12(data, password)
    except ValueError:
        raise PasswordError("wrong store password (or damaged PKCS12 MAC)", path=path) from None
    paired = b"pyca" if loaded.cert is not None and len(keys) == 1 else None
    if paired is not None:  # OpenSSL paired the one key with this certificate
        keys = [keys[0]._replace(key_id=paired)]
    certs = [_pyca_cert(loaded.cert, paired)] if loaded.cert is not None else []
    certs += [_pyca_cert(cert, None) for cert in loaded.additional_certs]
    return keys + certs


def _pyca_cert(cert: pkcs12.PKCS12Certificate, key_id: bytes | None) -> _Bag:
    name = cert.friendly_name.decode("utf-8", "replace") if cert.friendly_name else None
    return _Bag("cert", name, cert.certificate.public_bytes(serialization.Encoding.DER), key_id)


def _plain_key_bags(data: bytes) -> list[_Bag]:
    """Key and secret bags of the unencrypted SafeContents, with friendlyNames."""
    content, _mac = _pfx(data)
    bags: list[_Bag] = []
    for info in _der.children(_der.parse_one(content, _der.SEQUENCE)):
        kind, *rest = _der.children(info)
        if _der.oid(kind) != _DATA:
            # encryptedData: certificates, read by load_pkcs12 within the same bound
            encrypted = _der.parse_one(_der.expect(rest[0], _der.CONTEXT_0).value, _der.SEQUENCE)
            _version, content_info = _der.children(encrypted)
            _check_cost(list(_der.children(_der.expect(content_info, _der.SEQUENCE)))[1])
            continue
        inner = _der.parse_one(_der.expect(rest[0], _der.CONTEXT_0).value, _der.OCTET_STRING)
        for bag in _der.children(_der.parse_one(inner.value, _der.SEQUENCE)):
            found = _bag(bag)
            if found is not None and found.kind != "cert":
                bags.append(found)
    return bags


def _check_mac(mac_data: Tlv, content: bytes, password: bytes) -> None:
    """The MacData of RFC 7292: HMAC over the authSafe content, its key from the
    PKCS#12 key derivation (ID 3) of the password."""
    digest_info, salt, *rest = _der.children(_der.expect(mac_data, _der.SEQUENCE))
    iterations = _der.integer(rest[0]) if rest else 1
    algorithm, expected = _der.children(_der.expect(digest_info, _der.SEQUENCE))
    name = _MAC_DIGESTS.get(_der.oid(next(_der.children(algorithm))))
    if not 1 <= iterations <= _MAX_ROUNDS:
        raise _TooCostly
    _check_cost(algorithm)  # PBMAC1 (RFC 9579) names its own PBKDF2 rounds
    if name is None:
        raise _NotHere  # PBMAC1, or a digest this reader does not know
    salt_bytes = _der.expect(salt, _der.OCTET_STRING).value
    mac = pkcs12_mac(name, password, salt_bytes, iterations, content)
    if not compare_digest(mac, _der.expect(expected, _der.OCTET_STRING).value):
        raise _WrongPassword


# A damaged or hostile file must not keep a service starting for minutes (keytool
# itself refuses more than 5,000,000).
_MAX_ROUNDS = 10_000_000
_PBMAC1 = "1.2.840.113549.1.5.14"
_SCRYPT = "1.3.6.1.4.1.11591.4.11"
_PBE_FAMILIES = ("1.2.840.113549.1.12.1.", "1.2.840.113549.1.5.")  # PKCS#12 PBE, PBES1


def _check_cost(algorithm: Tlv) -> None:
    """_TooCostly when an AlgorithmIdentifier (PBES2, PBMAC1, PBKDF2, scrypt, PBES1 or
    PKCS#12 PBE) asks for more key-derivation work than any keystore tool writes. Every
    count a file gives is checked here before anything (this reader or pyca) derives."""
    scheme, *params = _der.children(_der.expect(algorithm, _der.SEQUENCE))
    oid = _der.oid(scheme)
    if not params or params[0].tag != _der.SEQUENCE:
        return
    if oid in (_PBES2, _PBMAC1):
        _check_cost(next(_der.children(params[0])))
        return
    fields = list(_der.children(params[0]))
    if oid == _SCRYPT:
        _salt, cost, block, parallel, *_ = fields
        if _der.integer(cost) > 1 << 20 or _der.integer(block) > 32 or _der.integer(parallel) > 16:
            raise _TooCostly
        return
    if oid == _PBKDF2 or oid.startswith(_PBE_FAMILIES):
        if not 1 <= _der.integer(fields[1]) <= _MAX_ROUNDS:
            raise _TooCostly


def check_key_cost(name: str, epki: bytes) -> None:
    """KeystoreFormatError when an EncryptedPrivateKeyInfo asks for too many rounds
    (bad DER is left to the parser that reads it)."""
    try:
        _check_cost(next(_der.children(_der.parse_one(epki, _der.SEQUENCE))))
    except _TooCostly:
        raise _too_costly(name) from None
    except (DerError, ValueError, StopIteration, IndexError):
        return


def _too_costly(name: str) -> KeystoreFormatError:
    return KeystoreFormatError(
        f"asks for more than {_MAX_ROUNDS:,} key-derivation rounds; refused", path=name
    )


def _decrypt_data(encrypted_data: Tlv, password: bytes) -> bytes:
    """The SafeContents inside an EncryptedData (PBES2 only; the rest goes to pyca)."""
    _version, info = _der.children(encrypted_data)
    _content_type, algorithm, content = _der.children(_der.expect(info, _der.SEQUENCE))
    if content.tag != 0x80:  # [0] IMPLICIT OCTET STRING
        raise DerError("no encrypted content")
    scheme, params = _der.children(algorithm)
    if _der.oid(scheme) != _PBES2:  # legacy PBE (RC2, 3DES): pyca, within the same bound
        _salt, rounds = _der.children(_der.expect(params, _der.SEQUENCE))
        if not 1 <= _der.integer(rounds) <= _MAX_ROUNDS:
            raise _TooCostly
        raise _NotHere
    try:
        return _pbes2(algorithm, content.value, password)
    except _TooCostly:
        raise
    except (_WrongPassword, DerError):
        raise _NotHere from None  # a cipher this reader does not know; pyca decides


def _bag(bag: Tlv) -> _Bag | None:
    bag_id, value, *attributes = _der.children(bag)
    kind = _der.oid(bag_id)
    body = _der.parse_one(_der.expect(value, _der.CONTEXT_0).value)
    alias = _friendly_name(attributes[0]) if attributes else None
    key_id = _local_key_id(attributes[0]) if attributes else None
    if kind == _KEY_BAG:
        return _Bag("key", alias, body.raw, key_id)
    if kind == _SHROUDED_KEY_BAG:
        _check_cost(next(_der.children(_der.expect(body, _der.SEQUENCE))))
        return _Bag("shrouded-key", alias, body.raw, key_id)
    if kind == _SECRET_BAG:
        _type, secret_value = _der.children(body)
        inner = _der.parse_one(_der.expect(secret_value, _der.CONTEXT_0).value)
        if inner.tag == _der.OCTET_STRING:
            inner = _der.parse_one(inner.value)
        return _Bag("secret", alias, inner.raw, key_id)
    if kind == _CERT_BAG:
        cert_type, cert_value = _der.children(body)
        if _der.oid(cert_type) != _X509_CERTIFICATE:
            return None
        der = _der.parse_one(_der.expect(cert_value, _der.CONTEXT_0).value, _der.OCTET_STRING)
        return _Bag("cert", alias, der.value, key_id)
    return None


def _attribute(attributes: Tlv, wanted: str) -> Tlv | None:
    for attribute in _der.children(_der.expect(attributes, _der.SET)):
        attr_type, values = _der.children(attribute)
        if _der.oid(attr_type) == wanted:
            return next(_der.children(values), None)
    return None


def _friendly_name(attributes: Tlv) -> str | None:
    value = _attribute(attributes, _FRIENDLY_NAME)
    if value is not None and value.tag == _der.BMP_STRING:
        return value.value.decode("utf-16-be")
    return None


def _local_key_id(attributes: Tlv) -> bytes | None:
    value = _attribute(attributes, _LOCAL_KEY_ID)
    return value.value if value is not None and value.tag == _der.OCTET_STRING else None


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
    return _pbes2(algorithm, _der.expect(encrypted, _der.OCTET_STRING).value, password)


def _pbes2(algorithm: Tlv, ciphertext: bytes, password: bytes) -> bytes:
    """PBES2 with PBKDF2 and AES-CBC (what JDK 12+ and OpenSSL 3 write); DerError for
    any other scheme, _WrongPassword when the padding does not come out."""
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
    rounds = _der.integer(count)
    if not 1 <= rounds <= _MAX_ROUNDS:
        raise _TooCostly
    if len(ciphertext) % 16:
        raise DerError("not a whole number of AES blocks")
    try:
        return pbes2_decrypt(
            password,
            prf=prf,
            salt=_der.expect(salt, _der.OCTET_STRING).value,
            iterations=rounds,
            key_size=_AES_CBC[_der.oid(enc_oid)],
            iv=_der.expect(iv, _der.OCTET_STRING).value,
            ciphertext=ciphertext,
        )
    except CheckFailed:
        raise _WrongPassword from None


class Pkcs12Kind(KeystoreKind):
    """Written as JDK 17's keytool writes: PBES2 (PBKDF2-SHA256, AES-256-CBC) and an
    HMAC-SHA256 MAC, one password for the store and its key."""

    name = "PKCS12"
    min_password = 6  # keytool's rule
    one_password = True

    def load(self, name: str, data: bytes, password: Secret | None) -> Pkcs12Keystore:
        return load(name, data, password)

    def dump(self, entries: Sequence[NewEntry], password: Secret) -> bytes:
        """One key pair, or certificates only (trustedCertEntry in Java: the Oracle trust
        attribute is set)."""
        from cryptography.hazmat.primitives.serialization import pkcs12

        encryption = (
            serialization.PrivateFormat.PKCS12.encryption_builder()
            .kdf_rounds(10000)
            .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
            .hmac_hash(hashes.SHA256())
            .build(_password_bytes(password) or b"")
        )
        pairs = [e for e in entries if isinstance(e, KeyPair)]
        if not pairs:
            trusted = [
                pkcs12.PKCS12Certificate(e.certificate, e.alias.encode())
                for e in entries
                if isinstance(e, TrustedCertificate)
            ]
            return pkcs12.serialize_java_truststore(trusted, encryption)
        if len(entries) != 1:
            raise UsageError("a PKCS12 is written here with one key pair, or certificates only")
        (pair,) = pairs
        if pair.key_password is not None and pair.key_password != password:
            raise UsageError(
                "PKCS12 keeps one password: the key password must equal the store password"
            )
        return pkcs12.serialize_key_and_certificates(
            pair.alias.encode(), pair.key, pair.certificate, None, encryption
        )

    def rewrap(
        self,
        store: Keystore,
        data: bytes,
        key_password: Secret,
        new_password: Secret,
        new_key_password: Secret,
    ) -> bytes:
        """Written again when the file holds one key pair and nothing else (keytool's own
        shape for a key pair); anything richer is refused, not thinned."""
        if new_key_password != new_password:
            raise UsageError("a PKCS12 keystore's key password is its store password")
        keys = [e for e in store.entries if e.kind == "private-key"]
        if len(keys) != 1 or len(store.entries) != 1 or len(keys[0].chain_der) > 1:
            raise UsageError(
                "holds more than one key pair (or a chain, certificates or secret keys beside "
                "it); rewriting it here would drop entries: use keytool -storepasswd",
                path=store.path,
            )
        alias = keys[0].alias
        pair = KeyPair(alias, store.private_key(alias, key_password), store.certificate(alias))
        return self.dump([pair], new_password)


KIND = Pkcs12Kind()
