"""A private key that stays in its device, for the token kind (:mod:`.pkcs11`).

Apart from :mod:`._model` so that the runtime path never builds the class: the key
ring finds such a key by its ``decrypt_block`` method.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Literal

from cryptography.hazmat.primitives.asymmetric import rsa

OaepDigest = Literal["SHA-1", "SHA-256"]


class DeviceKey(rsa.RSAPrivateKey):
    """An RSA private key that stays in its device (a PKCS#11 token): it decrypts there
    and is never read out, so ``private_numbers`` and ``private_bytes`` refuse."""

    @abstractmethod
    def decrypt_block(self, block: bytes, oaep_digest: OaepDigest | None) -> bytes:
        """Decrypt one RSA block inside the device: OAEP with ``oaep_digest`` and
        MGF1-SHA-1 (Java's names), or PKCS#1 v1.5 for None. Raises ValueError when the
        block does not decrypt under this key, saying nothing of why."""
