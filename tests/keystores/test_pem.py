"""vault.keystores.pem: the key's numbers are checked without OpenSSL's slow prime tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from vault.errors import KeystoreFormatError
from vault.keystores import load_keystore
from vault.keystores.create import create_keystore, parse_dname, self_signed
from vault.keystores.pem import rsa_numbers_agree
from vault.secret import Secret

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def damaged(field: str) -> rsa.RSAPrivateKey:
    """KEY with one number off by two, loaded as pyca loads it unchecked."""
    n = KEY.private_numbers()
    values = {
        "p": n.p, "q": n.q, "d": n.d, "dmp1": n.dmp1, "dmq1": n.dmq1, "iqmp": n.iqmp,
    }  # fmt: skip
    values[field] += 2
    numbers = rsa.RSAPrivateNumbers(public_numbers=n.public_numbers, **values)
    return numbers.private_key(unsafe_skip_rsa_key_validation=True)


def test_good_numbers_agree() -> None:
    assert rsa_numbers_agree(KEY)


@pytest.mark.parametrize("field", ["d", "dmp1", "dmq1", "iqmp"])  # p, q: pyca refuses pq != n
def test_a_damaged_number_is_caught(field: str) -> None:
    assert not rsa_numbers_agree(damaged(field))


def test_a_pem_keystore_with_a_damaged_key_is_refused(tmp_path: Path) -> None:
    cert = self_signed(KEY, parse_dname("CN=pem"), 30)
    key = damaged("dmq1").private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path = tmp_path / "damaged.pem"
    path.write_bytes(key + cert.public_bytes(serialization.Encoding.PEM))
    store = load_keystore(path)
    with pytest.raises(KeystoreFormatError, match="damaged"):
        store.private_key()


def test_a_good_pem_keystore_gives_its_key_and_certificate(tmp_path: Path) -> None:
    path = tmp_path / "good.pem"
    cert = create_keystore(path, "good", Secret("pem-pass"), kind="pem")
    store = load_keystore(path, Secret("pem-pass"))
    assert store.certificate() == cert
    key = store.private_key()
    assert isinstance(key, rsa.RSAPrivateKey) and rsa_numbers_agree(key)
    assert key.public_key().public_numbers() == cert.public_key().public_numbers()


def test_bytes_after_a_certificate_are_refused(tmp_path: Path) -> None:
    import base64

    cert = self_signed(KEY, parse_dname("CN=pem"), 30)
    der = cert.public_bytes(serialization.Encoding.DER) + b"\x00\x00"
    body = base64.encodebytes(der).decode()
    path = tmp_path / "trailing.pem"
    path.write_text(f"-----BEGIN CERTIFICATE-----\n{body}-----END CERTIFICATE-----\n")
    with pytest.raises(KeystoreFormatError, match="does not parse"):
        load_keystore(path)
