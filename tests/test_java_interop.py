"""Interop with Java's javax.crypto.Cipher and KeyStore, both ways.

The byte-exact vectors in tests/vectors/java-ciphertexts.json (made by Java)
are checked without Java; the live tests compile tests/java/Interop.java.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import CIPHERTOOL, KEYSTORES, VECTORS, Run, clean_env, needs_java
from tests.hsm import PIN, Token, needs_hsm
from tests.javainterop import Java, b64, compile_interop, request, unb64
from vault.crypto.ring import KeyEntry, KeyRing
from vault.keystores import load_keystore
from vault.secret import Secret

TRANSFORMATIONS = [
    "RSA",
    "RSA/ECB/PKCS1Padding",
    "RSA/ECB/OAEPwithSHA1andMGF1Padding",
    "RSA/ECB/OAEPWithSHA-256AndMGF1Padding",
]
VALUE = "wso2carbon ✓ päss\nword"
VECTOR_DOC = json.loads((VECTORS / "java-ciphertexts.json").read_text())


def vector_ring() -> KeyRing:
    store = load_keystore(KEYSTORES / "jdk17.jks", Secret("storepass"))
    return KeyRing([KeyEntry(store.certificate("wso2carbon"), store.private_key("wso2carbon"))])


@pytest.mark.parametrize(
    "vector", VECTOR_DOC["vectors"], ids=lambda v: f"{v['transformation']}-{v['format']}"
)
def test_java_vectors_decrypt(vector: dict[str, str]) -> None:
    ring = vector_ring()
    transformation = vector["transformation"] if vector["format"] == "plain" else None
    assert (
        ring.decrypt(vector["ciphertext"], transformation=transformation).reveal()
        == vector["plaintext"]
    )


@pytest.fixture(scope="module")
def java(tmp_path_factory: pytest.TempPathFactory) -> Java:
    return Java(compile_interop(tmp_path_factory.mktemp("java")))


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, str, str]]:
    """keytool-made JKS and PKCS12, and ciphertool-made PKCS12 and JKS: (path, type, alias).
    Made once for the module: the tests only read them."""
    folder = tmp_path_factory.mktemp("stores")
    env = clean_env(CIPHERTOOL_KEYSTORE_PASSWORD="storepass")
    made = []
    for kind in ("pkcs12", "jks"):
        path = folder / f"ciphertool.{kind}"
        created = subprocess.run(
            [*CIPHERTOOL, "keystore", "create", str(path), "--alias", "made", "--type", kind],
            capture_output=True,
            env=env,
            cwd=folder,
            timeout=120,
        )
        assert created.returncode == 0, created.stderr
        made.append((path, kind.upper(), "made"))
    return [
        (KEYSTORES / "jdk17.jks", "JKS", "wso2carbon"),
        (KEYSTORES / "jdk17-two-keys.p12", "PKCS12", "second"),
        *made,
    ]


@needs_java
@pytest.mark.java
def test_java_encrypts_ciphertool_decrypts(
    java: Java, run: Run, stores: list[tuple[Path, str, str]]
) -> None:
    env = clean_env(CIPHERTOOL_KEYSTORE_PASSWORD="storepass")
    for store, storetype, alias in stores:
        cases = [(t, f) for t in TRANSFORMATIONS for f in ("plain", "self-contained")]
        answers = java.batch(
            [
                request("encrypt", store, storetype, "storepass", alias, t, f, b64(VALUE))
                for t, f in cases
            ]
        )
        for (transformation, fmt), (status, ciphertext) in zip(cases, answers, strict=True):
            assert status == "ok", ciphertext
            extra = (
                ["--transformation", transformation]
                if fmt == "plain" and "256" in transformation
                else []
            )
            result = run(
                "decrypt",
                "--keystore",
                str(store),
                "--alias",
                alias,
                *extra,
                input=ciphertext,
                env=env,
            )
            assert (result.returncode, result.stdout) == (0, VALUE), (
                store.name,
                transformation,
                fmt,
                result.stderr,
            )


@needs_java
@pytest.mark.java
def test_ciphertool_encrypts_java_decrypts(
    java: Java, run: Run, stores: list[tuple[Path, str, str]]
) -> None:
    env = clean_env(CIPHERTOOL_KEYSTORE_PASSWORD="storepass")
    requests, expected = [], []
    for store, storetype, alias in stores:
        for transformation in TRANSFORMATIONS:
            for fmt, value in (
                ("plain", VALUE),
                ("self-contained", VALUE),
                ("self-contained", VALUE * 40),
            ):
                result = run(
                    "encrypt",
                    "--keystore",
                    str(store),
                    "--alias",
                    alias,
                    "--format",
                    fmt,
                    "--transformation",
                    transformation,
                    input=value,
                    env=env,
                )
                assert result.returncode == 0, result.stderr
                requests.append(
                    request(
                        "decrypt",
                        store,
                        storetype,
                        "storepass",
                        alias,
                        transformation,
                        fmt,
                        result.stdout.strip(),
                    )
                )
                expected.append(value)
    answers = java.batch(requests)
    for req, value, (status, result) in zip(requests, expected, answers, strict=True):
        assert status == "ok", (req[1], req[5], req[6], result)
        assert unb64(result) == value


@needs_java
@pytest.mark.java
def test_java_reads_ciphertool_keystores_and_thumbprints(
    java: Java, run: Run, stores: list[tuple[Path, str, str]]
) -> None:
    env = clean_env(CIPHERTOOL_KEYSTORE_PASSWORD="storepass")
    for store, storetype, alias in stores[2:]:
        assert (
            java.one(*request("entries", store, storetype, "storepass", alias))
            == f"{alias}:PrivateKeyEntry"
        )
        assert java.one(*request("keysize", store, storetype, "storepass", alias)) == "2048"
        listed = json.loads(run("keystore", "list", str(store), "--json", env=env).stdout)
        assert listed["entries"][0]["thumbprint"] == java.one(
            *request("thumbprint", store, storetype, "storepass", alias)
        )


@needs_java
@needs_hsm
@pytest.mark.java
def test_java_sunpkcs11_and_ciphertool_share_a_token(
    run: Run, token: Token, tmp_path: Path
) -> None:
    """WSO2 with an HSM keystore reads through SunPKCS11: Java decrypts (inside the token,
    RSA/ECB/PKCS1Padding) what ciphertool encrypted for the token's key, and ciphertool
    decrypts with the token what Java encrypted with the token's certificate."""
    classes = tmp_path / "classes"
    subprocess.run(
        ["javac", "-d", str(classes), str(Path(__file__).parent / "java" / "Pkcs11Interop.java")],
        check=True,
        capture_output=True,
        timeout=300,
    )
    slot = subprocess.run(
        ["softhsm2-util", "--show-slots"], env=token.env(), capture_output=True, text=True
    ).stdout
    slot_id = next(
        line.split()[1]
        for line in slot.splitlines()
        if line.startswith("Slot ") and "0x" not in line
    )
    config = tmp_path / "sunpkcs11.cfg"
    config.write_text(f"name = SoftHSM\nlibrary = {token.module}\nslot = {slot_id}\n")
    env = token.env()
    ours = run(
        "encrypt", "-k", token.uri(), "--format", "plain", "-t", "RSA/ECB/PKCS1Padding",
        "--storepass-file", str(token.pin_file),
        input=VALUE, env=env,
    ).stdout.strip()  # fmt: skip
    requests = [["decrypt", "app", ours]] + [
        ["encrypt", "app", t, b64(VALUE)] for t in TRANSFORMATIONS
    ]
    java = subprocess.run(
        ["java", "-cp", str(classes), "Pkcs11Interop", str(config)],
        input=PIN + "\n" + "".join("\t".join(r) + "\n" for r in requests),
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert java.returncode == 0, java.stderr
    answers = [tuple(line.split("\t", 1)) for line in java.stdout.splitlines()]
    assert all(status == "ok" for status, _ in answers), answers
    assert unb64(answers[0][1]) == VALUE
    for transformation, (_, ciphertext) in zip(TRANSFORMATIONS, answers[1:], strict=True):
        result = run(
            "decrypt", "-k", token.uri(), "--storepass-file", str(token.pin_file),
            "-t", transformation, ciphertext, env=env,
        )  # fmt: skip
        assert result.returncode == 0, (transformation, result.stderr)
        assert result.stdout == VALUE, transformation
