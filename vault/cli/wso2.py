"""``--wso2-home`` for configure, change, rotate, list and check: the command-line side of
:mod:`vault.wso2`.

With ``--wso2-home DIR``, or with no FILES in a folder holding
``repository/conf/deployment.toml``, the commands work on the product home
as ``ciphertool.sh`` does: its keystore (unless ``--keystore`` or
``$CIPHERTOOL_KEYSTORE`` name another), its ``deployment.toml`` and its
legacy ``cipher-text.properties`` / ``cipher-tool.properties``, and
ciphertexts WSO2's runtime reads: plain RSA blocks, PKCS#1 v1.5 unless a
transformation is given or recorded in ``secret-conf.properties``.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from click.core import ParameterSource

from vault.errors import AliasError, UsageError
from vault.keys.passwords import ENV_HOME, PasswordOptions
from vault.secret import Secret
from vault.wso2.home import ProductHome, detect_home

F = TypeVar("F", bound=Callable[..., Any])

# The same names as vault.keys.spec's, which imports cryptography: not at start-up.
ENV_KEYSTORE = "CIPHERTOOL_KEYSTORE"
ENV_TYPE = "CIPHERTOOL_KEYSTORE_TYPE"
ENV_ALIAS = "CIPHERTOOL_KEY_ALIAS"

if TYPE_CHECKING:
    from vault.crypto.ring import KeyRing
    from vault.wso2.configure import KeyFacts


def wso2_home_option(function: F) -> F:
    option = click.option(
        "--wso2-home",
        "wso2_home",
        metavar="DIR",
        type=click.Path(file_okay=False),
        help=(
            "A WSO2 product home: work on its deployment.toml and legacy cipher-text.properties "
            "with its keystore, as ciphertool.sh does (the current folder when no FILES are "
            "given and it holds repository/conf/deployment.toml)."
        ),
    )
    return option(function)


def home_for(
    files: tuple[str, ...],
    wso2_home: str | None,
    what: str = "FILES",
    *,
    input_type: str | None = None,
) -> ProductHome | None:
    """The product home to work on, or None for plain FILES."""
    if input_type is not None and not files:
        raise UsageError(f"--input-type names the format of {what}; give {what}")
    if wso2_home is not None:
        if files:
            raise UsageError(f"give {what} or --wso2-home, not both")
        return ProductHome.at(wso2_home)
    if files:
        return None
    found = detect_home(Path.cwd())
    if found is None:
        raise UsageError(
            f"no {what} given, and the current folder is no WSO2 product home "
            "(no repository/conf/deployment.toml): give FILES or --wso2-home DIR"
        )
    return found


def _given(name: str) -> bool:
    ctx = click.get_current_context()
    return ctx.get_parameter_source(name) not in (
        None,
        ParameterSource.DEFAULT,
        ParameterSource.DEFAULT_MAP,
    )


def prepare_keystore(home: ProductHome, kwargs: dict[str, Any]) -> None:
    """The home's keystore where neither a flag nor the environment names one, and the
    home's ``password-tmp`` / ``password-persist`` when ``$CIPHERTOOL_HOME`` is unset."""
    if not kwargs.get("keystore") and not os.environ.get(ENV_KEYSTORE):
        spec = home.keystore()
        kwargs["keystore"] = spec.path
        if not kwargs.get("storetype") and not os.environ.get(ENV_TYPE):
            kwargs["storetype"] = spec.storetype
        if not kwargs.get("alias") and not os.environ.get(ENV_ALIAS):
            kwargs["alias"] = spec.alias
    if not os.environ.get(ENV_HOME) and any(
        (home.root / name).is_file() for name in ("password-tmp", "password-persist")
    ):
        os.environ[ENV_HOME] = str(home.root)


def _write_options(kwargs: dict[str, Any]) -> tuple[Any, str | None]:
    """(Options, the transformation given or None): plain PKCS#1 unless asked otherwise."""
    from vault.crypto.transformations import PKCS1, canonical_transformation
    from vault.operations.workspace import Options

    fmt = kwargs.pop("fmt", "plain")
    transformation = kwargs.pop("transformation", None)
    if kwargs.pop("secrets", None) is not None:
        raise UsageError("--secrets does not go with --wso2-home (the home has its own stores)")
    given = canonical_transformation(transformation) if _given("transformation") else None
    new_key = kwargs.pop("new_key", False)
    options = Options(None, fmt if _given("fmt") else "plain", given or PKCS1, new_key=new_key)
    return options, given


def _public_ring(kwargs: dict[str, Any], options: PasswordOptions) -> tuple[KeyRing, KeyFacts]:
    """The key that encrypts, opened once (a password-tmp is read only once)."""
    from vault.crypto.ring import KeyRing
    from vault.keys.ring import open_encryption_key
    from vault.keys.spec import keystore_spec
    from vault.wso2.configure import KeyFacts

    spec = keystore_spec(kwargs["keystore"], kwargs["storetype"], kwargs["alias"])
    store, entry = open_encryption_key(spec, options)
    alias = entry.label.rpartition("#")[2]
    return KeyRing([entry]), KeyFacts(Path(store.path).absolute(), store.kind, alias)


def configure(home: ProductHome, kwargs: dict[str, Any], passwords: PasswordOptions) -> None:
    from vault.wso2.configure import configure_home

    options, given = _write_options(kwargs)
    prepare_keystore(home, kwargs)
    ring, facts = _public_ring(kwargs, passwords)
    report = configure_home(home, ring, facts, options, transformation=given)
    for store, names in report.encrypted.items():
        click.echo(f"{store}: encrypted {len(names)} alias(es): {', '.join(names)}", err=True)
    for file, names in report.aliased.items():
        click.echo(f"{file}: secured {', '.join(names)}", err=True)
    if report.secret_conf is not None:
        click.echo(f"{report.secret_conf}: written ({report.transformation})", err=True)
    if not report.encrypted and not report.aliased:
        click.echo("nothing to encrypt", err=True)


def _store_with(home: ProductHome, alias: str) -> Path:
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


def change(
    home: ProductHome,
    alias: str,
    kwargs: dict[str, Any],
    passwords: PasswordOptions,
    read_value: Callable[[str], Secret],
) -> Path:
    from vault.operations.change import change as run_change
    from vault.wso2.configure import count_plain, home_transformation

    options, given = _write_options(kwargs)
    file = _store_with(home, alias)
    effective, _ = home_transformation(home, given, count_plain(home, skip=alias))
    prepare_keystore(home, kwargs)
    ring, _ = _public_ring(kwargs, passwords)
    value = read_value(f"new value of {alias}")
    options = dataclasses.replace(options, transformation=effective)
    return run_change(file, alias, value, ring, options)


def home_stores(home: ProductHome, kwargs: dict[str, Any]) -> list[Path]:
    """The home's secret stores (deployment.toml, cipher-text.properties), its keystore
    prepared (see :func:`prepare_keystore`)."""
    prepare_keystore(home, kwargs)
    if not home.stores():
        raise UsageError(f"{home.root}: no deployment.toml or cipher-text.properties")
    return home.stores()


def after_rotate(home: ProductHome, new: KeyRing) -> None:
    """Point secret-conf.properties at the new key, as ``-Drotate`` rewrites it."""
    from vault.keystores import read_keystore_bytes, sniff_kind
    from vault.wso2.configure import KeyFacts, write_secret_conf

    label = new.entries[0].label
    path, _, alias = label.rpartition("#")
    if not path:
        return
    kind = sniff_kind(read_keystore_bytes(path)) or "PKCS12"
    facts = KeyFacts(Path(path).absolute(), kind, alias)
    if write_secret_conf(home, facts, home.recorded_transformation()):
        click.echo(f"{home.secret_conf_properties}: now names {path}#{alias}", err=True)
