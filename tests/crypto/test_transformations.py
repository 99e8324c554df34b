"""Transformations: Java's names taken case-insensitively, and what one RSA block holds."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import padding

from vault.crypto.transformations import (
    DEFAULT_TRANSFORMATION,
    OAEP_SHA1,
    OAEP_SHA256,
    PKCS1,
    canonical_transformation,
    max_block_plaintext,
    rsa_padding,
)
from vault.errors import UsageError


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("RSA/ECB/OAEPwithSHA1andMGF1Padding", OAEP_SHA1),
        (" rsa/ecb/oaepwithsha1andmgf1padding ", OAEP_SHA1),
        ("RSA/ECB/OAEPWITHSHA-256ANDMGF1PADDING", OAEP_SHA256),
        ("RSA/ECB/PKCS1Padding", PKCS1),
        ("RSA", PKCS1),
        ("rsa", PKCS1),
    ],
)
def test_java_names_in_any_case(name: str, canonical: str) -> None:
    assert canonical_transformation(name) == canonical


def test_an_unknown_transformation_names_the_supported_ones() -> None:
    with pytest.raises(UsageError) as caught:
        canonical_transformation("RSA/ECB/NoPadding")
    assert str(caught.value).startswith(
        "unknown transformation 'RSA/ECB/NoPadding' (supported: "
        "RSA/ECB/OAEPwithSHA1andMGF1Padding, RSA/ECB/OAEPWithSHA-256AndMGF1Padding, "
        "RSA/ECB/PKCS1Padding, RSA)"
    )
    assert DEFAULT_TRANSFORMATION == OAEP_SHA1


@pytest.mark.parametrize(
    ("bits", "transformation", "longest"),
    [
        (2048, OAEP_SHA1, 214),
        (2048, OAEP_SHA256, 190),
        (2048, PKCS1, 245),
        (4096, OAEP_SHA1, 470),
        (3072, OAEP_SHA256, 318),
    ],
)
def test_the_longest_message_one_block_holds(bits: int, transformation: str, longest: int) -> None:
    assert max_block_plaintext(bits, transformation) == longest


def test_oaep_sha256_keeps_mgf1_on_sha1_as_sunjce_does() -> None:
    oaep = rsa_padding(OAEP_SHA256, b"label")
    assert isinstance(oaep, padding.OAEP)
    assert oaep.algorithm.name == "sha256"
    assert oaep.mgf._algorithm.name == "sha1"
    assert isinstance(rsa_padding(PKCS1), padding.PKCS1v15)
