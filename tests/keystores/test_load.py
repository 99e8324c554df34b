"""Keystores made by keytool load with the aliases, kinds and thumbprints keytool prints."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import KEYSTORES, VECTOR_PASSWORD
from vault.errors import AliasError, KeystoreFormatError, PasswordError
from vault.keystores import load_keystore, sniff_kind
from vault.secret import Secret

PASSWORD = Secret(VECTOR_PASSWORD)
KINDS = {
    "PrivateKeyEntry": "private-key",
    "trustedCertEntry": "trusted-cert",
    "SecretKeyEntry": "secret-key",
}


def keytool_facts(store: Path) -> dict[str, tuple[str, str | None]]:
    """alias -> (kind, SHA-1 thumbprint) from the keytool -list -v output kept beside the vector."""
    facts: dict[str, tuple[str, str | None]] = {}
    alias = kind = None
    for line in (store.parent / f"{store.name}.keytool-list.txt").read_text().splitlines():
        if line.startswith("Alias name: "):
            alias = line.removeprefix("Alias name: ")
        elif line.startswith("Entry type: "):
            kind = KINDS[line.removeprefix("Entry type: ")]
            assert alias is not None
            facts[alias] = (kind, None)
        elif (m := re.match(r"\s*SHA1: ([0-9A-F:]+)", line)) and alias is not None:
            facts[alias] = (facts[alias][0], m.group(1).replace(":", ""))
    assert facts, store
    return facts


STORES = [
    "jdk17.jks",
    "jdk17.jceks",
    "jdk17-two-keys.p12",
    "truststore.p12",
    "truststore.jks",
    "jdk21.jks",
]


@pytest.mark.parametrize("name", STORES)
def test_entries_match_keytool(name: str) -> None:
    path = KEYSTORES / name
    store = load_keystore(path, PASSWORD)
    got = {e.alias: (e.kind, e.thumbprint) for e in store.entries}
    assert got == keytool_facts(path)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("jdk17.jks", "JKS"),
        ("jdk17.jceks", "JCEKS"),
        ("truststore.p12", "PKCS12"),
        ("first.pem", "PEM"),
    ],
)
def test_kind_is_read_from_the_bytes(name: str, kind: str) -> None:
    assert sniff_kind((KEYSTORES / name).read_bytes()) == kind


def test_storetype_overrides_sniffing() -> None:
    with pytest.raises(KeystoreFormatError):
        load_keystore(KEYSTORES / "jdk17.jks", PASSWORD, "PKCS12")


def test_pkcs12_with_two_keys_gives_the_key_of_the_alias_asked_for() -> None:
    store = load_keystore(KEYSTORES / "jdk17-two-keys.p12", PASSWORD)
    first = store.private_key("first")
    second = store.private_key("SECOND")  # aliases compare case-insensitively
    assert first.key_size == 2048 and second.key_size == 3072
    assert (
        first.public_key().public_numbers()
        == store.certificate("first").public_key().public_numbers()
    )
    assert (
        second.public_key().public_numbers()
        == store.certificate("second").public_key().public_numbers()
    )


def test_secret_key_entries_are_listed_and_readable() -> None:
    p12 = load_keystore(KEYSTORES / "jdk17-two-keys.p12", PASSWORD)
    assert (p12.entry("aeskey").algorithm, p12.entry("aeskey").key_size) == ("AES", 256)
    assert len(p12.secret_key("aeskey")) == 32
    jceks = load_keystore(KEYSTORES / "jdk17.jceks", PASSWORD)
    assert (jceks.entry("symmetric").algorithm, jceks.entry("symmetric").key_size) == ("AES", 256)
    assert len(jceks.secret_key("symmetric")) == 32


def test_jks_written_by_jdk21_loads_its_key() -> None:
    """pyjks issue 79: the key entry has no algorithm parameters."""
    store = load_keystore(KEYSTORES / "jdk21.jks", PASSWORD)
    key = store.private_key("wso2carbon")
    assert key.public_key().public_numbers() == store.certificate().public_key().public_numbers()


def test_store_and_key_passwords_are_kept_apart() -> None:
    store = load_keystore(KEYSTORES / "jdk17.jks", PASSWORD)
    assert store.private_key("wso2carbon").key_size == 2048  # key password = store password
    with pytest.raises(PasswordError, match="wrong key password for alias 'other'"):
        store.private_key("other")
    assert store.private_key("other", Secret("keypass")).key_size == 2048


def test_wrong_store_password() -> None:
    for name in ("jdk17.jks", "jdk17-two-keys.p12"):
        with pytest.raises(PasswordError, match="wrong store password"):
            load_keystore(KEYSTORES / name, Secret("wrong-password"))


def test_jks_lists_certificates_without_a_password() -> None:
    store = load_keystore(KEYSTORES / "jdk17.jks")
    assert (
        store.entry("wso2carbon").thumbprint
        == keytool_facts(KEYSTORES / "jdk17.jks")["wso2carbon"][1]
    )


def test_pkcs12_needs_its_password() -> None:
    with pytest.raises(PasswordError, match="needs its store password"):
        load_keystore(KEYSTORES / "truststore.p12")


def test_unknown_alias_and_entry_without_private_key() -> None:
    store = load_keystore(KEYSTORES / "truststore.p12", PASSWORD)
    with pytest.raises(AliasError, match="no entry with alias 'nope'"):
        store.entry("nope")
    with pytest.raises(AliasError, match="is a trusted-cert entry, not a private key"):
        store.private_key("first")


def test_several_keys_need_an_alias() -> None:
    store = load_keystore(KEYSTORES / "jdk17-two-keys.p12", PASSWORD)
    with pytest.raises(AliasError, match="holds several keys"):
        store.entry()


@pytest.mark.parametrize(
    "name", ["jdk17.jks", "jdk17.jceks", "jdk17-two-keys.p12", "truststore.jks"]
)
@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9, 0.99])
def test_truncated_keystores_fail_cleanly(tmp_path: Path, name: str, keep: float) -> None:
    data = (KEYSTORES / name).read_bytes()
    target = tmp_path / name
    target.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises((KeystoreFormatError, PasswordError)):
        store = load_keystore(target, PASSWORD)
        for entry in store.entries:
            if entry.kind == "private-key":
                store.private_key(entry.alias)


def test_a_file_that_is_no_keystore(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("hello\n")
    with pytest.raises(KeystoreFormatError, match="is not a keystore"):
        load_keystore(target, PASSWORD)
