"""The cryptographic primitives written by hand here, each with its own vectors.

Each exists because no library does the job as needed:

* PKCS#1 v1.5 decryption (:func:`pkcs1v15_decrypt`, :func:`pkcs1_unpad`): OpenSSL
  3.2+ answers a bad block with random bytes (implicit rejection), which would hand
  back a wrong secret for a wrong key; a token doing raw RSA has no padding check.
* EME-OAEP decoding (:func:`oaep_unpad`): for a token that does raw RSA but not OAEP
  with the digest asked (SoftHSM2 2.6 does OAEP with SHA-1 alone).
* The PKCS#12 key derivation and MAC (:func:`pkcs12_kdf`, :func:`pkcs12_mac`) and
  PBES2 decryption (:func:`pbes2_decrypt`): pyca's ``load_pkcs12`` gives one key only
  and checks every RSA key it decrypts, too slowly for every service start.
* JKS key protection and store digest (:func:`jks_unprotect`, :func:`jks_protect`,
  :func:`jks_store_digest`): Sun's SHA-1 keystream, which pyjks would bring with
  pycryptodome's import time.

A failed check raises :class:`CheckFailed` (a ValueError) that never says what was
wrong. This module imports nothing of ``vault``: it is the bottom of the graph, and
what it imports beyond ``cryptography.hazmat.primitives.hashes`` it imports on use.
Vectors: ``tests/vectors/primitives/`` (published, Java-made and pyca-made, with the
recipes that made them), run by ``tests/crypto/test_primitives.py``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import hashes

if TYPE_CHECKING:
    import hashlib

    from cryptography.hazmat.primitives.asymmetric import rsa

_FAILED = "decryption failed"


class CheckFailed(ValueError):
    """A padding, keyed digest or MAC did not come out: a wrong key or password, or
    damaged bytes. The message never says which part was wrong."""


def compare_digest(a: bytes, b: bytes) -> bool:
    """``hmac.compare_digest`` (the same C function) without importing ``hmac``, which
    loads ``hashlib`` and Python's own OpenSSL binding at every service start."""
    from _operator import _compare_digest

    return _compare_digest(a, b)


def _digest(algorithm: hashes.HashAlgorithm, data: bytes) -> bytes:
    h = hashes.Hash(algorithm)
    h.update(data)
    return h.finalize()


# -- PKCS#1 v1.5 (RFC 8017 section 7.2.2) -------------------------------------

_PKCS1_MIN_PADDING = 8  # bytes of non-zero padding string, at least


def pkcs1_unpad(em: bytes) -> bytes:
    """EME-PKCS1-v1_5 decoding of a raw RSA result, ``00 02 PS(>=8 non-zero) 00 M``.

    Raises :class:`CheckFailed`, never saying what was wrong, for anything else.

    What is constant-time, and what is not: the block's length is public (the key's
    size) and checked first. Then every byte is read, in order, with no branch and no
    early exit on its value: the two leading bytes, the separator (found by mask) and
    the padding's length are folded into one verdict with integer bitwise operations,
    and the only branch is on that verdict, which the caller learns anyway. CPython
    gives no timing guarantee below that: small integers come from a cache while
    larger ones are allocated, so the interpreter's work varies by nanoseconds with
    the values; and on success the message's length (the separator's place) shows in
    the copy returned. No error, log or exception text depends on the bytes.
    """
    k = len(em)
    if k < 3 + _PKCS1_MIN_PADDING:
        raise CheckFailed(_FAILED)
    bad = em[0] | (em[1] ^ 2)  # 0 only for 00 02
    looking = -1  # every bit set until the first zero byte after em[1]
    index = 0
    for i in range(2, k):
        zero = (em[i] - 1) >> 8  # -1 when em[i] == 0, else 0
        index |= i & zero & looking
        looking &= ~zero
    # index == 0: no separator; index < 2 + 8: a padding string shorter than 8 bytes.
    short = (index - (2 + _PKCS1_MIN_PADDING)) >> 31  # -1 when index < 10, else 0
    good = ((bad - 1) >> 31) & ~short  # -1 when every check passed, else 0
    if not good:
        raise CheckFailed(_FAILED)
    return em[index + 1 :]


def pkcs1v15_decrypt(key: rsa.RSAPrivateKey, block: bytes) -> bytes:
    """RSAES-PKCS1-v1_5 decryption: the raw RSA operation on Python integers, then
    :func:`pkcs1_unpad`. Raises :class:`CheckFailed` when the block does not decrypt.

    Python's ``pow`` is not constant-time: its run time follows the exponent (the
    key's, fixed) and the base. The base is blinded with a fresh random ``r``
    (``c * r**e``, unblinded after), so that time tells nothing about the
    ciphertext an attacker chose; the CRT halves are then recombined as usual.
    """
    size = (key.key_size + 7) // 8
    if len(block) != size:
        raise CheckFailed(_FAILED)
    numbers = key.private_numbers()
    n, e = numbers.public_numbers.n, numbers.public_numbers.e
    c = int.from_bytes(block, "big")
    if c >= n:
        raise CheckFailed(_FAILED)
    r, r_inverse = _blinding(n, size)
    c = c * pow(r, e, n) % n
    m1 = pow(c, numbers.dmp1, numbers.p)
    m2 = pow(c, numbers.dmq1, numbers.q)
    m = (m2 + numbers.q * ((numbers.iqmp * (m1 - m2)) % numbers.p)) * r_inverse % n
    return pkcs1_unpad(m.to_bytes(size, "big"))


def _blinding(n: int, size: int) -> tuple[int, int]:
    """A random ``r`` in [2, n) invertible mod ``n``, and its inverse."""
    while True:
        r = int.from_bytes(os.urandom(size + 8), "big") % n
        if r < 2:
            continue
        try:
            return r, pow(r, -1, n)
        except ValueError:  # r shares a factor with n: as likely as guessing the key
            continue


# -- EME-OAEP (RFC 8017 section 7.1.2) ----------------------------------------


def _mgf1_sha1(seed: bytes, length: int) -> bytes:
    out = b""
    counter = 0
    while len(out) < length:
        out += _digest(hashes.SHA1(), seed + counter.to_bytes(4, "big"))
        counter += 1
    return out[:length]


def oaep_unpad(em: bytes, algorithm: hashes.HashAlgorithm) -> bytes:
    """EME-OAEP decoding with ``algorithm`` for the label hash, MGF1-SHA-1 and an empty
    label: Java's ``OAEPWith<digest>AndMGF1Padding``. :class:`CheckFailed` never says
    which check failed.

    As :func:`pkcs1_unpad`: the leading zero, the label hash (compared in constant time
    by C) and ``PS || 01`` are folded into one verdict, every byte read with no branch on
    its value (Manger's attack needs to tell a bad first byte from the rest)."""
    h_len = algorithm.digest_size
    k = len(em)
    if k < 2 * h_len + 2:
        raise CheckFailed(_FAILED)
    masked_seed, masked_db = em[1 : 1 + h_len], em[1 + h_len :]
    seed = bytes(a ^ b for a, b in zip(masked_seed, _mgf1_sha1(masked_db, h_len), strict=True))
    db = bytes(a ^ b for a, b in zip(masked_db, _mgf1_sha1(seed, k - h_len - 1), strict=True))
    bad = em[0] | (compare_digest(db[:h_len], _digest(algorithm, b"")) ^ 1)
    looking = -1  # every bit set until the 01 that ends PS (zeros only before it)
    index = 0
    for i in range(h_len, len(db)):
        zero = (db[i] - 1) >> 8  # -1 when db[i] == 0, else 0
        one = ((db[i] ^ 1) - 1) >> 8  # -1 when db[i] == 1, else 0
        index |= i & one & looking
        bad |= looking & ~zero & ~one & 1  # something other than 00 or 01 before the 01
        looking &= ~one
    good = ((bad - 1) >> 31) & ~looking  # -1 when every check passed and the 01 was found
    if not good:
        raise CheckFailed(_FAILED)
    return db[index + 1 :]


# -- PKCS#12 (RFC 7292 appendix B) and PBES2 (RFC 8018 section 6.2) -----------

PKCS12_KEY, PKCS12_IV, PKCS12_MAC = 1, 2, 3
"""The ID byte of RFC 7292 B.3: what the derived bytes are for."""

HMAC_DIGESTS: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
"""The digests (``hashlib`` names) :func:`pkcs12_kdf` and :func:`pkcs12_mac` take."""


def pkcs12_kdf(
    digest: str, password: bytes, salt: bytes, iterations: int, *, purpose: int, length: int
) -> bytes:
    """RFC 7292 appendix B.2: ``length`` bytes for ``purpose`` (PKCS12_KEY, _IV, _MAC)
    from the UTF-8 ``password``, taken as Java and OpenSSL take it (a NUL-ended
    BMPString, an empty password being the NUL alone).

    ``hashlib``, though a start pays for its import, runs this loop
    (10,000 rounds as keytool writes) four times as fast as pyca's hash objects."""
    import hashlib

    new: Callable[[bytes], hashlib._Hash] = getattr(hashlib, digest)
    v = new(b"").block_size
    secret = password.decode("utf-8").encode("utf-16-be") + b"\0\0"

    def fill(data: bytes) -> bytes:
        """``data`` repeated to whole blocks (none for none)."""
        size = v * -(-len(data) // v)
        return (data * (size // len(data) + 1))[:size] if data else b""

    diversifier = bytes([purpose]) * v
    i_blocks = fill(salt) + fill(secret)
    out = b""
    while True:
        a = new(diversifier + i_blocks).digest()
        for _ in range(iterations - 1):
            a = new(a).digest()
        out += a
        if len(out) >= length:
            return out[:length]
        # B.2 step 6C: every v-byte block of I becomes (I_j + B + 1) mod 2**(8v).
        b = int.from_bytes((a * (v // len(a) + 1))[:v], "big") + 1
        i_blocks = b"".join(
            ((int.from_bytes(i_blocks[j : j + v], "big") + b) % (1 << (8 * v))).to_bytes(v, "big")
            for j in range(0, len(i_blocks), v)
        )


def pkcs12_mac(digest: str, password: bytes, salt: bytes, iterations: int, data: bytes) -> bytes:
    """The MAC of a PKCS#12 MacData: HMAC over ``data`` keyed with the PKCS#12 key
    derivation (ID 3, one digest long) of the password."""
    from cryptography.hazmat.primitives import hmac

    algorithm = HMAC_DIGESTS[digest]()
    key = pkcs12_kdf(
        digest, password, salt, iterations, purpose=PKCS12_MAC, length=algorithm.digest_size
    )
    mac = hmac.HMAC(key, algorithm)
    mac.update(data)
    return mac.finalize()


def pbes2_decrypt(
    password: bytes,
    *,
    prf: hashes.HashAlgorithm,
    salt: bytes,
    iterations: int,
    key_size: int,
    iv: bytes,
    ciphertext: bytes,
) -> bytes:
    """PBES2 decryption with PBKDF2-HMAC-``prf`` and AES-CBC of ``key_size`` bytes
    (what JDK 12+ and OpenSSL 3 write). :class:`CheckFailed` when the PKCS#7 padding
    does not come out (a wrong password); ValueError for a bad IV or partial block."""
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

    key = PBKDF2HMAC(prf, key_size, salt, iterations).derive(password)
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    if len(ciphertext) % 16:
        raise ValueError("not a whole number of AES blocks")
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise CheckFailed(_FAILED) from None


# -- JKS (sun.security.provider.KeyProtector, JavaKeyStore) --------------------

JKS_WHITENING = b"Mighty Aphrodite"
"""What JavaKeyStore hashes between the password and the store's bytes."""


def java_chars(password: str) -> bytes:
    """A password as Java's ``char[]`` is hashed: UTF-16BE, two bytes a char."""
    return password.encode("utf-16-be")


def jks_store_digest(password: str, body: bytes) -> bytes:
    """The SHA-1 a JKS (and a JCEKS) ends with: over the password, the whitening
    phrase and every byte before it."""
    return _digest(hashes.SHA1(), java_chars(password) + JKS_WHITENING + body)


def jks_keystream_xor(data: bytes, seed: bytes, password: str) -> bytes:
    """``data`` XOR Sun's keystream: SHA-1(password || previous block), from ``seed``."""
    secret = java_chars(password)
    stream = bytearray()
    block = seed
    while len(stream) < len(data):
        block = _digest(hashes.SHA1(), secret + block)
        stream += block
    size = len(data)
    return (int.from_bytes(data, "big") ^ int.from_bytes(stream[:size], "big")).to_bytes(
        size, "big"
    )


def jks_unprotect(payload: bytes, password: str) -> bytes:
    """The PKCS#8 inside a KeyProtector payload, ``seed(20) || key XOR stream ||
    SHA-1(password || key)``; :class:`CheckFailed` when the check digest fails."""
    if len(payload) < 40:
        raise CheckFailed(_FAILED)
    seed, body, check = payload[:20], payload[20:-20], payload[-20:]
    key = jks_keystream_xor(body, seed, password)
    if not compare_digest(_digest(hashes.SHA1(), java_chars(password) + key), check):
        raise CheckFailed(_FAILED)
    return key


def jks_protect(pkcs8: bytes, password: str, seed: bytes) -> bytes:
    """The KeyProtector payload of ``pkcs8`` under ``password`` from a 20-byte ``seed``
    (the caller's random bytes; a vector's fixed ones)."""
    if len(seed) != 20:
        raise ValueError("the seed is 20 bytes")
    check = _digest(hashes.SHA1(), java_chars(password) + pkcs8)
    return seed + jks_keystream_xor(pkcs8, seed, password) + check
