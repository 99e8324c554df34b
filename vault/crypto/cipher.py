"""Transformations, ciphertext envelopes and the key ring.

Envelopes (all one line of standard Base64):

* **plain**: the RSA block alone, as WSO2's cipher tool writes it. The
  transformation is not inside; without one, decryption tries OAEP-SHA1,
  then PKCS#1 v1.5.
* **self-contained** (default): ``{"c","t","tp","tpd"}`` JSON, WSO2
  CryptoUtil's format. The thumbprint picks the key: no trial decryption.
* **hybrid**: for values longer than an RSA block: AES-256-GCM, its key
  wrapped with RSA (``"t":"AES/GCM/NoPadding"``, ``"iv"``, ``"k"``, ``"kt"``).
* **bound** (this project's): a self-contained or hybrid envelope whose
  ciphertext is bound to the alias it is stored under (the alias in the OAEP
  label, or in the GCM associated data; ``"alias"`` says which), so that it
  does not decrypt under any other alias. PKCS#1 v1.5 has no label: a bound
  value under it is always hybrid.
* **symmetric** (read only): WSO2 cipher tool 1.1.x ``-Dsymmetric``,
  ``{"cipherText","iv"}``: AES-GCM with a secret-key entry of the keystore
  (JCEKS, PKCS12), a 128-byte IV and a 128-bit tag.

Java's ``OAEPWithSHA-256AndMGF1Padding`` uses SHA-256 for OAEP and SHA-1 for
MGF1; so does this module.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Literal, NamedTuple, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding

from vault.errors import (
    DecryptionError,
    MalformedCiphertextError,
    NoKeyError,
    UsageError,
    VaultError,
)
from vault.keystores import thumbprint
from vault.keystores._model import pkcs1_unpad
from vault.secret import Secret

if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from vault.keystores._device import OaepDigest


def _aes_gcm(key: bytes) -> AESGCM:
    """AES-GCM, imported on first use: most services never open a hybrid value."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key)


OAEP_SHA1 = "RSA/ECB/OAEPwithSHA1andMGF1Padding"
OAEP_SHA256 = "RSA/ECB/OAEPWithSHA-256AndMGF1Padding"
PKCS1 = "RSA/ECB/PKCS1Padding"
AES_GCM = "AES/GCM/NoPadding"
DEFAULT_TRANSFORMATION = OAEP_SHA1
THUMBPRINT_DIGEST = "SHA-1"

Format = Literal["self-contained", "plain"]
Envelope = Literal["plain", "self-contained", "hybrid", "symmetric"]
FORMATS: tuple[Format, ...] = ("self-contained", "plain")

_CANONICAL = {
    OAEP_SHA1.lower(): OAEP_SHA1,
    OAEP_SHA256.lower(): OAEP_SHA256,
    PKCS1.lower(): PKCS1,
    "rsa": PKCS1,
}
_OAEP_DIGEST: dict[str, OaepDigest | None] = {
    OAEP_SHA1: "SHA-1",
    OAEP_SHA256: "SHA-256",
    PKCS1: None,
}
# Bytes an RSA block of k bytes leaves for the message.
_OVERHEAD = {OAEP_SHA1: 2 * 20 + 2, OAEP_SHA256: 2 * 32 + 2, PKCS1: 11}


def canonical_transformation(name: str) -> str:
    """Java's name for a transformation we support, matched case-insensitively."""
    try:
        return _CANONICAL[name.strip().lower()]
    except KeyError:
        supported = ", ".join((OAEP_SHA1, OAEP_SHA256, PKCS1, "RSA"))
        raise UsageError(f"unknown transformation '{name}' (supported: {supported})") from None


_ALIAS_CHARACTERS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-"
)  # store.ALIAS


def binding_label(alias: str) -> bytes:
    """The OAEP label, or GCM associated data, that binds a ciphertext to ``alias``."""
    return b"secure-vault alias:" + alias.encode("utf-8")


def _padding(transformation: str, label: bytes | None = None) -> padding.AsymmetricPadding:
    if transformation == OAEP_SHA1:
        return padding.OAEP(padding.MGF1(hashes.SHA1()), hashes.SHA1(), label)
    if transformation == OAEP_SHA256:
        # SunJCE: SHA-256 for the OAEP digest, but MGF1 stays SHA-1.
        return padding.OAEP(padding.MGF1(hashes.SHA1()), hashes.SHA256(), label)
    if transformation == PKCS1:
        return padding.PKCS1v15()
    raise UsageError(f"unknown transformation '{transformation}'")


def _rsa_decrypt(
    key: rsa.RSAPrivateKey, block: bytes, transformation: str, label: bytes | None = None
) -> bytes:
    """Decrypt one RSA block; raises ValueError when it does not decrypt.

    OAEP goes to OpenSSL. PKCS#1 v1.5 does not: OpenSSL 3.2+ answers a bad
    block with random bytes (implicit rejection) instead of an error, which
    would hand back a wrong secret for a wrong key. So the padding is checked
    here, on the raw RSA result; the error never says what was wrong.
    """
    in_device = getattr(key, "decrypt_block", None)  # a keystores._device.DeviceKey
    if in_device is not None:  # a token's key: it decrypts inside the token
        return bytes(in_device(block, _OAEP_DIGEST[transformation]))
    if transformation != PKCS1:
        return key.decrypt(block, _padding(transformation, label))
    size = (key.key_size + 7) // 8
    if len(block) != size:
        raise ValueError("decryption failed")
    numbers = key.private_numbers()
    c = int.from_bytes(block, "big")
    if c >= numbers.public_numbers.n:
        raise ValueError("decryption failed")
    m1 = pow(c, numbers.dmp1, numbers.p)
    m2 = pow(c, numbers.dmq1, numbers.q)
    m = m2 + numbers.q * ((numbers.iqmp * (m1 - m2)) % numbers.p)
    return pkcs1_unpad(m.to_bytes(size, "big"))


def max_block_plaintext(key_size_bits: int, transformation: str) -> int:
    """The longest message (bytes) one RSA block holds under ``transformation``."""
    return key_size_bits // 8 - _OVERHEAD[transformation]


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


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise MalformedCiphertextError(f"{what} is not Base64") from None


def _dumps(envelope: dict[str, str]) -> str:
    import json

    return _b64(json.dumps(envelope, separators=(",", ":")).encode("utf-8"))


def _text(plaintext: bytes) -> Secret:
    try:
        return Secret(plaintext.decode("utf-8"))
    except UnicodeDecodeError:
        raise DecryptionError("decryption failed") from None


class Opened(NamedTuple):
    """A decrypted ciphertext and how it was made."""

    secret: Secret
    envelope: Envelope
    transformation: str
    """The RSA transformation (for hybrid: the one that wrapped the AES key)."""
    key_thumbprint: str
    """The thumbprint of the key that decrypted it."""
    bound: str | None = None
    """The alias a bound envelope is bound to (None: not bound)."""


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

            _log.logger("vault.crypto.cipher").warning(
                "encrypting with PKCS#1 v1.5 padding (%s): use it only for WSO2 "
                "compatibility; OAEP is the default for a reason",
                PKCS1,
            )
        key = self.encryption_key
        public = key.public_key
        fits = len(data) <= max_block_plaintext(public.key_size, transformation)
        label = binding_label(bind) if bind is not None else None
        bound = {"alias": bind} if bind is not None else {}
        if bind is not None:
            if format == "plain":
                raise UsageError("a plain ciphertext cannot be bound to its alias")
            if not bind or not set(bind) <= _ALIAS_CHARACTERS:
                raise UsageError(f"{bind!r} is no alias")
            if transformation == PKCS1:
                hybrid = True  # PKCS#1 v1.5 has no label: the binding is GCM's
        if format == "plain":
            if not fits:
                raise UsageError(
                    "the value is too long for one RSA block "
                    f"(at most {max_block_plaintext(public.key_size, transformation)} bytes "
                    "under this key and transformation); the self-contained format "
                    "holds it (hybrid)",
                    hint="format",
                )
            return _b64(public.encrypt(data, _padding(transformation)))
        if fits and not hybrid:
            block = public.encrypt(data, _padding(transformation, label))
            return _dumps(
                {
                    "c": _b64(block),
                    "t": transformation,
                    "tp": key.thumbprint,
                    "tpd": THUMBPRINT_DIGEST,
                    **bound,
                }
            )
        aes_key = os.urandom(32)
        iv = os.urandom(12)
        sealed = _aes_gcm(aes_key).encrypt(iv, data, label)
        wrapped = public.encrypt(aes_key, _padding(transformation, label))
        return _dumps(
            {
                "c": _b64(sealed),
                "t": AES_GCM,
                "iv": _b64(iv),
                "k": _b64(wrapped),
                "kt": transformation,
                "tp": key.thumbprint,
                "tpd": THUMBPRINT_DIGEST,
                **bound,
            }
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
        raw = _unb64(ciphertext, "the ciphertext")
        envelope = _json_envelope(raw)
        if envelope is None:
            return self._decrypt_plain(raw, transformation)
        if _is_symmetric(envelope):
            return self._decrypt_symmetric(envelope)
        bound = _optional_field(envelope, "alias")
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
                    secret = _text(_rsa_decrypt(private, block, name))
                    return Opened(secret, "plain", name, entry.thumbprint)
                except (ValueError, DecryptionError):
                    continue
        raise DecryptionError("decryption failed")

    def _decrypt_envelope(self, envelope: dict[str, object], bound: str | None) -> Opened:
        t = _field(envelope, "t")
        label = binding_label(bound) if bound is not None else None
        c = _unb64(_field(envelope, "c"), "field 'c'")
        tpd = _optional_field(envelope, "tpd")
        if tpd is not None and tpd.upper().replace("-", "") != "SHA1":
            raise MalformedCiphertextError(f"unsupported thumbprint digest '{tpd}'")
        tp = _optional_field(envelope, "tp")
        candidates = self._candidates(tp)
        if t.upper() == AES_GCM.upper():
            iv = _unb64(_field(envelope, "iv"), "field 'iv'")
            wrapped = _unb64(_field(envelope, "k"), "field 'k'")
            kt = _envelope_transformation(_field(envelope, "kt"))
            if len(iv) != 12 or len(c) < 16:
                raise MalformedCiphertextError("hybrid ciphertext has a bad IV or is truncated")
            for entry in candidates:
                try:
                    aes_key = _rsa_decrypt(self._private(entry), wrapped, kt, label)
                    if len(aes_key) != 32:
                        continue
                    secret = _text(_aes_gcm(aes_key).decrypt(iv, c, label))
                    return Opened(secret, "hybrid", kt, entry.thumbprint, bound)
                except (ValueError, InvalidTag):
                    continue
            raise DecryptionError("decryption failed")
        rsa_t = _envelope_transformation(t)
        for entry in candidates:
            try:
                if bound is not None and rsa_t == PKCS1:
                    break  # PKCS#1 v1.5 cannot carry the binding: never written so
                secret = _text(_rsa_decrypt(self._private(entry), c, rsa_t, label))
                return Opened(secret, "self-contained", rsa_t, entry.thumbprint, bound)
            except ValueError:
                continue
        raise DecryptionError("decryption failed")

    def _decrypt_symmetric(self, envelope: dict[str, object]) -> Opened:
        """WSO2 ``-Dsymmetric``: AES-GCM, 128-bit tag, the IV (128 bytes) in the JSON."""
        c = _unb64(_field(envelope, "cipherText"), "field 'cipherText'")
        iv = _unb64(_field(envelope, "iv"), "field 'iv'")
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
                secret = _text(_aes_gcm(key).decrypt(iv, c, None))
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


def _envelope_transformation(name: str) -> str:
    try:
        return canonical_transformation(name)
    except UsageError:
        raise MalformedCiphertextError(
            f"unknown transformation '{name}' in the ciphertext"
        ) from None


def _json_envelope(raw: bytes) -> dict[str, object] | None:
    """The envelope's fields, or None when the bytes are a plain RSA block."""
    if not raw.lstrip().startswith(b"{"):
        return None
    flat = flat_json_object(raw)
    if flat is not None:
        return flat
    import json

    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None  # an RSA block may start with '{' by chance
    if not isinstance(value, dict):
        raise MalformedCiphertextError("the ciphertext's JSON is not an object")
    return value


def flat_json_object(raw: bytes) -> dict[str, object] | None:
    """``json.loads`` for the one shape envelopes are written in, ``{"k":"v",...}``
    (printable ASCII, no escapes, no spaces, no repeated key); None for anything
    else, which ``json.loads`` then decides. Importing :mod:`json` would be a cost of
    every service start; this reads all the resolver meets without it."""
    if raw[:2] != b'{"' or raw[-2:] != b'"}' or b"\\" in raw:
        return None
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return None
    if not text.isprintable():
        return None
    fields: dict[str, object] = {}
    for part in text[2:-2].split('","'):
        key, colon, value = part.partition('":"')
        if not colon or '"' in key or '"' in value or key in fields:
            return None
        fields[key] = value
    return fields


def _is_symmetric(envelope: dict[str, object]) -> bool:
    return "cipherText" in envelope and "t" not in envelope and "c" not in envelope


def _field(envelope: dict[str, object], name: str) -> str:
    value = _optional_field(envelope, name)
    if value is None:
        raise MalformedCiphertextError(f"the ciphertext has no '{name}' field")
    return value


def _optional_field(envelope: dict[str, object], name: str) -> str | None:
    value = envelope.get(name)
    if value is not None and not isinstance(value, str):
        raise MalformedCiphertextError(f"the ciphertext's '{name}' field is not a string")
    return value


def envelope_kind(ciphertext: str) -> Envelope:
    """Which envelope a ciphertext is (it is not decrypted)."""
    envelope = _json_envelope(_unb64(ciphertext, "the ciphertext"))
    if envelope is None:
        return "plain"
    if _is_symmetric(envelope):
        return "symmetric"
    return "hybrid" if _field(envelope, "t").upper() == AES_GCM.upper() else "self-contained"


def envelope_alias(ciphertext: str) -> str | None:
    """The alias a bound envelope is bound to (None for every other); not decrypted."""
    envelope = _json_envelope(_unb64(ciphertext, "the ciphertext"))
    if envelope is None or _is_symmetric(envelope):
        return None
    return _optional_field(envelope, "alias")


def envelope_thumbprint(ciphertext: str) -> str | None:
    """The thumbprint a ciphertext names (None for plain ones); it is not decrypted."""
    envelope = _json_envelope(_unb64(ciphertext, "the ciphertext"))
    if envelope is None:
        return None
    tp = _optional_field(envelope, "tp")
    return tp.upper() if tp is not None else None
