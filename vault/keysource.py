"""Which keystore to open, and opening it into a key ring.

Keystore: explicit arguments (``--keystore``, ``--storetype``, ``--alias``),
then ``CIPHERTOOL_KEYSTORE``, ``CIPHERTOOL_KEYSTORE_TYPE``,
``CIPHERTOOL_KEY_ALIAS``, then the config file's ``[keystore.internal]`` or
else ``[keystore.primary]`` table (``file_name``, ``type``, ``alias``; a
relative ``file_name`` is relative to the config file), as WSO2 reads it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from .cipher import KeyEntry, KeyRing
from .errors import InputError, MissingPasswordError, UsageError, VaultError
from .keystores import Keystore, normalise_kind, parse_keystore, read_keystore_bytes, sniff_kind
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
    named_by: str | None = None
    """The config file whose keystore table named it (None: the operator did)."""


def _config_keystore(config: str | os.PathLike[str]) -> KeystoreSpec | None:
    """``[keystore.internal]``, else ``[keystore.primary]``, of a TOML config.

    Whoever can write the config chooses this keystore, so it must be one file: a
    ``:``-list would let a keystore of theirs encrypt every new secret while the
    operator's own still decrypts (see :func:`check_config_keystore` for the rest)."""
    if not os.fspath(config).endswith(".toml"):
        return None
    data = read_toml(config)
    tables = data.get("keystore")
    if not isinstance(tables, dict):
        return None
    for name in ("internal", "primary"):
        table = tables.get(name)
        if isinstance(table, dict) and isinstance(table.get("file_name"), str):
            text = table["file_name"]
            if os.pathsep in text and not text.startswith("pkcs11:"):
                raise InputError(
                    f"[keystore.{name}] file_name names several keystores ({os.pathsep!r}); "
                    "a config names one keystore file (a list is for --keystore and "
                    "$CIPHERTOOL_KEYSTORE)",
                    path=config,
                    line=_line_of(config, name, "file_name"),
                )
            file_name = Path(text)
            if not file_name.is_absolute():
                file_name = Path(config).parent / file_name
            kind = table.get("type")
            alias = table.get("alias")
            return KeystoreSpec(
                os.fspath(file_name),
                kind if isinstance(kind, str) else None,
                alias if isinstance(alias, str) else None,
                os.fspath(config),
            )
    return None


def _line_of(config: str | os.PathLike[str], table: str, key: str) -> int | None:
    """The line of ``key`` in a TOML config's ``[keystore.TABLE]`` (for errors only)."""
    from .formats import parse
    from .store import read_text

    document = parse(read_text(Path(config)), "toml", config)
    wanted = ("keystore", table, key)
    return next((s.line for s in document.scalars() if s.path == wanted), None)


_ENCRYPTED_PEM = re.compile(rb"-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED")


def check_config_keystore(spec: KeystoreSpec, kind: str | None, data: bytes) -> None:
    """A keystore a config names must be one a password protects: not a PEM file whose
    key is unencrypted (anyone could have made it) or that holds certificates alone."""
    if spec.named_by is None or kind != "PEM":
        return
    if b"PRIVATE KEY-----" not in data:
        why = "holds certificates alone"
    elif _ENCRYPTED_PEM.search(data) is None:
        why = "holds an unencrypted private key"
    else:
        return
    raise InputError(
        f"the keystore {spec.path} named by its keystore table {why}: a config may name "
        "only a keystore its password protects (give --keystore to use this one)",
        path=spec.named_by,
    )


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
    named_by = own.named_by if own and not keystore and not env.get(ENV_KEYSTORE) else None
    return KeystoreSpec(path, kind, name, named_by)


def open_keystore(
    spec: KeystoreSpec,
    options: PasswordOptions = _NO_OPTIONS,
    *,
    need_private: bool,
    environ: Mapping[str, str] | None = None,
    interactive: bool | None = None,
    keep_tmp: bool = False,
) -> tuple[Keystore, Passwords | None]:
    """Load the keystore, asking for a password only when it is needed.

    JKS, JCEKS and PEM list their certificates without a password (``need_private``
    False: unverified, for listing); PKCS12 and private keys need one, and with it a
    JKS or JCEKS file's integrity and a PKCS12 file's MAC are checked. ``keep_tmp``: a
    ``password-tmp`` is read but left for the service it is meant for.
    """
    data = read_keystore_bytes(spec.path)
    kind = normalise_kind(spec.storetype) if spec.storetype else sniff_kind(data)
    check_config_keystore(spec, kind, data)
    if not need_private and kind in ("JKS", "JCEKS", "PEM"):
        return parse_keystore(spec.path, data, None, spec.storetype), None
    passwords = find_passwords(
        spec.path, options, environ=environ, interactive=interactive, keep_tmp=keep_tmp
    )
    return parse_keystore(spec.path, data, passwords.store, spec.storetype), passwords


def open_encryption_key(
    spec: KeystoreSpec,
    options: PasswordOptions = _NO_OPTIONS,
    *,
    environ: Mapping[str, str] | None = None,
    interactive: bool | None = None,
) -> tuple[Keystore, KeyEntry]:
    """The keystore and the certificate that encrypts, vouched for: the password is
    needed (encrypting with a certificate alone is ``--cert``), so that a JKS or
    JCEKS file's digest and a PKCS12 file's MAC are checked, and a PEM key is
    decrypted and found to be its certificate's. A keystore swapped under its name,
    or a certificate that is not the key's own, never encrypts a secret."""
    path = spec.path.split(os.pathsep)[0] if not spec.path.startswith("pkcs11:") else spec.path
    first = spec._replace(path=path)
    try:
        store, passwords = open_keystore(
            first,
            options,
            need_private=True,
            environ=environ,
            interactive=interactive,
            keep_tmp=True,
        )
    except MissingPasswordError as exc:
        raise MissingPasswordError(
            f"{exc.message} (encrypting with a keystore checks it with its password; "
            "--cert FILE encrypts with a certificate alone)",
            path=exc.path,
        ) from None
    entry = key_entry(store, spec.alias, None, False)
    if store.kind == "PEM":
        store.private_key(spec.alias, passwords.key if passwords else None)
    return store, entry


def open_key_ring(
    spec: KeystoreSpec,
    options: PasswordOptions = _NO_OPTIONS,
    *,
    need_private: bool = True,
    environ: Mapping[str, str] | None = None,
    interactive: bool | None = None,
) -> KeyRing:
    """The ring for ``spec``: its key encrypts and decrypts.

    For decryption the ring also reaches, on demand, every other private key
    of the keystore, and of further keystores when ``spec.path`` lists
    several (``a.p12:b.p12``, the ``PATH`` separator): during a rotation's
    roll-out a service given the old and the new keystore reads both. Those
    keys are decrypted only when a ciphertext asks for one of them.
    """
    if not need_private:
        _, entry = open_encryption_key(spec, options, environ=environ, interactive=interactive)
        return KeyRing([entry])
    stores = open_keystores(spec, options, environ=environ, interactive=interactive)
    return ring_of(stores, spec.alias)


OpenStore = tuple[Keystore, Secret | None]
"""A keystore opened with its password, and the key password for its keys."""


def open_keystores(
    spec: KeystoreSpec,
    options: PasswordOptions = _NO_OPTIONS,
    *,
    environ: Mapping[str, str] | None = None,
    interactive: bool | None = None,
) -> list[OpenStore]:
    """Every keystore ``spec.path`` lists (``PATH``-separator), opened for private keys."""
    opened: list[OpenStore] = []
    for n, path in enumerate(spec.path.split(os.pathsep)):
        store, passwords = open_keystore(
            KeystoreSpec(path, spec.storetype if n == 0 else None, named_by=spec.named_by),
            options,
            need_private=True,
            environ=environ,
            interactive=interactive,
        )
        opened.append((store, passwords.key if passwords else None))
    return opened


def ring_of(stores: list[OpenStore], alias: str | None, *first: KeyEntry) -> KeyRing:
    """A ring whose ``first`` keys (else ``alias`` of the first keystore) come first; every
    other private key of ``stores`` is reached on demand."""
    if not first:
        store, key_password = stores[0]
        if store.entry(alias).kind == "secret-key":
            first = ()  # WSO2 -Dsymmetric: the alias names an AES key; decryption only
        else:
            first = (key_entry(store, alias, key_password, True),)
    others = _OtherKeys(stores, {e.thumbprint for e in first})
    return KeyRing(first, more=others, symmetric=others)


class _OtherKeys:
    """The other private keys of a ring's keystores, decrypted when first asked for."""

    def __init__(self, stores: list[OpenStore], held: set[str]) -> None:
        self._stores = stores
        self._held = held
        self._found: dict[str, KeyEntry | None] = {}
        self._secret_keys: list[tuple[str, bytes]] | None = None

    def _candidates(self) -> list[tuple[Keystore, Secret | None, str, str]]:
        return [
            (store, password, entry.alias, entry.thumbprint)
            for store, password in self._stores
            for entry in store.entries
            if entry.kind == "private-key"
            and entry.thumbprint is not None
            and entry.thumbprint not in self._held
        ]

    def find(self, thumbprint: str) -> KeyEntry | None:
        for store, password, alias, tp in self._candidates():
            if tp == thumbprint:
                return self._open(store, password, alias, tp)
        return None

    def all_keys(self) -> list[KeyEntry]:
        found = (self._open(*candidate) for candidate in self._candidates())
        return [entry for entry in found if entry is not None]

    def secret_keys(self) -> list[tuple[str, bytes]]:
        """Every secret-key entry of the keystores, decrypted on first use."""
        if self._secret_keys is None:
            from . import _log

            self._secret_keys = []
            for store, password in self._stores:
                for entry in store.entries:
                    if entry.kind != "secret-key":
                        continue
                    try:
                        key = store.secret_key(entry.alias, password)
                    except VaultError as exc:
                        _log.logger("vault.keysource").debug(
                            "%s#%s: %s", store.path, entry.alias, exc
                        )
                        continue
                    self._secret_keys.append((f"{store.path}#{entry.alias}", key))
        return self._secret_keys

    def _open(
        self, store: Keystore, password: Secret | None, alias: str, tp: str
    ) -> KeyEntry | None:
        if tp not in self._found:
            try:
                self._found[tp] = key_entry(store, alias, password, True)
            except VaultError as exc:  # another key password, or not RSA: not a candidate
                from . import _log

                _log.logger("vault.keysource").debug("%s#%s: %s", store.path, alias, exc)
                self._found[tp] = None
        return self._found[tp]


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
    """One ring of all the keys, in order: the first ring's first key encrypts. The
    other keys of each ring's keystores are still reached when a ciphertext names one."""
    return KeyRing.joined(rings)
