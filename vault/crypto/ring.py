"""The key ring: the keys a run holds, which one encrypts, which one opens a ciphertext.

A self-contained or hybrid ciphertext names its key by thumbprint; a plain one
is tried against every key. The envelopes themselves are
:mod:`vault.crypto.envelopes`; the transformations :mod:`vault.crypto.transformations`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding

from vault.crypto.envelopes import (
    FORMATS,
    Format,
    Opened,
    binding_label,
    envelope_transformation,
    field,
    is_symmetric,
    loads,
    optional_field,
    seal,
    secret_text,
    unb64,
)
from vault.crypto.transformations import (
    AES_GCM,
    DEFAULT_TRANSFORMATION,
    OAEP_SHA1,
    PKCS1,
    aes_gcm,
    canonical_transformation,
    rsa_decrypt,
)
from vault.errors import (
    DecryptionError,
    MalformedCiphertextError,
    NoKeyError,
    UsageError,
    VaultError,
)
from vault.keystores import thumbprint
from vault.secret import Secret

if TYPE_CHECKING:
    from cryptography import x509


class KeyEntry:
    """A certificate, and its private key when this entry can decrypt.

    The certificate may be given as DER: decrypting needs only its
    thumbprint, so it is parsed (and ``cryptography.x509`` imported) only
    when the public key is needed to encrypt.
    """

    __slots__ = ("_certificate", "_der", "label", "private_key", "thumbprint")

    def __init__(
        self,
        certificate: x509.Certificate | bytes,
        private_key: rsa.RSAPrivateKey | None = None,
        label: str = "",
    ) -> None:
        if isinstance(certificate, bytes):
            self._certificate: x509.Certificate | None = None
            self._der = certificate
        else:
            self._certificate = certificate
            self._der = certificate.public_bytes(Encoding.DER)
        self.private_key = private_key
        self.label = label
        self.thumbprint = thumbprint(self._der)

    def __repr__(self) -> str:
        kind = "key" if self.private_key is not None else "certificate"
        return f"KeyEntry({self.thumbprint}, {kind}{', ' + self.label if self.label else ''})"

    @property
    def certificate(self) -> x509.Certificate:
        if self._certificate is None:
            from vault.keystores._model import parse_certificate

            self._certificate = parse_certificate(self._der, self.label or None)
        return self._certificate

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        key = self.certificate.public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            raise UsageError(f"the certificate of {self.label or 'this entry'} is not an RSA key")
        return key


class MoreKeys(Protocol):
    """Keys a ring may fetch when it meets a ciphertext for a key it does not hold: the
    other private keys of its keystores, decrypted only when asked for."""

    def find(self, thumbprint: str) -> KeyEntry | None: ...

    def all_keys(self) -> Sequence[KeyEntry]: ...


class SecretKeys(Protocol):
    """The AES keys (secret-key entries) a ring may use for WSO2 symmetric ciphertexts:
    ``(label, key bytes)``, decrypted only when such a ciphertext is met."""

    def secret_keys(self) -> Sequence[tuple[str, bytes]]: ...


class _AllMoreKeys:
    """The on-demand keys of several rings, asked in order."""

    def __init__(self, parts: Sequence[MoreKeys]) -> None:
        self._parts = parts

    def find(self, thumbprint: str) -> KeyEntry | None:
        return next((e for e in (p.find(thumbprint) for p in self._parts) if e is not None), None)

    def all_keys(self) -> Sequence[KeyEntry]:
        return [entry for part in self._parts for entry in part.all_keys()]


class _AllSecretKeys:
    """The secret keys of several rings, in order."""

    def __init__(self, parts: Sequence[SecretKeys]) -> None:
        self._parts = parts

    def secret_keys(self) -> Sequence[tuple[str, bytes]]:
        return [key for part in self._parts for key in part.secret_keys()]


class KeyRing:
    """An ordered list of keys: the first encrypts, every one decrypts.

    A self-contained or hybrid ciphertext names its key by thumbprint, so
    during a rotation a ring holding the old and the new key reads both.
    """

    def __init__(
        self,
        entries: Iterable[KeyEntry],
        *,
        more: MoreKeys | None = None,
        symmetric: SecretKeys | None = None,
        unchosen: VaultError | None = None,
    ) -> None:
        self.entries: tuple[KeyEntry, ...] = tuple(entries)
        self._unchosen = unchosen
        """Why the ring has no key to encrypt with (several keys and no alias), if so."""
        if not self.entries and more is None and symmetric is None:
            raise UsageError("a key ring needs at least one key")
        self._symmetric = symmetric
        self._by_thumbprint = {e.thumbprint: e for e in reversed(self.entries)}
        self._more = more
        self._warned_pkcs1 = False

    def __repr__(self) -> str:
        return f"KeyRing({[e.thumbprint for e in self.entries]})"

    @classmethod
    def joined(cls, rings: Sequence[KeyRing]) -> KeyRing:
        """One ring of the rings' keys in order (the first ring's first key encrypts),
        reaching every ring's other keys and secret keys on demand too."""
        mores = [ring._more for ring in rings if ring._more is not None]
        symmetric = [ring._symmetric for ring in rings if ring._symmetric is not None]
        return cls(
            [entry for ring in rings for entry in ring.entries],
            more=_AllMoreKeys(mores) if mores else None,
            symmetric=_AllSecretKeys(symmetric) if symmetric else None,
        )

    @property
    def encryption_key(self) -> KeyEntry:
        if not self.entries:
            if self._unchosen is not None:
                raise self._unchosen
            raise UsageError("the key ring holds no RSA key to encrypt with (a secret key only)")
        return self.entries[0]

    # -- encryption -------------------------------------------------------

    def encrypt(
        self,
        plaintext: str | Secret,
        *,
        format: Format = "self-contained",
        transformation: str = DEFAULT_TRANSFORMATION,
        hybrid: bool = False,
        bind: str | None = None,
    ) -> str:
        """Encrypt for the first key. Values too long for one RSA block go hybrid
        (``hybrid=True`` makes every value hybrid, as rotation keeps envelopes).
        ``bind``: the alias the value is stored under; the ciphertext then decrypts
        under that alias only (a bound envelope; never a plain one)."""
        data = (plaintext if isinstance(plaintext, Secret) else Secret(plaintext)).encode()
        transformation = canonical_transformation(transformation)
        if format not in FORMATS:
            raise UsageError(f"unknown format '{format}' (self-contained or plain)")
        if transformation == PKCS1 and not self._warned_pkcs1:
            self._warned_pkcs1 = True  # once per ring: a run over many values says it once
            from vault import _log

            _log.logger("vault.crypto.ring").warning(
                "encrypting with PKCS#1 v1.5 padding (%s): use it only for WSO2 "
                "compatibility; OAEP is the default for a reason",
                PKCS1,
            )
        key = self.encryption_key
        return seal(
            key.public_key,
            key.thumbprint,
            data,
            transformation,
            format=format,
            hybrid=hybrid,
            bind=bind,
        )

    # -- decryption -------------------------------------------------------

    def decrypt(
        self, ciphertext: str, *, transformation: str | None = None, alias: str | None = None
    ) -> Secret:
        """Decrypt any envelope; the transformation matters only for plain ones.

        ``alias``: the alias the ciphertext is stored under. A bound envelope
        decrypts under its own alias only; with no alias given (a ciphertext on
        its own, ``ciphertool decrypt``), under the one it names.

        Raises :class:`MalformedCiphertextError` for what is not a ciphertext,
        :class:`NoKeyError` when no key of the ring matches, and
        :class:`DecryptionError` (which never says why) when the key fails.
        """
        return self.open(ciphertext, transformation=transformation, alias=alias).secret

    def open(
        self, ciphertext: str, *, transformation: str | None = None, alias: str | None = None
    ) -> Opened:
        """Decrypt, and say how the ciphertext was made (envelope, transformation, key)."""
        raw = unb64(ciphertext, "the ciphertext")
        envelope = loads(raw)
        if envelope is None:
            return self._decrypt_plain(raw, transformation)
        if is_symmetric(envelope):
            return self._decrypt_symmetric(envelope)
        bound = optional_field(envelope, "alias")
        if bound is not None and alias is not None and bound != alias:
            raise DecryptionError(
                f"the ciphertext is bound to alias '{bound}', not to '{alias}' "
                "(copied from another entry?)",
                alias=alias,
            )
        return self._decrypt_envelope(envelope, bound)

    def reseal(self, opened: Opened) -> str:
        """Encrypt ``opened``'s plaintext for this ring's first key, in the same envelope
        and transformation (a hybrid stays hybrid; a plain block stays plain)."""
        if opened.envelope == "symmetric":
            raise UsageError(
                "WSO2 symmetric (AES-GCM) ciphertexts are not re-encrypted here: their key is "
                "a secret-key entry, not the RSA key being rotated"
            )
        return self.encrypt(
            opened.secret,
            format="plain" if opened.envelope == "plain" else "self-contained",
            transformation=opened.transformation,
            hybrid=opened.envelope == "hybrid",
            bind=opened.bound,
        )

    def _private(self, entry: KeyEntry) -> rsa.RSAPrivateKey:
        if entry.private_key is None:
            raise NoKeyError(
                f"the key {entry.thumbprint} is in the ring as a certificate only; "
                "decryption needs its keystore"
            )
        return entry.private_key

    def _decrypt_plain(self, block: bytes, transformation: str | None) -> Opened:
        try:
            return self._decrypt_plain_with(self.entries, block, transformation)
        except (DecryptionError, NoKeyError, MalformedCiphertextError):
            others = self._more.all_keys() if self._more is not None else []
            if not others:
                raise
        # A plain block names no key: the keystores' other keys are tried last.
        return self._decrypt_plain_with(others, block, transformation)

    def _decrypt_plain_with(
        self, entries: Sequence[KeyEntry], block: bytes, transformation: str | None
    ) -> Opened:
        keys = [e for e in entries if e.private_key is not None]
        if not keys:
            raise NoKeyError("no private key in the key ring")
        keys = [e for e in keys if len(block) == self._private(e).key_size // 8]
        if not keys:
            raise MalformedCiphertextError(
                "the ciphertext is neither a JSON envelope nor an RSA block of a key's size"
            )
        tries = [canonical_transformation(transformation)] if transformation else [OAEP_SHA1, PKCS1]
        for name in tries:
            for entry in keys:
                private = self._private(entry)
                try:
                    secret = secret_text(rsa_decrypt(private, block, name))
                    return Opened(secret, "plain", name, entry.thumbprint)
                except (ValueError, DecryptionError):
                    continue
        raise DecryptionError("decryption failed")

    def _decrypt_envelope(self, envelope: dict[str, object], bound: str | None) -> Opened:
        t = field(envelope, "t")
        label = binding_label(bound) if bound is not None else None
        c = unb64(field(envelope, "c"), "field 'c'")
        tpd = optional_field(envelope, "tpd")
        if tpd is not None and tpd.upper().replace("-", "") != "SHA1":
            raise MalformedCiphertextError(f"unsupported thumbprint digest '{tpd}'")
        tp = optional_field(envelope, "tp")
        candidates = self._candidates(tp)
        if t.upper() == AES_GCM.upper():
            iv = unb64(field(envelope, "iv"), "field 'iv'")
            wrapped = unb64(field(envelope, "k"), "field 'k'")
            kt = envelope_transformation(field(envelope, "kt"))
            if len(iv) != 12 or len(c) < 16:
                raise MalformedCiphertextError("hybrid ciphertext has a bad IV or is truncated")
            for entry in candidates:
                try:
                    aes_key = rsa_decrypt(self._private(entry), wrapped, kt, label)
                    if len(aes_key) != 32:
                        continue
                    secret = secret_text(aes_gcm(aes_key).decrypt(iv, c, label))
                    return Opened(secret, "hybrid", kt, entry.thumbprint, bound)
                except (ValueError, InvalidTag):
                    continue
            raise DecryptionError("decryption failed")
        rsa_t = envelope_transformation(t)
        for entry in candidates:
            try:
                if bound is not None and rsa_t == PKCS1:
                    break  # PKCS#1 v1.5 cannot carry the binding: never written so
                secret = secret_text(rsa_decrypt(self._private(entry), c, rsa_t, label))
                return Opened(secret, "self-contained", rsa_t, entry.thumbprint, bound)
            except ValueError:
                continue
        raise DecryptionError("decryption failed")

    def _decrypt_symmetric(self, envelope: dict[str, object]) -> Opened:
        """WSO2 ``-Dsymmetric``: AES-GCM, 128-bit tag, the IV (128 bytes) in the JSON."""
        c = unb64(field(envelope, "cipherText"), "field 'cipherText'")
        iv = unb64(field(envelope, "iv"), "field 'iv'")
        if not 8 <= len(iv) <= 128 or len(c) < 16:
            raise MalformedCiphertextError("symmetric ciphertext has a bad IV or is truncated")
        keys = self._symmetric.secret_keys() if self._symmetric is not None else []
        keys = [(label, key) for label, key in keys if len(key) in (16, 24, 32)]
        if not keys:
            raise NoKeyError(
                "a WSO2 symmetric (AES-GCM) ciphertext needs an AES secret-key entry in the "
                "keystore (JCEKS or PKCS12)"
            )
        for label, key in keys:
            try:
                secret = secret_text(aes_gcm(key).decrypt(iv, c, None))
            except InvalidTag:
                continue
            return Opened(secret, "symmetric", AES_GCM, label)
        raise DecryptionError("decryption failed")

    def _candidates(self, tp: str | None) -> Sequence[KeyEntry]:
        if tp is None:
            return [e for e in self.entries if e.private_key is not None]
        entry = self._by_thumbprint.get(tp.upper())
        if entry is None and self._more is not None:
            entry = self._more.find(tp.upper())
            if entry is not None:
                self._by_thumbprint[entry.thumbprint] = entry
        if entry is None:
            raise NoKeyError(f"no key in the key ring has thumbprint {tp.upper()}")
        return [entry]
