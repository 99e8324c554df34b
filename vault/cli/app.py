"""The ``ciphertool`` command line: parse, call the library, print.

Errors are one line on stderr and the exit code of DESIGN.md: 2 bad usage or
bad input, 3 key trouble. No traceback reaches the user, and no error text
is built from a secret.

Each command lives in its module under :mod:`vault.cli.commands`, imported
only when it runs (or its own ``--help`` is asked for): :data:`COMMANDS` names
the module and the one-line summary ``ciphertool --help`` lists, so the
group's help loads none of them.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from typing import NamedTuple

import click

from vault import __version__
from vault.cli.base import start
from vault.cli.cmdoptions import verbose_option
from vault.cli.framework import Group
from vault.cli.options import VERBOSE


class Registered(NamedTuple):
    """A command of :data:`COMMANDS`: where it is, and the first paragraph of its help."""

    module: str
    attribute: str
    summary: str


COMMANDS: dict[str, Registered] = {
    "encrypt": Registered(
        "vault.cli.commands.secrets",
        "encrypt",
        "Encrypt one value read from a hidden prompt (asked twice) or standard input.",
    ),
    "decrypt": Registered(
        "vault.cli.commands.secrets",
        "decrypt",
        "Print the plaintext of CIPHERTEXT (or of the ciphertext on standard input).",
    ),
    "keystore": Registered(
        "vault.cli.commands.keystore",
        "keystore",
        "Create keystores, list them, and move certificates in and out.",
    ),
    "configure": Registered(
        "vault.cli.commands.files",
        "configure",
        "Encrypt every [plaintext] entry of the FILES' secret stores (WSO2 -Dconfigure).",
    ),
    "protect": Registered(
        "vault.cli.commands.files",
        "protect",
        "Encrypt plaintext values under sensitive keys into the store; write $secret{alias}.",
    ),
    "change": Registered(
        "vault.cli.commands.files",
        "change",
        "Give ALIAS a new value, read from a hidden prompt (asked twice) or stdin (WSO2 -Dchange).",
    ),
    "list": Registered(
        "vault.cli.commands.files",
        "list_command",
        "Each alias: state (plaintext, encrypted, unreadable), key thumbprint, where it is used.",
    ),
    "check": Registered(
        "vault.cli.commands.files",
        "check",
        "Fail (exit 1) on plaintext under sensitive keys, $secret{} with no alias,\n"
        "[plaintext] entries not yet encrypted, and ciphertexts no key decrypts.",
    ),
    "rotate": Registered(
        "vault.cli.commands.rotate",
        "rotate",
        "Re-encrypt every secret of the FILES' stores for a new key, crash-safe.",
    ),
    "resolve": Registered(
        "vault.cli.commands.runtime",
        "resolve",
        "Print FILE with every $secret{alias} and $env{NAME} resolved.",
    ),
    "exec": Registered(
        "vault.cli.commands.runtime",
        "exec",
        "Run CMD with the FILES' secrets in its environment: exec FILE... -- CMD ARGS...",
    ),
}
"""Every command, by name (pip's registry of commands: imported when first used)."""


def _with_verbose(command: click.Command) -> click.Command:
    """``-v``/``--verbose`` after the command's name too (``ciphertool check -v ...``)."""
    if not any(param.name == VERBOSE.dest for param in command.params):
        verbose_option(command)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _with_verbose(sub)
    return command


class _Commands(MutableMapping[str, click.Command]):
    """The group's commands: each imported from its module when first looked up."""

    def __init__(self, registry: dict[str, Registered]) -> None:
        self._registry = registry
        self._loaded: dict[str, click.Command] = {}

    def loaded(self, name: str) -> bool:
        return name in self._loaded

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            where = self._registry[name]  # KeyError: no such command
            module = importlib.import_module(where.module)
            self._loaded[name] = _with_verbose(getattr(module, where.attribute))
        return self._loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        self._loaded.pop(name, None)
        self._registry.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self._registry, *self._loaded]))

    def __len__(self) -> int:
        return len(set(self._registry) | set(self._loaded))


class _Main(Group):
    """The top group: its commands loaded lazily, its help listing their summaries."""

    commands: _Commands

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            if self.commands.loaded(name) or name not in COMMANDS:
                command = self.commands[name]
                if command.hidden:
                    continue
            else:
                command = click.Command(name, help=COMMANDS[name].summary)
            rows.append((name, command.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(
    cls=_Main,
    commands=_Commands(dict(COMMANDS)),
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="ciphertool")
@click.option("--verbose", "-v", is_flag=True, help="Log what is done (never a secret) on stderr.")
def main(verbose: bool) -> None:
    """Encrypt the passwords in deployment configs with a keystore key.

    A secure-vault tool compatible with WSO2's cipher tool: plaintexts are
    encrypted with the public key of a keystore entry, and decrypted with its
    private key. Exit codes: 0 done, 1 problems found, 2 bad usage or input,
    3 key trouble (password, alias, no key, decryption failed).
    """
    start(verbose)
