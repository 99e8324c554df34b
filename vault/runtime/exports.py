"""What ``exec`` may put in a child's environment, and ``resolve --output env`` print.

A store entry's name comes from whoever can write the config, who may hold no
more than the public certificate. Its name must not become a variable that
the dynamic loader, a shell or an interpreter acts on (``LD_PRELOAD``,
``PATH``, ``BASH_ENV``, ``PYTHONSTARTUP``, ``JAVA_TOOL_OPTIONS``, ...), two
entries must not fight over one variable, and the keystore password must not
reach the child at all. Both entry paths of the command line (the fast path
and click) and library users call these, so the rules live in one place.
Names are checked before anything is decrypted or run.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from vault.errors import InputError, UsageError

if TYPE_CHECKING:
    from vault.runtime.load import Vault
    from vault.runtime.resolver import Resolver

SHELL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

#: Variables the loader, a shell, an interpreter or a runtime reads as instructions.
RESERVED = frozenset(
    {
        # shells (sh, bash, dash, zsh, ksh) and the programs they start
        "PATH", "IFS", "ENV", "CDPATH", "HOME", "SHELL", "SHELLOPTS", "BASHOPTS",
        "GLOBIGNORE", "PROMPT_COMMAND", "PS1", "PS2", "PS3", "PS4", "ZDOTDIR", "FPATH",
        "HISTFILE", "INPUTRC", "TMOUT", "POSIXLY_CORRECT", "FCEDIT", "EDITOR", "VISUAL",
        "PAGER", "BROWSER", "LESSOPEN", "LESSCLOSE", "SSH_ASKPASS", "SUDO_ASKPASS",
        # the C library
        "GCONV_PATH", "GETCONF_DIR", "HOSTALIASES", "LOCALDOMAIN", "LOCPATH", "NLSPATH",
        "RES_OPTIONS", "RESOLV_HOST_CONF", "TMPDIR", "TZDIR", "LANG", "LANGUAGE",
        "SSL_CERT_FILE", "SSL_CERT_DIR", "OPENSSL_CONF", "OPENSSL_MODULES", "OPENSSL_ENGINES",
        # interpreters and runtimes
        "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS", "JAVA_OPTS", "JAVA_HOME",
        "CLASSPATH", "CATALINA_OPTS", "NODE_OPTIONS", "NODE_PATH", "PERL5OPT", "PERL5LIB",
        "PERLLIB", "PERL5DB", "RUBYOPT", "RUBYLIB", "GEM_HOME", "GEM_PATH", "LUA_INIT",
        "LUA_PATH", "LUA_CPATH", "PHPRC", "PHP_INI_SCAN_DIR", "R_PROFILE", "R_PROFILE_USER",
        "GIT_SSH", "GIT_SSH_COMMAND", "GIT_EXEC_PATH", "GIT_EDITOR", "GIT_PAGER",
        "GIT_ASKPASS", "DOTNET_STARTUP_HOOKS", "CREDENTIALS_DIRECTORY",
    }
)  # fmt: skip
#: Whole families: the loader (``LD_PRELOAD``...), Python (``PYTHONSTARTUP``...), bash's
#: own variables and exported functions, this tool's settings, the C library's tunables.
RESERVED_PREFIXES = (
    "LD_",
    "DYLD_",
    "PYTHON",
    "BASH_",
    "CIPHERTOOL_",
    "LC_",
    "MALLOC_",
    "GLIBC_",
    "GIT_CONFIG",
    "NPM_CONFIG_",
    "CORECLR_",
    "COMPLUS_",
)


class Export(NamedTuple):
    """One variable ``exec`` would set: its name and where it comes from."""

    name: str
    alias: str | None
    """The store alias it carries, or None for a .env file's own variable."""
    path: str
    line: int | None = None


def variable_name(alias: str, prefix: str = "") -> str:
    """The environment variable for an alias: upper-cased, '.' and '-' as '_'."""
    return prefix + alias.upper().replace(".", "_").replace("-", "_")


def reserved(name: str) -> bool:
    """Whether the loader, a shell or an interpreter acts on a variable of this name."""
    upper = name.upper()
    return upper in RESERVED or upper.startswith(RESERVED_PREFIXES)


def export_problems(
    exports: Iterable[Export], withheld: frozenset[str] = frozenset()
) -> list[InputError]:
    """Every name that is no shell name, that the environment reserves, that holds a
    keystore password, or that two entries give, as errors naming file and line. A
    .env file's own variable may take the name of an alias (``API_TOKEN=$secret{API_TOKEN}``
    is what ``protect`` writes there): it is the value exported."""
    problems: list[InputError] = []
    seen: dict[str, Export] = {}
    for export in exports:
        what = f"alias '{export.alias}'" if export.alias is not None else "variable"
        name = export.name
        if not SHELL_NAME.fullmatch(name):
            message = (
                f"{what} gives the variable name {name!r}, which is no shell name "
                "(letters, digits and _, not starting with a digit; --env-prefix may help)"
            )
        elif name in withheld:
            message = f"{what} gives ${name}, which holds the keystore password: refused"
        elif reserved(name):
            message = (
                f"{what} gives ${name}, which the loader, a shell or an interpreter acts on: "
                "refused (rename the alias, or give --env-prefix)"
            )
        elif (
            name in seen
            and seen[name][:3] != export[:3]  # one store read twice is one
            and (seen[name].alias is None) == (export.alias is None)  # .env's own wins
        ):
            other = seen[name]
            first = f"alias '{other.alias}'" if other.alias is not None else "a variable"
            message = f"{what} and {first} ({other.path}) both give ${name}"
        else:
            seen[name] = export
            continue
        problems.append(InputError(message, path=export.path, line=export.line, alias=export.alias))
    return problems


def check_exports(exports: Iterable[Export], withheld: frozenset[str] = frozenset()) -> None:
    """Refuse (exit 2, naming file and line) the first of :func:`export_problems`."""
    problems = export_problems(exports, withheld)
    if problems:
        raise problems[0]


def exported_values(
    files: Sequence[Path],
    vault: Vault,
    prefix: str = "",
    input_type: str | None = None,
    secrets: str | os.PathLike[str] | None = None,
) -> dict[str, str]:
    """What ``exec`` exports and ``resolve --output env`` prints: the aliases each file
    refers to and every alias of a store inside it (of a cipher-text.properties beside
    it, only those it refers to: see :meth:`Resolver.exported`), and a .env file's own
    variables, resolved. Every name is checked (see :func:`check_exports`) before
    anything is decrypted; a reference no store answers fails closed, and the whole
    document is resolved before a value is handed out."""
    from vault.configs.readers import store_line
    from vault.configs.store import config_format, detect_format

    plan: list[tuple[Export, Resolver, str]] = []
    documents: list[tuple[Resolver, Any]] = []
    for path in files:
        data, resolver = vault.resolver(path, secrets, input_type=input_type)
        resolver.check_references(data)
        documents.append((resolver, data))
        for alias in resolver.exported(data):
            entry = resolver.entry(alias)
            where = entry.path if entry is not None else str(path)
            plan.append((Export(variable_name(alias, prefix), alias, where), resolver, alias))
        if config_format(path, input_type) == "env" and isinstance(data, dict):
            for key, value in data.items():
                plan.append((Export(prefix + key, None, str(path)), resolver, value))
    try:
        check_exports((export for export, _, _ in plan), vault.withheld)
    except InputError as exc:
        if exc.line is None and exc.path is not None and exc.alias is not None:
            fmt = detect_format(exc.path) if exc.path.endswith(_INLINE) else "properties"
            exc.line = store_line(exc.path, fmt, exc.alias)
        raise
    for resolver, data in documents:
        resolver.resolve(data)  # every reference, or the run fails before any value
    plan.sort(key=lambda item: item[0].alias is None)  # a .env file's own variables last
    return {
        export.name: resolver.secret(text).reveal()
        if export.alias is not None
        else resolver.text(text)
        for export, resolver, text in plan
    }


_INLINE = (".toml", ".yaml", ".yml", ".json")


def child_environment(
    environ: Mapping[str, str], exported: Mapping[str, str], withheld: frozenset[str]
) -> dict[str, str]:
    """The environment of ``exec``'s child: this one without the keystore password
    variables, plus the exported values (checked, see :func:`check_values`)."""
    child = {name: value for name, value in environ.items() if name not in withheld}
    check_values(exported)
    child.update(exported)
    return child


def check_values(exported: Mapping[str, str]) -> None:
    """A value holding a NUL byte can be neither an environment value nor a shell word."""
    for name, value in exported.items():
        if "\0" in value:
            raise UsageError(f"the value of ${name} holds a NUL byte: it cannot be exported")


def shell_word(value: str) -> str:
    """``value`` as one sh word that ``eval`` gives back exactly: bare when it holds only
    characters no shell treats specially, else in single quotes (a quote as ``'\\''``)."""
    if value and _SAFE.fullmatch(value):
        return value
    return "'" + value.replace("'", "'\"'\"'") + "'"


_SAFE = re.compile(r"[A-Za-z0-9@%+=:,./_-]+")


def env_lines(exported: Mapping[str, str]) -> str:
    """``NAME=value`` lines, sorted by name, that ``eval`` in sh turns back into exactly
    these variables and runs nothing. Names are checked shell names (see
    :func:`check_exports`); a name or value that is not is refused here too."""
    check_values(exported)
    lines = []
    for name in sorted(exported):
        if not SHELL_NAME.fullmatch(name):
            raise InputError(f"{name!r} is no shell name; not printed")
        lines.append(f"{name}={shell_word(exported[name])}\n")
    return "".join(lines)


__all__ = [
    "RESERVED",
    "RESERVED_PREFIXES",
    "Export",
    "check_exports",
    "check_values",
    "child_environment",
    "env_lines",
    "export_problems",
    "exported_values",
    "reserved",
    "shell_word",
    "variable_name",
]
