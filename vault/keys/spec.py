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
from typing import TYPE_CHECKING, NamedTuple

from vault.configs.store import keystore_table, read_toml
from vault.crypto.cipher import KeyEntry, KeyRing
from vault.errors import (
    AliasError,
    InputError,
    KeystoreFormatError,
    MissingPasswordError,
    UsageError,
    VaultError,
)
from vault.keys.passwords import PasswordOptions, Passwords, find_passwords
from vault.keystores import (
    Keystore,
    normalise_kind,
    parse_keystore,
    read_keystore_bytes,
    sniff_kind,
)
from vault.secret import Secret

if TYPE_CHECKING:
    from vault.keystores._pkcs11_uri import Pkcs11Uri

ENV_KEYSTORE = "CIPHERTOOL_KEYSTORE"
ENV_TYPE = "CIPHERTOOL_KEYSTORE_TYPE"
ENV_ALIAS = "CIPHERTOOL_KEY_ALIAS"
_NO_OPTIONS = PasswordOptions()


# -- pkcs11: URIs (RFC 7512) -------------------------------------------------------

PKCS11_SCHEME = "pkcs11:"


def is_pkcs11(name: str | os.PathLike[str]) -> bool:
    """Whether a keystore name is a ``pkcs11:`` URI (RFC 7512) rather than a file."""
    return os.fspath(name)[:7].lower() == PKCS11_SCHEME


def parse_pkcs11_uri(text: str, *, from_config: bool = False) -> Pkcs11Uri:
    """Parse a ``pkcs11:`` URI naming a token's key pair (see
    :func:`vault.keystores._pkcs11_uri.parse`: the parser is loaded only for a URI)."""
    from vault.keystores._pkcs11_uri import parse

    return parse(text, from_config=from_config)


def split_keystores(value: str) -> list[str]:
    """The keystores of a ``PATH``-separated list, never cut inside a ``pkcs11:`` URI.

    A URI's own colons (its scheme's, and any in its values, which RFC 7512 allows)
    stay in it: after a ``pkcs11:`` URI, the next keystore starts only at a colon
    followed by another ``pkcs11:`` URI or by a path beginning with ``/``, ``.`` or
    ``~`` (``pkcs11:token=hsm;object=app:./old.p12``).
    """
    pieces = value.split(os.pathsep)
    if not any(p.lower() == "pkcs11" for p in pieces[:-1]):
        return pieces
    out: list[str] = []
    in_uri = False
    i = 0
    while i < len(pieces):
        piece = pieces[i]
        if piece.lower() == "pkcs11" and i + 1 < len(pieces):
            out.append(piece + ":" + pieces[i + 1])
            in_uri = True
            i += 2
            continue
        if in_uri and piece[:1] not in ("/", ".", "~"):
            out[-1] += ":" + piece
        else:
            out.append(piece)
            in_uri = False
        i += 1
    return out


class KeystoreSpec(NamedTuple):
    """Where a key lives: the keystore file, its type (None: sniffed), the alias of the
    key that encrypts, and the folder searched first for ``password-tmp`` /
    ``password-persist`` (a WSO2 product home's root; None: the keystore's folder)."""

    path: str
    storetype: str | None = None
    alias: str | None = None
    named_by: str | None = None
    """The config file whose keystore table named it (None: the operator did)."""
    password_home: str | None = None
    """Searched first for password-tmp / password-persist (a product home's root)."""


def _product_home_keystore(config: Path) -> KeystoreSpec | None:
    """The keystore of a WSO2 product home's ``repository/conf/deployment.toml``, as the
    product finds it (``repository/resources/security/``, secret-conf.properties)."""
    absolute = config.absolute()
    if absolute.name != "deployment.toml" or absolute.parent.parts[-2:] != ("repository", "conf"):
        return None
    from vault.wso2.home import ProductHome

    home = ProductHome(absolute.parent.parent.parent)
    spec = home.keystore()
    return KeystoreSpec(
        spec.path, spec.storetype, spec.alias, os.fspath(config), password_home=str(home.root)
    )


def _config_keystore(config: str | os.PathLike[str]) -> KeystoreSpec | None:
    """``[keystore.internal]``, else ``[keystore.primary]``, of a TOML config.

    Whoever can write the config chooses this keystore, so it must be one file: a
    ``:``-list would let a keystore of theirs encrypt every new secret while the
    operator's own still decrypts (see :func:`check_config_keystore` for the rest)."""
    if not os.fspath(config).endswith(".toml"):
        return None
    in_home = _product_home_keystore(Path(config))
    if in_home is not None:
        return in_home
    table = keystore_table(read_toml(config))
    if table is None:
        return None
    text = table.file_name
    if is_pkcs11(text):
        parse_pkcs11_uri(text, from_config=True)  # refuses a module-path
        file_name = text
    else:
        if os.pathsep in text:
            raise InputError(
                f"[keystore.{table.name}] file_name names several keystores ({os.pathsep!r}); "
                "a config names one keystore file (a list is for --keystore and "
                "$CIPHERTOOL_KEYSTORE)",
                path=config,
                line=_line_of(config, table.name, "file_name"),
            )
        named = Path(text)
        if not named.is_absolute():
            named = Path(config).parent / named
        file_name = os.fspath(named)
    return KeystoreSpec(file_name, table.type, table.alias, os.fspath(config))


def _line_of(config: str | os.PathLike[str], table: str, key: str) -> int | None:
    """The line of ``key`` in a TOML config's ``[keystore.TABLE]`` (for errors only)."""
    from vault.configs.formats import parse
    from vault.configs.store import read_text

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
            "no keystore given (by argument, $CIPHERTOOL_KEYSTORE, or the config's "
            "[keystore.internal] / [keystore.primary] table)",
            hint="keystore",
        )
    # The config's type and alias belong to the config's keystore, not to one named elsewhere.
    own = from_config if from_config and from_config.path == path else None
    kind = storetype or env.get(ENV_TYPE) or (own.storetype if own else None)
    if kind:
        normalise_kind(kind)
    name = alias or env.get(ENV_ALIAS) or (own.alias if own else None)
    for n, part in enumerate(split_keystores(path)):
        if is_pkcs11(part):
            uri = parse_pkcs11_uri(part, from_config=own is not None)
            if n == 0 and uri.object is not None:
                if name is not None and name.lower() != uri.object.lower():
                    raise UsageError(
                        f"--alias '{name}' and the URI's object '{uri.object}' differ; give one"
                    )
                name = uri.object
    named_by = own.named_by if own and not keystore and not env.get(ENV_KEYSTORE) else None
    return KeystoreSpec(path, kind, name, named_by, own.password_home if own else None)


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
        _log.debug("vault.keys.spec", "%s: %s, certificates only (no password)", spec.path, kind)
        return parse_keystore(spec.path, data, None, spec.storetype), None
    passwords = find_passwords(
        spec.path,
        options,
        environ=environ,
        interactive=interactive,
        keep_tmp=keep_tmp,
        home=spec.password_home,
    )
    _log.debug("vault.keys.spec", "%s: %s, password from %s", spec.path, kind, passwords.source)
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
    from vault.errors import AliasError

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
        spec.path, options, environ=environ, interactive=interactive, keep_tmp=keep_tmp
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
                        _log.logger("vault.keys.spec").debug(
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

                _log.logger("vault.keys.spec").debug("%s#%s: %s", store.path, alias, exc)
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
