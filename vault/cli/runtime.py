"""The runtime commands' bodies, ``resolve`` and ``exec``: what the fast path
(:mod:`vault.cli.fast`) and click (:mod:`vault.cli.commands.runtime`) both run, from
the same :class:`~vault.cli.options.RuntimeOptions`.

These run at every service start: no click here, and each library module is
imported where it is first needed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from vault import _log
from vault.cli.options import RuntimeOptions, read_transformation
from vault.errors import UsageError

if TYPE_CHECKING:
    from vault.runtime.load import Vault
    from vault.wso2.home import ProductHome


def product_home(given: RuntimeOptions, files: Sequence[str]) -> ProductHome | None:
    """The product home ``--wso2-home`` names; with no FILES, the current folder when it
    is one (holds repository/conf/deployment.toml), as for the write commands."""
    folder = given.wso2_home
    if folder is None and files:
        return None
    from vault.wso2.home import ProductHome, detect_home

    return ProductHome.at(folder) if folder is not None else detect_home(Path.cwd())


def vault_for(
    files: Sequence[Path], given: RuntimeOptions, home: ProductHome | None = None
) -> Vault:
    """The key ring the command line names (or the environment, or the first TOML
    config's keystore table, or the product home's keystore), ready to resolve ``files``."""
    from vault.keys.ring import open_key_ring
    from vault.runtime.load import Vault, password_variables

    transformation = read_transformation(given.transformation)
    config = (
        home.deployment_toml
        if home is not None and home.deployment_toml.is_file()
        else next((f for f in files if f.suffix == ".toml"), None)
    )
    spec = given.key.keystore.spec(
        config, password_home=str(home.root) if home is not None else None
    )
    passwords = given.key.passwords
    ring = open_key_ring(spec, passwords, need_private=True)
    return Vault(ring, transformation=transformation, withheld=password_variables(passwords))


def exports(
    files: Sequence[Path],
    vault: Vault,
    prefix: str,
    secrets: str | None = None,
    input_type: str | None = None,
) -> dict[str, str]:
    """What exec exports (see :func:`vault.runtime.exports.exported_values`), once every
    reference of every file has resolved (one no store answers fails the run)."""
    from vault.runtime.exports import exported_values

    return exported_values(files, vault, prefix, input_type, secrets)


def resolve(files: Sequence[str], given: RuntimeOptions) -> None:
    """The body of ``ciphertool resolve``."""
    home = product_home(given, files)
    if home is not None and not files:
        if not home.deployment_toml.is_file():
            raise UsageError("has no repository/conf/deployment.toml to resolve", path=home.root)
        files = [str(home.deployment_toml)]
    if len(files) != 1:
        raise UsageError(
            "resolve needs one FILE (or --wso2-home DIR, or a product home as the current folder)"
        )
    path = Path(files[0])
    secrets = given.secrets
    input_type = given.input_type
    output_dir = given.output_dir
    if output_dir is not None and given.output != "json":
        raise UsageError(f"--output {given.output} prints; --output-dir writes files: choose one")
    _log.debug("vault.cli", "resolve %s", path)
    vault = vault_for([path], given, home)
    if output_dir is not None:
        vault.write_dir(path, output_dir, secrets, input_type=input_type)
        return
    out = sys.stdout
    if given.output == "env":
        from vault.runtime.exports import env_lines

        out.write(env_lines(exports([path], vault, given.env_prefix, secrets, input_type)))
    else:
        import json

        data = vault.load(path, secrets, input_type=input_type)
        if isinstance(data, str):  # an XML config: itself, resolved
            out.write(data)
        else:
            out.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    out.flush()


def exec_command(
    files: Sequence[str], argv: Sequence[str] | None, given: RuntimeOptions
) -> NoReturn:
    """The body of ``ciphertool exec FILE... -- CMD ARGS...``: CMD replaces this process."""
    if argv is None:
        raise UsageError("exec needs FILE... -- CMD ARGS...")
    home = product_home(given, files)
    if home is not None and not files:
        files = [str(p) for p in home.stores()]
    if not files or not argv:
        raise UsageError(
            "exec needs at least one FILE (or --wso2-home) before -- and a CMD after it"
        )
    paths = [Path(f) for f in files]
    _log.debug("vault.cli", "exec %s: %s", ", ".join(files), argv[0])
    vault = vault_for(paths, given, home)
    from vault.runtime.exports import child_environment

    exported = exports(
        paths,
        vault,
        given.env_prefix,
        given.secrets,
        given.input_type,
    )
    _log.debug("vault.cli", "exec: %d variable(s): %s", len(exported), ", ".join(sorted(exported)))
    environment = child_environment(os.environ, exported, vault.withheld)
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execvpe(argv[0], list(argv), environment)
    except OSError as exc:
        raise UsageError(f"cannot run '{argv[0]}': {exc.strerror}") from None
