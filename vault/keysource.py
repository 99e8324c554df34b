"""Which keystore to open, and opening it into a key ring.

Keystore: explicit arguments (``--keystore``, ``--storetype``, ``--alias``),
then ``CIPHERTOOL_KEYSTORE``, ``CIPHERTOOL_KEYSTORE_TYPE``,
``CIPHERTOOL_KEY_ALIAS``, then the config file's ``[keystore.internal]`` or
else ``[keystore.primary]`` table (``file_name``, ``type``, ``alias``; a
relative ``file_name`` is relative to the config file), as WSO2 reads it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from .cipher import KeyEntry, KeyRing
from .errors import UsageError
from .keystores import Keystore, load_keystore, normalise_kind, read_keystore_bytes, sniff_kind
from .passwords import PasswordOptions, Passwords, find_passwords
from .secret import Secret
from .store import read_toml

ENV_KEYSTORE = "CIPHERTOOL_KEYSTORE"
ENV_TYPE = "CIPHERTOOL_KEYSTORE_TYPE"
ENV_ALIAS = "CIPHERTOOL_KEY_ALIAS"
_NO_OPTIONS = PasswordOptions()


class KeystoreSpec(NamedTuple):
    """Where a key lives: the keystore file, its type (None: sniffed) and the alias."""

    path: str
    storetype: str | None = None
    alias: str | None = None


def _config_keystore(config: str | os.PathLike[str]) -> KeystoreSpec | None:
    """``[keystore.internal]``, else ``[keystore.primary]``, of a TOML config."""
    if not os.fspath(config).endswith(".toml"):
        return None
    data = read_toml(config)
    tables = data.get("keystore")
    if not isinstance(tables, dict):
        return None
    for name in ("internal", "primary"):
        table = tables.get(name)
        if isinstance(table, dict) and isinstance(table.get("file_name"), str):
            file_name = Path(table["file_name"])
            if not file_name.is_absolute():
                file_name = Path(config).parent / file_name
            kind = table.get("type")
            alias = table.get("alias")
            return KeystoreSpec(
                os.fspath(file_name),
                kind if isinstance(kind, str) else None,
                alias if isinstance(alias, str) else None,
            )
    return None


def keystore_spec(
    keystore: str | None = None,
    storetype: str | None = None,
    alias: str | None = None,
    *,
    config: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> KeystoreSpec:
    """The keystore to use, from arguments, then environment, then the config file."""
    env = os.environ if environ is None else environ
    from_config = _config_keystore(config) if config is not None else None
    path = keystore or env.get(ENV_KEYSTORE) or (from_config.path if from_config else None)
    if not path:
        raise UsageError(
            "no keystore given: use --keystore, $CIPHERTOOL_KEYSTORE, or a "
            "[keystore.internal] / [keystore.primary] table in the config"
        )
    # The config's type and alias belong to the config's keystore, not to one named elsewhere.
    own = from_config if from_config and from_config.path == path else None
    kind = storetype or env.get(ENV_TYPE) or (own.storetype if own else None)
    if kind:
        normalise_kind(kind)
    name = alias or env.get(ENV_ALIAS) or (own.alias if own else None)
    return KeystoreSpec(path, kind, name)


def open_keystore(
    spec: KeystoreSpec,
    options: PasswordOptions = _NO_OPTIONS,
    *,
    need_private: bool,
    environ: Mapping[str, str] | None = None,
    interactive: bool | None = None,
) -> tuple[Keystore, Passwords | None]:
    """Load the keystore, asking for a password only when it is needed.

    JKS, JCEKS and PEM give their certificates without a password, so
    encrypting with them asks for none; PKCS12 and private keys need one.
    """
    kind = (
        normalise_kind(spec.storetype)
        if spec.storetype
        else sniff_kind(read_keystore_bytes(spec.path))
    )
    if not need_private and kind in ("JKS", "JCEKS", "PEM"):
        return load_keystore(spec.path, None, spec.storetype), None
    passwords = find_passwords(spec.path, options, environ=environ, interactive=interactive)
    return load_keystore(spec.path, passwords.store, spec.storetype), passwords


def open_key_ring(
    spec: KeystoreSpec,
    options: PasswordOptions = _NO_OPTIONS,
    *,
    need_private: bool = True,
    environ: Mapping[str, str] | None = None,
    interactive: bool | None = None,
) -> KeyRing:
    """A one-key ring for ``spec`` (the library caller can join rings with :func:`join`)."""
    store, passwords = open_keystore(
        spec, options, need_private=need_private, environ=environ, interactive=interactive
    )
    return KeyRing(
        [key_entry(store, spec.alias, passwords.key if passwords else None, need_private)]
    )


def key_entry(
    store: Keystore, alias: str | None, key_password: Secret | None, need_private: bool
) -> KeyEntry:
    entry = store.entry(alias)
    label = f"{store.path}#{entry.alias}"
    der = store.certificate_der(entry.alias)
    if not need_private:
        return KeyEntry(der, None, label)
    return KeyEntry(der, store.private_key(entry.alias, key_password), label)


def join(*rings: KeyRing) -> KeyRing:
    """One ring of all the keys, in order: the first ring's first key encrypts."""
    return KeyRing([entry for ring in rings for entry in ring.entries])
