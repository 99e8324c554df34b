"""TOML by spans: ``tomllib`` validates, a small scanner finds every value's span.

The scanner only ever sees valid TOML (tomllib has read it first), so it
walks tokens without reporting errors of its own. Edits are spans, so a
``[secrets]`` table may stand anywhere, with sections, comments and inline
comments after it (WSO2's tool truncated such files).
"""

from __future__ import annotations

import bisect
import os
import re
import tomllib
from collections.abc import Sequence

from vault.configs.formats._base import Document, Edit, KeyPath, ParseError, PathPart, Scalar

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_WS = " \t"
_ESCAPES = {
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
    '"': '\\"',
    "\\": "\\\\",
}


def _basic(value: str) -> str:
    """A TOML basic string literal that reads back as ``value``."""
    out = []
    for char in value:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _key_text(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _basic(key)


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.scalars: list[tuple[KeyPath, int, int, bool, str]] = []
        self.table: list[PathPart] = []
        self.aot: dict[tuple[PathPart, ...], int] = {}
        # Positions of table headers and of the end of each table's last key/value line.
        self.headers: dict[tuple[PathPart, ...], tuple[int, int]] = {}
        self.last_line_end: dict[tuple[PathPart, ...], int] = {}

    # -- low-level -------------------------------------------------------------

    def skip_ws(self) -> None:
        text, pos = self.text, self.pos
        while pos < len(text) and text[pos] in _WS:
            pos += 1
        self.pos = pos

    def skip_ws_comments_newlines(self) -> None:
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char in " \t\r\n":
                self.pos += 1
            elif char == "#":
                self.skip_to_eol()
            else:
                return

    def skip_to_eol(self) -> None:
        end = self.text.find("\n", self.pos)
        self.pos = len(self.text) if end < 0 else end

    def line_end(self) -> int:
        """End of the current line, before its line break (and before a '\\r')."""
        end = self.text.find("\n", self.pos)
        end = len(self.text) if end < 0 else end
        return end - 1 if end > 0 and self.text[end - 1] == "\r" else end

    # -- keys ------------------------------------------------------------------

    def key(self) -> list[str]:
        parts = []
        while True:
            self.skip_ws()
            char = self.text[self.pos]
            if char == '"':
                start = self.pos
                self.pos = self.basic_end(self.pos)
                parts.append(_decode(self.text[start : self.pos]))
            elif char == "'":
                end = self.text.index("'", self.pos + 1)
                parts.append(self.text[self.pos + 1 : end])
                self.pos = end + 1
            else:
                match = _BARE_KEY.match(self.text, self.pos)
                assert match is not None
                parts.append(match.group())
                self.pos = match.end()
            self.skip_ws()
            if self.pos < len(self.text) and self.text[self.pos] == ".":
                self.pos += 1
                continue
            return parts

    def resolve(self, keys: Sequence[str]) -> list[PathPart]:
        path: list[PathPart] = []
        for key in keys:
            path.append(key)
            index = self.aot.get(tuple(path))
            if index is not None:
                path.append(index)
        return path

    # -- strings ---------------------------------------------------------------

    def basic_end(self, start: int) -> int:
        text = self.text
        pos = start + 1
        while True:
            char = text[pos]
            if char == "\\":
                pos += 2
            elif char == '"':
                return pos + 1
            else:
                pos += 1

    def multiline_end(self, start: int, quote: str) -> int:
        text = self.text
        pos = start + 3
        delimiter = quote * 3
        while True:
            if quote == '"' and text[pos] == "\\":
                pos += 2
                continue
            if text.startswith(delimiter, pos):
                end = pos + 3
                # Up to two more quotes belong to the content: """a""""" is 'a""'.
                extra = 0
                while extra < 2 and end < len(text) and text[end] == quote:
                    end += 1
                    extra += 1
                return end
            pos += 1

    # -- values ----------------------------------------------------------------

    def value(self, path: KeyPath) -> None:
        text = self.text
        start = self.pos
        char = text[start]
        if text.startswith('"""', start) or text.startswith("'''", start):
            self.pos = self.multiline_end(start, char)
            self.scalars.append((path, start, self.pos, True, char * 3))
        elif char == '"':
            self.pos = self.basic_end(start)
            self.scalars.append((path, start, self.pos, True, '"'))
        elif char == "'":
            self.pos = text.index("'", start + 1) + 1
            self.scalars.append((path, start, self.pos, True, "'"))
        elif char == "[":
            self.array(path)
        elif char == "{":
            self.inline_table(path)
        else:
            end = start
            while end < len(text) and text[end] not in ",]}#\r\n":
                end += 1
            while text[end - 1] in _WS:
                end -= 1
            self.pos = end
            self.scalars.append((path, start, end, False, "plain"))

    def array(self, path: KeyPath) -> None:
        self.pos += 1
        index = 0
        while True:
            self.skip_ws_comments_newlines()
            if self.text[self.pos] == "]":
                self.pos += 1
                return
            self.value((*path, index))
            index += 1
            self.skip_ws_comments_newlines()
            if self.text[self.pos] == ",":
                self.pos += 1

    def inline_table(self, path: KeyPath) -> None:
        self.pos += 1
        while True:
            self.skip_ws()
            if self.text[self.pos] == "}":
                self.pos += 1
                return
            keys = self.key()
            self.pos += 1  # '='
            self.skip_ws()
            self.value((*path, *keys))
            self.skip_ws()
            if self.text[self.pos] == ",":
                self.pos += 1

    # -- document ----------------------------------------------------------------

    def run(self) -> None:
        text = self.text
        while True:
            self.skip_ws_comments_newlines()
            if self.pos >= len(text):
                return
            line_start = self.pos
            if text.startswith("[[", self.pos):
                self.pos += 2
                keys = self.key()
                parent = self.resolve(keys[:-1])
                prefix = (*parent, keys[-1])
                index = self.aot.get(prefix, -1) + 1
                self.aot[prefix] = index
                self.table = [*prefix, index]
                self.pos += 2
                self.headers[tuple(self.table)] = (line_start, self.line_end())
            elif text[self.pos] == "[":
                self.pos += 1
                keys = self.key()
                self.table = self.resolve(keys)
                self.pos += 1
                self.headers[tuple(self.table)] = (line_start, self.line_end())
            else:
                keys = self.key()
                self.pos += 1  # '='
                self.skip_ws()
                self.value((*self.table, *keys))
                self.last_line_end[tuple(self.table)] = self.line_end()
            self.skip_to_eol()


def _decode(token: str) -> str:
    """The string a TOML string token stands for."""
    if token[0] == "'" and not token.startswith("'''"):
        return token[1:-1]
    if token[0] == '"' and not token.startswith('"""') and "\\" not in token:
        return token[1:-1]
    value = tomllib.loads("v = " + token)["v"]
    assert isinstance(value, str)
    return value


class TomlDocument(Document):
    format_name = "toml"
    store_path: KeyPath | None = ("secrets",)

    def __init__(self, text: str, path: str | os.PathLike[str] | None = None) -> None:
        super().__init__(text, path)
        try:
            tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise parse_error(exc, path) from None
        except RecursionError:
            raise ParseError(TOO_DEEP, path=path) from None
        scanner = _Scanner(text)
        scanner.run()
        self._scanner = scanner
        starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self._scalars = []
        for key_path, start, end, is_string, style in scanner.scalars:
            line = bisect.bisect_right(starts, start)
            value = _decode(text[start:end]) if is_string else text[start:end]
            column = start - starts[line - 1] + 1
            self._scalars.append(
                Scalar(key_path, value, start, end, line, column, is_string, style)
            )

    def scalars(self) -> Sequence[Scalar]:
        return self._scalars

    def render(self, scalar: Scalar, new_value: str) -> str:
        plain_literal = not any(c in new_value for c in "'\r\n") and all(
            (ord(c) >= 0x20 and ord(c) != 0x7F) or c == "\t" for c in new_value
        )
        if scalar.style == "'" and plain_literal:
            return f"'{new_value}'"
        if scalar.style == "'''" and plain_literal and new_value:
            return f"'''{new_value}'''"
        if scalar.style == '"""':
            body = _basic(new_value)[1:-1]
            if not body.endswith('"'):
                return f'"""{body}"""'
        return _basic(new_value)

    def add_entries(self, entries: Sequence[tuple[str, str]]) -> list[Edit]:
        if not entries:
            return []
        newline = "\r\n" if "\r\n" in self.text else "\n"
        lines = "".join(
            f"{newline}{_key_text(alias)} = {_basic(value)}" for alias, value in entries
        )
        key = ("secrets",)
        scanner = self._scanner
        if key in scanner.headers:
            at = scanner.last_line_end.get(key, scanner.headers[key][1])
            return [Edit(at, at, lines)]
        if any(s.path[:1] == key for s in self._scalars):
            raise ParseError(
                "the secrets table is written inline or with dotted keys; "
                "make it a [secrets] table to add entries",
                path=self.path,
            )
        text = self.text
        lead = "" if not text else (newline if text.endswith("\n") else newline * 2)
        end = len(text)
        return [Edit(end, end, f"{lead}[secrets]{lines}{newline}")]


TOO_DEEP = "arrays or inline tables nested too deeply; refused"


def parse_error(exc: tomllib.TOMLDecodeError, path: str | os.PathLike[str] | None) -> ParseError:
    message = str(exc)
    match = re.search(r"\(at line (\d+), column (\d+)\)", message)
    if match:
        message = message[: match.start()].strip()
        return ParseError(message, path=path, line=int(match.group(1)), column=int(match.group(2)))
    return ParseError(message.replace(" (at end of document)", " at the end"), path=path)


def parse(text: str, path: str | os.PathLike[str] | None = None) -> TomlDocument:
    return TomlDocument(text, path)
