"""``.env`` files by spans, read as python-dotenv and docker compose read them.

Lines end at ``\\r\\n``, ``\\r`` or ``\\n`` (``Scalar.line`` counts them the same way).
A line is one of:

* blank, or a comment: its first non-blank character is ``#``;
* ``KEY=value``, with an optional ``export`` prefix and blanks around ``=``; a key
  is letters, digits and ``_ . - [ ]``;
* ``KEY`` alone (a comment may follow): a name without a value, which compose takes
  from the environment; it has no scalar.

Values:

* unquoted: the rest of the line up to a ``#`` that follows whitespace, trailing
  whitespace trimmed, taken literally; ``KEY= # note`` (a blank after ``=``, then
  ``#``) is empty, the rest a comment, as python-dotenv reads it (``KEY=#x`` is ``#x``);
* ``'single'``: literal, no escapes, may span lines;
* ``"double"``: may span lines; ``\\n \\t \\r \\" \\\\ \\$`` are escapes, any other
  backslash is kept as it is;
* after a closing quote only blanks and a comment may follow.

Anything else is a :class:`ParseError` naming line and column. Interpolation
(``$VAR``, ``${VAR}``) is the reader's business at run time: values here are the
text as written, and :meth:`DotenvDocument.render` keeps ``$`` out of the places where
python-dotenv or compose would expand it. A duplicate key gives one scalar per line;
the last one wins when the file is read. ``.env`` files keep their secrets in
cipher-text.properties, so there is no store inside the file.
"""

from __future__ import annotations

import os
import re
from bisect import bisect_right
from collections.abc import Callable, Sequence

from vault.configs.formats._base import Document, KeyPath, ParseError, Scalar

_EOL = re.compile(r"\r\n|\r|\n")
_BLANKS = re.compile(r"[^\S\r\n]*")
_KEY = re.compile(r"(?:export[^\S\r\n]+(?=[\w.\-\[\]]))?([\w.\-\[\]]+)[^\S\r\n]*")
_REST_OF_LINE = re.compile(r"[^\r\n]*")
_INLINE_COMMENT = re.compile(r"\s#")
_DOUBLE_QUOTED = re.compile(r'"([^"\\]*(?:\\.[^"\\]*)*)"', re.DOTALL)
_AFTER_QUOTE = re.compile(r"[^\S\r\n]*(?:#[^\r\n]*)?")
_LINE_END = re.compile(r"[^\S\r\n]*(?:[\r\n]|\Z)")
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "$": "$"}
_DOUBLE_RENDER = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "$": "\\$"})


def _decode_double(body: str) -> str:
    if "\\" not in body:
        return body
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(0)), body)


def _plain_holds(value: str) -> bool:
    """Read back unchanged unquoted: no ``$`` (interpolated), no line break, no blank at
    either end, no blank before ``#`` (a comment), no opening quote."""
    if value == "":
        return True
    return (
        value == value.strip()
        and "$" not in value
        and _EOL.search(value) is None
        and _INLINE_COMMENT.search(value) is None
        and value[0] not in "'\""
    )


def _single_holds(value: str) -> bool:
    """Literal in single quotes everywhere: python-dotenv still reads ``\\\\`` and ``\\'``
    there as escapes, and compose ends the value at a quote not after a backslash."""
    return "'" not in value and "\\" not in value


def _double_holds(value: str) -> bool:
    """``$`` expands in double quotes (``\\$`` is compose's escape, not python-dotenv's), and
    a trailing backslash before the closing quote confuses both readers' quote search."""
    return "$" not in value and not value.endswith("\\")


def _single(value: str) -> str:
    return f"'{value}'"


def _double(value: str) -> str:
    return f'"{value.translate(_DOUBLE_RENDER)}"'


def _as_is(value: str) -> str:
    return value


_STYLES: dict[str, tuple[Callable[[str], bool], Callable[[str], str]]] = {
    "plain": (_plain_holds, _as_is),
    "'": (_single_holds, _single),
    '"': (_double_holds, _double),
}
_NEAREST = {"plain": ("plain", '"', "'"), "'": ("'", '"', "plain"), '"': ('"', "'", "plain")}


class DotenvDocument(Document):
    format_name = "env"
    store_path: KeyPath | None = None

    def __init__(self, text: str, path: str | os.PathLike[str] | None = None) -> None:
        super().__init__(text, path)
        self._line_starts = [0, *(m.end() for m in _EOL.finditer(text))]
        self._scalars: list[Scalar] = []
        self._scan()

    def _where(self, position: int) -> tuple[int, int]:
        line = bisect_right(self._line_starts, position)
        return line, position - self._line_starts[line - 1] + 1

    def _fail(self, message: str, position: int) -> ParseError:
        line, column = self._where(position)
        return ParseError(message, path=self.path, line=line, column=column)

    def _next_line(self, position: int) -> int:
        """The start of the line after the one holding ``position``."""
        match = _EOL.search(self.text, position)
        return match.end() if match else len(self.text)

    def _scan(self) -> None:
        text = self.text
        size = len(text)
        position = 1 if text.startswith("\ufeff") else 0
        while position < size:
            first = _match_end(_BLANKS, text, position)
            if first == size:
                break
            if text[first] in "\r\n#":
                position = self._next_line(first)
                continue
            key = _KEY.match(text, first)
            if key is None:
                raise self._fail("expected KEY=value, a comment or a blank line", first)
            after_key = key.end()
            next_char = text[after_key] if after_key < size else "\n"
            if next_char in "\r\n#":  # a name alone: its value comes from the environment
                position = self._next_line(after_key)
                continue
            if next_char != "=":
                raise self._fail("expected '=' after the variable name", after_key)
            start = _match_end(_BLANKS, text, after_key + 1)
            position = self._value(key.group(1), start, after_key + 1)

    def _value(self, key: str, start: int, after_equals: int) -> int:
        """Read the value at ``start``; returns where the next line begins."""
        text = self.text
        if start > after_equals and text.startswith("#", start):
            self._add(key, "", after_equals, after_equals, "plain")  # "KEY= # note"
            return self._next_line(start)
        quote = text[start] if start < len(text) else ""
        if quote == "'":
            close = text.find("'", start + 1)
            if close < 0:
                raise self._fail("unterminated single-quoted value", start)
            value, end = text[start + 1 : close], close + 1
        elif quote == '"':
            match = _DOUBLE_QUOTED.match(text, start)
            if match is None:
                raise self._fail("unterminated double-quoted value", start)
            value, end = _decode_double(match.group(1)), match.end()
        else:
            line_end = _match_end(_REST_OF_LINE, text, start)
            rest = text[start:line_end]
            comment = _INLINE_COMMENT.search(rest)
            value = (rest[: comment.start()] if comment else rest).rstrip()
            self._add(key, value, start, start + len(value), "plain")
            return self._next_line(line_end)
        after = _match_end(_AFTER_QUOTE, text, end)
        if after < len(text) and text[after] not in "\r\n":
            raise self._fail("unexpected text after the closing quote", after)
        self._add(key, value, start, end, quote)
        return self._next_line(after)

    def _add(self, key: str, value: str, start: int, end: int, style: str) -> None:
        line, column = self._where(start)
        self._scalars.append(Scalar((key,), value, start, end, line, column, True, style))

    def scalars(self) -> Sequence[Scalar]:
        return self._scalars

    def render(self, scalar: Scalar, new_value: str) -> str:
        """The scalar's own style when it holds ``new_value`` for python-dotenv and compose
        alike, else the nearest one that does; a value with ``$`` goes in single quotes
        (double quotes with ``\\$`` when it also holds a ``'``)."""
        for style in _NEAREST.get(scalar.style, _NEAREST["plain"]):
            holds, write = _STYLES[style]
            if style == "plain" and new_value == "" and not _LINE_END.match(self.text, scalar.end):
                continue  # "KEY= # note" reads "# note": an empty value needs quotes there
            if holds(new_value):
                return write(new_value)
        return _double(new_value) if "'" in new_value else _single(new_value)


def _match_end(pattern: re.Pattern[str], text: str, position: int) -> int:
    """Where a pattern that may match the empty string stops matching."""
    match = pattern.match(text, position)
    return match.end() if match else position


def parse(text: str, path: str | os.PathLike[str] | None = None) -> DotenvDocument:
    return DotenvDocument(text, path)
