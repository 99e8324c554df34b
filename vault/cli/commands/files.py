"""The commands on config files: ``configure``, ``protect``, ``change``, ``list`` and
``check`` (each also on a WSO2 product home, see :mod:`vault.cli.wso2`)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from vault.cli import wso2 as _wso2
from vault.cli.base import hint_for
from vault.cli.cmdoptions import (
    WriteOptions,
    input_type_option,
    key_option_group,
    read_options,
    read_transformation_option,
    secrets_option,
    write_option_group,
    wso2_home_option,
)
from vault.cli.framework import echo, read_value
from vault.cli.options import KeyOptions
from vault.errors import UsageError

if TYPE_CHECKING:
    from vault.crypto.ring import KeyRing
    from vault.keys.spec import KeystoreSpec
    from vault.operations.workspace import Options


def _home_write(write: WriteOptions) -> tuple[Options, str | None]:
    """The library's options on a product home: plain PKCS#1 unless asked otherwise."""
    from vault.wso2.commands import write_options

    if write.secrets is not None:
        raise UsageError("--secrets does not go with --wso2-home (the home has its own stores)")
    return write_options(write.format, write.transformation, new_key=write.new_key)


@click.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@write_option_group
@wso2_home_option
def configure(
    files: tuple[str, ...], wso2_home: str | None, key: KeyOptions, write: WriteOptions
) -> None:
    """Encrypt every [plaintext] entry of the FILES' secret stores (WSO2 -Dconfigure).

    TOML keeps its store in [secrets], YAML and JSON in the top-level `secrets`
    mapping; other formats in cipher-text.properties beside them. Values
    already encrypted are left alone, so a second run changes nothing. Only
    the public key is used.

    With --wso2-home (or no FILES, in a product home): the home's
    deployment.toml and legacy XPath mode, and secret-conf.properties, as
    ciphertool.sh -Dconfigure.

    \b
    Example:
      ciphertool configure repository/conf/deployment.toml
      ciphertool configure --wso2-home /opt/wso2is-7.0.0
    """
    from vault.operations.configure import configure as run_configure

    home = _wso2.home_for(files, wso2_home, input_type=write.input_type)
    if home is not None:
        from vault.wso2 import commands

        options, given = _home_write(write)
        report = commands.configure(
            home, lambda: _wso2.spec_on(home, key), key.passwords, options, given
        )
        _wso2.say_configured(report)
        return
    paths = [Path(f) for f in files]
    options = write.options()
    done = run_configure(paths, _public_ring(paths, key), options)
    for store, names in done.items():
        click.echo(f"{store}: encrypted {len(names)} alias(es): {', '.join(names)}", err=True)
    if not done:
        click.echo("nothing to encrypt", err=True)


def _public_ring(paths: list[Path], key: KeyOptions) -> KeyRing:
    from vault.keys.ring import open_key_ring
    from vault.operations.rings import config_of

    return open_key_ring(key.keystore.spec(config_of(paths)), key.passwords, need_private=False)


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--key",
    "keys",
    multiple=True,
    metavar="REGEX",
    help="Also protect keys whose dotted path matches (repeatable).",
)
@click.option("--dry-run", is_flag=True, help="Say what would be protected; change nothing.")
@write_option_group
def protect(
    files: tuple[str, ...],
    keys: tuple[str, ...],
    dry_run: bool,
    key: KeyOptions,
    write: WriteOptions,
) -> None:
    """Encrypt plaintext values under sensitive keys into the store; write $secret{alias}.

    Sensitive keys: the last key segment ends in password, passwd, pwd,
    passphrase, secret, token, api key, private key, client secret, secret
    key or credential(s), plus --key patterns. The alias is the key path
    joined with `_`. Every other byte of each file stays as it was.

    \b
    Example:
      ciphertool protect --dry-run application.yml .env
    """
    from vault.configs.sensitive import SensitiveKeys
    from vault.operations.protect import protect as run_protect

    paths = [Path(f) for f in files]
    options = write.options()
    ring = None if dry_run else _public_ring(paths, key)
    done = run_protect(paths, ring, SensitiveKeys(keys), options, dry_run=dry_run)
    verb = "would protect" if dry_run else "protected"
    for item in done:
        echo(f"{item.file}:{item.line}: {verb} {item.key} as $secret{{{item.alias}}}")
    if not done:
        click.echo("no plaintext under sensitive keys", err=True)


@click.command()
@click.argument("secret_alias", metavar="ALIAS")
@click.option(
    "--file",
    "-f",
    "file",
    type=click.Path(dir_okay=False),
    help="The config whose store holds ALIAS.",
)
@write_option_group
@wso2_home_option
def change(
    secret_alias: str,
    file: str | None,
    wso2_home: str | None,
    key: KeyOptions,
    write: WriteOptions,
) -> None:
    """Give ALIAS a new value, read from a hidden prompt (asked twice) or stdin (WSO2 -Dchange)."""
    from vault.operations.change import change as run_change

    home = _wso2.home_for((file,) if file else (), wso2_home, "--file", input_type=write.input_type)
    if home is not None:
        from vault.wso2.commands import change_secret

        options, given = _home_write(write)
        store = change_secret(
            home,
            secret_alias,
            lambda: _wso2.spec_on(home, key),
            key.passwords,
            options,
            given,
            read_value,
        )
        click.echo(f"{store}: changed {secret_alias}", err=True)
        return
    assert file is not None
    paths = [Path(file)]
    options = write.options()
    ring = _public_ring(paths, key)
    value = read_value(f"new value of {secret_alias}")
    store = run_change(paths[0], secret_alias, value, ring, options)
    click.echo(f"{store}: changed {secret_alias}", err=True)


def _private_ring_if_any(targets: _wso2.Targets) -> Callable[[], KeyRing | None]:
    """The key ring for test decryption, opened when first asked for (see
    :func:`vault.operations.rings.private_ring_if_any`)."""
    from vault.operations.rings import private_ring_if_any

    def spec() -> KeystoreSpec:
        return _wso2.spec_for(targets)

    passwords = targets.key.passwords
    return lambda: private_ring_if_any(spec, passwords, explicit=targets.explicit, hint=hint_for)


@click.command("list")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@secrets_option
@click.option("--json", "as_json", is_flag=True, help="A JSON list.")
@input_type_option
@read_transformation_option
@key_option_group
@wso2_home_option
def list_command(
    files: tuple[str, ...],
    secrets: Path | None,
    as_json: bool,
    wso2_home: str | None,
    input_type: str | None,
    transformation: str | None,
    key: KeyOptions,
) -> None:
    """Each alias: state (plaintext, encrypted, unreadable), key thumbprint, where it is used.

    With a keystore and its password at hand, each ciphertext is test-decrypted.
    """
    from dataclasses import asdict

    from vault.operations.inspect import list_aliases

    found = _wso2.targets(files, wso2_home, key, input_type)
    options = read_options(secrets, transformation, input_type)
    infos = list_aliases(found.paths, _private_ring_if_any(found), options)
    if found.home is not None:
        from vault.wso2.xml_secrets import xml_references

        marks = xml_references(found.home)
        for info in infos:
            info.references.extend(marks.get(info.alias, []))
    if as_json:
        echo(json.dumps([asdict(i) for i in infos], indent=2))
        return
    for info in infos:
        used = ", ".join(info.references) or "not referenced in the files given"
        thumbprint = info.thumbprint or "-"
        echo(f"{info.alias}  {info.state}  {info.envelope or '-'}  {thumbprint}  ({used})")


@click.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option(
    "--key",
    "keys",
    multiple=True,
    metavar="REGEX",
    help="Also treat keys whose dotted path matches as sensitive.",
)
@click.option(
    "--secrets",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Secret store for .properties, .env, .ini and XML files, Compose files, Kubernetes "
    "objects and multi-document YAML (default: cipher-text.properties beside each).",
)
@click.option("--json", "as_json", is_flag=True, help="The findings as a JSON list.")
@click.option(
    "--strict",
    is_flag=True,
    help="Also report ciphertexts not bound to their alias in stores WSO2 never reads.",
)
@input_type_option
@read_transformation_option
@key_option_group
@wso2_home_option
def check(
    files: tuple[str, ...],
    keys: tuple[str, ...],
    secrets: Path | None,
    as_json: bool,
    strict: bool,
    wso2_home: str | None,
    input_type: str | None,
    transformation: str | None,
    key: KeyOptions,
) -> None:
    """Fail (exit 1) on plaintext under sensitive keys, $secret{} with no alias,
    [plaintext] entries not yet encrypted, and ciphertexts no key decrypts.

    For CI and pre-commit. Without a keystore password, ciphertexts are not
    test-decrypted (said on stderr); everything else is checked. With
    --wso2-home, also the product's XML (repository/conf/**/*.xml): password-like
    values that cipher-tool.properties does not cover, with the line to add.
    """
    from dataclasses import asdict

    from vault.configs.sensitive import SensitiveKeys
    from vault.errors import EXIT_PROBLEMS
    from vault.operations.inspect import check as run_check

    found = _wso2.targets(files, wso2_home, key, input_type)
    options = read_options(secrets, transformation, input_type)
    sensitive = SensitiveKeys(keys)
    findings = run_check(
        found.paths, _private_ring_if_any(found), sensitive, options, strict=strict
    )
    if found.home is not None:
        from vault.wso2.xml_secrets import check_xml

        findings = sorted(
            [*findings, *check_xml(found.home, sensitive)], key=lambda f: (f.file, f.line, f.kind)
        )
    if as_json:
        echo(json.dumps([asdict(f) for f in findings], indent=2))
    else:
        for finding in findings:
            echo(f"{finding.file}:{finding.line}: {finding.message}")
    if findings:
        sys.exit(EXIT_PROBLEMS)
