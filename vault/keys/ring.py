"""Opening a keystore spec (see :mod:`vault.keys.spec`) into a key ring.

The password is looked for only when a private key is needed; a spec that lists
several keystores gives one ring whose first keystore's key encrypts and whose
other keys are decrypted only when a ciphertext names one of them.
"""

from __future__ import annotations

from collections.abc import Mapping

from vault.crypto.ring import KeyEntry, KeyRing
from vault.errors import (
    AliasError,
    KeystoreFormatError,
    MissingPasswordError,
    UsageError,
    VaultError,
)
from vault.keys.passwords import PasswordOptions, Passwords, find_passwords
from vault.keys.spec import (
    KeystoreSpec,
    check_config_keystore,
    is_pkcs11,
    parse_pkcs11_uri,
    split_keystores,
)
from vault.keystores import (
    Keystore,
    normalise_kind,
    parse_keystore,
    read_keystore_bytes,
    sniff_kind,
)
from vault.secret import Secret

__all__ = [
    "OpenStore",
    "decrypting_entry",
    "join",
    "key_entry",
    "load_store",
    "open_encryption_key",
    "open_key_ring",
    "open_keystore",
    "open_keystores",
    "ring_of",
]

_NO_OPTIONS = PasswordOptions()


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
    if is_pkcs11(spec.path):
        return _open_token(spec, options, need_private, environ, interactive, keep_tmp)
    data = read_keystore_bytes(spec.path)
    kind = normalise_kind(spec.storetype) if spec.storetype else sniff_kind(data)
    if kind is None:  # said before any password is looked for
        raise KeystoreFormatError("is not a keystore (JKS, JCEKS, PKCS12 or PEM)", path=spec.path)
    check_config_keystore(spec, kind, data)
    from vault import _log

    if not need_private and kind in ("JKS", "JCEKS", "PEM"):
        _log.debug("vault.keys.ring", "%s: %s, certificates only (no password)", spec.path, kind)
        return parse_keystore(spec.path, data, None, spec.storetype), None
    passwords = find_passwords(
        spec.path,
        options,
        environ=environ,
        interactive=interactive,
        keep_tmp=keep_tmp,
        home=spec.password_home,
    )
    _log.debug("vault.keys.ring", "%s: %s, password from %s", spec.path, kind, passwords.source)
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
    path = split_keystores(spec.path)[0]
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


def load_store(
    path: str,
    password: Secret | None,
    storetype: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> Keystore:
    """:func:`~vault.keystores.load_keystore`, or a token's objects for a ``pkcs11:`` URI
    (``password`` is its PIN)."""
    if not is_pkcs11(path):
        from vault.keystores import load_keystore

        return load_keystore(path, password, storetype)
    from vault.keystores import pkcs11

    if storetype and normalise_kind(storetype) != "PKCS11":
        raise UsageError(f"--storetype {storetype} does not match a pkcs11: URI")
    uri = parse_pkcs11_uri(path)
    return pkcs11.open_token(uri, uri.module(environ), password)


def _open_token(
    spec: KeystoreSpec,
    options: PasswordOptions,
    need_private: bool,
    environ: Mapping[str, str] | None,
    interactive: bool | None,
    keep_tmp: bool,
) -> tuple[Keystore, Passwords | None]:
    """A PKCS#11 token: the PIN is the store password. Certificates are public objects,
    so encrypting logs in only when the token hides them."""
    uri = parse_pkcs11_uri(spec.path)
    if not need_private:
        store = load_store(spec.path, None, spec.storetype, environ=environ)
        try:
            if spec.alias is not None or uri.object is not None or uri.id is not None:
                store.certificate_der(spec.alias)
            return store, None
        except AliasError:
            pass  # the certificate may be a private object: log in
    passwords = find_passwords(
        spec.path,
        options,
        environ=environ,
        interactive=interactive,
        keep_tmp=keep_tmp,
        home=spec.password_home,
    )
    return load_store(spec.path, passwords.store, spec.storetype, environ=environ), passwords


def open_key_ring(
    spec: KeystoreSpec,
    options: PasswordOptions = _NO_OPTIONS,
    *,
    need_private: bool = True,
    environ: Mapping[str, str] | None = None,
    interactive: bool | None = None,
    keep_tmp: bool = False,
) -> KeyRing:
    """The ring for ``spec``: its key encrypts and decrypts.

    The alias only chooses the key that encrypts: a self-contained ciphertext names
    its key by thumbprint, so a keystore holding several keys decrypts without one
    (and a ring made so refuses to encrypt, saying which keys it could use).

    For decryption the ring also reaches, on demand, every other private key
    of the keystore, and of further keystores when ``spec.path`` lists
    several (``a.p12:b.p12``, the ``PATH`` separator; see :func:`split_keystores` for
    ``pkcs11:`` URIs in such a list): during a rotation's
    roll-out a service given the old and the new keystore reads both. Those
    keys are decrypted only when a ciphertext asks for one of them.
    """
    if not need_private:
        _, entry = open_encryption_key(spec, options, environ=environ, interactive=interactive)
        return KeyRing([entry])
    stores = open_keystores(
        spec, options, environ=environ, interactive=interactive, keep_tmp=keep_tmp
    )
    return ring_of(stores, spec.alias)


OpenStore = tuple[Keystore, Secret | None]
"""A keystore opened with its password, and the key password for its keys."""


def open_keystores(
    spec: KeystoreSpec,
    options: PasswordOptions = _NO_OPTIONS,
    *,
    environ: Mapping[str, str] | None = None,
    interactive: bool | None = None,
    keep_tmp: bool = False,
) -> list[OpenStore]:
    """Every keystore ``spec.path`` lists (``PATH``-separator), opened for private keys."""
    opened: list[OpenStore] = []
    for n, path in enumerate(split_keystores(spec.path)):
        store, passwords = open_keystore(
            KeystoreSpec(
                path,
                spec.storetype if n == 0 else None,
                named_by=spec.named_by,
                password_home=spec.password_home,
            ),
            options,
            need_private=True,
            environ=environ,
            interactive=interactive,
            keep_tmp=keep_tmp,
        )
        opened.append((store, passwords.key if passwords else None))
    return opened


def ring_of(stores: list[OpenStore], alias: str | None, *first: KeyEntry) -> KeyRing:
    """A ring whose ``first`` keys (else ``alias`` of the first keystore) come first; every
    other private key of ``stores`` is reached on demand."""
    unchosen: AliasError | None = None
    if not first:
        store, key_password = stores[0]
        try:
            entry = store.entry(alias)
        except AliasError as exc:
            if alias is not None or not _holds_several_keys(store):
                raise
            entry, unchosen = None, exc  # each ciphertext names its key; none encrypts
        if entry is None or entry.kind == "secret-key":
            first = ()  # (WSO2 -Dsymmetric: the alias names an AES key; decryption only)
        else:
            first = (key_entry(store, alias, key_password, True),)
    others = _OtherKeys(stores, {e.thumbprint for e in first})
    return KeyRing(first, more=others, symmetric=others, unchosen=unchosen)


def _holds_several_keys(store: Keystore) -> bool:
    return sum(e.kind == "private-key" for e in store.entries) > 1


def decrypting_entry(
    store: Keystore, alias: str | None, key_password: Secret | None
) -> KeyEntry | None:
    """The key of ``alias``; with no alias, the keystore's one key, or None when it holds
    several (each ciphertext then finds its own by thumbprint)."""
    if alias is None and _holds_several_keys(store):
        return None
    return key_entry(store, alias, key_password, True)


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
            from vault import _log

            self._secret_keys = []
            for store, password in self._stores:
                for entry in store.entries:
                    if entry.kind != "secret-key":
                        continue
                    try:
                        key = store.secret_key(entry.alias, password)
                    except VaultError as exc:
                        _log.logger("vault.keys.ring").debug(
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
                from vault import _log

                _log.logger("vault.keys.ring").debug("%s#%s: %s", store.path, alias, exc)
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
