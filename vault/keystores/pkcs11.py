"""PKCS#11 tokens (an HSM; SoftHSM2 in the tests) as keystores, through python-pkcs11.

A key pair is a private-key object and a certificate object that share a CKA_ID
(else a label); the label is the alias. The private key is used inside the token
(CKM_RSA_PKCS_OAEP, or raw RSA with the padding checked here) and never read out:
the keystore's private keys are :class:`~._device.DeviceKey` handles.

Sessions and threads: one session per token per process, every call into a
module under one lock (:mod:`._pkcs11_session`).

The binding (the ``secure-vault[pkcs11]`` extra) is imported only by these two
modules, and they only when a ``pkcs11:`` URI is opened.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, NoReturn

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from vault.crypto._primitives import pkcs1_unpad
from vault.errors import AliasError, InputError, KeystoreFormatError, KeyTroubleError, UsageError
from vault.keystores import _pkcs11_session as sessions
from vault.keystores._device import DeviceKey, OaepDigest
from vault.keystores._model import Entry, Keystore, KeystoreKind, parse_certificate
from vault.secret import Secret

if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
    from pkcs11 import Session

    from vault.keystores._pkcs11_uri import Pkcs11Uri

# -- the keystore ------------------------------------------------------------------


class TokenKey(DeviceKey):
    """A private key object of a token; it decrypts and signs there."""

    def __init__(
        self, held: sessions.Held, obj: Any, bits: int, certificate_der: bytes | None
    ) -> None:
        self._held = held
        self._obj = obj
        self._bits = bits
        self._certificate_der = certificate_der
        self.operations = 0
        """Private-key operations done in the token (tests count them)."""

    def __repr__(self) -> str:
        return f"TokenKey(token={self._held.label!r}, RSA-{self._bits})"

    @property
    def key_size(self) -> int:
        return self._bits

    def public_key(self) -> rsa.RSAPublicKey:
        if self._certificate_der is None:
            raise AliasError(f"token '{self._held.label}': the key has no certificate object")
        key = parse_certificate(self._certificate_der).public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            raise AliasError(f"token '{self._held.label}': the certificate is not RSA")
        return key

    def _op(self, data: bytes, mechanism: Any, param: Any = None) -> bytes:
        self.operations += 1
        out = self._obj.decrypt(data, mechanism=mechanism, mechanism_param=param)
        return bytes(out)

    def decrypt_block(self, block: bytes, oaep_digest: OaepDigest | None) -> bytes:
        size = (self._bits + 7) // 8
        if len(block) != size:
            raise ValueError("decryption failed")
        with sessions.calls(self._held.label, None) as p11:
            m = p11.Mechanism
            raw = m.RSA_X_509 in self._held.mechanisms
            try:
                if oaep_digest is None:
                    if raw:  # the padding checked here: no implicit rejection in the token
                        return pkcs1_unpad(self._op(block, m.RSA_X_509).rjust(size, b"\0"))
                    return self._op(block, m.RSA_PKCS)
                if oaep_digest not in self._held.oaep_refused:
                    digest = m.SHA_1 if oaep_digest == "SHA-1" else m.SHA256
                    try:
                        return self._op(block, m.RSA_PKCS_OAEP, (digest, p11.MGF.SHA1, None))
                    except sessions.refused_errors(p11):
                        self._held.oaep_refused.add(oaep_digest)
                if not raw:
                    raise KeyTroubleError(
                        f"token '{self._held.label}' does neither OAEP with {oaep_digest} "
                        "nor raw RSA"
                    )
                from vault.crypto._primitives import oaep_unpad

                algorithm = hashes.SHA1() if oaep_digest == "SHA-1" else hashes.SHA256()
                return oaep_unpad(self._op(block, m.RSA_X_509).rjust(size, b"\0"), algorithm)
            except sessions.bad_data_errors(p11):
                raise ValueError("decryption failed") from None

    def decrypt(self, ciphertext: bytes, padding: padding.AsymmetricPadding) -> bytes:
        raise TypeError("a token's key decrypts through decrypt_block")

    def sign(self, data: bytes, padding: padding.AsymmetricPadding, algorithm: Any) -> bytes:
        """SHA256withRSA (PKCS#1 v1.5) in the token: what a self-signed certificate needs."""
        from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15

        if not isinstance(padding, PKCS1v15) or not isinstance(algorithm, hashes.SHA256):
            raise TypeError("a token's key signs SHA256withRSA only")
        with sessions.calls(self._held.label, None) as p11:
            self.operations += 1
            return bytes(self._obj.sign(data, mechanism=p11.Mechanism.SHA256_RSA_PKCS))

    def private_numbers(self) -> NoReturn:
        raise TypeError("the private key never leaves its token")

    def private_bytes(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("the private key never leaves its token")

    def __copy__(self) -> TokenKey:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> TokenKey:
        return self


class _Pair:
    __slots__ = ("bits", "id", "key", "key_type", "label", "modulus")

    def __init__(self, label: str, id: bytes, key: Any, bits: int | None, key_type: str) -> None:
        self.label = label
        self.id = id
        self.key = key
        self.bits = bits
        self.key_type = key_type
        self.modulus: int | None = None


class TokenKeystore(Keystore):
    """The objects of one token: key pairs (alias = label), certificates, secret keys."""

    def __init__(
        self,
        uri: Pkcs11Uri,
        held: sessions.Held,
        entries: tuple[Entry, ...],
        keys: dict[str, list[_Pair]],
        pin: Secret | None,
    ) -> None:
        super().__init__(uri.text, "PKCS11", entries, pin)
        self.uri = uri
        self.token_label = held.label
        self._held = held
        self._keys = keys
        self._opened: dict[int, TokenKey] = {}

    def entry(self, alias: str | None = None) -> Entry:
        """By alias (label); with none, the URI's ``object``/``id``, else the only key."""
        if alias is None and self.uri.id is not None:
            for pairs in self._keys.values():
                for pair in pairs:
                    if pair.id == self.uri.id:
                        return super().entry(pair.label)
            raise AliasError(
                f"token '{self.token_label}' holds no private key with that id", path=self.path
            )
        if alias is None and self.uri.object is not None:
            alias = self.uri.object
        entry = super().entry(alias)
        pairs = self._keys.get(entry.alias.lower(), [])
        if len(pairs) > 1 and self.uri.id is None:
            raise AliasError(
                f"token '{self.token_label}' holds {len(pairs)} keys labelled '{entry.alias}'; "
                "choose one with id= in the URI",
                path=self.path,
                alias=entry.alias,
            )
        return entry

    def _decrypt_private_key(self, entry: Entry, password: Secret | None) -> PrivateKeyTypes:
        pairs = self._keys.get(entry.alias.lower(), [])
        if self.uri.id is not None:
            pairs = [p for p in pairs if p.id == self.uri.id] or pairs
        if not pairs:
            raise AliasError(
                f"entry '{entry.alias}' has no private key object; log in with the PIN",
                path=self.path,
                alias=entry.alias,
            )
        pair = pairs[0]
        if pair.key_type != "RSA" or pair.bits is None:
            raise AliasError(
                f"entry '{entry.alias}' is not an RSA key", path=self.path, alias=entry.alias
            )
        key = self._opened.get(id(pair))
        if key is None:
            key = self._opened[id(pair)] = TokenKey(
                self._held, pair.key, pair.bits, entry.certificate_der
            )
        return key


def _text(value: Any) -> str:
    return value if isinstance(value, str) else bytes(value).decode("utf-8", "replace")


def _objects(p11: Any, session: Session, klass: Any) -> list[Any]:
    return list(session.get_objects({p11.Attribute.CLASS: klass}))


def open_token(uri: Pkcs11Uri, module: str, pin: Secret | None) -> TokenKeystore:
    """The token's key pairs, certificates and secret keys. Without a PIN only public
    objects are seen (certificates, usually): enough to encrypt."""
    held = sessions.open_session(uri, module, pin)
    with sessions.calls(held.label, uri.text) as p11:
        a, oc = p11.Attribute, p11.ObjectClass
        session = held.session
        certs: list[tuple[str, bytes, bytes]] = []
        for obj in _objects(p11, session, oc.CERTIFICATE):
            attrs = obj.get_attributes([a.LABEL, a.ID, a.VALUE])
            certs.append(
                (_text(attrs.get(a.LABEL, "")), bytes(attrs.get(a.ID, b"")), bytes(attrs[a.VALUE]))
            )
        keys: dict[str, list[_Pair]] = {}
        pairs: list[_Pair] = []
        for obj in _objects(p11, session, oc.PRIVATE_KEY):
            attrs = obj.get_attributes([a.LABEL, a.ID, a.KEY_TYPE])
            kind = attrs.get(a.KEY_TYPE)
            label = _text(attrs.get(a.LABEL, ""))
            ident = bytes(attrs.get(a.ID, b""))
            rsa_key = kind == p11.KeyType.RSA
            bits = n = None
            if rsa_key:
                modulus = obj.get_attributes([a.MODULUS]).get(a.MODULUS)
                n = int.from_bytes(bytes(modulus), "big") if modulus else None
                bits = n.bit_length() if n else None
            name = getattr(kind, "name", str(kind))
            pair = _Pair(label or ident.hex(), ident, obj, bits, "RSA" if rsa_key else name)
            pair.modulus = n
            pairs.append(pair)
        secrets = []
        for obj in _objects(p11, session, oc.SECRET_KEY):
            attrs = obj.get_attributes([a.LABEL, a.ID, a.KEY_TYPE, a.VALUE_LEN])
            length = attrs.get(a.VALUE_LEN)
            kind = attrs.get(a.KEY_TYPE)
            secrets.append(
                Entry(
                    _text(attrs.get(a.LABEL, "")) or bytes(attrs.get(a.ID, b"")).hex(),
                    "secret-key",
                    algorithm=getattr(kind, "name", None),
                    bits=int(length) * 8 if length else None,
                    source=uri.text,
                )
            )
    entries: list[Entry] = []
    used: set[int] = set()
    for pair in pairs:
        keys.setdefault(pair.label.lower(), []).append(pair)

        def own(der: bytes, pair: _Pair = pair) -> bool:
            """A certificate is a key's only when its public key is the key's: one planted
            under the key's label or id (a public object, made without the PIN) is not."""
            if pair.modulus is None:
                return True  # logged out: the private key is not seen at all
            try:
                public = parse_certificate(der, uri.text).public_key()
            except KeystoreFormatError:
                return False
            return isinstance(public, rsa.RSAPublicKey) and (
                public.public_numbers().n == pair.modulus
            )

        match = next(
            (
                n
                for n, c in enumerate(certs)
                if pair.id and c[1] == pair.id and n not in used and own(c[2])
            ),
            None,
        )
        if match is None:
            match = next(
                (
                    n
                    for n, c in enumerate(certs)
                    if c[0] == pair.label and n not in used and own(c[2])
                ),
                None,
            )
        der = None
        if match is not None:
            used.add(match)
            der = certs[match][2]
        entries.append(
            Entry(
                pair.label,
                "private-key",
                certificate_der=der,
                algorithm=pair.key_type,
                bits=pair.bits if der is None else None,
                source=uri.text,
            )
        )
    for n, (label, ident, der) in enumerate(certs):
        if n not in used:
            entries.append(
                Entry(label or ident.hex(), "trusted-cert", certificate_der=der, source=uri.text)
            )
    entries.extend(secrets)
    return TokenKeystore(uri, held, tuple(entries), keys, pin)


# -- making a key pair inside the token ------------------------------------------------


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _signed_by_token(
    key: TokenKey, public: rsa.RSAPublicKey, subject: x509.Name, validity_days: int
) -> x509.Certificate:
    """A self-signed SHA256withRSA certificate whose signature the token's key made.

    pyca signs only with its own keys: the certificate is built and signed with a
    throw-away key, then its to-be-signed part (which holds the token's public key)
    is signed again in the token and the certificate put together around it."""
    from cryptography import x509 as x509_

    from vault.keystores import _der
    from vault.keystores._certificates import self_signed

    throwaway = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    draft = self_signed(throwaway, subject, validity_days, public=public)
    algorithm = list(_der.children(_der.parse_one(draft.public_bytes(_encoding()))))[1].raw
    tbs = draft.tbs_certificate_bytes
    signature = key.sign(tbs, padding.PKCS1v15(), hashes.SHA256())
    bits = b"\x00" + signature
    body = tbs + algorithm + b"\x03" + _der_length(len(bits)) + bits
    der = b"\x30" + _der_length(len(body)) + body
    certificate = x509_.load_der_x509_certificate(der)
    tbs_signed = certificate.tbs_certificate_bytes
    public.verify(certificate.signature, tbs_signed, padding.PKCS1v15(), hashes.SHA256())
    return certificate


def _encoding() -> Any:
    from cryptography.hazmat.primitives.serialization import Encoding

    return Encoding.DER


def create_key_pair(
    uri: Pkcs11Uri,
    module: str,
    pin: Secret,
    *,
    key_size: int,
    subject: x509.Name,
    validity_days: int,
) -> x509.Certificate:
    """Generate an RSA pair inside the token (sensitive, never extractable, private)
    under the URI's ``object`` label and a CKA_ID, and store a self-signed certificate
    the token's key signed. Refuses a label already in use. On any failure the objects
    made so far are destroyed."""
    from cryptography.hazmat.primitives.serialization import Encoding

    if not uri.object:
        raise UsageError(f"{uri.text}: say the new key's label with object= in the URI")
    held = sessions.open_session(uri, module, pin, rw=True)
    made: list[Any] = []
    with sessions.calls(held.label, uri.text) as p11:
        a = p11.Attribute
        session = held.session
        if list(session.get_objects({a.LABEL: uri.object})):
            raise InputError(
                f"token '{held.label}' already holds an object labelled '{uri.object}'; "
                "not overwritten",
                path=uri.text,
            )
        ident = uri.id if uri.id is not None else os.urandom(8)
        if uri.id is not None and list(session.get_objects({a.ID: ident})):
            raise InputError(
                f"token '{held.label}' already holds an object with that id", path=uri.text
            )
        try:
            public_obj, private_obj = session.generate_keypair(
                p11.KeyType.RSA,
                key_size,
                id=ident,
                label=uri.object,
                store=True,
                public_template={
                    a.TOKEN: True,
                    a.PRIVATE: False,
                    a.ENCRYPT: True,
                    a.VERIFY: True,
                    a.WRAP: True,
                    a.PUBLIC_EXPONENT: (65537).to_bytes(3, "big"),
                },
                private_template={
                    a.TOKEN: True,
                    a.PRIVATE: True,
                    a.SENSITIVE: True,
                    a.EXTRACTABLE: False,
                    a.DECRYPT: True,
                    a.SIGN: True,
                    a.UNWRAP: True,
                },
            )
            made += [private_obj, public_obj]
            numbers = rsa.RSAPublicNumbers(
                int.from_bytes(bytes(public_obj[a.PUBLIC_EXPONENT]), "big"),
                int.from_bytes(bytes(public_obj[a.MODULUS]), "big"),
            )
            public = numbers.public_key()
            key = TokenKey(held, private_obj, public.key_size, None)
            certificate = _signed_by_token(key, public, subject, validity_days)
            made.append(
                session.create_object(
                    {
                        a.CLASS: p11.ObjectClass.CERTIFICATE,
                        a.CERTIFICATE_TYPE: p11.CertificateType.X_509,
                        a.TOKEN: True,
                        a.PRIVATE: False,
                        a.LABEL: uri.object,
                        a.ID: ident,
                        a.SUBJECT: certificate.subject.public_bytes(),
                        a.ISSUER: certificate.issuer.public_bytes(),
                        a.VALUE: certificate.public_bytes(Encoding.DER),
                    }
                )
            )
        except BaseException:
            for obj in made:
                try:
                    obj.destroy()
                except p11.exceptions.PKCS11Error:
                    pass
            raise
    return certificate


def key_attributes(store: TokenKeystore, alias: str | None = None) -> dict[str, bool]:
    """CKA_SENSITIVE, CKA_EXTRACTABLE, CKA_PRIVATE, CKA_ALWAYS_SENSITIVE and
    CKA_NEVER_EXTRACTABLE of a key pair's private key, as the token reports them."""
    entry = store.entry(alias)
    pairs = store._keys.get(entry.alias.lower(), [])
    if not pairs:
        raise AliasError(f"entry '{entry.alias}' has no private key object", path=store.path)
    with sessions.calls(store.token_label, store.path) as p11:
        a = p11.Attribute
        names = {
            "sensitive": a.SENSITIVE,
            "extractable": a.EXTRACTABLE,
            "private": a.PRIVATE,
            "always_sensitive": a.ALWAYS_SENSITIVE,
            "never_extractable": a.NEVER_EXTRACTABLE,
        }
        values = pairs[0].key.get_attributes(list(names.values()))
        return {name: bool(values.get(attr)) for name, attr in names.items()}


class TokenKind(KeystoreKind):
    """A token is opened by its URI (:func:`open_token`) and its key pairs are made inside
    it (:func:`create_key_pair`): there are no bytes to load, dump or rewrap."""

    name = "PKCS11"
    read_only = "a token's key pair is made inside it: name the token by its pkcs11: URI"

    def load(self, name: str, data: bytes, password: Secret | None) -> Keystore:
        raise UsageError("a PKCS#11 token is named by a pkcs11: URI, not a file", path=name)

    def rewrap(
        self,
        store: Keystore,
        data: bytes,
        key_password: Secret,
        new_password: Secret,
        new_key_password: Secret,
    ) -> bytes:
        raise UsageError(
            "a token's PIN is changed with the token's own tools (e.g. pkcs11-tool --change-pin)"
        )


KIND = TokenKind()

__all__ = ["TokenKey", "TokenKeystore", "create_key_pair", "key_attributes", "open_token"]
