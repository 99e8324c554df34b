"""``ciphertool rotate``: every secret of the FILES' stores re-encrypted for a new key."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from vault.cli import wso2 as _wso2
from vault.cli.cmdoptions import (
    input_type_option,
    key_option_group,
    lock_option,
    read_options,
    read_transformation_option,
    secrets_option,
    wso2_home_option,
)
from vault.cli.framework import echo, progress_bar
from vault.cli.options import KeyOptions


@click.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option(
    "--to-keystore",
    metavar="PATH",
    help="Keystore holding the new key (default: the current keystore, with --to-alias).",
)
@click.option("--to-alias", metavar="ALIAS", help="Alias of the new key (WSO2 -Drotate).")
@click.option("--to-storetype", metavar="TYPE", help="Type of the new keystore.")
@click.option(
    "--to-storepass-file",
    type=click.Path(dir_okay=False),
    help="File whose line 1 is the new keystore's password (line 2: its key password).",
)
@click.option("--to-storepass-env", metavar="VAR", help="Variable holding the new password.")
@click.option("--dry-run", is_flag=True, help="Print the plan; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="The plan (or what was done) as JSON.")
@click.option(
    "--rollback",
    is_flag=True,
    help="Undo a rotation of FILES that was interrupted; needs no keystore.",
)
@secrets_option
@input_type_option
@read_transformation_option
@lock_option
@key_option_group
@wso2_home_option
def rotate(
    files: tuple[str, ...],
    to_keystore: str | None,
    to_alias: str | None,
    to_storetype: str | None,
    to_storepass_file: str | None,
    to_storepass_env: str | None,
    dry_run: bool,
    as_json: bool,
    rollback: bool,
    secrets: Path | None,
    input_type: str | None,
    transformation: str | None,
    wso2_home: str | None,
    key: KeyOptions,
) -> None:
    """Re-encrypt every secret of the FILES' stores for a new key, crash-safe.

    The current key (the usual keystore options) decrypts; the new key
    (--to-keystore, --to-alias) encrypts. Each value keeps its envelope and
    transformation. Every new ciphertext is checked against the new key
    before any file is written, and all files change as one set: a run that
    dies part-way is finished by the next write command on them, or undone
    by --rollback. A secret no key reads stops the run; nothing changes.

    \b
    Examples:
      ciphertool rotate deployment.toml --to-keystore new.p12 \\
          --to-storepass-file new.pass --dry-run
      ciphertool rotate deployment.toml --to-alias wso2carbon-2027
    """
    from vault.errors import EXIT_PROBLEMS
    from vault.operations.rings import RotationTarget, rotation_rings
    from vault.operations.rotate import rollback as run_rollback
    from vault.operations.rotate import rotate as run_rotate

    found = _wso2.targets(files, wso2_home, key, input_type)
    paths, home = found.paths, found.home
    options = read_options(secrets, transformation, input_type)
    if rollback:
        done = run_rollback(paths, options)
        if as_json:
            echo(json.dumps(done, indent=2))
        for message in done:
            click.echo(message, err=True)
        if not done:
            click.echo("no interrupted rotation to roll back", err=True)
        return
    target = RotationTarget(
        to_keystore, to_alias, to_storetype, to_storepass_file, to_storepass_env
    )
    rings = rotation_rings(target, lambda: _wso2.spec_for(found), key.passwords)
    new = rings.new
    with progress_bar("re-encrypting") as progress:
        steps = run_rotate(paths, rings.ring, new, options, dry_run=dry_run, progress=progress)
    if as_json:
        echo(json.dumps([s.as_json() for s in steps], indent=2))
    elif dry_run:
        for s in steps:
            keys = f"{s.from_thumbprint or '-'} -> {s.to_thumbprint or '-'}"
            why = f" ({s.reason})" if s.reason else ""
            echo(f"{s.file}:{s.line}  {s.alias}  {keys}  {s.action}{why}")
    if dry_run:
        if any(s.action == "unreadable" for s in steps):
            sys.exit(EXIT_PROBLEMS)
        return
    if home is not None:
        from vault.wso2.commands import point_secret_conf

        if point_secret_conf(home, rings.keystore, rings.alias):
            click.echo(
                f"{home.secret_conf_properties}: now names {rings.keystore}#{rings.alias}",
                err=True,
            )
    counts = {a: sum(s.action == a for s in steps) for a in ("rotate", "keep", "skip")}
    click.echo(
        f"rotated {counts['rotate']} secret(s) to key {new.entries[0].thumbprint}; "
        f"{counts['keep']} already under it; {counts['skip']} not encrypted",
        err=True,
    )
