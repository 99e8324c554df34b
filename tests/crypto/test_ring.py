"""The key ring: round trips through every transformation and envelope, and every kind of
bad ciphertext."""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path

import pytest

from tests.conftest import VECTOR_PASSWORD, Run, assert_clean_error, clean_env
from tests.crypto.conftest import PW, ring_of
from vault.crypto.envelopes import envelope_kind
from vault.crypto.ring import KeyEntry, KeyRing
from vault.crypto.transformations import OAEP_SHA1, OAEP_SHA256, PKCS1, max_block_plaintext
from vault.errors import DecryptionError, MalformedCiphertextError, NoKeyError, UsageError
from vault.secret import Secret

TRANSFORMATIONS = [OAEP_SHA1, OAEP_SHA256, PKCS1]


def value_of(size: int) -> str:
    """A value of ``size`` UTF-8 bytes with non-ASCII and newlines inside."""
    pattern = "pä\nß✓"  # 1 + 2 + 1 + 2 + 3 bytes
    text = ""
    while len(text.encode()) + 9 <= size:
        text += pattern
    return text + "x" * (size - len(text.encode()))


@pytest.mark.parametrize("size", [0, 1, 190, 214, 215, 4096, 100_000])
def test_values_round_trip_and_long_ones_go_hybrid(ring: KeyRing, size: int) -> None:
    value = value_of(size)
    assert len(value.encode()) == size
    ciphertext = ring.encrypt(value)
    assert "\n" not in ciphertext
    assert ring.decrypt(ciphertext).reveal() == value
    expected = "hybrid" if size > max_block_plaintext(2048, OAEP_SHA1) else "self-contained"
    assert envelope_kind(ciphertext) == expected


@pytest.mark.parametrize("transformation", TRANSFORMATIONS)
@pytest.mark.parametrize("fmt", ["plain", "self-contained"])
def test_each_transformation_and_format(ring: KeyRing, transformation: str, fmt: str) -> None:
    ciphertext = ring.encrypt("wso2carbon", format=fmt, transformation=transformation)  # type: ignore[arg-type]
    if fmt == "plain":
        assert len(base64.b64decode(ciphertext)) == 256
        assert ring.decrypt(ciphertext, transformation=transformation).reveal() == "wso2carbon"
    else:
        envelope = json.loads(base64.b64decode(ciphertext))
        assert envelope["t"] == transformation
        assert envelope["tp"] == ring.encryption_key.thumbprint
        assert envelope["tpd"] == "SHA-1"
    if fmt == "self-contained" or transformation != OAEP_SHA256:
        # A plain ciphertext without its transformation: OAEP-SHA1 is tried, then PKCS#1 v1.5.
        assert ring.decrypt(ciphertext).reveal() == "wso2carbon"


def test_pkcs1_encryption_warns(ring: KeyRing, caplog: pytest.LogCaptureFixture) -> None:
    fresh = KeyRing(ring.entries)
    with caplog.at_level(logging.WARNING, logger="vault"):
        fresh.encrypt("x", transformation="RSA")
        fresh.encrypt("y", transformation="RSA")
    assert caplog.text.count("PKCS#1 v1.5") == 1  # once per ring, not once per value


def test_plain_refuses_values_longer_than_a_block(ring: KeyRing) -> None:
    with pytest.raises(UsageError, match="too long for one RSA block"):
        ring.encrypt("x" * 215, format="plain")


def test_key_ring_first_encrypts_all_decrypt(stores: dict[str, Path]) -> None:
    old, new = ring_of(stores["old"]), ring_of(stores["new"])
    both = ring_of(stores["new"], stores["old"])
    from_old, from_new = old.encrypt("a"), new.encrypt("b")
    assert both.decrypt(from_old).reveal() == "a"
    assert both.decrypt(from_new).reveal() == "b"
    assert json.loads(base64.b64decode(both.encrypt("c")))["tp"] == new.encryption_key.thumbprint
    with pytest.raises(NoKeyError, match="no key in the key ring has thumbprint"):
        old.decrypt(from_new)


def test_a_certificate_alone_encrypts_but_cannot_decrypt(ring: KeyRing) -> None:
    public_only = KeyRing([KeyEntry(ring.encryption_key.certificate)])
    ciphertext = public_only.encrypt("one-way")
    assert ring.decrypt(ciphertext).reveal() == "one-way"
    with pytest.raises(NoKeyError, match="certificate only"):
        public_only.decrypt(ciphertext)


def test_secret_hides_its_value() -> None:
    secret = Secret("hunter2")
    assert (
        "hunter2" not in repr(secret)
        and "hunter2" not in str(secret)
        and "hunter2" not in f"{secret}"
    )
    assert secret.reveal() == "hunter2"
    assert secret == Secret("hunter2") and secret != Secret("other")


# -- bad ciphertexts ----------------------------------------------------------


def b64json(value: object) -> str:
    return base64.b64encode(json.dumps(value).encode()).decode()


def bad_ciphertexts(ring: KeyRing, other: KeyRing) -> dict[str, tuple[str, type[Exception]]]:
    good = json.loads(base64.b64decode(ring.encrypt("the-plaintext")))
    hybrid = json.loads(base64.b64decode(ring.encrypt("h" * 400)))
    tag_flipped = bytearray(base64.b64decode(hybrid["c"]))
    tag_flipped[-1] ^= 1
    block = base64.b64decode(good["c"])
    return {
        "not base64": ("%%%not-base64%%%", MalformedCiphertextError),
        "base64 of garbage": (base64.b64encode(b"garbage" * 3).decode(), MalformedCiphertextError),
        "json missing c": (b64json({"t": OAEP_SHA1, "tp": good["tp"]}), MalformedCiphertextError),
        "json missing t": (b64json({"c": good["c"], "tp": good["tp"]}), MalformedCiphertextError),
        "json wrong type": (b64json({**good, "c": 12}), MalformedCiphertextError),
        "broken json": (base64.b64encode(b'{"c":').decode(), MalformedCiphertextError),
        "unknown transformation": (
            b64json({**good, "t": "RSA/ECB/NoPadding"}),
            MalformedCiphertextError,
        ),
        "unknown thumbprint": (b64json({**good, "tp": "00" * 20}), NoKeyError),
        "block for another key": (
            b64json({**good, "c": json.loads(base64.b64decode(other.encrypt("x")))["c"]}),
            DecryptionError,
        ),
        "truncated block": (
            b64json({**good, "c": base64.b64encode(block[:-10]).decode()}),
            DecryptionError,
        ),
        "tampered gcm tag": (
            b64json({**hybrid, "c": base64.b64encode(bytes(tag_flipped)).decode()}),
            DecryptionError,
        ),
        "plain block for another key": (other.encrypt("x", format="plain"), DecryptionError),
    }


@pytest.mark.parametrize(
    "case",
    [
        "not base64",
        "base64 of garbage",
        "json missing c",
        "json missing t",
        "json wrong type",
        "broken json",
        "unknown transformation",
        "unknown thumbprint",
        "block for another key",
        "truncated block",
        "tampered gcm tag",
    ],
)
def test_bad_ciphertexts_raise_the_right_error(stores: dict[str, Path], case: str) -> None:
    ring, other = ring_of(stores["old"]), ring_of(stores["new"])
    ciphertext, error = bad_ciphertexts(ring, other)[case]
    with pytest.raises(error) as caught:
        ring.decrypt(ciphertext)
    assert "the-plaintext" not in str(caught.value)
    if case != "unknown transformation":
        assert "padding" not in str(caught.value).lower()


def test_bad_ciphertexts_on_the_command_line(run: Run, stores: dict[str, Path]) -> None:
    ring, other = ring_of(stores["old"]), ring_of(stores["new"])
    env = clean_env(CIPHERTOOL_KEYSTORE_PASSWORD=PW.reveal())
    private_numbers = ring.entries[0].private_key.private_numbers()  # type: ignore[union-attr]
    key_material = [str(private_numbers.p)[:12], str(private_numbers.d)[:12]]
    for case, (ciphertext, error) in bad_ciphertexts(ring, other).items():
        result = run("decrypt", "--keystore", str(stores["old"]), input=ciphertext, env=env)
        code = 2 if issubclass(error, MalformedCiphertextError) else 3
        assert_clean_error(result, code)
        assert "the-plaintext" not in result.stderr, case
        assert case == "unknown transformation" or "padding" not in result.stderr.lower(), case
        assert not any(m in result.stderr for m in key_material)
        assert result.stdout == "", case


def test_encrypt_decrypt_on_the_command_line(
    run: Run, stores: dict[str, Path], tmp_path: Path
) -> None:
    env = clean_env(CIPHERTOOL_KEYSTORE_PASSWORD=PW.reveal())
    # An escape sequence too: a value reaches a pipe as it is (click.echo would strip it).
    value = "line one\nlíne two ✓ \x1b[31mred\x1b[0m"
    encrypted = run("encrypt", "--keystore", str(stores["old"]), input=value + "\n", env=env)
    assert encrypted.returncode == 0, encrypted.stderr
    ciphertext = encrypted.stdout.strip()
    assert encrypted.stdout.count("\n") == 1 and value not in encrypted.stdout + encrypted.stderr
    decrypted = run("decrypt", "--keystore", str(stores["old"]), ciphertext, env=env)
    assert (decrypted.returncode, decrypted.stdout) == (0, value)
    from_stdin = run("decrypt", "--keystore", str(stores["old"]), input=ciphertext + "\n", env=env)
    assert from_stdin.stdout == value


def test_encrypt_with_a_certificate_needs_no_password(
    run: Run, stores: dict[str, Path], tmp_path: Path
) -> None:
    env = clean_env(CIPHERTOOL_KEYSTORE_PASSWORD=PW.reveal())
    cert = tmp_path / "old.pem"
    cert.write_text(run("keystore", "export-cert", str(stores["old"]), env=env).stdout)
    encrypted = run(
        "encrypt", "--cert", str(cert), "--format", "plain", input="by-cert", env=clean_env()
    )
    assert encrypted.returncode == 0, encrypted.stderr
    decrypted = run("decrypt", "--keystore", str(stores["old"]), encrypted.stdout.strip(), env=env)
    assert decrypted.stdout == "by-cert"


def test_encrypt_with_a_jks_truststore_entry_once_its_integrity_is_checked(
    run: Run, vectors: Path
) -> None:
    args = ["encrypt", "--keystore", str(vectors / "truststore.jks"), "--alias", "first"]
    # Encrypting checks the keystore first: a password is needed (or --cert).
    assert run(*args, input="x", env=clean_env()).returncode == 3
    wrong = clean_env(CIPHERTOOL_KEYSTORE_PASSWORD="not-it")
    assert_clean_error(run(*args, input="x", env=wrong), 3, "integrity")
    encrypted = run(*args, input="x", env=clean_env(CIPHERTOOL_KEYSTORE_PASSWORD=VECTOR_PASSWORD))
    assert encrypted.returncode == 0, encrypted.stderr
    tp = json.loads(base64.b64decode(encrypted.stdout))["tp"]
    assert tp == "620051C81CAD213872D559089B6298C8066CA12A"


def test_unknown_transformation_option(run: Run, stores: dict[str, Path]) -> None:
    result = run(
        "encrypt",
        "--keystore",
        str(stores["old"]),
        "-t",
        "RSA/ECB/NoPadding",
        input="x",
        env=clean_env(CIPHERTOOL_KEYSTORE_PASSWORD=PW.reveal()),
    )
    assert_clean_error(result, 2, "unknown transformation 'RSA/ECB/NoPadding'")
