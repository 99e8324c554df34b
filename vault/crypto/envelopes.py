"""Ciphertext envelopes: how an RSA block (or an AES-GCM value) is written, and read back.

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

Which key seals or opens an envelope is the key ring's business
(:mod:`vault.crypto.ring`); this module writes and parses them.
"""

from __future__ import annotations

import base64
import binascii
import os
from typing import TYPE_CHECKING, Literal, NamedTuple

from vault.crypto.transformations import (
    AES_GCM,
    PKCS1,
    aes_gcm,
    canonical_transformation,
    max_block_plaintext,
    rsa_padding,
)
from vault.errors import DecryptionError, MalformedCiphertextError, UsageError
from vault.secret import Secret

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import rsa

THUMBPRINT_DIGEST = "SHA-1"

Format = Literal["self-contained", "plain"]
Envelope = Literal["plain", "self-contained", "hybrid", "symmetric"]
FORMATS: tuple[Format, ...] = ("self-contained", "plain")

ALIAS_CHARACTERS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-"
)  # store.ALIAS


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


def binding_label(alias: str) -> bytes:
    """The OAEP label, or GCM associated data, that binds a ciphertext to ``alias``."""
    return b"secure-vault alias:" + alias.encode("utf-8")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise MalformedCiphertextError(f"{what} is not Base64") from None


def dumps(envelope: dict[str, str]) -> str:
    """An envelope's fields as the one line of Base64 JSON it is written as."""
    import json

    return b64(json.dumps(envelope, separators=(",", ":")).encode("utf-8"))


def secret_text(plaintext: bytes) -> Secret:
    """The decrypted bytes as text; a value that is no UTF-8 did not decrypt."""
    try:
        return Secret(plaintext.decode("utf-8"))
    except UnicodeDecodeError:
        raise DecryptionError("decryption failed") from None


# -- writing ------------------------------------------------------------------


def seal(
    public: rsa.RSAPublicKey,
    thumbprint: str,
    data: bytes,
    transformation: str,
    *,
    format: Format,
    hybrid: bool,
    bind: str | None,
) -> str:
    """``data`` encrypted for ``public`` (whose certificate has ``thumbprint``) in its
    envelope: plain, self-contained, or hybrid when asked or when it does not fit one
    RSA block; bound to ``bind`` when given. ``transformation`` is canonical."""
    fits = len(data) <= max_block_plaintext(public.key_size, transformation)
    label = binding_label(bind) if bind is not None else None
    bound = {"alias": bind} if bind is not None else {}
    if bind is not None:
        if format == "plain":
            raise UsageError("a plain ciphertext cannot be bound to its alias")
        if not bind or not set(bind) <= ALIAS_CHARACTERS:
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
        return b64(public.encrypt(data, rsa_padding(transformation)))
    if fits and not hybrid:
        block = public.encrypt(data, rsa_padding(transformation, label))
        return dumps(
            {
                "c": b64(block),
                "t": transformation,
                "tp": thumbprint,
                "tpd": THUMBPRINT_DIGEST,
                **bound,
            }
        )
    aes_key = os.urandom(32)
    iv = os.urandom(12)
    sealed = aes_gcm(aes_key).encrypt(iv, data, label)
    wrapped = public.encrypt(aes_key, rsa_padding(transformation, label))
    return dumps(
        {
            "c": b64(sealed),
            "t": AES_GCM,
            "iv": b64(iv),
            "k": b64(wrapped),
            "kt": transformation,
            "tp": thumbprint,
            "tpd": THUMBPRINT_DIGEST,
            **bound,
        }
    )


# -- reading ------------------------------------------------------------------


def envelope_transformation(name: str) -> str:
    """The canonical name of a transformation a ciphertext names."""
    try:
        return canonical_transformation(name)
    except UsageError:
        raise MalformedCiphertextError(
            f"unknown transformation '{name}' in the ciphertext"
        ) from None


def loads(raw: bytes) -> dict[str, object] | None:
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


def is_symmetric(envelope: dict[str, object]) -> bool:
    return "cipherText" in envelope and "t" not in envelope and "c" not in envelope


def field(envelope: dict[str, object], name: str) -> str:
    value = optional_field(envelope, name)
    if value is None:
        raise MalformedCiphertextError(f"the ciphertext has no '{name}' field")
    return value


def optional_field(envelope: dict[str, object], name: str) -> str | None:
    value = envelope.get(name)
    if value is not None and not isinstance(value, str):
        raise MalformedCiphertextError(f"the ciphertext's '{name}' field is not a string")
    return value


def envelope_kind(ciphertext: str) -> Envelope:
    """Which envelope a ciphertext is (it is not decrypted)."""
    envelope = loads(unb64(ciphertext, "the ciphertext"))
    if envelope is None:
        return "plain"
    if is_symmetric(envelope):
        return "symmetric"
    return "hybrid" if field(envelope, "t").upper() == AES_GCM.upper() else "self-contained"


def envelope_alias(ciphertext: str) -> str | None:
    """The alias a bound envelope is bound to (None for every other); not decrypted."""
    envelope = loads(unb64(ciphertext, "the ciphertext"))
    if envelope is None or is_symmetric(envelope):
        return None
    return optional_field(envelope, "alias")


def envelope_thumbprint(ciphertext: str) -> str | None:
    """The thumbprint a ciphertext names (None for plain ones); it is not decrypted."""
    envelope = loads(unb64(ciphertext, "the ciphertext"))
    if envelope is None:
        return None
    tp = optional_field(envelope, "tp")
    return tp.upper() if tp is not None else None
