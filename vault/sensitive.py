"""Which keys hold secrets, and the alias ``protect`` gives a value.

The default matches the last key segment, split into words (``db_password``,
``dbPassword``, ``DB-PASSWORD`` are all ``db password``), when its last words
are one of: password, passwd, pwd, passphrase, secret, token, api key,
private key, client secret, secret key, credential(s). So
``password_expiry_days`` is not a secret, ``adminPassword`` is. ``--key REGEX``
adds patterns, searched (case-insensitively) in the dotted key path.
"""

from __future__ import annotations

import re
from collections.abc import Container, Sequence

from .errors import UsageError
from .formats import KeyPath

DEFAULT_TERMS = (
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "secret",
    "token",
    "api key",
    "private key",
    "client secret",
    "secret key",
    "credential",
    "credentials",
)
_WORD_BREAK = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def _words(segment: str) -> list[str]:
    return [w.lower() for w in _WORD_BREAK.split(segment) if w]


def dotted(path: KeyPath) -> str:
    return ".".join(str(part) for part in path)


class SensitiveKeys:
    """The default terms plus the patterns of ``--key``."""

    def __init__(self, patterns: Sequence[str] = ()) -> None:
        self._terms = [term.split() for term in DEFAULT_TERMS]
        try:
            self._patterns = [re.compile(p, re.IGNORECASE) for p in patterns]
        except re.error as exc:
            raise UsageError(f"--key: not a regular expression: {exc}") from None

    def __call__(self, path: KeyPath) -> bool:
        names = [part for part in path if isinstance(part, str)]
        if not names:
            return False
        words = _words(names[-1])
        if any(words[-len(term) :] == term for term in self._terms):
            return True
        joined = dotted(path)
        return any(p.search(joined) for p in self._patterns)


def make_alias(path: KeyPath, taken: Container[str], *, dots: bool = True) -> str:
    """The key path joined with ``_``; other characters become ``_``; a clash gets ``_2``...

    With ``dots=False`` (TOML) a dot becomes ``_`` too: a dotted key there
    would be a nested table.
    """
    base = _UNSAFE.sub("_", "_".join(str(part) for part in path)) or "secret"
    if not dots:
        base = base.replace(".", "_")
    alias, n = base, 1
    while alias in taken:  # a set: a config of 100,000 secrets stays linear
        n += 1
        alias = f"{base}_{n}"
    return alias
