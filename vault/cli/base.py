"""What both ways into the command line share: the logging set-up, and one line on stderr
with its exit code for an error that ends a command.

The fast path (:mod:`vault.cli.fast`) and the click application (:mod:`vault.cli.app`)
both import this module, and neither imports the other at module level: the fast path
hands a command line it does not take to click, and click never calls back.
No click here, and nothing the runtime path would not load anyway.
"""

from __future__ import annotations

import sys

from vault import _log
from vault.errors import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED, VaultError


def setup_logging(verbose: bool) -> None:
    """``ciphertool: level: message`` on stderr; DEBUG with ``--verbose``."""
    import logging

    class OneLine(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            return f"ciphertool: {record.levelname.lower()}: {record.getMessage()}"

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLine())
    root = logging.getLogger("vault")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)
    root.propagate = False


def start(verbose: bool, *, lazy: bool = False) -> None:
    """What every command does first: logging set up (``lazy``: when the runtime path
    first has something to say, so that a quiet start never imports it), and pyca's
    warnings about odd certificates (e.g. negative serials) silenced, since those are
    listed as they are."""
    import warnings

    if lazy and not verbose:
        _log.before_first_use(lambda: setup_logging(False))
    else:
        setup_logging(verbose)
    warnings.filterwarnings("ignore", module=r"cryptography\..*")
    warnings.filterwarnings("ignore", message=".*serial number.*")


# What answers an error's hint (see VaultError.hint), in the command line's words.
_HINTS = {
    "keystore": "use --keystore PATH or $CIPHERTOOL_KEYSTORE",
    "password": "use --storepass-file FILE or --storepass-env VAR",
    "alias": "use --alias ALIAS (or $CIPHERTOOL_KEY_ALIAS) to name the key that encrypts",
    "format": "use --format self-contained",
}


def hint_for(exc: VaultError) -> str:
    """``"; use --OPTION ..."`` for an error whose hint the command line answers."""
    hint = _HINTS.get(exc.hint or "")
    return f"; {hint}" if hint else ""


def exit_code_for(exc: BaseException) -> int:
    """One line on stderr for an error that ends a command, and its exit code.

    A :class:`VaultError` says what is wrong; an unexpected error names only its
    type, since its message may quote data. ``SystemExit`` passes through."""
    if isinstance(exc, SystemExit | GeneratorExit):
        raise exc
    if isinstance(exc, VaultError):
        say(f"ciphertool: error: {exc}{hint_for(exc)}")
        return exc.exit_code
    if isinstance(exc, KeyboardInterrupt):
        say("ciphertool: interrupted")
        return EXIT_INTERRUPTED
    if isinstance(exc, BrokenPipeError):
        return EXIT_BAD_INPUT
    if isinstance(exc, RecursionError | MemoryError):
        # Each reader names the file it refuses; this is the last line of defence.
        what = "nested too deeply" if isinstance(exc, RecursionError) else "too large"
        say(f"ciphertool: error: an input is {what} to read; refused")
        return EXIT_BAD_INPUT
    say(f"ciphertool: internal error ({type(exc).__name__}); please report it")
    return EXIT_INTERNAL


def say(line: str) -> None:
    """One line on stderr, or nothing when stderr is gone."""
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
