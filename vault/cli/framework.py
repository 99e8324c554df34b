"""The command line's framework: the click group every command sits in (an error is one
line and its exit code), standard output as it is, and a value read from a hidden prompt
or standard input."""

from __future__ import annotations

import contextlib
import getpass
import sys
from collections.abc import Callable, Iterator
from typing import Any, NoReturn

import click

from vault.cli.base import exit_code_for
from vault.errors import EXIT_BAD_INPUT, InputError, UsageError
from vault.secret import Secret


def usage_error(ctx: click.Context, exc: click.UsageError) -> NoReturn:
    """One line, as every other error: what is wrong and where to look."""
    command = exc.ctx.command_path if exc.ctx is not None else "ciphertool"
    click.echo(f"ciphertool: error: {exc.format_message()} (see '{command} --help')", err=True)
    ctx.exit(EXIT_BAD_INPUT)


class Group(click.Group):
    """Turns every VaultError into one line on stderr and its exit code; with no
    arguments, prints its help (on stdout, exit 0), as ``--help`` does."""

    group_class = type  # subgroups (``keystore``) are Groups too

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args:
            click.echo(ctx.get_help())
            ctx.exit(0)
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            usage_error(ctx, exc)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            usage_error(ctx, exc)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except BaseException as exc:  # pyo3's PanicException is not an Exception
            ctx.exit(exit_code_for(exc))


def echo(text: str, nl: bool = True) -> None:
    """Write to standard output as it is. (click.echo strips escape sequences when
    stdout is not a terminal, which would change a decrypted value on its way to a
    pipe.)"""
    sys.stdout.write(text + "\n" if nl else text)
    sys.stdout.flush()


def stdin_is_terminal() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def read_value(what: str = "value") -> Secret:
    """A hidden prompt asked twice on a terminal; else stdin, one trailing newline stripped."""
    if stdin_is_terminal():
        first = getpass.getpass(f"Enter the {what}: ")
        second = getpass.getpass(f"Enter the {what} again: ")
        if first != second:
            raise UsageError(f"the two entries of the {what} differ")
        if not first:
            raise UsageError(f"no {what} entered")
        return Secret(first)
    if sys.stdin is None:
        raise InputError(f"no standard input to read the {what} from")
    try:
        text = sys.stdin.buffer.read().decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"the {what} on standard input is not UTF-8") from None
    if text.endswith("\r\n"):
        text = text[:-2]
    elif text.endswith("\n"):
        text = text[:-1]
    if not text:
        raise InputError(f"no {what} on standard input (it was empty)")
    return Secret(text)


@contextlib.contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A callback drawing a progress bar on stderr when it is a terminal and the work
    long; the bar is ended on the way out, so an error starts a line of its own."""
    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if total < 100 or not sys.stderr.isatty():
            return
        bar = state.get("bar")
        if bar is None:
            bar = state["bar"] = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)
        if done >= total:
            state.pop("bar").__exit__(None, None, None)

    try:
        yield update
    finally:
        if "bar" in state:
            state.pop("bar").__exit__(None, None, None)
