"""Which keystore (and whose password) a command means; :mod:`vault.keys.ring` opens it.

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
from vault.errors import InputError, UsageError

if TYPE_CHECKING:
    from vault.keystores._pkcs11_uri import Pkcs11Uri

ENV_KEYSTORE = "CIPHERTOOL_KEYSTORE"
ENV_TYPE = "CIPHERTOOL_KEYSTORE_TYPE"
ENV_ALIAS = "CIPHERTOOL_KEY_ALIAS"

__all__ = [
    "ENV_ALIAS",
    "ENV_KEYSTORE",
    "ENV_TYPE",
    "KeystoreSpec",
    "check_config_keystore",
    "is_pkcs11",
    "keystore_spec",
    "parse_pkcs11_uri",
    "split_keystores",
]


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
        from vault.keystores import normalise_kind

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
