"""The keys and passwords the write commands open, as a library call.

What ``ciphertool`` decides before it rewrites a file or lists a keystore,
here so that a program doing the same gets the same answers: which config
names the keystore, the ring a rotation decrypts and encrypts with, a
keystore opened for listing with or without its password, the ring ``list``
and ``check`` test-decrypt with (or none, said), and a new keystore's
password. Prompts go through a ``prompt`` callable (default
:func:`getpass.getpass`), and only when ``interactive`` (default: standard
input is a terminal).
"""

from __future__ import annotations

import getpass
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

from vault.crypto.ring import KeyRing
from vault.errors import (
    InputError,
    MissingPasswordError,
    PasswordError,
    UsageError,
    VaultError,
)
from vault.keys.passwords import PasswordOptions, Passwords, find_passwords, given_passwords
from vault.keys.spec import KeystoreSpec
from vault.keystores import Keystore

log = logging.getLogger("vault.operations")

Prompt = Callable[[str], str]
"""Asks for a hidden line (:func:`getpass.getpass`'s signature)."""

__all__ = [
    "RotationRings",
    "RotationTarget",
    "config_of",
    "flag_passwords",
    "new_passwords",
    "open_listing",
    "private_ring_if_any",
    "rotation_rings",
]


def _interactive(interactive: bool | None) -> bool:
    if interactive is not None:
        return interactive
    return sys.stdin is not None and sys.stdin.isatty()


def config_of(files: Sequence[Path]) -> Path | None:
    """The config whose keystore table names the keystore: the first TOML of ``files``."""
    return next((f for f in files if f.suffix == ".toml"), None)


# -- passwords ---------------------------------------------------------------------------


def _asked(label: str, confirm: bool, prompt: Prompt | None) -> Prompt:
    """A prompt for :func:`find_passwords` that asks ``label`` instead of its own
    question (twice with ``confirm``; the two must agree)."""
    ask = prompt or getpass.getpass

    def asked(_question: str) -> str:
        first = ask(label)
        if confirm and ask("Again: ") != first:
            raise UsageError("the two passwords differ")
        return first

    return asked


def new_passwords(
    path: str,
    options: PasswordOptions,
    *,
    interactive: bool | None = None,
    prompt: Prompt | None = None,
) -> Passwords:
    """The passwords for a keystore about to be made: the usual sources in their order
    (:func:`find_passwords`); with none, on a terminal, a new password asked twice."""
    return find_passwords(
        path,
        options,
        interactive=_interactive(interactive),
        prompt=_asked(f"New password for {path}: ", True, prompt),
    )


def flag_passwords(
    path: str,
    file: str | None,
    env_name: str | None,
    flag: str,
    *,
    confirm: bool = False,
    interactive: bool | None = None,
    prompt: Prompt | None = None,
) -> Passwords:
    """A second keystore's passwords (``--FLAG-storepass-file``, ``--FLAG-storepass-env``;
    line 2 of the file is the key password), else a prompt on a terminal (asked twice
    with ``confirm``).

    Only those are read: the usual sources (environment, password files) hold the
    first keystore's password, not this one's."""
    given = given_passwords(file, env_name, flag=f"--{flag}-storepass")
    if given is not None:
        return given
    if _interactive(interactive):
        label = "New password" if flag == "new" else "Password"
        value = _asked(f"{label} for {path}: ", confirm, prompt)("")
        if not value:
            raise PasswordError("no password entered")
        from vault.keys.passwords import password

        return Passwords(password(value), None, "prompt")
    raise MissingPasswordError(
        f"no password for {path}; use --{flag}-storepass-file or --{flag}-storepass-env"
    )


# -- opening -----------------------------------------------------------------------------


def open_listing(
    spec: KeystoreSpec,
    options: PasswordOptions | None = None,
    *,
    interactive: bool | None = None,
) -> Keystore:
    """A keystore opened to list its entries: with its password when one is at hand (or
    asked for on a terminal); else JKS, JCEKS and PEM certificates unverified and a
    token's public objects, each said with a warning (PKCS12 needs its password)."""
    from vault.keys.ring import open_keystore

    options = options or PasswordOptions()
    try:
        store, _ = open_keystore(spec, options, need_private=True, interactive=False)
        return store
    except MissingPasswordError:
        if _interactive(interactive):
            store, _ = open_keystore(spec, options, need_private=True, interactive=True)
            return store
        store, _ = open_keystore(spec, options, need_private=False)
        if store.kind in ("JKS", "JCEKS"):
            log.warning("%s: no password given: entries listed, integrity not checked", spec.path)
        if store.kind == "PKCS11":
            log.warning("%s: no PIN given: the token's public objects only", spec.path)
        return store


def private_ring_if_any(
    spec: Callable[[], KeystoreSpec],
    options: PasswordOptions,
    *,
    explicit: bool,
    hint: Callable[[VaultError], str] = lambda _exc: "",
) -> KeyRing | None:
    """The ring ``list`` and ``check`` test-decrypt with, or None (said with a warning)
    when no key is at hand and none was named (``explicit`` False: a product home's own
    keystore is not named, its password may be missing where check runs). A
    ``password-tmp`` is left for the service's start. ``spec`` is called here, so
    that a keystore no one names is one more thing said, not an error."""
    from vault.keys.ring import open_key_ring

    try:
        return open_key_ring(spec(), options, need_private=True, keep_tmp=True)
    except (MissingPasswordError, UsageError, InputError) as exc:
        if explicit:
            raise
        log.warning("ciphertexts were not test-decrypted: %s%s", exc.message, hint(exc))
        return None


# -- rotation ----------------------------------------------------------------------------


class RotationTarget(NamedTuple):
    """Where a rotation's new key is (``--to-keystore``, ``--to-alias``,
    ``--to-storetype``) and where the new keystore's password comes from."""

    keystore: str | None = None
    alias: str | None = None
    storetype: str | None = None
    storepass_file: str | None = None
    storepass_env: str | None = None


class RotationRings(NamedTuple):
    """The rings of a rotation, and where its new key is."""

    ring: KeyRing
    """The old and the new keys: every ciphertext decrypts with one of them."""
    new: KeyRing
    """The new key alone: it encrypts."""
    keystore: str
    """The new key's keystore (a path, or a ``pkcs11:`` URI)."""
    alias: str
    """The new key's alias in it."""


def rotation_rings(
    target: RotationTarget,
    spec: Callable[[], KeystoreSpec],
    options: PasswordOptions,
    *,
    interactive: bool | None = None,
    prompt: Prompt | None = None,
) -> RotationRings:
    """Open the current key (``spec``, called once the target is found sound) and the new
    one (``target``; the new keystore's password from its own flags or a prompt, see
    :func:`flag_passwords`, unless the new key is in the current keystore)."""
    from vault.keys.ring import decrypting_entry, key_entry, load_store, open_keystores, ring_of
    from vault.keys.spec import is_pkcs11

    if not target.keystore and not target.alias:
        raise UsageError("say where to rotate to: --to-keystore PATH and/or --to-alias ALIAS")
    if target.keystore and not is_pkcs11(target.keystore):
        from vault.keystores import read_keystore_bytes

        read_keystore_bytes(target.keystore)  # a missing file is said before any password
    current = spec()
    stores = open_keystores(current, options)
    store, key_password = stores[0]
    old = decrypting_entry(store, current.alias, key_password)
    to_keystore = target.keystore
    same_file = not to_keystore or (
        to_keystore == store.path
        if is_pkcs11(to_keystore) or is_pkcs11(store.path)
        else Path(to_keystore).exists() and os.path.samefile(to_keystore, store.path)
    )
    if same_file and not target.storetype and not (target.storepass_file or target.storepass_env):
        new_store = store
        new = key_entry(store, target.alias, key_password, True)
    else:
        where = to_keystore or store.path
        passwords = flag_passwords(
            where,
            target.storepass_file,
            target.storepass_env,
            "to",
            interactive=interactive,
            prompt=prompt,
        )
        new_store = load_store(where, passwords.store, target.storetype)
        new = key_entry(new_store, target.alias, passwords.key or passwords.store, True)
    # The old keystores' other keys read what an earlier, unfinished rotation left (and,
    # with no alias, every ciphertext finds its key among them by thumbprint).
    ring = ring_of(stores, None, *([old] if old else []), new)
    return RotationRings(ring, KeyRing([new]), new_store.path, new_store.entry(target.alias).alias)
