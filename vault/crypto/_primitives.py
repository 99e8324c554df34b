"""OAEP checked by hand on a raw RSA result (RFC 8017 EME-OAEP decoding).

For a token that does raw RSA but not OAEP with the digest asked (SoftHSM2 2.6
does OAEP with SHA-1 alone). PKCS#1 v1.5 is :func:`._model.pkcs1_unpad`. Raises
one ValueError that never says what was wrong.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes

from vault.keystores._model import compare_digest

_FAILED = "decryption failed"


def _digest(algorithm: hashes.HashAlgorithm, data: bytes) -> bytes:
    h = hashes.Hash(algorithm)
    h.update(data)
    return h.finalize()


def _mgf1_sha1(seed: bytes, length: int) -> bytes:
    out = b""
    counter = 0
    while len(out) < length:
        out += _digest(hashes.SHA1(), seed + counter.to_bytes(4, "big"))
        counter += 1
    return out[:length]


def oaep_unpad(em: bytes, algorithm: hashes.HashAlgorithm) -> bytes:
    """EME-OAEP decoding with ``algorithm`` for the label hash, MGF1-SHA-1 and an empty
    label: Java's ``OAEPWith<digest>AndMGF1Padding``."""
    h_len = algorithm.digest_size
    k = len(em)
    if k < 2 * h_len + 2:
        raise ValueError(_FAILED)
    masked_seed, masked_db = em[1 : 1 + h_len], em[1 + h_len :]
    seed = bytes(a ^ b for a, b in zip(masked_seed, _mgf1_sha1(masked_db, h_len), strict=True))
    db = bytes(a ^ b for a, b in zip(masked_db, _mgf1_sha1(seed, k - h_len - 1), strict=True))
    label_ok = compare_digest(db[:h_len], _digest(algorithm, b""))
    rest = db[h_len:].lstrip(b"\0")
    if not (label_ok and em[0] == 0 and rest[:1] == b"\x01"):
        raise ValueError(_FAILED)
    return rest[1:]
