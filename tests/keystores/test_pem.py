"""vault.keystores.pem: the key's numbers are checked without OpenSSL's slow prime tests;
PEM under the keystore contract."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import JAVA_MISSING
from tests.keystores.contract import KeystoreContract, keytool_pair
from vault.errors import KeystoreFormatError
from vault.keystores import load_keystore, thumbprint
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


class TestPem(KeystoreContract):
    kind = "PEM"
    suffix = ".pem"
    named = False  # PEM has no aliases: the key is the file's stem, certificates cert1, cert2...

    def damaged(self, data: bytes) -> list[bytes]:
        """PEM has no MAC: nothing vouches for its certificates, so a damaged signature or
        name goes unseen. Damaged here: the encrypted key (its decryption, padding and
        numbers are checked) and the certificate's public key (checked against the key)."""
        key = re.search(rb"(-----BEGIN ENCRYPTED PRIVATE KEY-----\n)(.*?)(-----END)", data, re.S)
        cert = re.search(rb"(-----BEGIN CERTIFICATE-----\n)(.*?)(-----END)", data, re.S)
        assert key is not None and cert is not None
        body = base64.b64decode(key.group(2))
        copies = [_flip(data, key, body, n) for n in range(0, len(body), len(body) // 12)]
        certificate = base64.b64decode(cert.group(2))
        spki = (
            x509.load_der_x509_certificate(certificate)
            .public_key()
            .public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        middle = certificate.index(spki) + len(spki) // 2  # inside the modulus
        return [*copies, _flip(data, cert, certificate, middle)]

    def test_a_keystore_keytool_made_loads(self) -> None:
        """keytool writes no PEM keystore; the certificate it exports (-rfc) is a PEM
        truststore."""
        if JAVA_MISSING is not None:
            pytest.skip(JAVA_MISSING)
        made = keytool_pair(self.folder, "PKCS12", "made-by-keytool", self.password)
        path = self.folder / "exported.pem"
        path.write_bytes(made.certificate.public_bytes(serialization.Encoding.PEM))
        store = self.open(str(path), None)
        assert [(e.kind, e.thumbprint) for e in store.entries] == [
            ("trusted-cert", thumbprint(made.certificate))
        ]


def _flip(data: bytes, block: re.Match[bytes], body: bytes, position: int) -> bytes:
    """``data`` with the Base64 body of ``block`` replaced by ``body`` with one bit flipped."""
    damaged = bytearray(body)
    damaged[position] ^= 0x01
    encoded = base64.b64encode(bytes(damaged))
    lines = b"".join(encoded[i : i + 64] + b"\n" for i in range(0, len(encoded), 64))
    return data[: block.start(2)] + lines + data[block.end(2) :]
