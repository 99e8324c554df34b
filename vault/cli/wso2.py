"""``--wso2-home`` for configure, change, rotate, list and check: which product home a
command line names, and the key options it then means. What is done with the home is
the library's (:mod:`vault.wso2.commands`).

With ``--wso2-home DIR``, or with no FILES in a folder holding
``repository/conf/deployment.toml``, the commands work on the product home
as ``ciphertool.sh`` does.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import click

from vault.cli.options import KeyOptions, KeystoreOptions
from vault.errors import UsageError

if TYPE_CHECKING:
    from vault.keys.spec import KeystoreSpec
    from vault.wso2.configure import HomeReport
    from vault.wso2.home import ProductHome


def home_for(
    files: tuple[str, ...],
    wso2_home: str | None,
    what: str = "FILES",
    *,
    input_type: str | None = None,
) -> ProductHome | None:
    """The product home to work on, or None for plain FILES."""
    from vault.wso2.home import ProductHome, detect_home

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


def home_key(home: ProductHome, key: KeyOptions) -> KeyOptions:
    """The key options on ``home``: its keystore where neither a flag nor the
    environment names one (see :func:`vault.wso2.commands.home_keystore`)."""
    from vault.wso2.commands import home_keystore

    given = key.keystore
    chosen = home_keystore(home, given.keystore, given.storetype, given.alias)
    return key._replace(keystore=KeystoreOptions(*chosen))


def spec_on(home: ProductHome, key: KeyOptions) -> KeystoreSpec:
    """The keystore ``key`` names on ``home`` (its ``password-tmp`` / ``password-persist``
    read from its root)."""
    chosen = home_key(home, key)
    spec = chosen.keystore.spec(password_home=str(home.root))
    if chosen.keystore.keystore != key.keystore.keystore and spec.named_by is None:
        # The home's own files named this keystore, not the operator: it must be one a
        # password protects, as for a config given as FILES (DESIGN, "What must never
        # happen"), so the check sees the file that named it.
        named_by = next(
            (p for p in (home.deployment_toml, home.carbon_xml) if p.is_file()), home.root
        )
        spec = spec._replace(named_by=str(named_by))
    return spec


class Targets(NamedTuple):
    """What list, check and rotate read: FILES, or a product home's stores."""

    paths: list[Path]
    explicit: bool
    """Whether a keystore was named (by flag or environment)."""
    home: ProductHome | None
    key: KeyOptions
    """The key options, a product home's keystore filled in where none is named."""


def targets(
    files: tuple[str, ...], wso2_home: str | None, key: KeyOptions, input_type: str | None
) -> Targets:
    """FILES, or a product home's stores (its keystore then used unless one is named)."""
    from vault.keys.spec import ENV_KEYSTORE

    explicit = bool(key.keystore.keystore or os.environ.get(ENV_KEYSTORE))
    home = home_for(files, wso2_home, input_type=input_type)
    if home is None:
        return Targets([Path(f) for f in files], explicit, None, key)
    from vault.wso2.commands import home_stores

    key = home_key(home, key)
    return Targets(home_stores(home), explicit, home, key)


def spec_for(targets: Targets) -> KeystoreSpec:
    """The keystore that opens for ``targets``: as named, else the first TOML's table."""
    from vault.operations.rings import config_of

    home = str(targets.home.root) if targets.home is not None else None
    return targets.key.keystore.spec(config_of(targets.paths), password_home=home)


def say_configured(report: HomeReport) -> None:
    """What configure did to a product home, on stderr."""
    for store, names in report.encrypted.items():
        click.echo(f"{store}: encrypted {len(names)} alias(es): {', '.join(names)}", err=True)
    for file, names in report.aliased.items():
        click.echo(f"{file}: secured {', '.join(names)}", err=True)
    if report.secret_conf is not None:
        click.echo(f"{report.secret_conf}: written ({report.transformation})", err=True)
    if not report.encrypted and not report.aliased:
        click.echo("nothing to encrypt", err=True)
