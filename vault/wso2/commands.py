"""The write commands on a WSO2 product home, as library calls: what ``ciphertool
configure``, ``change``, ``rotate``, ``list`` and ``check`` do with ``--wso2-home``.

A product home is worked on as ``ciphertool.sh`` does: its keystore (unless the
caller or ``$CIPHERTOOL_KEYSTORE`` names another), its ``deployment.toml`` and its
legacy ``cipher-text.properties``, and ciphertexts its runtime reads: plain RSA
blocks, PKCS#1 v1.5 unless a transformation is given or recorded in
``secret-conf.properties``. Its ``password-tmp`` / ``password-persist`` are read
from its root, passed along in the :class:`~vault.keys.spec.KeystoreSpec`
(``password_home``), never through the process environment.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from pathlib import Path

from vault.crypto.ring import KeyRing
from vault.crypto.transformations import PKCS1
from vault.errors import AliasError, UsageError
from vault.keys.passwords import PasswordOptions
from vault.keys.ring import open_encryption_key
from vault.keys.spec import ENV_ALIAS, ENV_KEYSTORE, ENV_TYPE, KeystoreSpec
from vault.operations.workspace import EnvelopeChoice, Options
from vault.secret import Secret
from vault.wso2.configure import (
    HomeReport,
    KeyFacts,
    configure_home,
    count_plain,
    home_transformation,
    write_secret_conf,
)
from vault.wso2.home import ProductHome

__all__ = [
    "change_secret",
    "configure",
    "encryption_key",
    "home_keystore",
    "home_stores",
    "point_secret_conf",
    "store_with",
    "write_options",
]


def home_keystore(
    home: ProductHome,
    keystore: str | None = None,
    storetype: str | None = None,
    alias: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> tuple[str | None, str | None, str | None]:
    """(keystore, storetype, alias) for a command on ``home``: each as given, else as the
    environment gives it, else the home's own (see :meth:`ProductHome.keystore`)."""
    env = os.environ if environ is None else environ
    if keystore or env.get(ENV_KEYSTORE):
        return keystore, storetype, alias
    own = home.keystore()
    return (
        own.path,
        storetype or (None if env.get(ENV_TYPE) else own.storetype),
        alias or (None if env.get(ENV_ALIAS) else own.alias),
    )


def home_stores(home: ProductHome) -> list[Path]:
    """The home's secret stores (deployment.toml, cipher-text.properties); none is an error."""
    stores = home.stores()
    if not stores:
        raise UsageError(f"{home.root}: no deployment.toml or cipher-text.properties")
    return stores


def write_options(
    format: EnvelopeChoice | None, transformation: str | None, *, new_key: bool = False
) -> tuple[Options, str | None]:
    """How a product home's new ciphertexts are written, and the transformation asked for
    (None: none was): the bare RSA block (``plain``) in PKCS#1 v1.5, as the product's
    cipher tool writes, unless asked otherwise."""
    from vault.crypto.transformations import canonical_transformation

    given = canonical_transformation(transformation) if transformation is not None else None
    return Options(None, format or "plain", given or PKCS1, new_key=new_key), given


def encryption_key(spec: KeystoreSpec, passwords: PasswordOptions) -> tuple[KeyRing, KeyFacts]:
    """The key that encrypts, opened once (a password-tmp is read only once), and what
    secret-conf.properties says of it."""
    store, entry = open_encryption_key(spec, passwords)
    facts = KeyFacts(Path(store.path).absolute(), store.kind, store.entry(spec.alias).alias)
    return KeyRing([entry]), facts


def configure(
    home: ProductHome,
    spec: Callable[[], KeystoreSpec],
    passwords: PasswordOptions,
    options: Options,
    transformation: str | None,
) -> HomeReport:
    """``configure`` on a product home (``ciphertool.sh -Dconfigure``): see
    :func:`vault.wso2.configure.configure_home`; ``spec`` names the key that encrypts."""
    ring, facts = encryption_key(spec(), passwords)
    return configure_home(home, ring, facts, options, transformation=transformation)


def store_with(home: ProductHome, alias: str) -> Path:
    """The home's secret store that holds ``alias``."""
    from vault.operations.files import read_config
    from vault.operations.workspace import aliases

    known: list[str] = []
    for path in home.stores():
        names = aliases(read_config(path))
        if alias in names:
            return path
        known.extend(names)
    raise AliasError(
        f"no alias '{alias}' in the product home's secret stores "
        f"(aliases: {', '.join(sorted(known)) or 'none'})",
        path=home.root,
        alias=alias,
    )


def change_secret(
    home: ProductHome,
    alias: str,
    spec: Callable[[], KeystoreSpec],
    passwords: PasswordOptions,
    options: Options,
    transformation: str | None,
    read_value: Callable[[str], Secret],
) -> Path:
    """``change`` on a product home (``ciphertool.sh -Dchange``): ``alias`` gets the value
    ``read_value`` gives (asked once the store and the key are found), encrypted as the
    home's other plain ciphertexts are. Returns the store written."""
    from vault.operations.change import change

    file = store_with(home, alias)
    effective, _ = home_transformation(home, transformation, count_plain(home, skip=alias))
    ring, _ = encryption_key(spec(), passwords)
    value = read_value(f"new value of {alias}")
    return change(file, alias, value, ring, dataclasses.replace(options, transformation=effective))


def point_secret_conf(home: ProductHome, keystore: str, alias: str) -> bool:
    """Point secret-conf.properties at a new key, as ``-Drotate`` rewrites it; False when
    it already named it."""
    from vault.keystores import read_keystore_bytes, sniff_kind

    kind = sniff_kind(read_keystore_bytes(keystore)) or "PKCS12"
    facts = KeyFacts(Path(keystore).absolute(), kind, alias)
    return write_secret_conf(home, facts, home.recorded_transformation())
