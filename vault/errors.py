"""One root, :class:`VaultError`; subclasses carry context as attributes.

Messages never hold a secret: callers pass paths, aliases and line numbers,
never values. Each class knows the exit code DESIGN.md gives it, so the
command line maps an error to its code without a table of its own.
"""

from __future__ import annotations

import os

EXIT_PROBLEMS = 1
EXIT_BAD_INPUT = 2
EXIT_KEY_TROUBLE = 3
EXIT_INTERNAL = 70
"""An unexpected error (sysexits' EX_SOFTWARE): a bug to report."""
EXIT_INTERRUPTED = 130
"""Interrupted (Ctrl-C): 128 + SIGINT, as a shell says it."""


class VaultError(Exception):
    """Root of every error this package raises on purpose."""

    exit_code = EXIT_BAD_INPUT

    def __init__(
        self,
        message: str,
        *,
        path: str | os.PathLike[str] | None = None,
        line: int | None = None,
        alias: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = os.fspath(path) if path is not None else None
        self.line = line
        self.alias = alias
        self.hint = hint
        """What would answer it, by the name of the setting (``"alias"``, ``"keystore"``,
        ``"password"``): the command line says which of its options that is; the
        message itself names none, since a library caller has no options."""

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path if self.line is None else f"{self.path}:{self.line}"
            where += ": "
        return f"{where}{self.message}"


class UsageError(VaultError):
    """The command was asked for something it cannot do as asked."""


class InputError(VaultError):
    """A file or value is missing, unreadable or malformed (exit 2)."""


class ParseError(InputError):
    """A config file does not parse; names file, line and column (``column`` is kept as
    an attribute too)."""

    def __init__(
        self,
        message: str,
        *,
        path: str | os.PathLike[str] | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        where = f"line {line}" if line is not None else ""
        if column is not None and line is not None:
            where += f", column {column}"
        super().__init__(f"{where}: {message}" if where else message, path=path, line=line)
        self.column = column

    def __str__(self) -> str:
        # The message already says "line L, column C".
        return f"{self.path}: {self.message}" if self.path is not None else self.message


class UnwritableValueError(InputError, ValueError):
    """A new value that a config format cannot hold so that its readers read it back as
    it is (a line break in an INI value, adjacent lone surrogates in a JSON string):
    the file is not rewritten. A ValueError too, as it was before it had a class. The
    message never holds the value."""


class XPathError(InputError):
    """An XPath outside the supported subset (see :mod:`vault.wso2.xpath`), or malformed."""


class KeystoreFormatError(InputError):
    """The bytes are not a keystore of any kind we read, or are damaged."""


class MalformedCiphertextError(InputError):
    """A ciphertext is not Base64, not a known envelope, or has bad fields."""


class KeyTroubleError(VaultError):
    """Root of key trouble (exit 3): passwords, aliases, keys, decryption."""

    exit_code = EXIT_KEY_TROUBLE


class PasswordError(KeyTroubleError):
    """A keystore or key password is wrong or could not be found."""


class MissingPasswordError(PasswordError):
    """No password source answered (and no terminal to ask on)."""


class AliasError(KeyTroubleError):
    """No entry under that alias, or the entry is not of the kind needed."""


class NoKeyError(KeyTroubleError):
    """No key in the key ring matches the ciphertext's thumbprint."""


class ResolveError(KeyTroubleError):
    """A reference could not be resolved; ``alias`` and ``path`` say which and where."""


class DecryptionError(KeyTroubleError):
    """Decryption failed. Deliberately says nothing about why."""
