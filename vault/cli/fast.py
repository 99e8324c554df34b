"""The ``ciphertool`` entry point, and the runtime commands ``resolve`` and ``exec``.

These two run at every service start, so a plain command line for them is
parsed here, without click: importing click and the rest of the command
line costs more than all the cryptography of a 50-secret start
(``./scripts/bench --only startup`` has the figures). Anything else
(another command, ``--help``, an option this parser does not know, a
malformed line) goes to the click application in
:mod:`vault.cli.app`, which parses the same grammar and gives the errors. The
two paths share the commands' bodies, the error handling and the logging
set-up below, and the tests run the same command lines through both.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from vault import _log
from vault.cli.options import Given, NotPlain, parse
from vault.errors import EXIT_BAD_INPUT, UsageError, VaultError

if TYPE_CHECKING:
    from vault.runtime.load import Vault
    from vault.wso2.home import ProductHome

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
        _say(f"ciphertool: error: {exc}{hint_for(exc)}")
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


def product_home(given: Given, files: Sequence[str]) -> ProductHome | None:
    """The product home ``--wso2-home`` names; with no FILES, the current folder when it
    is one (holds repository/conf/deployment.toml), as for the write commands."""
    folder = given.text("wso2_home")
    if folder is None and files:
        return None
    from vault.wso2.home import ProductHome, detect_home

    return ProductHome.at(folder) if folder is not None else detect_home(Path.cwd())


def vault_for(files: Sequence[Path], given: Given, home: ProductHome | None = None) -> Vault:
    """The key ring the command line names (or the environment, or the first TOML
    config's keystore table, or the product home's keystore), ready to resolve ``files``."""
    from vault.crypto.transformations import canonical_transformation
    from vault.keys.passwords import PasswordOptions
    from vault.keys.ring import open_key_ring
    from vault.keys.spec import keystore_spec
    from vault.runtime.load import Vault, password_variables

    transformation = given.text("transformation")
    if transformation is not None:
        transformation = canonical_transformation(transformation)
    config = (
        home.deployment_toml
        if home is not None and home.deployment_toml.is_file()
        else next((f for f in files if f.suffix == ".toml"), None)
    )
    spec = keystore_spec(
        given.text("keystore"), given.text("storetype"), given.text("alias"), config=config
    )
    if home is not None and spec.password_home is None:
        spec = spec._replace(password_home=str(home.root))
    passwords = PasswordOptions(
        given.text("storepass_file"),
        given.text("storepass_env"),
        given.text("keypass_file"),
        given.text("keypass_env"),
    )
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


def resolve(files: Sequence[str], given: Given) -> None:
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
    secrets = given.text("secrets")
    input_type = given.text("input_type")
    output_dir = given.text("output_dir")
    if output_dir is not None and given.text("output") != "json":
        raise UsageError(
            f"--output {given.text('output')} prints; --output-dir writes files: choose one"
        )
    _log.debug("vault.cli", "resolve %s", path)
    vault = vault_for([path], given, home)
    if output_dir is not None:
        vault.write_dir(path, output_dir, secrets, input_type=input_type)
        return
    out = sys.stdout
    if given.text("output") == "env":
        from vault.runtime.exports import env_lines

        out.write(
            env_lines(exports([path], vault, given.text("env_prefix") or "", secrets, input_type))
        )
    else:
        import json

        data = vault.load(path, secrets, input_type=input_type)
        if isinstance(data, str):  # an XML config: itself, resolved
            out.write(data)
        else:
            out.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    out.flush()


def exec_command(files: Sequence[str], argv: Sequence[str] | None, given: Given) -> NoReturn:
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
        given.text("env_prefix") or "",
        given.text("secrets"),
        given.text("input_type"),
    )
    _log.debug("vault.cli", "exec: %d variable(s): %s", len(exported), ", ".join(sorted(exported)))
    environment = child_environment(os.environ, exported, vault.withheld)
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execvpe(argv[0], list(argv), environment)
    except OSError as exc:
        raise UsageError(f"cannot run '{argv[0]}': {exc.strerror}") from None


# -- the fast path -----------------------------------------------------------------------


def _fast(args: list[str]) -> tuple[bool, Callable[[], None]]:
    """(verbose, the command to run) for a plain resolve or exec command line."""
    if "_CIPHERTOOL_COMPLETE" in os.environ:
        raise NotPlain  # click's shell completion
    parsed = parse(args)
    given = Given(parsed.values)
    if parsed.command == "resolve":
        return given.flag("verbose"), lambda: resolve(parsed.files, given)
    return given.flag("verbose"), lambda: exec_command(parsed.files, parsed.argv, given)


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
