"""Transformations: Java's names, their RSA padding, and one RSA block decrypted.

Java's ``OAEPWithSHA-256AndMGF1Padding`` uses SHA-256 for OAEP and SHA-1 for
MGF1; so does this module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from vault.crypto._primitives import pkcs1v15_decrypt
from vault.errors import UsageError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from vault.keystores._device import OaepDigest

OAEP_SHA1 = "RSA/ECB/OAEPwithSHA1andMGF1Padding"
OAEP_SHA256 = "RSA/ECB/OAEPWithSHA-256AndMGF1Padding"
PKCS1 = "RSA/ECB/PKCS1Padding"
AES_GCM = "AES/GCM/NoPadding"
DEFAULT_TRANSFORMATION = OAEP_SHA1

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


def max_block_plaintext(key_size_bits: int, transformation: str) -> int:
    """The longest message (bytes) one RSA block holds under ``transformation``."""
    return key_size_bits // 8 - _OVERHEAD[transformation]


def aes_gcm(key: bytes) -> AESGCM:
    """AES-GCM, imported on first use: most services never open a hybrid value."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key)


def rsa_padding(transformation: str, label: bytes | None = None) -> padding.AsymmetricPadding:
    """pyca's padding for a canonical transformation (``label``: OAEP's)."""
    if transformation == OAEP_SHA1:
        return padding.OAEP(padding.MGF1(hashes.SHA1()), hashes.SHA1(), label)
    if transformation == OAEP_SHA256:
        # SunJCE: SHA-256 for the OAEP digest, but MGF1 stays SHA-1.
        return padding.OAEP(padding.MGF1(hashes.SHA1()), hashes.SHA256(), label)
    if transformation == PKCS1:
        return padding.PKCS1v15()
    raise UsageError(f"unknown transformation '{transformation}'")


def rsa_decrypt(
    key: rsa.RSAPrivateKey, block: bytes, transformation: str, label: bytes | None = None
) -> bytes:
    """Decrypt one RSA block; raises ValueError when it does not decrypt.

    OAEP goes to OpenSSL. PKCS#1 v1.5 does not: OpenSSL 3.2+ answers a bad
    block with random bytes (implicit rejection) instead of an error, which
    would hand back a wrong secret for a wrong key. So the padding is checked
    by :func:`vault.crypto._primitives.pkcs1v15_decrypt`, on the raw RSA result;
    the error never says what was wrong.
    """
    in_device = getattr(key, "decrypt_block", None)  # a keystores._device.DeviceKey
    if in_device is not None:  # a token's key: it decrypts inside the token
        return bytes(in_device(block, _OAEP_DIGEST[transformation]))
    if transformation != PKCS1:
        return key.decrypt(block, rsa_padding(transformation, label))
    return pkcs1v15_decrypt(key, block)
