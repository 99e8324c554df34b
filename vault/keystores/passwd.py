"""A keystore's password changed in place: every entry kept, the file rewritten atomically.

Each kind rewrites its own bytes (:meth:`~vault.keystores.KeystoreKind.rewrap`:
JKS re-protects every key, PKCS12 is written again when it holds one key pair,
PEM re-encrypts its key block and keeps every other byte; JCEKS and tokens
refuse). The new bytes are loaded back with the new password and compared, key
by key, before they replace the old ones.
"""

from __future__ import annotations

import os
from typing import Any

from vault import atomic
from vault.errors import PasswordError, UsageError
from vault.keystores import (
    Keystore,
    keystore_kind,
    load_keystore,
    parse_keystore,
    read_keystore_bytes,
)
from vault.secret import Secret


def change_password(
    path: str | os.PathLike[str],
    store_password: Secret,
    key_password: Secret | None,
    new_password: Secret,
    new_key_password: Secret | None = None,
    storetype: str | None = None,
) -> Keystore:
    """Rewrite the keystore at ``path`` under ``new_password`` (its keys under
    ``new_key_password``, default the new store password). Returns it, reloaded."""
    name = os.fspath(path)
    with atomic.locked(name):
        data = read_keystore_bytes(name)
        store = parse_keystore(name, data, store_password, storetype)
        old_key = key_password or store_password
        new_key = new_key_password or new_password
        rewritten = keystore_kind(store.kind).rewrap(store, data, old_key, new_password, new_key)
        _check_same(store, old_key, rewritten, new_password, new_key)
        atomic.replace(name, rewritten)
    return load_keystore(name, new_password, store.kind)


def _check_same(
    before: Keystore, old_key: Secret, data: bytes, new_store: Secret, new_key: Secret
) -> None:
    """Load the new bytes with the new passwords: same entries, same keys."""
    after = parse_keystore(before.path, data, new_store, before.kind)
    listing = [(e.alias.lower(), e.kind, e.thumbprint) for e in after.entries]
    if listing != [(e.alias.lower(), e.kind, e.thumbprint) for e in before.entries]:
        raise UsageError(
            "the rewritten keystore lists other entries; nothing changed", path=before.path
        )
    for entry in before.entries:
        if entry.kind != "private-key" or entry.certificate_der is None:
            continue
        old = _old_private_key(before, entry.alias, old_key).private_numbers()
        new = after.private_key(entry.alias, new_key).private_numbers()
        if old != new:
            raise UsageError(
                f"the rewritten key '{entry.alias}' differs; nothing changed",
                path=before.path,
            )


def _old_private_key(store: Keystore, alias: str, key_password: Secret) -> Any:
    try:
        return store.private_key(alias, key_password)
    except PasswordError:
        return store.private_key(alias, None)  # under the store password
