"""``ciphertool resolve`` and ``ciphertool exec`` as click commands: the same options
(:data:`vault.cli.options.RESOLVE`, :data:`~vault.cli.options.EXEC`) and bodies
(:mod:`vault.cli.runtime`) as the fast path's, for the command lines it leaves to click."""

from __future__ import annotations

import click

from vault.cli.cmdoptions import gathered
from vault.cli.options import EXEC, RESOLVE, RuntimeOptions, runtime_options, split_command
from vault.cli.runtime import exec_command
from vault.cli.runtime import resolve as run_resolve


class _ExecCommand(click.Command):
    """exec's words after the first ``--`` are the command's: click parses the options
    and FILEs before it (anywhere), never what follows."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        front, argv = split_command(args, EXEC)
        ctx.meta["exec_argv"] = argv if len(front) < len(args) else None
        return super().parse_args(ctx, front)


@click.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@gathered(RESOLVE, "given", runtime_options)
def resolve(files: tuple[str, ...], given: RuntimeOptions) -> None:
    """Print FILE with every $secret{alias} and $env{NAME} resolved.

    Fails (exit 3) naming the alias and the file when anything cannot be
    resolved: an unknown alias, a ciphertext no key decrypts, a store entry
    still [plaintext], an unset $env{}. Never prints the alias in its place.
    With --wso2-home and no FILE: the product home's deployment.toml, with
    its keystore.

    \b
    Examples:
      ciphertool resolve deployment.toml --output env
      ciphertool resolve --wso2-home /opt/wso2is-7.0.0
    """
    run_resolve(files, given)


@click.command(cls=_ExecCommand)
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@gathered(EXEC, "given", runtime_options)
def exec(files: tuple[str, ...], given: RuntimeOptions) -> None:
    """Run CMD with the FILES' secrets in its environment: exec FILE... -- CMD ARGS...

    Options may stand anywhere before --. Exported: the aliases the FILES refer
    to, every alias of a store inside one of them (TOML [secrets], a YAML/JSON
    secrets mapping), upper-cased with '.' and '-' as '_'; a .env file also
    gives its own variables, resolved. A reference no store answers fails the
    run (exit 3) before CMD starts. CMD replaces ciphertool, so signals and the
    exit code pass straight through. Secrets travel in the environment, never
    in the argument list.

    \b
    Example:
      ciphertool exec deployment.toml --keystore vault.p12 -- java -jar app.jar
    """
    argv = click.get_current_context().meta.get("exec_argv")
    exec_command(files, argv, given)
