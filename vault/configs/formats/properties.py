"""Java ``.properties`` by spans, read exactly as ``java.util.Properties.load`` reads them.

The rules, from the JDK's ``Properties.LineReader`` and ``load0``:

* natural lines end at ``\\r\\n``, ``\\r`` or ``\\n`` (``Scalar.line`` counts them the
  same way); leading spaces, tabs and form feeds of a line are skipped;
* a line whose first character is ``#`` or ``!`` is a comment, and never continues;
* a line ending in an odd number of backslashes continues on the next natural line,
  whose leading whitespace is skipped; the logical line is the pieces joined;
* the key ends at the first unescaped ``=``, ``:``, space, tab or form feed; then
  whitespace, at most one ``=`` or ``:``, and whitespace again are skipped;
* keys and values decode ``\\t \\n \\r \\f \\uXXXX`` and ``\\x`` -> ``x`` for any other
  character; a malformed ``\\uXXXX`` is the only thing Java refuses (a ParseError here).

The text is taken as already decoded (``Properties.load(Reader)``); Java's
``load(InputStream)`` reads ISO-8859-1, so :meth:`render` writes everything past
ASCII as ``\\uXXXX``, which reads the same either way. A value's span runs from its
first character to the end of its logical line (continuations and a dropped trailing
backslash included). A key with no separator at all (``key`` alone) has an empty
span at the end of its line, and its replacement starts with ``=``.

This is also the secret store format (WSO2's ``cipher-text.properties``): every
entry of the file is in the store, so ``store_path`` is ``()``.
"""

from __future__ import annotations

import os
import re
from bisect import bisect_right
from collections.abc import Callable, Sequence

from vault.configs.formats._base import Document, Edit, KeyPath, ParseError, Scalar

_EOL = re.compile(r"\r\n|\r|\n")
_BLANK = " \t\f"
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|(.))", re.DOTALL)
_KEY = re.compile(r"(?:[^\\=: \t\f]|\\.)*", re.DOTALL)
_AFTER_SEPARATOR = re.compile(r"[ \t\f]*")
_AFTER_BLANK = re.compile(r"[ \t\f]*(?:[=:][ \t\f]*)?")
_SIMPLE_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}
_SURROGATE = re.compile("[\ud800-\udfff]")
_PLAIN = re.compile(r"[^ \\=:#!\x00-\x1f\x7f-\U0010ffff][^\\=:#!\x00-\x1f\x7f-\U0010ffff]*")
_RENDER = {
    "\\": "\\\\",
    "\t": "\\t",
    "\n": "\\n",
    "\r": "\\r",
    "\f": "\\f",
    "=": "\\=",
    ":": "\\:",
    "#": "\\#",
    "!": "\\!",
}


def _line_starts(text: str) -> list[int]:
    return [0, *(m.end() for m in _EOL.finditer(text))]


def _match_end(pattern: re.Pattern[str], text: str, position: int) -> int:
    """Where a pattern that may match the empty string stops matching."""
    match = pattern.match(text, position)
    return match.end() if match else position


def _combine_surrogates(value: str) -> str:
    """Java strings are UTF-16: ``\\uD83D\\uDE00`` is one character, as Python sees it."""
    if _SURROGATE.search(value) is None:
        return value
    return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def _escape(value: str, *, key: bool = False) -> str:
    """As ``Properties.store`` writes it, so that Java reads back exactly ``value``."""
    if not key and (value == "" or _PLAIN.fullmatch(value)):
        return value
    out: list[str] = []
    for n, char in enumerate(value):
        if char in _RENDER:
            out.append(_RENDER[char])
        elif char == " " and (key or n == 0):
            out.append("\\ ")
        elif " " <= char <= "~":
            out.append(char)
        else:
            units = char.encode("utf-16-be", "surrogatepass")
            out.extend(f"\\u{units[i]:02X}{units[i + 1]:02X}" for i in range(0, len(units), 2))
    return "".join(out)


class _Logical:
    """One logical line: the raw spans of its pieces, in order."""

    def __init__(self) -> None:
        self.pieces: list[tuple[int, int]] = []
        self.length = 0

    def add(self, start: int, end: int) -> None:
        self.pieces.append((start, end))
        self.length += end - start


class PropertiesDocument(Document):
    format_name = "properties"
    store_path: KeyPath | None = ()

    def __init__(self, text: str, path: str | os.PathLike[str] | None = None) -> None:
        super().__init__(text, path)
        self._line_starts = _line_starts(text)
        first_eol = _EOL.search(text)
        self._newline = first_eol.group() if first_eol else "\n"
        self._scalars: list[Scalar] = []
        self._tail = ""
        self._scan()

    # -- reading ----------------------------------------------------------------

    def _where(self, position: int) -> tuple[int, int]:
        line = bisect_right(self._line_starts, position)
        return line, position - self._line_starts[line - 1] + 1

    def _scan(self) -> None:
        """Replay LineReader over natural lines, then note what must precede new entries."""
        text = self.text
        size = len(text)
        logical: _Logical | None = None
        continued = False  # the last natural line ended in a continuation backslash
        nothing_kept = False  # ... and its logical line had nothing left but that backslash
        terminator = ""
        start = 0
        for match in [*_EOL.finditer(text), None]:
            end = match.start() if match else size
            after = match.end() if match else size
            if match is None and start == size and size:  # after the final line break
                if logical is not None:
                    logical.add(end, end)
                    self._entry(logical, end)
                break
            continued = False
            terminator = match.group() if match else ""
            first = start
            while first < end and text[first] in _BLANK:
                first += 1
            if logical is None:
                if first == end or text[first] in "#!":
                    start = after
                    continue
                logical = _Logical()
            elif first == end:
                logical.add(end, end)
                self._entry(logical, end)
                logical = None
                start = after
                continue
            elif logical.length == 0 and text[first] in "#!":
                logical = None
                start = after
                continue
            backslashes = 0
            while end - backslashes > first and text[end - backslashes - 1] == "\\":
                backslashes += 1
            if backslashes % 2 == 0:
                logical.add(first, end)
                self._entry(logical, end)
                logical = None
            else:
                logical.add(first, end - 1)
                continued = True
                nothing_kept = logical.length == 0
                if match is None:
                    self._entry(logical, end)
                    logical = None
            start = after
        self._tail = self._tail_for(continued, nothing_kept, terminator)

    def _tail_for(self, continued: bool, nothing_kept: bool, terminator: str) -> str:
        """The text that must come before appended entries.

        A missing final line break comes first. After a continuation backslash an
        empty line ends the logical line; when nothing but the backslash was on it,
        Java stored an empty key (if the file ends right after a one-character line
        break or the backslash) and ``=`` on that line keeps exactly that."""
        newline = self._newline
        if not self.text:
            return ""
        if terminator:  # the text ends with a line break
            if not continued:
                return ""
            # The same line break again: after "\r" a "\n" would only complete "\r\n".
            return "=" + newline if nothing_kept and len(terminator) == 1 else terminator
        if not continued:
            return newline
        return newline + ("=" if nothing_kept else "") + newline

    def _entry(self, logical: _Logical, end: int) -> None:
        """Split one logical line into key and value, as ``Properties.load0`` does."""
        if logical.length == 0:
            # A lone backslash: Java may store an empty key with an empty value, but
            # there is no value token to replace, so it is no scalar.
            return
        buffer = "".join(self.text[s:e] for s, e in logical.pieces)
        limit = len(buffer)
        key_end = _match_end(_KEY, buffer, 0)
        value_start = key_end
        if key_end < limit:
            after_key = _AFTER_SEPARATOR if buffer[key_end] in "=:" else _AFTER_BLANK
            value_start = _match_end(after_key, buffer, key_end + 1)

        offsets: list[int] = []
        total = 0
        for s, e in logical.pieces:
            offsets.append(total)
            total += e - s

        def raw(index: int) -> int:
            """The text index of ``buffer[index]`` (the logical line's end for ``limit``)."""
            if index >= limit:
                return logical.pieces[-1][1]
            piece = bisect_right(offsets, index) - 1
            return logical.pieces[piece][0] + index - offsets[piece]

        key = self._decode(buffer, 0, key_end, raw)
        value = self._decode(buffer, value_start, limit, raw)
        start = raw(value_start)
        line, column = self._where(start)
        style = "bare" if key_end == limit else "plain"
        self._scalars.append(Scalar((key,), value, start, end, line, column, True, style))

    def _decode(self, buffer: str, start: int, end: int, raw: Callable[[int], int]) -> str:
        if buffer.find("\\", start, end) < 0:
            return buffer[start:end]
        out: list[str] = []
        position = start
        for match in _ESCAPE.finditer(buffer, start, end):
            out.append(buffer[position : match.start()])
            hex_digits, other = match.groups()
            if hex_digits is not None:
                out.append(chr(int(hex_digits, 16)))
            elif other == "u":
                line, column = self._where(raw(match.start()))
                raise ParseError(
                    "malformed \\uXXXX escape (four hex digits must follow \\u)",
                    path=self.path,
                    line=line,
                    column=column,
                )
            else:
                out.append(_SIMPLE_ESCAPES.get(other, other))
            position = match.end()
        out.append(buffer[position:end])
        return _combine_surrogates("".join(out))

    # -- the Document interface --------------------------------------------------

    def scalars(self) -> Sequence[Scalar]:
        return self._scalars

    def render(self, scalar: Scalar, new_value: str) -> str:
        """Escaped as ``Properties.store`` escapes it (WSO2's cipher tool writes the same):
        ``\\\\``, ``\\=``, ``\\:``, ``\\#``, ``\\!``, a leading ``\\ ``, control characters
        and everything past ASCII as ``\\uXXXX``. A key that had no separator gets ``=``."""
        token = _escape(new_value)
        if scalar.style == "bare" and token:
            return "=" + token
        return token

    def add_entries(self, entries: Sequence[tuple[str, str]]) -> list[Edit]:
        """``alias=value`` lines at the end of the file, in the file's line-ending style.

        A line break goes first when the file does not end with one, and an empty
        line when its last line ends in a continuation backslash (which would
        otherwise swallow the first new entry)."""
        if not entries:
            return []
        lines = [
            f"{_escape(alias, key=True)}={_escape(value)}{self._newline}"
            for alias, value in entries
        ]
        size = len(self.text)
        return [Edit(size, size, self._tail + "".join(lines))]


def parse(text: str, path: str | os.PathLike[str] | None = None) -> PropertiesDocument:
    return PropertiesDocument(text, path)
