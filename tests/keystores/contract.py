"""The contract every keystore kind's tests run (subclass KeystoreContract).

A subclass names the kind and says, with the reason, what the kind does not do
(a kind this tool only reads; a format whose writer is not deterministic). The
hooks make and open keystores of the kind: by default a file written by
:func:`~vault.keystores.create.create_keystore` and read by
:func:`~vault.keystores.load_keystore`; a kind that is not written here (JCEKS:
keytool makes it; a PKCS#11 token: the token) overrides them. The contract
checks, for every kind:

* a keystore made then loaded gives the same certificate, and a key that
  decrypts what its certificate encrypted (and, written by ``dump``, the same
  key numbers);
* a wrong password is a PasswordError that shows neither password nor the
  backend's reason;
* ``passwd`` keeps every key and refuses the old password afterwards (or, for a
  kind not written here, is refused and changes nothing);
* certificates imported into a truststore are listed as trusted entries with
  their thumbprints; a taken alias and key entries beside are refused (JKS keeps
  trust beside keys);
* dump, load and dump again give the same entries, and the same bytes where the
  writer is deterministic;
* a damaged byte anywhere the format protects is refused;
* thumbprints are the uppercase SHA-1 of the certificate's DER;
* a keystore of the kind that keytool made loads (skipped without java).
"""

from __future__ import annotations

import hashlib
import subprocess
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import JAVA_MISSING
from vault.crypto.ring import KeyEntry, KeyRing
from vault.errors import KeystoreFormatError, PasswordError, UsageError
from vault.keystores import (
    KeyPair,
    Keystore,
    StoreKind,
    TrustedCertificate,
    keystore_kind,
    load_keystore,
    thumbprint,
)
from vault.keystores.create import create_keystore, import_certificate, parse_dname, self_signed
from vault.keystores.passwd import change_password
from vault.secret import Secret

WRONG = "not-the-password-42"
NEW = "a-brand-new-pass-7"
CREATED = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


def _certificate(name: str) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key, self_signed(key, parse_dname(f"CN={name}, O=Contract"), 30)


KEY_A, CERT_A = _certificate("ca-one")
_, CERT_B = _certificate("ca-two")


def der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


@dataclass
class Made:
    """A keystore a hook made: where it is, its key pair's alias and certificate."""

    location: str
    alias: str
    certificate: x509.Certificate


def keytool(*args: str, cwd: Path) -> str:
    proc = subprocess.run(
        ["keytool", *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def keytool_pair(folder: Path, storetype: str, alias: str, password: str) -> Made:
    """An RSA-2048 pair made by ``keytool -genkeypair`` in a keystore of ``storetype``,
    with the certificate keytool exports for it."""
    path = folder / f"keytool-{alias}.{storetype.lower()}"
    common = ("-keystore", str(path), "-storetype", storetype, "-storepass", password)
    keytool(
        *("-genkeypair", "-keyalg", "RSA", "-keysize", "2048", "-alias", alias),
        *("-dname", f"CN={alias}, O=keytool", "-keypass", password, *common),
        cwd=folder,
    )
    pem = keytool("-exportcert", "-rfc", "-alias", alias, *common, cwd=folder)
    return Made(str(path), alias, x509.load_pem_x509_certificate(pem.encode()))


class KeystoreContract:
    kind: ClassVar[StoreKind]
    suffix: ClassVar[str]
    password: ClassVar[str] = "contract-pass-1"
    keytool_type: ClassVar[str | None] = None
    """keytool's -storetype for this kind; None when keytool makes no such keystore."""
    not_written: ClassVar[str | None] = None
    """Why keystores of this kind are not written here (None: they are)."""
    not_byte_stable: ClassVar[str | None] = None
    """Why writing the same entries twice gives other bytes (None: the same bytes)."""
    named: ClassVar[bool] = True
    """Whether entries keep the aliases they were written under."""
    ordered: ClassVar[bool] = True
    """Whether entries are listed in the order they were written."""
    trust_beside_keys: ClassVar[bool] = False
    """Whether import-cert adds a certificate to a keystore holding keys (JKS)."""

    @pytest.fixture(autouse=True)
    def _folder(self, tmp_path: Path) -> None:
        self.folder = tmp_path

    # -- hooks ----------------------------------------------------------------

    def make(self, alias: str) -> Made:
        """A new keystore holding one fresh key pair under ``alias``."""
        path = self.folder / f"{alias}{self.suffix}"
        cert = create_keystore(path, alias, Secret(self.password), kind=self.kind)
        return Made(str(path), alias, cert)

    def made(self) -> Made:
        """A keystore with one key pair, for the tests that do not need a fresh one."""
        return self.make("contract")

    def open(self, location: str, password: str | None) -> Keystore:
        return load_keystore(location, Secret(password) if password is not None else None)

    def change(self, location: str, old: str, new: str) -> None:
        change_password(location, Secret(old), None, Secret(new))

    def truststore(self, certificates: list[tuple[str, x509.Certificate]]) -> str:
        """A truststore holding ``certificates``, made by ``import-cert``."""
        path = self.folder / f"trust{self.suffix}"
        for alias, certificate in certificates:
            import_certificate(path, certificate, alias, Secret(self.password), self.kind)
        return str(path)

    def snapshot(self, location: str) -> object:
        """What must not change when a change is refused."""
        return Path(location).read_bytes()

    def damaged(self, data: bytes) -> list[bytes]:
        """Copies of ``data`` each with one byte damaged, spread over the whole file."""
        copies = []
        for position in [*range(0, len(data), max(1, len(data) // 16)), len(data) - 1]:
            copy = bytearray(data)
            copy[position] ^= 0x01
            copies.append(bytes(copy))
        return copies

    # -- helpers --------------------------------------------------------------

    def refused(self, location: str, password: str, alias: str) -> PasswordError:
        """The PasswordError of opening ``location`` with ``password`` and reading the key
        (a kind may list its entries first and refuse at the key: PEM)."""
        with pytest.raises(PasswordError) as info:
            self.open(location, password).private_key(alias)
        return info.value

    def skip_unless_written(self) -> None:
        if self.not_written is not None:
            pytest.skip(self.not_written)

    # -- the contract -----------------------------------------------------------

    def test_made_then_loaded_gives_the_same_key_and_certificate(self) -> None:
        made = self.make("Contract")
        store = self.open(made.location, self.password)
        assert store.kind == self.kind
        entry = store.entry("contract")  # aliases compare case-insensitively
        assert entry.kind == "private-key"
        assert entry.certificate_der == der(made.certificate)
        key = store.private_key("CONTRACT")
        public = made.certificate.public_key()
        assert isinstance(public, rsa.RSAPublicKey)
        assert key.public_key().public_numbers() == public.public_numbers()
        ring = KeyRing([KeyEntry(der(made.certificate), key)])
        for transformation in ("RSA/ECB/OAEPwithSHA1andMGF1Padding", "RSA/ECB/PKCS1Padding"):
            ciphertext = ring.encrypt("made-then-loaded", transformation=transformation)
            assert ring.decrypt(ciphertext).reveal() == "made-then-loaded"

    def test_dump_then_load_gives_the_same_key(self) -> None:
        self.skip_unless_written()
        kind = keystore_kind(self.kind)
        data = kind.dump([KeyPair("pair", KEY_A, CERT_A)], Secret(self.password))
        store = kind.load("dumped", data, Secret(self.password))
        assert [(e.kind, e.certificate_der) for e in store.entries] == [
            ("private-key", der(CERT_A))
        ]
        assert store.private_key("pair").private_numbers() == KEY_A.private_numbers()

    def test_a_wrong_password_is_refused_without_detail(self) -> None:
        made = self.made()
        error = self.refused(made.location, WRONG, made.alias)
        shown = "".join(traceback.format_exception(error))
        assert WRONG not in shown and self.password not in shown
        # Raised from None: no backend exception (and its reason) travels with it.
        assert error.__cause__ is None
        assert error.__context__ is None or error.__suppress_context__
        assert "Traceback" not in str(error)

    def test_passwd_keeps_the_key_and_refuses_the_old_password(self) -> None:
        made = self.made()
        store = self.open(made.location, self.password)
        ring = KeyRing([KeyEntry(store.certificate_der(made.alias))])
        before = ring.encrypt("kept-across-passwd")
        if self.not_written is not None:
            snapshot = self.snapshot(made.location)
            with pytest.raises(UsageError):
                self.change(made.location, self.password, NEW)
            assert self.snapshot(made.location) == snapshot
            self.open(made.location, self.password).private_key(made.alias)
            return
        self.change(made.location, self.password, NEW)
        after = self.open(made.location, NEW)
        assert [(e.alias, e.kind, e.thumbprint) for e in after.entries] == [
            (e.alias, e.kind, e.thumbprint) for e in store.entries
        ]
        key = after.private_key(made.alias)
        again = KeyRing([KeyEntry(after.certificate_der(made.alias), key)])
        assert again.decrypt(before).reveal() == "kept-across-passwd"
        self.refused(made.location, self.password, made.alias)

    def test_a_truststore_lists_its_certificates(self) -> None:
        location = self.truststore([("ca-one", CERT_A), ("ca-two", CERT_B)])
        store = self.open(location, self.password)
        listed = [
            (e.alias.lower(), e.kind, e.thumbprint)
            for e in store.entries
            if e.thumbprint in (thumbprint(CERT_A), thumbprint(CERT_B))
        ]
        expected = [
            ("ca-one", "trusted-cert", thumbprint(CERT_A)),
            ("ca-two", "trusted-cert", thumbprint(CERT_B)),
        ]
        if not self.named:
            listed = [row[1:] for row in listed]
            expected = [row[1:] for row in expected]
        if not self.ordered:
            listed, expected = sorted(listed), sorted(expected)
        assert listed == expected
        (second,) = [e for e in store.entries if e.thumbprint == thumbprint(CERT_B)]
        assert store.certificate(second.alias) == CERT_B

    def test_import_cert_refuses_a_taken_alias_and_keys_beside(self) -> None:
        location = self.truststore([("ca-one", CERT_A)])
        taken = self.open(location, self.password).entries[0].alias
        before = self.snapshot(location)
        with pytest.raises(UsageError, match="already exists"):
            import_certificate(location, CERT_B, taken.upper(), Secret(self.password))
        assert self.snapshot(location) == before
        made = self.made()
        keys = self.snapshot(made.location)
        if self.trust_beside_keys:  # the keys kept as they were
            import_certificate(made.location, CERT_B, "beside", Secret(self.password))
            store = self.open(made.location, self.password)
            assert [e.kind for e in store.entries] == ["private-key", "trusted-cert"]
            public = made.certificate.public_key()
            assert isinstance(public, rsa.RSAPublicKey)
            key = store.private_key(made.alias)
            assert key.public_key().public_numbers() == public.public_numbers()
            return
        with pytest.raises(UsageError):
            import_certificate(made.location, CERT_B, "beside", Secret(self.password))
        assert self.snapshot(made.location) == keys

    def test_dump_load_dump_gives_the_same_entries_and_bytes(self) -> None:
        self.skip_unless_written()
        kind = keystore_kind(self.kind)
        password = Secret(self.password)
        entries = [
            TrustedCertificate("ca-one", CERT_A, CREATED),
            TrustedCertificate("ca-two", CERT_B, CREATED),
        ]
        first = kind.dump(entries, password)
        loaded = kind.load("first", first, password)
        again = [TrustedCertificate(e.alias, e.certificate, e.created) for e in loaded.entries]
        second = kind.dump(again, password)
        reloaded = kind.load("second", second, password)
        assert [(e.alias, e.kind, e.certificate_der, e.created) for e in reloaded.entries] == [
            (e.alias, e.kind, e.certificate_der, e.created) for e in loaded.entries
        ]
        if self.not_byte_stable is None:
            assert second == first
        else:
            assert second != first, f"now byte-stable: drop not_byte_stable ({self.kind})"

    def test_a_damaged_byte_is_refused(self) -> None:
        made = self.made()
        data = Path(made.location).read_bytes()
        damaged = Path(made.location).with_name(f"damaged{self.suffix}")
        copies = self.damaged(data)
        assert copies
        for copy in copies:
            damaged.write_bytes(copy)
            with pytest.raises((PasswordError, KeystoreFormatError)):
                self.open(str(damaged), self.password).private_key(made.alias)

    def test_thumbprints_are_the_sha1_of_the_certificate(self) -> None:
        made = self.made()
        store = self.open(made.location, self.password)
        expected = hashlib.sha1(der(made.certificate)).hexdigest().upper()
        assert store.entry(made.alias).thumbprint == expected == thumbprint(made.certificate)
        assert thumbprint(der(made.certificate)) == expected

    def test_a_keystore_keytool_made_loads(self) -> None:
        if self.keytool_type is None:
            pytest.skip(f"keytool makes no {self.kind} keystore")
        if JAVA_MISSING is not None:
            pytest.skip(JAVA_MISSING)
        made = keytool_pair(self.folder, self.keytool_type, "made-by-keytool", self.password)
        store = self.open(made.location, self.password)
        assert store.kind == self.kind
        entry = store.entry("made-by-keytool")
        assert (entry.kind, entry.thumbprint) == ("private-key", thumbprint(made.certificate))
        public = made.certificate.public_key()
        assert isinstance(public, rsa.RSAPublicKey)
        key = store.private_key(entry.alias)
        assert key.public_key().public_numbers() == public.public_numbers()
