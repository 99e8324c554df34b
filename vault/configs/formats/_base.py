"""The one small interface every config format adapter implements.

An adapter parses text into a :class:`Document` that knows every scalar value
with its key path and exact span, renders a replacement token for a scalar
(keeping its quoting style when that style can hold the new text), and, for
formats whose secret store lives inside the file, adds store entries.
Rewrites are lists of :class:`Edit` applied in one pass, so every byte not
inside an edit stays as it was.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from vault.errors import ParseError as ParseError

PathPart = str | int
KeyPath = tuple[PathPart, ...]


@dataclass(frozen=True, slots=True)
class Scalar:
    """One scalar value of a document (keys are not scalars here)."""

    path: KeyPath
    """Mapping keys (str) and sequence indexes (int) from the document root."""
    value: str
    """The decoded value; for non-strings (numbers, booleans, dates, null) their source text."""
    start: int
    """Span of the value token in the text, str indexes, [start, end): quotes included."""
    end: int
    line: int
    """1-based line of ``start``."""
    column: int
    """1-based column of ``start``."""
    is_string: bool
    style: str
    """Format-specific quoting style, e.g. "plain", '"', "'", '\"\"\"', "|", ">"."""
    document: int = 0
    """Index of the YAML document holding it; 0 elsewhere."""


@dataclass(frozen=True, order=True)
class Edit:
    """Replace text[start:end] with ``text`` (an insertion when start == end)."""

    start: int
    end: int
    text: str


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits in one pass; every other character is kept."""
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    out: list[str] = []
    position = 0
    for edit in ordered:
        if edit.start < position or edit.end < edit.start or edit.end > len(text):
            raise ValueError("overlapping or out-of-range edits")
        out.append(text[position : edit.start])
        out.append(edit.text)
        position = edit.end
    out.append(text[position:])
    return "".join(out)


class Document(ABC):
    """A parsed config file."""

    format_name: str = ""
    #: The key path of the secret store inside this file ("secrets"), or None
    #: when the format keeps its secrets in cipher-text.properties.
    store_path: KeyPath | None = None
    #: What the file is when its own schema keeps its store beside it, though its format
    #: could hold one inside (a Compose file, ...: see :func:`vault.configs.store.own_schema`).
    own_schema: str | None = None

    def __init__(self, text: str, path: str | os.PathLike[str] | None = None) -> None:
        self.text = text
        self.path = os.fspath(path) if path is not None else None

    @abstractmethod
    def scalars(self) -> Sequence[Scalar]:
        """Every scalar value, in text order."""

    @abstractmethod
    def render(self, scalar: Scalar, new_value: str) -> str:
        """The token that replaces ``scalar``'s span so that it reads as ``new_value``.

        Keeps the scalar's style when that style can hold the value; otherwise
        the nearest style that can (e.g. a plain YAML scalar becomes quoted).
        The result always parses back to exactly ``new_value`` as a string.
        """

    def replace(self, scalar: Scalar, new_value: str) -> Edit:
        return Edit(scalar.start, scalar.end, self.render(scalar, new_value))

    def add_entries(self, entries: Sequence[tuple[str, str]]) -> list[Edit]:
        """Edits that add ``alias = value`` string entries to this file's secret store,
        creating the store (table, mapping, or the file's entries) when missing.
        Aliases match ``[A-Za-z0-9_.-]+`` and are not already in the store."""
        raise NotImplementedError(f"{self.format_name} files keep no secret store inside")

    def store_entries(self) -> list[Scalar]:
        """The scalars inside the store, i.e. whose path starts with ``store_path``.
        (For a .properties file used as a store, every entry.)"""
        if self.store_path is None:
            return []
        n = len(self.store_path)
        return [s for s in self.scalars() if s.path[:n] == self.store_path and len(s.path) > n]
