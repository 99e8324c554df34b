"""vault.keystores.jks: JKS under the keystore contract."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import KEYSTORES, VECTOR_PASSWORD
from tests.keystores.contract import CERT_A, KeystoreContract
from vault.keystores import _jks_native
from vault.keystores.create import import_certificate
from vault.secret import Secret


class TestJks(KeystoreContract):
    kind = "JKS"
    suffix = ".jks"
    keytool_type = "JKS"
    trust_beside_keys = True


@pytest.mark.parametrize("name", ["jdk17.jks", "jdk21.jks", "truststore.jks"])
def test_a_keytool_jks_written_again_is_the_same_bytes(name: str) -> None:
    """The writer is keytool's byte for byte: entries kept as read (keys in the protection
    they have, timestamps) give back the file keytool wrote."""
    data = (KEYSTORES / name).read_bytes()
    assert _jks_native.dump(_jks_native.load(data, VECTOR_PASSWORD), VECTOR_PASSWORD) == data


def test_import_cert_keeps_a_keytool_jks_entries_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "ks.jks"
    shutil.copy(KEYSTORES / "jdk17.jks", path)
    before = _jks_native.load(path.read_bytes(), VECTOR_PASSWORD)
    import_certificate(path, CERT_A, "added", Secret(VECTOR_PASSWORD))
    after = _jks_native.load(path.read_bytes(), VECTOR_PASSWORD)
    assert after[:-1] == before
    assert (after[-1].alias, after[-1].protected_key) == ("added", None)
