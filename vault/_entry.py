"""The ``ciphertool`` entry point, and the runtime commands ``resolve`` and ``exec``.

These two run at every service start, so a plain command line for them is
parsed here, without click: importing click and the rest of the command
line costs about 40 ms, more than all the cryptography of a 50-secret
start. Anything else (another command, ``--help``, an option this parser
does not know, a malformed line) goes to the click application in
:mod:`vault.cli`, which parses the same grammar and gives the errors. The
two paths share the commands' bodies, the error handling and the logging
set-up below, and the tests run the same command lines through both.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from . import _log
from .errors import EXIT_BAD_INPUT, UsageError, VaultError

if TYPE_CHECKING:
    from .resolver import Vault

# The options resolve and exec share with every keystore command (vault.cli's
# _keystore_options), by the name click gives their parameter.
_KEYSTORE_OPTIONS = {
    "--keystore": "keystore",
    "-k": "keystore",
    "--storetype": "storetype",
    "--alias": "alias",
    "-a": "alias",
    "--storepass-file": "storepass_file",
    "--storepass-env": "storepass_env",
    "--keypass-file": "keypass_file",
    "--keypass-env": "keypass_env",
    "--transformation": "transformation",
    "-t": "transformation",
}
_PATH_OPTIONS = ("storepass_file", "keypass_file")  # click.Path(dir_okay=False)
_OPTIONS = {
    "resolve": {
        **_KEYSTORE_OPTIONS,
        "--output": "output",
        "-o": "output",
        "--env-prefix": "env_prefix",
        "--output-dir": "output_dir",
        "--input-type": "input_type",
    },
    "exec": {**_KEYSTORE_OPTIONS, "--env-prefix": "env_prefix", "--input-type": "input_type"},
}
OUTPUTS = ("json", "env")
#: --input-type's names (vault.store.INPUT_TYPES, which the start-up path need not import).
INPUT_TYPES = ("toml", "yaml", "json", "ini", "properties", "dotenv", "xml")


# -- what both paths share ------------------------------------------------------------


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


def exit_code_for(exc: BaseException) -> int:
    """One line on stderr for an error that ends a command, and its exit code.

    A :class:`VaultError` says what is wrong; an unexpected error names only its
    type, since its message may quote data. ``SystemExit`` passes through."""
    if isinstance(exc, SystemExit | GeneratorExit):
        raise exc
    if isinstance(exc, VaultError):
        _say(f"ciphertool: error: {exc}")
        return exc.exit_code
    if isinstance(exc, KeyboardInterrupt):
        _say("ciphertool: interrupted")
        return 130
    if isinstance(exc, BrokenPipeError):
        return EXIT_BAD_INPUT
    if isinstance(exc, RecursionError | MemoryError):
        # Each reader names the file it refuses; this is the last line of defence.
        what = "nested too deeply" if isinstance(exc, RecursionError) else "too large"
        _say(f"ciphertool: error: an input is {what} to read; refused")
        return EXIT_BAD_INPUT
    _say(f"ciphertool: internal error ({type(exc).__name__}); please report it")
    return 70


def _say(line: str) -> None:
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def vault_for(files: Sequence[Path], options: Mapping[str, str | None]) -> Vault:
    """The key ring the command line names (or the environment, or the first TOML
    config's keystore table), ready to resolve ``files``."""
    from .cipher import canonical_transformation
    from .keysource import keystore_spec, open_key_ring
    from .passwords import PasswordOptions
    from .resolver import Vault, password_variables

    transformation = options.get("transformation")
    if transformation is not None:
        transformation = canonical_transformation(transformation)
    config = next((f for f in files if f.suffix == ".toml"), None)
    spec = keystore_spec(
        options.get("keystore"), options.get("storetype"), options.get("alias"), config=config
    )
    passwords = PasswordOptions(
        options.get("storepass_file"),
        options.get("storepass_env"),
        options.get("keypass_file"),
        options.get("keypass_env"),
    )
    ring = open_key_ring(spec, passwords, need_private=True)
    return Vault(ring, transformation=transformation, withheld=password_variables(passwords))


def exports(
    files: Sequence[Path], vault: Vault, prefix: str, input_type: str | None = None
) -> dict[str, str]:
    """What exec exports (see :func:`vault.exports.exported_values`)."""
    from .exports import exported_values

    return exported_values(files, vault, prefix, input_type)


def resolve(
    file: str,
    output: str,
    env_prefix: str,
    options: Mapping[str, str | None],
    output_dir: str | None = None,
) -> None:
    """The body of ``ciphertool resolve``."""
    if output_dir is not None and output != "json":
        raise UsageError(f"--output {output} prints; --output-dir writes files: choose one")
    paths = [Path(file)]
    vault = vault_for(paths, options)
    input_type = options.get("input_type")
    if output_dir is not None:
        vault.write_dir(paths[0], output_dir, input_type=input_type)
        return
    out = sys.stdout
    if output == "json":
        import json

        data = vault.load(paths[0], input_type=input_type)
        if isinstance(data, str):  # an XML config: itself, resolved
            out.write(data)
        else:
            out.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    else:
        from .exports import env_lines

        out.write(env_lines(exports(paths, vault, env_prefix, input_type)))
    out.flush()


def exec_command(
    args: Sequence[str], env_prefix: str, options: Mapping[str, str | None]
) -> NoReturn:
    """The body of ``ciphertool exec FILE... -- CMD ARGS...``: CMD replaces this process."""
    if "--" not in args:
        raise UsageError("exec needs FILE... -- CMD ARGS...")
    split = list(args).index("--")
    files, command = list(args[:split]), list(args[split + 1 :])
    if not files or not command:
        raise UsageError("exec needs at least one FILE before -- and a CMD after it")
    paths = [Path(f) for f in files]
    vault = vault_for(paths, options)
    from .exports import child_environment

    exported = exports(paths, vault, env_prefix, options.get("input_type"))
    environment = child_environment(os.environ, exported, vault.withheld)
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execvpe(command[0], command, environment)
    except OSError as exc:
        raise UsageError(f"cannot run '{command[0]}': {exc.strerror}") from None


# -- the fast path -----------------------------------------------------------------------


class _NotMine(Exception):
    """A command line this parser leaves to click."""


def _plain_file(path: str) -> bool:
    """What click's Path(dir_okay=False) takes without a word: missing, or a readable
    non-directory (for anything else click's own message is the one to give)."""
    return not os.path.exists(path) or (not os.path.isdir(path) and os.access(path, os.R_OK))


def _parse(args: list[str]) -> tuple[bool, Callable[[], None]]:
    """(verbose, the command to run) for a plain resolve or exec command line."""
    if "_CIPHERTOOL_COMPLETE" in os.environ:
        raise _NotMine  # click's shell completion
    verbose = False
    while args and args[0] in ("-v", "--verbose"):
        verbose = True
        args = args[1:]
    if not args or args[0] not in _OPTIONS:
        raise _NotMine
    command, rest = args[0], args[1:]
    known = _OPTIONS[command]
    values: dict[str, str] = {}
    positional: list[str] = []
    i = 0
    while i < len(rest):
        token = rest[i]
        if command == "exec" and positional:
            positional.append(token)  # exec: everything after the first FILE is CMD's
        elif token == "-" or not token.startswith("-"):
            positional.append(token)
        elif token == "--":
            if command == "exec":
                raise _NotMine
            positional += rest[i + 1 :]
            break
        else:
            name, equals, value = token.partition("=")
            if name not in known or (equals and not name.startswith("--")):
                raise _NotMine
            if not equals:
                i += 1
                if i == len(rest) or rest[i].startswith("-"):
                    raise _NotMine
                value = rest[i]
            values[known[name]] = value
        i += 1
    for key in _PATH_OPTIONS:
        if key in values and not _plain_file(values[key]):
            raise _NotMine
    output = values.pop("output", "json")
    env_prefix = values.pop("env_prefix", "")
    output_dir = values.pop("output_dir", None)
    if output not in OUTPUTS:
        raise _NotMine
    if "input_type" in values:
        values["input_type"] = values["input_type"].lower()
        if values["input_type"] not in INPUT_TYPES:
            raise _NotMine  # click names the choices
    if command == "resolve":
        if len(positional) != 1 or not _plain_file(positional[0]):
            raise _NotMine
        file = positional[0]
        return verbose, lambda: resolve(file, output, env_prefix, values, output_dir)
    if not positional:
        raise _NotMine
    return verbose, lambda: exec_command(positional, env_prefix, values)


# -- non-dumpable ------------------------------------------------------------------------
#
# A core file, or another process of the same user attaching with ptrace or reading
# /proc/PID/mem, would see every plaintext and the keystore password this process holds.
# prctl(PR_SET_DUMPABLE, 0) stops all three on Linux (and makes the process's /proc files
# root's); RLIMIT_CORE 0 stops core files wherever it exists. What this does not stop is
# in SECURITY.md (root, the kernel, swap, the program exec runs). resolve runs at every
# service start and is benchmarked: ctypes costs about ten times what this does (16
# million instructions), so the two calls go through _ctypes directly (under 2 million,
# 0.3% of a resolve), with resource as the fallback.

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
        from . import __version__

        sys.stdout.write(f"ciphertool, version {__version__}\n")
        sys.exit(0)
    try:
        verbose, run = _parse(args)
    except _NotMine:
        from .cli import main as click_main

        click_main(args=args, prog_name="ciphertool")
        raise AssertionError("click's main exits") from None  # pragma: no cover
    start(verbose, lazy=True)  # resolve and exec log only through vault._log
    try:
        run()
    except BaseException as exc:  # pyo3's PanicException is not an Exception
        sys.exit(exit_code_for(exc))
    sys.exit(0)
