"""Makes the vectors of vault/crypto/_primitives.py, in tests/vectors/primitives/.

Run by hand from the repository root, with JDK 17's javac, java and keytool on PATH and
a Wycheproof checkout (https://github.com/C2SP/wycheproof, Apache-2.0) in $WYCHEPROOF:
    WYCHEPROOF=../wycheproof .venv/bin/python tests/vectors/primitives/make-primitive-vectors.py
Nothing here calls vault's code: every answer comes from the JDK, from pyca/cryptography,
from a published table, or from the RFC transcriptions below.

* pkcs12.json: the PKCS#12 key derivation (RFC 7292 B.2). ``published``: the table of
  Dr Stephen Henson's PKCS#12 FAQ (drh-consultancy test.txt), as Bouncy Castle's
  PKCS12Test and Crypto++'s validat3.cpp carry it. ``java_mac``: SunJCE's HmacPBESHA*
  (the MacData of a PKCS#12). ``java_cipher``: SunJCE's PBEWithSHA1And{DESede,RC2_128,
  RC4_128,RC4_40} (key ID 1, IV ID 2), checked by decrypting with the derived key.
* pbes2.json: PBES2 (PBKDF2-HMAC + AES-CBC). ``java``: SunJCE's PBEWithHmacSHA*AndAES_*;
  ``pyca``: cryptography's PBKDF2HMAC, AES-CBC and PKCS7 (with wrong-password cases whose
  padding pyca itself refuses, and a partial block).
* jks.json: stores made by keytool here (and the committed ../keystores/ ones): each
  key entry's protected bytes as in the file and the PKCS#8 Java's KeyStore.getKey
  answers; the store bytes, whose last 20 bytes are keytool's store digest.
* oaep.json: Wycheproof's rsa_oaep_2048_{sha1,sha256}_mgf1sha1 tests with an empty label
  (Java's OAEPWith<digest>AndMGF1Padding), for the EME-OAEP decoding of raw RSA results.
* pkcs1.json: ``wycheproof``: rsa_pkcs1_{2048,3072}_test.json, compacted (the key
  as PKCS#8, the tests unchanged). ``encoded``: EME-PKCS1-v1_5 blocks built here over a
  range of lengths (valid ones, bad first bytes, bad block types, no separator, padding
  strings shorter than 8, empty messages), judged by the RFC 8017 7.2.2 transcription
  below; ``rsa``: some of them encrypted (raw RSA) under a key made here, the valid ones
  checked to decrypt to their message with pyca.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "PrimitiveVectors.java"
KEYSTORES = HERE.parent / "keystores"


def stream(label: str, size: int) -> bytes:
    """``size`` deterministic bytes for ``label`` (SHA-256 in counter mode)."""
    out = b""
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"{label}/{counter}".encode()).digest()
        counter += 1
    return out[:size]


def hexutf8(text: str) -> str:
    return text.encode("utf-8").hex()


class Java:
    def __init__(self, classes: Path) -> None:
        self.classes = classes

    def batch(self, requests: list[list[str]]) -> list[str]:
        text = "".join("\t".join(r) + "\n" for r in requests)
        proc = subprocess.run(
            ["java", "-cp", str(self.classes), "PrimitiveVectors"],
            input=text,
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        )
        answers = []
        for request, line in zip(requests, proc.stdout.splitlines(), strict=True):
            status, _, answer = line.partition("\t")
            assert status == "ok", (request, answer)
            answers.append(answer)
        return answers


# -- PKCS#12 ------------------------------------------------------------------

PUBLISHED = [  # (ID, iterations, password, salt, output): SHA-1
    (1, 1, "smeg", "0A58CF64530D823F", "8AAAE6297B6CB04642AB5B077851284EB7128F1A2A7FBCA3"),
    (2, 1, "smeg", "0A58CF64530D823F", "79993DFE048D3B76"),
    (1, 1, "smeg", "642B99AB44FB4B1F", "F3A95FEC48D7711E985CFE67908C5AB79FA3D7C5CAA5D966"),
    (2, 1, "smeg", "642B99AB44FB4B1F", "C0A38D64A79BEA1D"),
    (3, 1, "smeg", "3D83C0E4546AC140", "8D967D88F6CAA9D714800AB3D48051D63F73A312"),
    (1, 1000, "queeg", "05DEC959ACFF72F7", "ED2034E36328830FF09DF1E1A07DD357185DAC0D4F9EB3D4"),
    (2, 1000, "queeg", "05DEC959ACFF72F7", "11DEDAD7758D4860"),
    (1, 1000, "queeg", "1682C0FC5B3F7EC5", "483DD6E919D7DE2E8E648BA8F862F3FBFBDC2BCB2C02957F"),
    (2, 1000, "queeg", "1682C0FC5B3F7EC5", "9D461D1B00355C50"),
    (3, 1000, "queeg", "263216FCC2FAB31C", "5EC4C7A80DF652294C3925B6489A7AB857C83476"),
]
# (password, salt length, iterations, data length): passwords empty, non-ASCII, outside the
# BMP and longer than a hash block; salts shorter and longer than one.
MAC_INPUTS = [
    ("", 8, 1, 0),
    ("smeg", 8, 1, 1),
    ("storepass", 20, 2048, 100),
    ("pässwörd ✓", 16, 1000, 33),
    ("😀 outside the BMP", 64, 3, 64),
    ("x" * 70, 65, 10000, 257),
    ("a longer password, " * 7, 129, 2, 5),
]
MAC_DIGESTS = {
    "HmacPBESHA1": "sha1",
    "HmacPBESHA224": "sha224",
    "HmacPBESHA256": "sha256",
    "HmacPBESHA384": "sha384",
    "HmacPBESHA512": "sha512",
}
# Java's name: (our cipher name, key bytes, IV bytes)
PBE_CIPHERS = {
    "PBEWithSHA1AndDESede": ("3DES-CBC", 24, 8),
    "PBEWithSHA1AndRC2_128": ("RC2-CBC", 16, 8),
    "PBEWithSHA1AndRC4_128": ("RC4", 16, 0),
    "PBEWithSHA1AndRC4_40": ("RC4", 5, 0),
}
CIPHER_INPUTS = [("", 8, 1, 0), ("storepass", 8, 2048, 15), ("pässwörd ✓", 20, 1000, 16)]
CIPHER_INPUTS += [("x" * 70, 65, 3, 100)]


def pkcs12_vectors(java: Java) -> dict[str, object]:
    published = [
        {
            "digest": "sha1",
            "purpose": purpose,
            "iterations": iterations,
            "password": password,
            "salt": salt.lower(),
            "output": output.lower(),
        }
        for purpose, iterations, password, salt, output in PUBLISHED
    ]
    requests, mac_meta = [], []
    for name, digest in MAC_DIGESTS.items():
        for n, (password, salt_size, iterations, size) in enumerate(MAC_INPUTS):
            salt = stream(f"mac-salt/{name}/{n}", salt_size)
            data = stream(f"mac-data/{name}/{n}", size)
            requests.append(
                ["mac", name, hexutf8(password), salt.hex(), str(iterations), data.hex()]
            )
            mac_meta.append(
                {
                    "java": name,
                    "digest": digest,
                    "password": password,
                    "salt": salt.hex(),
                    "iterations": iterations,
                    "data": data.hex(),
                }
            )
    cipher_meta = []
    for name, (cipher, key_size, iv_size) in PBE_CIPHERS.items():
        for n, (password, salt_size, iterations, size) in enumerate(CIPHER_INPUTS):
            salt = stream(f"pbe-salt/{name}/{n}", salt_size)
            plaintext = stream(f"pbe-plaintext/{name}/{n}", size)
            requests.append(
                ["cipher", name, hexutf8(password), salt.hex(), str(iterations), plaintext.hex()]
            )
            cipher_meta.append(
                {
                    "java": name,
                    "cipher": cipher,
                    "key_size": key_size,
                    "iv_size": iv_size,
                    "password": password,
                    "salt": salt.hex(),
                    "iterations": iterations,
                    "plaintext": plaintext.hex(),
                }
            )
    answers = java.batch(requests)
    macs = [{**m, "mac": a} for m, a in zip(mac_meta, answers[: len(mac_meta)], strict=True)]
    ciphers = [
        {**m, "ciphertext": a} for m, a in zip(cipher_meta, answers[len(mac_meta) :], strict=True)
    ]
    return {
        "made_by": "make-primitive-vectors.py (published table; SunJCE of JDK 17)",
        "published": published,
        "java_mac": macs,
        "java_cipher": ciphers,
    }


# -- PBES2 --------------------------------------------------------------------

PBES2_JAVA = {  # Java's name: (PRF, AES key bytes)
    "PBEWithHmacSHA1AndAES_128": ("SHA1", 16),
    "PBEWithHmacSHA224AndAES_256": ("SHA224", 32),
    "PBEWithHmacSHA256AndAES_128": ("SHA256", 16),
    "PBEWithHmacSHA256AndAES_256": ("SHA256", 32),
    "PBEWithHmacSHA384AndAES_256": ("SHA384", 32),
    "PBEWithHmacSHA512AndAES_128": ("SHA512", 16),
}
# ASCII passwords only: SunJCE's PBES2 takes a key's bytes masked to 7 bits (PBES2Core),
# so a non-ASCII password there is not its UTF-8; the pyca vectors cover UTF-8 ones.
PBES2_INPUTS = [("storepass", 16, 10000, 0), ("p@ss w0rd!", 8, 1, 1), ("x" * 70, 20, 2048, 48)]
_PRF = {
    "SHA1": hashes.SHA1,
    "SHA224": hashes.SHA224,
    "SHA256": hashes.SHA256,
    "SHA384": hashes.SHA384,
    "SHA512": hashes.SHA512,
}


def _pyca_pbes2(
    prf: str, key_size: int, password: str, salt: bytes, rounds: int, iv: bytes, plaintext: bytes
) -> bytes:
    key = PBKDF2HMAC(_PRF[prf](), key_size, salt, rounds).derive(password.encode("utf-8"))
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


def _pyca_unpads(
    prf: str, key_size: int, password: str, salt: bytes, rounds: int, iv: bytes, ciphertext: bytes
) -> bool:
    key = PBKDF2HMAC(_PRF[prf](), key_size, salt, rounds).derive(password.encode("utf-8"))
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        unpadder.update(decryptor.update(ciphertext) + decryptor.finalize())
        unpadder.finalize()
    except ValueError:
        return False
    return True


def pbes2_vectors(java: Java) -> dict[str, object]:
    requests, meta = [], []
    for name, (prf, key_size) in PBES2_JAVA.items():
        for n, (password, salt_size, rounds, size) in enumerate(PBES2_INPUTS):
            salt = stream(f"pbes2-salt/{name}/{n}", salt_size)
            iv = stream(f"pbes2-iv/{name}/{n}", 16)
            plaintext = stream(f"pbes2-plaintext/{name}/{n}", size)
            requests.append(
                [
                    "pbes2",
                    name,
                    hexutf8(password),
                    salt.hex(),
                    str(rounds),
                    iv.hex(),
                    plaintext.hex(),
                ]
            )
            meta.append(
                {
                    "java": name,
                    "prf": prf,
                    "key_size": key_size,
                    "password": password,
                    "salt": salt.hex(),
                    "iterations": rounds,
                    "iv": iv.hex(),
                    "plaintext": plaintext.hex(),
                }
            )
    java_vectors = [{**m, "ciphertext": a} for m, a in zip(meta, java.batch(requests), strict=True)]
    pyca_vectors = []
    n = 0
    for prf in _PRF:
        for key_size in (16, 24, 32):
            for size in (0, 15, 17):
                n += 1
                password = f"pyca pässwörd ✓ {n}"
                salt, iv = stream(f"pyca-salt/{n}", 16), stream(f"pyca-iv/{n}", 16)
                plaintext = stream(f"pyca-plaintext/{n}", size)
                ciphertext = _pyca_pbes2(prf, key_size, password, salt, 1000, iv, plaintext)
                common = {
                    "prf": prf,
                    "key_size": key_size,
                    "salt": salt.hex(),
                    "iterations": 1000,
                    "iv": iv.hex(),
                    "ciphertext": ciphertext.hex(),
                }
                pyca_vectors.append(
                    {
                        **common,
                        "password": password,
                        "result": "valid",
                        "plaintext": plaintext.hex(),
                    }
                )
                wrong = next(
                    f"wrong {n}.{t}"
                    for t in range(1000)
                    if not _pyca_unpads(prf, key_size, f"wrong {n}.{t}", salt, 1000, iv, ciphertext)
                )
                pyca_vectors.append({**common, "password": wrong, "result": "wrong-password"})
    partial = pyca_vectors[-2]
    pyca_vectors.append(
        {**partial, "ciphertext": partial["ciphertext"][:-2], "result": "partial-block"}
    )
    return {
        "made_by": "make-primitive-vectors.py (SunJCE of JDK 17; pyca/cryptography)",
        "java": java_vectors,
        "pyca": pyca_vectors,
    }


# -- JKS ----------------------------------------------------------------------

DNAME = "CN=primitive vector, O=secure-vault, C=LK"


def _keytool(*args: str) -> None:
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    subprocess.run(["keytool", *args], check=True, capture_output=True, env=env, timeout=300)


def jks_vectors(java: Java, folder: Path) -> dict[str, object]:
    # (file, store type, store password, [(alias, key password, keytool -genkeypair extra)])
    made = [
        (
            "rsa1024.jks",
            "JKS",
            "storepass",
            [("small", "storepass", ["-keyalg", "RSA", "-keysize", "1024"])],
        ),
        (
            "rsa4096.jks",
            "JKS",
            "storepass",
            [("big", "keypass", ["-keyalg", "RSA", "-keysize", "4096"])],
        ),
        (
            "ec.jks",
            "JKS",
            "storepass",
            [("ec", "storepass", ["-keyalg", "EC", "-groupname", "secp256r1"])],
        ),
        (
            "unicode.jks",
            "JKS",
            "pässwörd ✓",
            [("unicode", "kéy pässwörd ✓", ["-keyalg", "RSA", "-keysize", "2048"])],
        ),
    ]
    for file, kind, store_password, entries in made:
        for alias, key_password, extra in entries:
            _keytool(
                "-genkeypair",
                "-keystore",
                str(folder / file),
                "-storetype",
                kind,
                "-storepass",
                store_password,
                "-keypass",
                key_password,
                "-alias",
                alias,
                "-dname",
                DNAME,
                "-validity",
                "3650",
                *extra,
            )
    stores = [(folder / file, kind, pw, [(a, k) for a, k, _ in e]) for file, kind, pw, e in made]
    stores += [
        (
            KEYSTORES / "jdk17.jks",
            "JKS",
            "storepass",
            [("wso2carbon", "storepass"), ("other", "keypass")],
        ),
        (KEYSTORES / "jdk21.jks", "JKS", "storepass", [("wso2carbon", "storepass")]),
        (KEYSTORES / "truststore.jks", "JKS", "storepass", []),
        (KEYSTORES / "jdk17.jceks", "JCEKS", "storepass", []),  # its keys: JCEKS's own 3DES
    ]
    requests, meta = [], []
    vectors = []
    for path, kind, store_password, entries in stores:
        vectors.append(
            {
                "store": path.name,
                "made_by": "keytool (JDK 21+)" if "jdk21" in path.name else "keytool (JDK 17)",
                "type": kind,
                "store_password": store_password,
                "store_b64": base64.b64encode(path.read_bytes()).decode("ascii"),
                "keys": [],
            }
        )
        for alias, key_password in entries:
            requests.append(
                ["jks", str(path), kind, hexutf8(store_password), alias, hexutf8(key_password)]
            )
            meta.append((vectors[-1], alias, key_password))
    for (vector, alias, key_password), answer in zip(meta, java.batch(requests), strict=True):
        protected, pkcs8 = answer.split("\t")
        vector["keys"].append(  # type: ignore[attr-defined]
            {"alias": alias, "key_password": key_password, "protected": protected, "pkcs8": pkcs8}
        )
    return {
        "made_by": "make-primitive-vectors.py (keytool and KeyStore of JDK 17; ../keystores/)",
        "stores": vectors,
    }


# -- PKCS#1 v1.5 ----------------------------------------------------------------


def rfc8017_unpad(em: bytes) -> bytes | None:
    """RFC 8017 7.2.2 step 3, read literally: None for "decryption error"."""
    if len(em) < 11 or em[0] != 0x00 or em[1] != 0x02:
        return None
    try:
        separator = em.index(0, 2)
    except ValueError:
        return None
    if separator - 2 < 8:
        return None
    return em[separator + 1 :]


def _nonzero(label: str, size: int) -> bytes:
    out = b""
    n = 0
    while len(out) < size:
        out += bytes(b for b in stream(f"{label}/{n}", size) if b)
        n += 1
    return out[:size]


def encoded_cases() -> list[dict[str, object]]:
    cases: list[tuple[str, bytes]] = []
    for k in (0, 1, 2, 10, 11, 12, 16, 32, 64, 128, 256, 384, 512):
        label = f"em/{k}"
        for m_len in sorted({0, 1, 2, k // 2, k - 12, k - 11}):
            if 0 <= m_len <= k - 11:
                ps = _nonzero(f"{label}/ps/{m_len}", k - 3 - m_len)
                msg = stream(f"{label}/m/{m_len}", m_len)
                cases.append((f"valid, message of {m_len}", b"\0\2" + ps + b"\0" + msg))
        if k >= 11:
            msg = stream(f"{label}/m", (k - 11) // 2)
            ps = _nonzero(f"{label}/ps", k - 3 - len(msg))
            good = b"\0\2" + ps + b"\0" + msg
            cases.append(("valid, padding all 0xff", b"\0\2" + b"\xff" * len(ps) + b"\0" + msg))
            for first in (0x01, 0x02, 0x80, 0xFF):
                cases.append((f"first byte {first:02x}", bytes([first]) + good[1:]))
            for block_type in (0x00, 0x01, 0x03, 0x82, 0xFF):
                cases.append(
                    (f"block type {block_type:02x}", b"\0" + bytes([block_type]) + good[2:])
                )
            cases.append(("no zero separator", b"\0\2" + _nonzero(f"{label}/all", k - 2)))
            for place in range(2, min(k, 11)):
                em = bytearray(b"\0\2" + _nonzero(f"{label}/short/{place}", k - 2))
                em[place] = 0
                cases.append((f"separator at {place} (padding of {place - 2})", bytes(em)))
            cases.append(("all zero", bytes(k)))
            cases.append(
                (
                    "separator last: empty message",
                    b"\0\2" + _nonzero(f"{label}/last", k - 3) + b"\0",
                )
            )
        else:
            cases.append(("shorter than 11 bytes", (b"\0\2" + bytes(8) + b"\0")[:k]))
    out = []
    for comment, em in cases:
        result = rfc8017_unpad(em)
        entry: dict[str, object] = {"k": len(em), "comment": comment, "em": em.hex()}
        if result is None:
            entry["result"] = "invalid"
        else:
            entry["result"] = "valid"
            entry["msg"] = result.hex()
        out.append(entry)
    return out


def rsa_cases(encoded: list[dict[str, object]]) -> dict[str, object]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    n, e = key.public_key().public_numbers().n, key.public_key().public_numbers().e
    tests = []
    for case in encoded:
        if case["k"] != 256:
            continue
        em = bytes.fromhex(str(case["em"]))
        ct = pow(int.from_bytes(em, "big"), e, n).to_bytes(256, "big")
        if case["result"] == "valid":
            assert key.decrypt(ct, asym_padding.PKCS1v15()).hex() == case["msg"]
        tests.append({**case, "ct": ct.hex()})
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return {"privateKeyPkcs8": der.hex(), "tests": tests}


def wycheproof_cases() -> list[dict[str, object]]:
    root = Path(os.environ["WYCHEPROOF"])
    commit = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    out = []
    for size in (2048, 3072):
        name = f"testvectors_v1/rsa_pkcs1_{size}_test.json"
        doc = json.loads((root / name).read_text())
        out.append(
            {
                "source": f"C2SP/wycheproof {commit or '(unknown commit)'} {name} (Apache-2.0)",
                "groups": [
                    {
                        "keySize": g["keySize"],
                        "privateKeyPkcs8": g["privateKeyPkcs8"],
                        "tests": g["tests"],
                    }
                    for g in doc["testGroups"]
                ],
            }
        )
    return out


def wycheproof_oaep() -> list[dict[str, object]]:
    """Java's two OAEP transformations (MGF1 on SHA-1 for both), empty labels only: the
    label Java's OAEPWith<digest>AndMGF1Padding uses and oaep_unpad checks."""
    root = Path(os.environ["WYCHEPROOF"])
    out = []
    for digest in ("sha1", "sha256"):
        name = f"testvectors_v1/rsa_oaep_2048_{digest}_mgf1sha1_test.json"
        doc = json.loads((root / name).read_text())
        out.append(
            {
                "source": f"C2SP/wycheproof {name} (Apache-2.0), tests with an empty label",
                "groups": [
                    {
                        "sha": g["sha"],
                        "mgfSha": g["mgfSha"],
                        "privateKeyPkcs8": g["privateKeyPkcs8"],
                        "tests": [t for t in g["tests"] if t["label"] == ""],
                    }
                    for g in doc["testGroups"]
                ],
            }
        )
    return out


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        subprocess.run(["javac", "-d", str(folder), str(SOURCE)], check=True, timeout=300)
        java = Java(folder)
        outputs = {
            "pkcs12.json": pkcs12_vectors(java),
            "pbes2.json": pbes2_vectors(java),
            "jks.json": jks_vectors(java, folder),
        }
    encoded = encoded_cases()
    outputs["pkcs1.json"] = {
        "made_by": "make-primitive-vectors.py (Wycheproof; RFC 8017 7.2.2; pyca/cryptography)",
        "wycheproof": wycheproof_cases(),
        "encoded": encoded,
        "rsa": rsa_cases(encoded),
    }
    outputs["oaep.json"] = {
        "made_by": "make-primitive-vectors.py (Wycheproof)",
        "wycheproof": wycheproof_oaep(),
    }
    for name, doc in outputs.items():
        (HERE / name).write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
        print(f"wrote {name}", file=sys.stderr)


if __name__ == "__main__":
    main()
