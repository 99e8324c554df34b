"""change: a new value for one alias (WSO2's ``-Dchange``)."""

from __future__ import annotations

from pathlib import Path

from vault.crypto.ring import KeyRing
from vault.errors import AliasError
from vault.operations.workspace import Options, aliases, check_encryption_key, seal, session
from vault.secret import Secret

__all__ = ["change"]


def change(
    file: Path, alias: str, value: Secret, ring: KeyRing, options: Options = Options()
) -> Path:
    """A new value for one alias (WSO2 ``-Dchange``); returns the store file rewritten."""
    with session([Path(file)], options) as space:
        store = space.store(space.configs[0])
        entries = aliases(store)
        if alias not in entries:
            known = ", ".join(sorted(entries)) or "none"
            raise AliasError(
                f"no alias '{alias}' in the secret store (aliases: {known})",
                path=store.path,
                alias=alias,
            )
        check_encryption_key(store, ring, options)
        ciphertext = seal(ring, store, alias, value, options.format, options.transformation)
        store.edits.append(store.document.replace(entries[alias], ciphertext))
        space.write()
    return store.path
