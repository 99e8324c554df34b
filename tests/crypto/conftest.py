"""The key ring's fixtures: two PKCS12 keystores made on the fly, and a ring of the first."""

from __future__ import annotations

from pathlib import Path

import pytest

from vault.crypto.ring import KeyEntry, KeyRing
from vault.keystores import load_keystore
from vault.keystores.create import create_keystore
from vault.secret import Secret

PW = Secret("ring-password")


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("ring")
    paths = {}
    for name in ("old", "new"):
        paths[name] = folder / f"{name}.p12"
        create_keystore(paths[name], name, PW)
    return paths


def ring_of(*paths: Path) -> KeyRing:
    entries = []
    for path in paths:
        store = load_keystore(path, PW)
        entries.append(KeyEntry(store.certificate(), store.private_key(), str(path)))
    return KeyRing(entries)


@pytest.fixture(scope="module")
def ring(stores: dict[str, Path]) -> KeyRing:
    return ring_of(stores["old"])
