"""The ``ciphertool`` entry point, and the runtime commands ``resolve`` and ``exec``.

These two run at every service start, so a plain command line for them is
parsed here, without click: importing click and the rest of the command
line costs more than all the cryptography of a 50-secret start
(``./scripts/bench --only startup`` has the figures). Anything else
(another command, ``--help``, an option this parser does not know, a
malformed line) goes to the click application in
:mod:`vault.cli.app`, which parses the same grammar and gives the errors. The
two paths share the commands' bodies (:mod:`vault.cli.runtime`), the error
handling and the logging set-up (:mod:`vault.cli.base`), and the tests run the
same command lines through both.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from vault.cli.base import exit_code_for, start
from vault.cli.options import NotPlain, parse, runtime_options
from vault.cli.runtime import exec_command, resolve

# -- the fast path -----------------------------------------------------------------------


def _fast(args: list[str]) -> tuple[bool, Callable[[], None]]:
    """(verbose, the command to run) for a plain resolve or exec command line."""
    if "_CIPHERTOOL_COMPLETE" in os.environ:
        raise NotPlain  # click's shell completion
    parsed = parse(args)
    given = runtime_options(parsed.values)
    if parsed.command == "resolve":
        return given.verbose, lambda: resolve(parsed.files, given)
    return given.verbose, lambda: exec_command(parsed.files, parsed.argv, given)


# -- non-dumpable ------------------------------------------------------------------------
#
# A core file, or another process of the same user attaching with ptrace or reading
# /proc/PID/mem, would see every plaintext and the keystore password this process holds.
# prctl(PR_SET_DUMPABLE, 0) stops all three on Linux (and makes the process's /proc files
# root's); RLIMIT_CORE 0 stops core files wherever it exists. What this does not stop is
# in SECURITY.md (root, the kernel, swap, the program exec runs). resolve runs at every
# service start and is benchmarked: importing ctypes costs several times what the two
# calls need, so they go through _ctypes directly, with resource as the fallback.

_PR_SET_DUMPABLE = 4
_RLIMIT_CORE = 4


def make_non_dumpable() -> None:
    """No core file, no same-user ptrace; silently as much as the platform allows."""
    try:
        import _ctypes

        class _Libc:
            _handle = _ctypes.dlopen(None)  # type: ignore[arg-type]

        class _Function(_ctypes.CFuncPtr):
            _flags_ = _ctypes.FUNCFLAG_CDECL

        libc: Any = _Libc()
        function: Any = _Function
        if function(("prctl", libc))(_PR_SET_DUMPABLE, 0, 0, 0, 0) == 0:
            # struct rlimit {0, 0}: no core file, and no raising the limit again
            if function(("setrlimit", libc))(_RLIMIT_CORE, bytes(16)) == 0:
                return
    except (ImportError, AttributeError, OSError, TypeError):
        pass
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError):
        pass


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """``ciphertool``: resolve and exec straight away, everything else through click."""
    make_non_dumpable()
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--version"]:
        from vault import __version__

        sys.stdout.write(f"ciphertool, version {__version__}\n")
        sys.exit(0)
    try:
        verbose, run = _fast(args)
    except NotPlain:
        from vault.cli.app import main as click_main

        click_main(args=args, prog_name="ciphertool")
        raise AssertionError("click's main exits") from None  # pragma: no cover
    start(verbose, lazy=True)  # resolve and exec log only through vault._log
    try:
        run()
    except BaseException as exc:  # pyo3's PanicException is not an Exception
        sys.exit(exit_code_for(exc))
    sys.exit(0)
