"""INI by spans, read as ``configparser.ConfigParser(interpolation=None)`` reads it.

configparser validates first, with its default settings: ``=`` and ``:``
separators, full-line ``#`` / ``;`` comments (no inline comments), keys
without a value refused, duplicate sections and keys refused (keys compare
lowercased, as ``optionxform`` makes them). The scanner then replays
configparser's line rules, with configparser's own regular expressions, to find
each value's span:

* a line indented deeper than its key line continues the value; the value is
  the stripped lines joined with ``"\\n"``, blank lines included, comment lines
  skipped, trailing blank lines dropped;
* a value's span runs from its first character to the end of its last
  non-blank line, so replacing a continued value replaces all its lines (and
  the comment lines between them);
* an empty value (``key =``) is an empty span right after the separator.

Paths are ``(section, key)`` with the key as written; ``[DEFAULT]`` is a
section like the others here (no inheritance). INI keeps its secrets in
cipher-text.properties, so there is no store inside the file.
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from vault.configs.formats._base import Document, KeyPath, ParseError, Scalar
from vault.errors import UnwritableValueError

_SECTION = configparser.ConfigParser.SECTCRE
_OPTION = configparser.ConfigParser.OPTCRE
_COMMENTS = "#;"


@dataclass
class _Value:
    section: str
    key: str
    start: int
    end: int
    line: int
    column: int
    pieces: list[str] = field(default_factory=list)

    def scalar(self) -> Scalar:
        value = "\n".join(self.pieces).rstrip()
        path: KeyPath = (self.section, self.key)
        return Scalar(path, value, self.start, self.end, self.line, self.column, True, "plain")


def _scan(text: str) -> list[Scalar]:
    """Every value with its span; ``text`` is known to be valid."""
    scalars: list[Scalar] = []
    section = ""
    current: _Value | None = None
    indent_level = 0
    line_end = -1
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()  # configparser sees no line after a final line break
    for lineno, line in enumerate(lines, start=1):
        line_start = line_end + 1
        line_end = line_start + len(line)
        stripped = line.strip()
        if not stripped:
            if current is not None:
                current.pieces.append("")
            continue
        if stripped[0] in _COMMENTS:
            continue
        indent = line.find(stripped[0])
        if current is not None and indent > indent_level:
            current.pieces.append(stripped)
            current.end = line_start + indent + len(stripped)
            continue
        indent_level = indent
        if current is not None:
            scalars.append(current.scalar())
            current = None
        header = _SECTION.match(stripped)
        if header:
            section = header.group("header")
            continue
        option = _OPTION.match(stripped)
        assert option is not None
        start = line_start + indent + option.start("value")
        end = line_start + indent + len(stripped)
        key = option.group("option").rstrip()
        current = _Value(section, key, start, end, lineno, start - line_start + 1)
        current.pieces.append(option.group("value").strip())
    if current is not None:
        scalars.append(current.scalar())
    return scalars


def _first_column(text: str, lineno: int) -> int:
    """1-based column of the first non-blank character of a line (1 for a blank line)."""
    start = 0
    for _ in range(lineno - 1):
        start = text.find("\n", start) + 1
    end = text.find("\n", start)
    line = text[start : len(text) if end < 0 else end]
    return len(line) - len(line.lstrip()) + 1 if line.strip() else 1


def _validate(text: str, path: str | os.PathLike[str] | None) -> None:
    """Read ``text`` with configparser; its errors become ParseErrors without the line's text."""
    parser = configparser.ConfigParser(interpolation=None)
    message: str
    lineno: int | None
    try:
        parser.read_string(text)
        return
    except configparser.MissingSectionHeaderError as exc:
        message, lineno = "a key comes before the first [section] header", exc.lineno
    except configparser.DuplicateSectionError as exc:
        message, lineno = f"section [{exc.section}] appears twice", exc.lineno
    except configparser.DuplicateOptionError as exc:
        message = f"key '{exc.option}' appears twice in section [{exc.section}] (keys ignore case)"
        lineno = exc.lineno
    except configparser.ParsingError as exc:
        message = "expected a [section] header, a key = value or key: value line, or a comment"
        lineno = exc.errors[0][0] if exc.errors else None
    except configparser.Error:
        message, lineno = "does not parse as INI", None
    column = _first_column(text, lineno) if lineno is not None else None
    raise ParseError(message, path=path, line=lineno, column=column)


class IniDocument(Document):
    format_name = "ini"
    store_path: KeyPath | None = None

    def __init__(self, text: str, path: str | os.PathLike[str] | None = None) -> None:
        super().__init__(text, path)
        _validate(text, path)
        self._scalars = _scan(text)

    def scalars(self) -> Sequence[Scalar]:
        return self._scalars

    def render(self, scalar: Scalar, new_value: str) -> str:
        """The value as is: INI has no quoting, so a value that configparser would
        change on reading (a line break, whitespace at either end) is refused."""
        if "\n" in new_value or "\r" in new_value:
            raise UnwritableValueError(
                "an INI value cannot hold a line break", path=self.path, line=scalar.line
            )
        if new_value != new_value.strip():
            raise UnwritableValueError(
                "an INI value cannot start or end with whitespace",
                path=self.path,
                line=scalar.line,
            )
        return new_value


def parse(text: str, path: str | os.PathLike[str] | None = None) -> IniDocument:
    return IniDocument(text, path)
