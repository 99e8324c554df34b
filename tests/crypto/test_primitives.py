"""The hand-written primitives against their vectors (tests/vectors/primitives/).

Each family of vectors has one check that raises AssertionError at the first vector the
primitive gets wrong. The checks run as tests, and once more with a constant of the
primitive broken, to show that the vectors notice.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from functools import cache, partial
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.decrepit.ciphers.algorithms import ARC4, RC2, TripleDES
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives import padding as sym_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, modes

from vault.crypto import _primitives
from vault.crypto._primitives import CheckFailed

VECTORS = Path(__file__).parents[1] / "vectors" / "primitives"
FAILED = "decryption failed"


@cache
def _load(name: str) -> Any:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


def _b(text: str) -> bytes:
    return bytes.fromhex(text)


# -- PKCS#12 key derivation and MAC ------------------------------------------------------


def check_pkcs12_published() -> None:
    for v in _load("pkcs12.json")["published"]:
        out = _primitives.pkcs12_kdf(
            v["digest"],
            v["password"].encode(),
            _b(v["salt"]),
            v["iterations"],
            purpose=v["purpose"],
            length=len(_b(v["output"])),
        )
        assert out.hex() == v["output"], v


def check_pkcs12_java_mac() -> None:
    for v in _load("pkcs12.json")["java_mac"]:
        mac = _primitives.pkcs12_mac(
            v["digest"], v["password"].encode(), _b(v["salt"]), v["iterations"], _b(v["data"])
        )
        assert mac.hex() == v["mac"], v


def _pbe_decrypt(v: dict[str, Any], key: bytes, iv: bytes) -> bytes:
    data = _b(v["ciphertext"])
    if v["cipher"] == "RC4":
        decryptor = Cipher(ARC4(key), None).decryptor()
        return decryptor.update(data) + decryptor.finalize()
    algorithm = TripleDES(key) if v["cipher"] == "3DES-CBC" else RC2(key)
    decryptor = Cipher(algorithm, modes.CBC(iv)).decryptor()
    unpadder = sym_padding.PKCS7(64).unpadder()
    padded = decryptor.update(data) + decryptor.finalize()
    return unpadder.update(padded) + unpadder.finalize()


def _derive(v: dict[str, Any], purpose: int, length: int) -> bytes:
    password, salt = v["password"].encode(), _b(v["salt"])
    return _primitives.pkcs12_kdf(
        "sha1", password, salt, v["iterations"], purpose=purpose, length=length
    )


def check_pkcs12_java_cipher() -> None:
    """SunJCE's PBEWithSHA1And*: the key (ID 1) and IV (ID 2) derived here decrypt them."""
    for v in _load("pkcs12.json")["java_cipher"]:
        key = _derive(v, _primitives.PKCS12_KEY, v["key_size"])
        iv = _derive(v, _primitives.PKCS12_IV, v["iv_size"]) if v["iv_size"] else b""
        try:
            plaintext = _pbe_decrypt(v, key, iv)
        except ValueError:
            raise AssertionError(v) from None
        assert plaintext.hex() == v["plaintext"], v


# -- PBES2 ----------------------------------------------------------------------------

_PRFS: dict[str, type[hashes.HashAlgorithm]] = {
    "SHA1": hashes.SHA1,
    "SHA224": hashes.SHA224,
    "SHA256": hashes.SHA256,
    "SHA384": hashes.SHA384,
    "SHA512": hashes.SHA512,
}


def _pbes2(v: dict[str, Any]) -> bytes:
    return _primitives.pbes2_decrypt(
        v["password"].encode(),
        prf=_PRFS[v["prf"]](),
        salt=_b(v["salt"]),
        iterations=v["iterations"],
        key_size=v["key_size"],
        iv=_b(v["iv"]),
        ciphertext=_b(v["ciphertext"]),
    )


def check_pbes2() -> None:
    doc = _load("pbes2.json")
    for v in doc["java"]:
        assert _pbes2(v).hex() == v["plaintext"], v
    for v in doc["pyca"]:
        if v["result"] == "valid":
            assert _pbes2(v).hex() == v["plaintext"], v
            continue
        with pytest.raises(ValueError) as caught:
            _pbes2(v)
        wrong_password = isinstance(caught.value, CheckFailed)
        assert wrong_password == (v["result"] == "wrong-password"), v
        if wrong_password:
            assert str(caught.value) == FAILED


# -- JKS --------------------------------------------------------------------------------


def _payload(epki: bytes) -> bytes:
    """The encryptedData of an EncryptedPrivateKeyInfo, SEQUENCE { AlgorithmIdentifier,
    OCTET STRING }, read with no parser of the project's."""

    def header(pos: int) -> tuple[int, int]:  # (where the value starts, its length)
        size = epki[pos + 1]
        if size < 0x80:
            return pos + 2, size
        count = size & 0x7F
        return pos + 2 + count, int.from_bytes(epki[pos + 2 : pos + 2 + count], "big")

    assert epki[0] == 0x30
    start, _ = header(0)
    algorithm_start, algorithm_size = header(start)
    octets = algorithm_start + algorithm_size
    assert epki[octets] == 0x04
    value_start, value_size = header(octets)
    assert value_start + value_size == len(epki)
    return epki[value_start:]


def _stores() -> Iterator[dict[str, Any]]:
    yield from _load("jks.json")["stores"]


def check_jks_store_digest() -> None:
    """keytool's own last 20 bytes: SHA-1 over the password, the whitening and the store."""
    for store in _stores():
        data = base64.b64decode(store["store_b64"])
        assert _primitives.jks_store_digest(store["store_password"], data[:-20]) == data[-20:], (
            store["store"]
        )


def check_jks_key_protection() -> None:
    """keytool's protected keys open to what Java's KeyStore.getKey answers, and the same
    key under the same seed protects back to keytool's bytes, byte for byte."""
    for store in _stores():
        for key in store["keys"]:
            payload = _payload(_b(key["protected"]))
            try:
                pkcs8 = _primitives.jks_unprotect(payload, key["key_password"])
            except CheckFailed:
                raise AssertionError((store["store"], key["alias"])) from None
            assert pkcs8.hex() == key["pkcs8"], (store["store"], key["alias"])
            again = _primitives.jks_protect(pkcs8, key["key_password"], payload[:20])
            assert again == payload, (store["store"], key["alias"])


# -- PKCS#1 v1.5 ---------------------------------------------------------------------------


def _refused(call: Callable[[], bytes]) -> bool:
    try:
        call()
    except CheckFailed as exc:
        assert str(exc) == FAILED  # the same words for every kind of bad block
        return True
    return False


def check_pkcs1_encoded() -> None:
    for v in _load("pkcs1.json")["encoded"]:
        em = _b(v["em"])
        if v["result"] == "valid":
            try:
                msg = _primitives.pkcs1_unpad(em)
            except CheckFailed:
                raise AssertionError((v["k"], v["comment"])) from None
            assert msg.hex() == v["msg"], v["comment"]
        else:
            assert _refused(partial(_primitives.pkcs1_unpad, em)), (v["k"], v["comment"])


@cache
def _private_key(pkcs8_hex: str) -> rsa.RSAPrivateKey:
    # The vectors' own keys: OpenSSL's slow consistency check of each adds nothing here.
    key = serialization.load_der_private_key(
        _b(pkcs8_hex), None, unsafe_skip_rsa_key_validation=True
    )
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def _decrypt_cases() -> Iterator[tuple[rsa.RSAPrivateKey, dict[str, Any]]]:
    doc = _load("pkcs1.json")
    for source in doc["wycheproof"]:
        for group in source["groups"]:
            key = _private_key(group["privateKeyPkcs8"])
            for test in group["tests"]:
                yield key, test
    key = _private_key(doc["rsa"]["privateKeyPkcs8"])
    for test in doc["rsa"]["tests"]:
        yield key, test


def check_pkcs1_decrypt() -> None:
    """Wycheproof's RSAES-PKCS1-v1_5 cases, and blocks encrypted here: valid ones give
    their message, every invalid one (acceptable ones included) is refused alike."""
    for key, test in _decrypt_cases():
        block = _b(test["ct"])
        label = test.get("tcId", test.get("comment"))
        if test["result"] == "valid":
            try:
                msg = _primitives.pkcs1v15_decrypt(key, block)
            except CheckFailed:
                raise AssertionError(label) from None
            assert msg.hex() == test["msg"], label
        else:
            assert _refused(partial(_primitives.pkcs1v15_decrypt, key, block)), label


def _raw_rsa(key: rsa.RSAPrivateKey, block: bytes) -> bytes | None:
    """``block`` ** d mod n, as a token's raw RSA (CKM_RSA_X_509) answers; None for a block
    a token refuses (not the key's size, or not below n)."""
    numbers = key.private_numbers()
    n, size = numbers.public_numbers.n, (key.key_size + 7) // 8
    c = int.from_bytes(block, "big")
    if len(block) != size or c >= n:
        return None
    return pow(c, numbers.d, n).to_bytes(size, "big")


def check_oaep() -> None:
    """Wycheproof's OAEP cases (MGF1-SHA-1, empty label) through oaep_unpad on raw RSA."""
    for source in _load("oaep.json")["wycheproof"]:
        for group in source["groups"]:
            key = _private_key(group["privateKeyPkcs8"])
            algorithm = {"SHA-1": hashes.SHA1(), "SHA-256": hashes.SHA256()}[group["sha"]]
            for test in group["tests"]:
                em = _raw_rsa(key, _b(test["ct"]))
                if test["result"] == "valid":
                    assert em is not None, test["tcId"]
                    try:
                        msg = _primitives.oaep_unpad(em, algorithm)
                    except CheckFailed:
                        raise AssertionError(test["tcId"]) from None
                    assert msg.hex() == test["msg"], test["tcId"]
                elif em is not None:
                    refused = _refused(partial(_primitives.oaep_unpad, em, algorithm))
                    assert refused, test["tcId"]


CHECKS: dict[str, Callable[[], None]] = {
    "pkcs12 published": check_pkcs12_published,
    "pkcs12 java mac": check_pkcs12_java_mac,
    "pkcs12 java cipher": check_pkcs12_java_cipher,
    "pbes2": check_pbes2,
    "jks store digest": check_jks_store_digest,
    "jks key protection": check_jks_key_protection,
    "pkcs1 encoded": check_pkcs1_encoded,
    "pkcs1 decrypt": check_pkcs1_decrypt,
    "oaep": check_oaep,
}


@pytest.mark.parametrize("name", list(CHECKS))
def test_vectors(name: str) -> None:
    CHECKS[name]()


def test_every_family_has_vectors_of_each_kind() -> None:
    """The files hold what the recipe says: a check over an empty list proves nothing."""
    pkcs12 = _load("pkcs12.json")
    assert len(pkcs12["published"]) == 10
    assert {v["digest"] for v in pkcs12["java_mac"]} == {
        "sha1",
        "sha224",
        "sha256",
        "sha384",
        "sha512",
    }
    assert {v["cipher"] for v in pkcs12["java_cipher"]} == {"3DES-CBC", "RC2-CBC", "RC4"}
    pbes2 = _load("pbes2.json")
    assert {v["result"] for v in pbes2["pyca"]} == {"valid", "wrong-password", "partial-block"}
    assert len(pbes2["java"]) >= 18
    stores = list(_stores())
    assert sum(len(s["keys"]) for s in stores) >= 7
    assert {s["type"] for s in stores} == {"JKS", "JCEKS"}
    pkcs1 = _load("pkcs1.json")
    comments = {v["comment"] for v in pkcs1["encoded"]}
    for kind in ("first byte 01", "block type 01", "no zero separator", "all zero"):
        assert kind in comments
    assert "separator at 9 (padding of 7)" in comments
    assert any(v["result"] == "valid" and v["msg"] == "" for v in pkcs1["encoded"])
    oaep = [t for s in _load("oaep.json")["wycheproof"] for g in s["groups"] for t in g["tests"]]
    assert {t["result"] for t in oaep} == {"valid", "invalid"} and len(oaep) >= 50
    results = [t["result"] for _, t in _decrypt_cases()]
    assert results.count("valid") > 50 and results.count("invalid") > 50


def _swapped_keystream(data: bytes, seed: bytes, password: str) -> bytes:
    stream, block = b"", seed
    while len(stream) < len(data):
        block = _primitives._digest(hashes.SHA1(), block + _primitives.java_chars(password))
        stream += block
    return bytes(a ^ b for a, b in zip(data, stream, strict=False))


def _mgf1_sha256(seed: bytes, length: int) -> bytes:
    out, counter = b"", 0
    while len(out) < length:
        out += _primitives._digest(hashes.SHA256(), seed + counter.to_bytes(4, "big"))
        counter += 1
    return out[:length]


# A constant or step of a primitive broken, and the checks that must then fail.
BROKEN: list[tuple[str, str, object, list[str]]] = [
    ("_PKCS1_MIN_PADDING", "padding string of 7 accepted", 7, ["pkcs1 encoded", "pkcs1 decrypt"]),
    ("_PKCS1_MIN_PADDING", "padding string of 9 required", 9, ["pkcs1 encoded"]),
    ("PKCS12_MAC", "MAC key with the IV's ID", 2, ["pkcs12 java mac"]),
    ("PKCS12_KEY", "cipher key with the MAC's ID", 3, ["pkcs12 java cipher"]),
    ("PKCS12_IV", "IV with the key's ID", 1, ["pkcs12 java cipher"]),
    ("JKS_WHITENING", "another whitening phrase", b"Mighty Aphrodit3", ["jks store digest"]),
    (
        "java_chars",
        "passwords as UTF-16LE",
        lambda password: password.encode("utf-16-le"),
        ["jks store digest", "jks key protection"],
    ),
    (
        "jks_keystream_xor",
        "keystream of SHA-1(block || password)",
        _swapped_keystream,
        ["jks key protection"],
    ),
    ("_mgf1_sha1", "MGF1 on SHA-256", _mgf1_sha256, ["oaep"]),
    (
        "HMAC_DIGESTS",
        "HMAC-SHA256 replaced by SHA-224",
        {**_primitives.HMAC_DIGESTS, "sha256": hashes.SHA224},
        ["pkcs12 java mac"],
    ),
]


@pytest.mark.parametrize(
    ("name", "why", "value", "checks"), BROKEN, ids=[why for _, why, _, _ in BROKEN]
)
def test_a_broken_primitive_fails_its_vectors(
    monkeypatch: pytest.MonkeyPatch, name: str, why: str, value: object, checks: list[str]
) -> None:
    monkeypatch.setattr(_primitives, name, value)
    for check in checks:
        with pytest.raises(AssertionError):
            CHECKS[check]()


def test_a_kdf_without_the_block_adjustment_fails_its_vectors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """RFC 7292 B.2 step 6C (each block of I plus B plus 1) only matters past one digest of
    output: the 24-byte 3DES keys of the published table and of Java catch its absence."""
    real = _primitives.pkcs12_kdf

    def one_block_at_a_time(
        digest: str, password: bytes, salt: bytes, iterations: int, *, purpose: int, length: int
    ) -> bytes:
        first = real(digest, password, salt, iterations, purpose=purpose, length=20)
        return (first * (length // 20 + 1))[:length]

    monkeypatch.setattr(_primitives, "pkcs12_kdf", one_block_at_a_time)
    for check in ("pkcs12 published", "pkcs12 java cipher"):
        with pytest.raises(AssertionError):
            CHECKS[check]()


def test_the_old_early_exit_unpadding_agrees_with_the_branch_free_one() -> None:
    """The branch-free pkcs1_unpad accepts and refuses exactly what the find()-based one
    it replaced did, over every vector block."""

    def old(em: bytes) -> bytes:
        separator = em.find(b"\0", 2)
        if len(em) < 11 or em[0] != 0 or em[1] != 2 or separator < 10:
            raise ValueError(FAILED)
        return em[separator + 1 :]

    for v in _load("pkcs1.json")["encoded"]:
        em = _b(v["em"])
        try:
            expected: bytes | None = old(em)
        except ValueError:
            expected = None
        try:
            got: bytes | None = _primitives.pkcs1_unpad(em)
        except CheckFailed:
            got = None
        assert got == expected, v["comment"]


def test_pkcs1_unpad_has_no_early_exit() -> None:
    """Every byte of the block is read whatever the first ones say: a block whose first
    byte is already wrong is walked to its end (counted through a bytes subclass)."""

    class Counted(bytes):
        reads = 0

        def __getitem__(self, index: Any) -> Any:
            Counted.reads += 1
            return super().__getitem__(index)

    for em in (b"\x01\x02" + b"\xff" * 254, b"\x00\x02" + b"\xff" * 254, b"\x00\x02" + bytes(254)):
        Counted.reads = 0
        with pytest.raises(CheckFailed):
            _primitives.pkcs1_unpad(Counted(em))
        assert Counted.reads == 256
    Counted.reads = 0
    good = Counted(b"\x00\x02" + b"\xff" * 8 + b"\x00" + b"m" * 245)
    assert _primitives.pkcs1_unpad(good) == b"m" * 245
    assert Counted.reads == 256 + 1  # every byte, then the message's slice


def test_pkcs1v15_decrypt_refuses_what_a_wrong_key_made() -> None:
    """A block for another key is refused: never a wrong value (OpenSSL's implicit
    rejection would hand back random bytes here)."""
    from cryptography.hazmat.primitives.asymmetric import padding

    doc = _load("pkcs1.json")
    right = _private_key(doc["rsa"]["privateKeyPkcs8"])
    wrong = _private_key(doc["wycheproof"][0]["groups"][0]["privateKeyPkcs8"])
    assert wrong.key_size == right.key_size
    for n in range(12):
        block = right.public_key().encrypt(f"secret {n}".encode(), padding.PKCS1v15())
        assert _primitives.pkcs1v15_decrypt(right, block) == f"secret {n}".encode()
        assert _refused(partial(_primitives.pkcs1v15_decrypt, wrong, block))


def _oaep_encode(first: int, seed: bytes, db: bytes) -> bytes:
    """EME-OAEP encoding (MGF1-SHA-1) of a chosen data block: bad ones included."""
    masked_db = bytes(a ^ b for a, b in zip(db, _primitives._mgf1_sha1(seed, len(db)), strict=True))
    mask = _primitives._mgf1_sha1(masked_db, len(seed))
    return bytes([first]) + bytes(a ^ b for a, b in zip(seed, mask, strict=True)) + masked_db


def test_the_branch_free_oaep_decoding_agrees_with_the_one_it_replaced() -> None:
    """Crafted data blocks (good, empty PS and message, a bad byte in PS, no 01, a wrong
    label hash, a non-zero first byte): the same accepted, the same refused, one message."""

    def old(em: bytes, algorithm: hashes.HashAlgorithm) -> bytes:
        h_len = algorithm.digest_size
        if len(em) < 2 * h_len + 2:
            raise ValueError(FAILED)
        masked_seed, masked_db = em[1 : 1 + h_len], em[1 + h_len :]
        mask = _primitives._mgf1_sha1(masked_db, h_len)
        seed = bytes(a ^ b for a, b in zip(masked_seed, mask, strict=True))
        mask = _primitives._mgf1_sha1(seed, len(em) - h_len - 1)
        db = bytes(a ^ b for a, b in zip(masked_db, mask, strict=True))
        label_ok = _primitives.compare_digest(db[:h_len], _primitives._digest(algorithm, b""))
        rest = db[h_len:].lstrip(b"\0")
        if not (label_ok and em[0] == 0 and rest[:1] == b"\x01"):
            raise ValueError(FAILED)
        return rest[1:]

    outcomes = set()
    for algorithm in (hashes.SHA1(), hashes.SHA256()):
        h_len, k = algorithm.digest_size, 256
        l_hash = _primitives._digest(algorithm, b"")
        seed = bytes(range(h_len))
        size = k - h_len - 1
        blocks = {
            "good": l_hash + bytes(size - h_len - 6) + b"\x01hello",
            "empty PS": l_hash + b"\x01" + b"m" * (size - h_len - 1),
            "empty message": l_hash + bytes(size - h_len - 1) + b"\x01",
            "02 in PS": l_hash + bytes(10) + b"\x02" + bytes(size - h_len - 17) + b"\x01hello",
            "no 01": l_hash + bytes(size - h_len),
            "ff before 01": l_hash + b"\xff" + bytes(size - h_len - 7) + b"\x01hello",
            "wrong label hash": bytes(h_len) + bytes(size - h_len - 6) + b"\x01hello",
        }
        for first in (0, 1, 0x80):
            for name, db in blocks.items():
                em = _oaep_encode(first, seed, db)
                try:
                    expected: bytes | None = old(em, algorithm)
                except ValueError:
                    expected = None
                try:
                    got: bytes | None = _primitives.oaep_unpad(em, algorithm)
                except CheckFailed as exc:
                    assert str(exc) == FAILED
                    got = None
                assert got == expected, (name, first)
                outcomes.add((name, first, got is not None))
    accepted = {(name, first) for name, first, ok in outcomes if ok}
    assert accepted == {("good", 0), ("empty PS", 0), ("empty message", 0)}
