"""configure: encrypt every ``[plaintext]`` entry of the files' secret stores."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from vault.configs.store import is_plaintext_entry, plaintext_of
from vault.crypto.ring import KeyRing
from vault.operations.files import ConfigFile
from vault.operations.workspace import Options, aliases, check_encryption_key, seal, session
from vault.secret import Secret

log = logging.getLogger("vault.operations")

__all__ = ["configure", "encrypt_entries"]


def configure(
    files: Sequence[Path], ring: KeyRing, options: Options = Options()
) -> dict[str, list[str]]:
    """Encrypt every ``[plaintext]`` store entry; returns {store file: aliases encrypted}."""
    done: dict[str, list[str]] = {}
    with session(files, options) as space:
        for store in space.stores.values():
            log.debug(
                "configure %s: encrypting [plaintext] entries for key %s (%s, %s)",
                store.path,
                ring.encryption_key.thumbprint,
                options.format,
                options.transformation,
            )
            encrypted = encrypt_entries(store, ring, options)
            if encrypted:
                done[str(store.path)] = encrypted
        space.write()
    return done


def encrypt_entries(store: ConfigFile, ring: KeyRing, options: Options) -> list[str]:
    """Edits encrypting every ``[plaintext]`` entry of ``store``; the aliases encrypted."""
    done: list[str] = []
    for alias, scalar in aliases(store).items():
        if scalar.is_string and is_plaintext_entry(scalar.value):
            if not done:
                check_encryption_key(store, ring, options)
            plaintext = Secret(plaintext_of(scalar.value))
            ciphertext = seal(ring, store, alias, plaintext, options.format, options.transformation)
            store.edits.append(store.document.replace(scalar, ciphertext))
            done.append(alias)
    return done
