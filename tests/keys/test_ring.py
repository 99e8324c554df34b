"""Opening a keystore spec into a key ring: a ring reaches the other keys of its
keystores, on demand."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import KEYSTORES, VECTOR_PASSWORD
from vault.crypto.ring import KeyRing
from vault.errors import NoKeyError
from vault.keys.ring import _OtherKeys, join, open_key_ring
from vault.keys.spec import KeystoreSpec
from vault.keystores.create import create_keystore
from vault.secret import Secret


def _two_keys(tmp_path: Path) -> tuple[KeyRing, KeyRing, KeyRing]:
    """A ring for alias 'first' of a keytool-made two-key PKCS12, and one per key alone."""
    env = {"CIPHERTOOL_KEYSTORE_PASSWORD": VECTOR_PASSWORD}
    path = str(KEYSTORES / "jdk17-two-keys.p12")
    ring = open_key_ring(KeystoreSpec(path, alias="first"), environ=env)
    first = open_key_ring(KeystoreSpec(path, alias="first"), environ=env)
    second = open_key_ring(KeystoreSpec(path, alias="second"), environ=env)
    return ring, KeyRing(first.entries), KeyRing(second.entries)


def test_a_ring_reads_the_other_keys_of_its_keystore_only_when_asked(tmp_path: Path) -> None:
    ring, first, second = _two_keys(tmp_path)
    more = ring._more
    assert isinstance(more, _OtherKeys)
    assert ring.decrypt(first.encrypt("one")).reveal() == "one"
    assert more._found == {}  # the other key was never decrypted
    assert ring.decrypt(second.encrypt("two")).reveal() == "two"
    assert list(more._found) == [second.entries[0].thumbprint]
    # A plain block names no key: the other keys are tried after the ring's own.
    plain = second.encrypt("three", format="plain")
    assert ring.decrypt(plain).reveal() == "three"
    # Encryption stays with the alias asked for.
    assert ring.encryption_key.thumbprint == first.entries[0].thumbprint


def test_several_keystores_in_one_path_make_one_ring(tmp_path: Path) -> None:
    """During a roll-out a service is given the old and the new keystore: it reads both."""
    for name in ("old", "new"):
        (tmp_path / name).mkdir()
        create_keystore(tmp_path / name / f"{name}.p12", name, Secret(f"{name}-pass"))
        (tmp_path / name / "password-persist").write_text(f"{name}-pass\n")
        (tmp_path / name / "password-persist").chmod(0o600)
    old_path, new_path = tmp_path / "old" / "old.p12", tmp_path / "new" / "new.p12"
    old = open_key_ring(KeystoreSpec(str(old_path)), environ={})
    new = open_key_ring(KeystoreSpec(str(new_path)), environ={})
    both = open_key_ring(KeystoreSpec(f"{old_path}{os.pathsep}{new_path}"), environ={})
    assert both.encryption_key.thumbprint == old.encryption_key.thumbprint
    for ring, value in ((old, "from-old"), (new, "from-new")):
        assert both.decrypt(ring.encrypt(value)).reveal() == value
        assert both.decrypt(ring.encrypt(value, format="plain")).reveal() == value
    with pytest.raises(NoKeyError):
        old.decrypt(new.encrypt("x"))


def test_joined_rings_keep_their_other_keys(tmp_path: Path) -> None:
    """vault.join(a, b): every key of both keystores still reads, the first ring encrypts."""
    ring, first, second = _two_keys(tmp_path)
    create_keystore(tmp_path / "third.p12", "third", Secret("third-pass"))
    third = open_key_ring(
        KeystoreSpec(str(tmp_path / "third.p12")),
        environ={"CIPHERTOOL_KEYSTORE_PASSWORD": "third-pass"},
    )
    both = join(ring, third)
    assert both.encryption_key.thumbprint == first.entries[0].thumbprint
    for source, value in ((first, "one"), (second, "two"), (third, "three")):
        assert both.decrypt(source.encrypt(value)).reveal() == value
    assert both.decrypt(second.encrypt("plain", format="plain")).reveal() == "plain"
