"""vault.keystores.jceks: JCEKS (read only here) under the keystore contract.

JCEKS is not written here, so its keystores and truststores are keytool's, made
once per class (each keytool run starts a JVM) and copied for each test.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from tests.conftest import JAVA_MISSING, needs_java
from tests.keystores.contract import CERT_A, KeystoreContract, Made, keytool, keytool_pair
from vault.errors import UsageError
from vault.keystores.create import import_certificate
from vault.secret import Secret

PASSWORD = KeystoreContract.password


@dataclass
class KeytoolFiles:
    """A JCEKS key pair 'contract', and the truststores made so far (by their aliases)."""

    folder: Path
    pair: Made
    truststores: dict[tuple[str, ...], Path] = field(default_factory=dict)


@pytest.fixture(scope="module")
def keytool_made(tmp_path_factory: pytest.TempPathFactory) -> KeytoolFiles:
    if JAVA_MISSING is not None:
        pytest.skip(JAVA_MISSING)
    folder = tmp_path_factory.mktemp("jceks")
    return KeytoolFiles(folder, keytool_pair(folder, "JCEKS", "contract", PASSWORD))


@needs_java
class TestJceks(KeystoreContract):
    kind = "JCEKS"
    suffix = ".jceks"
    keytool_type = "JCEKS"
    not_written = "JCEKS is read only here (DESIGN: 'not needed'); keytool writes it"
    ordered = False  # keytool writes a JCEKS's entries in its hash table's order

    @pytest.fixture(autouse=True)
    def _keytool(self, keytool_made: KeytoolFiles) -> None:
        self.keytool_made = keytool_made

    def make(self, alias: str) -> Made:
        pair = self.keytool_made.pair
        assert alias.lower() == pair.alias  # one pair for every test; aliases ignore case
        path = self.folder / f"{alias}{self.suffix}"
        shutil.copy(pair.location, path)
        return Made(str(path), alias, pair.certificate)

    def truststore(self, certificates: list[tuple[str, x509.Certificate]]) -> str:
        """keytool -importcert, once per list of certificates."""
        files = self.keytool_made
        aliases = tuple(alias for alias, _ in certificates)
        if aliases not in files.truststores:
            made = files.folder / f"trust-{len(files.truststores)}{self.suffix}"
            for alias, certificate in certificates:
                pem = files.folder / f"{alias}.pem"
                pem.write_bytes(certificate.public_bytes(Encoding.PEM))
                keytool(
                    *("-importcert", "-noprompt", "-alias", alias, "-file", str(pem)),
                    *("-keystore", str(made), "-storetype", "JCEKS", "-storepass", PASSWORD),
                    cwd=files.folder,
                )
            files.truststores[aliases] = made
        path = self.folder / f"trust{self.suffix}"
        shutil.copy(files.truststores[aliases], path)
        return str(path)


def test_no_new_jceks_truststore_is_written(tmp_path: Path) -> None:
    """Asked for a new JCEKS truststore, import-cert refuses: it once wrote a JKS."""
    path = tmp_path / "new.jceks"
    with pytest.raises(UsageError, match="JCEKS is read only"):
        import_certificate(path, CERT_A, "ca", Secret(PASSWORD), storetype="JCEKS")
    assert not path.exists()
