"""A keystore's password changed in place: every entry kept, the file rewritten atomically.

JKS: every key entry re-protected with the new key password, the file
re-sealed with the new store password. PKCS12: rewritten when it holds one
key entry and nothing else (keytool's own shape for a key pair), since
the writer here makes one key bag; anything richer is refused, not thinned.
PEM: the private key block re-encrypted, every other byte kept. The new
file is loaded back with the new password and compared, key by key, before
it replaces the old one.
"""

from __future__ import annotations

import os
from typing import Any

from cryptography.hazmat.primitives import serialization

from vault import atomic
from vault.errors import PasswordError, UsageError
from vault.keystores import Keystore, load_keystore, parse_keystore, read_keystore_bytes
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
        store = load_keystore(name, store_password, storetype)
        old_key = key_password or store_password
        new_key = new_key_password or new_password
        if store.kind == "JKS":
            data = _jks(store, old_key, new_password, new_key)
        elif store.kind == "PKCS12":
            if new_key_password is not None and new_key_password != new_password:
                raise UsageError("a PKCS12 keystore's key password is its store password")
            data = _pkcs12(store, old_key, new_password)
        elif store.kind == "PEM":
            data = _pem(store, read_keystore_bytes(name), old_key, new_key)
        else:
            raise UsageError(
                f"{store.kind} keystores are read, not written; use keytool -storepasswd"
            )
        _check_same(store, old_key, data, new_password, new_key)
        atomic.replace(name, data)
    return load_keystore(name, new_password, store.kind)


def _jks(store: Keystore, old_key: Secret, new_store: Secret, new_key: Secret) -> bytes:
    from vault.keystores import _jks_native, jks

    assert isinstance(store, jks.JksKeystore)
    entries = []
    for entry in store.entries:
        raw = store._raw[entry.alias]
        if raw.protected_key is not None:
            pkcs8 = _unprotect(store, entry.alias, raw.protected_key, old_key)
            raw = raw._replace(protected_key=_jks_native.protect(pkcs8, new_key.reveal()))
        entries.append(raw)
    return _jks_native.dump(entries, new_store.reveal())


def _unprotect(store: Keystore, alias: str, protected: bytes, key_password: Secret) -> bytes:
    """A JKS key under the key password given, else under the store password (keytool's
    default): a keystore whose keys have different passwords still changes in one run."""
    from vault.keystores import _jks_native

    for candidate in (key_password, store.store_password):
        if candidate is None:
            continue
        try:
            return _jks_native.unprotect(protected, candidate.reveal())
        except _jks_native.JksPasswordError:
            continue
    raise PasswordError(
        f"wrong key password for alias '{alias}' (tried the key and the store password)",
        path=store.path,
        alias=alias,
    )


def _pkcs12(store: Keystore, old_key: Secret, new_password: Secret) -> bytes:
    from vault.keystores import pkcs12

    keys = [e for e in store.entries if e.kind == "private-key"]
    if len(keys) != 1 or len(store.entries) != 1 or len(keys[0].chain_der) > 1:
        raise UsageError(
            "holds more than one key pair (or a chain, certificates or secret keys beside "
            "it); rewriting it here would drop entries: use keytool -storepasswd",
            path=store.path,
        )
    entry = keys[0]
    key = store.private_key(entry.alias, old_key)
    return pkcs12.dump(entry.alias, key, store.certificate(entry.alias), new_password)


def _pem(store: Keystore, data: bytes, old_key: Secret, new_key: Secret) -> bytes:
    from vault.keystores import pem

    assert isinstance(store, pem.PemKeystore)
    if not store._key_pem:
        raise UsageError("holds certificates only: there is no password to change", path=store.path)
    key = store.private_key(None, old_key)
    new_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(new_key.encode()),
    )
    start = data.index(store._key_pem)
    return data[:start] + new_pem.rstrip(b"\n") + data[start + len(store._key_pem) :]


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
