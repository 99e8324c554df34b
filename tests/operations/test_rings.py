"""vault.operations.rings: what the write commands open, called as a library (the policy
that was ciphertool's own: rotation rings, listing, test-decryption, new passwords)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from vault.crypto.ring import KeyEntry, KeyRing
from vault.errors import InputError, MissingPasswordError, PasswordError, UsageError
from vault.keys.passwords import PasswordOptions
from vault.keys.spec import KeystoreSpec
from vault.keystores import load_keystore
from vault.keystores.create import create_keystore
from vault.operations.rings import (
    RotationTarget,
    config_of,
    flag_passwords,
    new_passwords,
    open_listing,
    private_ring_if_any,
    rotation_rings,
)
from vault.secret import Secret

OLD_PASSWORD = "old-store-pass"
NEW_PASSWORD = "new-store-pass"


@pytest.fixture(autouse=True)
def _no_password_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "CIPHERTOOL_KEYSTORE",
        "CIPHERTOOL_KEYSTORE_PASSWORD",
        "CIPHERTOOL_KEY_PASSWORD",
        "CIPHERTOOL_HOME",
        "CREDENTIALS_DIRECTORY",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def keystores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("rings")
    paths = {"old": folder / "old.p12", "new": folder / "new.p12", "jks": folder / "k.jks"}
    create_keystore(paths["old"], "old", Secret(OLD_PASSWORD))
    create_keystore(paths["new"], "next", Secret(NEW_PASSWORD))
    create_keystore(paths["jks"], "k", Secret(OLD_PASSWORD), kind="jks")
    new_pass = folder / "new.pass"
    new_pass.write_text(NEW_PASSWORD + "\n")
    new_pass.chmod(0o600)
    paths["new.pass"] = new_pass
    return paths


def _ring(path: Path, password: str) -> KeyRing:
    store = load_keystore(path, Secret(password))
    return KeyRing([KeyEntry(store.certificate(), store.private_key())])


def test_config_of_is_the_first_toml() -> None:
    assert config_of([Path("a.env"), Path("b.toml"), Path("c.toml")]) == Path("b.toml")
    assert config_of([Path("a.yaml")]) is None


def test_rotation_rings_open_the_old_and_the_new_key(
    keystores: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OLD_PW", OLD_PASSWORD)
    old_text = _ring(keystores["old"], OLD_PASSWORD).encrypt("v-old")
    new_ring = _ring(keystores["new"], NEW_PASSWORD)
    target = RotationTarget(str(keystores["new"]), storepass_file=str(keystores["new.pass"]))
    rings = rotation_rings(
        target,
        lambda: KeystoreSpec(str(keystores["old"])),
        PasswordOptions(storepass_env="OLD_PW"),
        interactive=False,
    )
    assert (rings.keystore, rings.alias) == (str(keystores["new"]), "next")
    assert [e.thumbprint for e in rings.new.entries] == [new_ring.entries[0].thumbprint]
    assert rings.ring.decrypt(old_text).reveal() == "v-old"
    assert rings.ring.entries[-1].thumbprint == new_ring.entries[0].thumbprint
    assert new_ring.decrypt(rings.new.encrypt("v-new")).reveal() == "v-new"


def test_a_rotation_target_is_checked_before_the_current_key_is_looked_for(
    keystores: dict[str, Path],
) -> None:
    def current() -> KeystoreSpec:
        raise AssertionError("the current keystore is opened only for a sound target")

    with pytest.raises(UsageError, match="say where to rotate to"):
        rotation_rings(RotationTarget(), current, PasswordOptions())
    missing = RotationTarget(str(keystores["old"].parent / "missing.p12"))
    with pytest.raises(InputError, match=r"missing\.p12: no such keystore file"):
        rotation_rings(missing, current, PasswordOptions())


def test_the_new_keystores_password_comes_from_its_own_flags_or_a_prompt(
    keystores: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIPHERTOOL_KEYSTORE_PASSWORD", OLD_PASSWORD)  # the current one's
    with pytest.raises(MissingPasswordError, match="use --to-storepass-file"):
        flag_passwords("new.p12", None, None, "to", interactive=False)
    asked: list[str] = []

    def prompt(question: str) -> str:
        asked.append(question)
        return "typed"

    got = flag_passwords(
        "new.p12", None, None, "new", confirm=True, prompt=prompt, interactive=True
    )
    assert (got.store.reveal(), got.source) == ("typed", "prompt")
    assert asked == ["New password for new.p12: ", "Again: "]
    answers = iter(["one", "two"])
    with pytest.raises(UsageError, match="the two passwords differ"):
        flag_passwords(
            "x", None, None, "new", confirm=True, prompt=lambda _q: next(answers), interactive=True
        )
    with pytest.raises(PasswordError, match="no password entered"):
        flag_passwords("x", None, None, "to", prompt=lambda _q: "", interactive=True)
    from_file = flag_passwords("x", str(keystores["new.pass"]), None, "to")
    assert (from_file.store.reveal(), from_file.source) == (NEW_PASSWORD, "--to-storepass-file")


def test_a_new_keystores_password_is_found_as_usual_else_asked_twice(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = str(tmp_path / "fresh.p12")
    with pytest.raises(MissingPasswordError):
        new_passwords(path, PasswordOptions(), interactive=False)
    asked: list[str] = []

    def prompt(question: str) -> str:
        asked.append(question)
        return "fresh-pass"

    got = new_passwords(path, PasswordOptions(), interactive=True, prompt=prompt)
    assert (got.store.reveal(), got.source) == ("fresh-pass", "prompt")
    assert asked == [f"New password for {path}: ", "Again: "]
    monkeypatch.setenv("CIPHERTOOL_KEYSTORE_PASSWORD", "from-env")
    got = new_passwords(path, PasswordOptions(), interactive=True, prompt=prompt)
    assert (got.store.reveal(), got.source) == ("from-env", "CIPHERTOOL_KEYSTORE_PASSWORD")


def test_listing_without_a_password(
    keystores: dict[str, Path], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="vault"):
        store = open_listing(KeystoreSpec(str(keystores["jks"])), interactive=False)
    assert [e.alias for e in store.entries] == ["k"]
    assert "integrity not checked" in caplog.text
    with pytest.raises(MissingPasswordError):
        open_listing(KeystoreSpec(str(keystores["old"])), interactive=False)
    with_password = open_listing(
        KeystoreSpec(str(keystores["new"])),
        PasswordOptions(storepass_file=str(keystores["new.pass"])),
        interactive=False,
    )
    assert (with_password.kind, [e.alias for e in with_password.entries]) == ("PKCS12", ["next"])


def test_test_decryption_is_skipped_with_a_word_unless_a_keystore_was_named(
    keystores: dict[str, Path], caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = KeystoreSpec(str(keystores["old"]))
    with caplog.at_level(logging.WARNING, logger="vault"):
        ring = private_ring_if_any(
            lambda: spec, PasswordOptions(), explicit=False, hint=lambda _exc: "; a hint"
        )
    assert ring is None
    assert "ciphertexts were not test-decrypted: no keystore password given" in caplog.text
    assert "; a hint" in caplog.text
    with pytest.raises(MissingPasswordError):
        private_ring_if_any(lambda: spec, PasswordOptions(), explicit=True)
    monkeypatch.setenv("OLD_PW", OLD_PASSWORD)
    opened = private_ring_if_any(
        lambda: spec, PasswordOptions(storepass_env="OLD_PW"), explicit=True
    )
    assert opened is not None
    assert opened.decrypt(_ring(keystores["old"], OLD_PASSWORD).encrypt("x")).reveal() == "x"
