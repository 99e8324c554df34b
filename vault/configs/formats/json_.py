"""JSON by spans: ``json.loads`` validates, a small scanner finds every value's span.

Python's defaults are kept, so a file reads here as it reads in the Python
services that load it: ``NaN``, ``Infinity`` and ``-Infinity`` are values
(non-string scalars), and a key repeated in one object is allowed (the last
one wins when read). Every copy of a repeated key is reported, so a plaintext
password hidden behind a later duplicate is still found and can be protected.

The scanner only sees valid JSON and walks it with an explicit stack, so
deeply nested files need no recursion.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from vault.configs.formats._base import Document, Edit, KeyPath, ParseError, PathPart, Scalar
from vault.configs.store import own_schema
from vault.errors import InputError, UnwritableValueError

_WS = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_LITERAL = re.compile(r"true|false|null|NaN|-?Infinity")
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|.)", re.DOTALL)
_SURROGATE = re.compile("[\ud800-\udfff]")
_ALIAS = re.compile(r"[A-Za-z0-9_.-]+")
_STORE = "secrets"


@dataclass
class _Member:
    key: str
    key_start: int
    key_end: int
    value_start: int
    value_end: int = -1


@dataclass
class _Object:
    """Where an object's braces and members are: only kept for the top level and the store."""

    open: int
    close: int = -1
    members: list[_Member] = field(default_factory=list)


@dataclass
class _Frame:
    kind: str
    tracked: _Object | None


def _decode(token: str) -> str:
    """The string a JSON string token stands for, as ``json.loads`` reads it."""
    if "\\" not in token:
        return token[1:-1]
    value = json.loads(token)
    assert isinstance(value, str)
    return value


def _literal(
    value: str,
    ascii_only: bool = False,
    *,
    path: str | os.PathLike[str] | None = None,
    line: int | None = None,
) -> str:
    """A JSON string literal that ``json.loads`` reads back as ``value``; ``path`` and
    ``line``: where it goes, for the error when no literal can."""
    token = json.dumps(value, ensure_ascii=ascii_only)
    if not ascii_only and _SURROGATE.search(token):
        # Lone surrogates cannot be written as UTF-8; only an escape holds them.
        token = _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", token)
        if json.loads(token) != value:
            raise UnwritableValueError(
                "a JSON string cannot hold this value (adjacent lone surrogates)",
                path=path,
                line=line,
            )
    return token


def _escapes_non_ascii(token: str) -> bool:
    """Whether a string token spells non-ASCII characters as ``\\u`` escapes."""
    return any(m.group(1) and int(m.group(1), 16) >= 0x80 for m in _ESCAPE.finditer(token))


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.scalars: list[tuple[KeyPath, int, int, bool]] = []
        self.top: _Object | None = None
        #: Tracked objects by the position of their opening brace.
        self.objects: dict[int, _Object] = {}

    def skip(self, pos: int) -> int:
        match = _WS.match(self.text, pos)
        assert match is not None
        return match.end()

    def member(self, pos: int, frame: _Frame, path: list[PathPart]) -> int:
        """Read ``"key" :`` at ``pos``; returns where the member's value starts."""
        match = _STRING.match(self.text, pos)
        assert match is not None
        key = _decode(match.group())
        path[-1] = key
        value_start = self.skip(self.skip(match.end()) + 1)
        if frame.tracked is not None:
            frame.tracked.members.append(_Member(key, pos, match.end(), value_start))
        return value_start

    def open_object(self, start: int, path: list[PathPart]) -> _Object | None:
        if path and (len(path) > 1 or path[0] != _STORE):
            return None
        tracked = _Object(start)
        self.objects[start] = tracked
        if not path:
            self.top = tracked
        return tracked

    def run(self) -> None:
        text = self.text
        path: list[PathPart] = []
        stack: list[_Frame] = []
        pos = self.skip(0)
        while True:
            start = pos
            char = text[pos]
            if char in "{[":
                tracked = self.open_object(start, path) if char == "{" else None
                pos = self.skip(pos + 1)
                if text[pos] in "}]":
                    if tracked is not None:
                        tracked.close = pos
                    end = pos + 1
                else:
                    frame = _Frame(char, tracked)
                    stack.append(frame)
                    if char == "{":
                        path.append("")
                        pos = self.member(pos, frame, path)
                    else:
                        path.append(0)
                    continue
            else:
                if char == '"':
                    match = _STRING.match(text, pos)
                else:
                    match = _NUMBER.match(text, pos) or _LITERAL.match(text, pos)
                assert match is not None
                end = match.end()
                self.scalars.append((tuple(path), start, end, char == '"'))
            # After a value: close containers until a comma opens the next value.
            while True:
                pos = self.skip(end)
                if not stack:
                    return
                frame = stack[-1]
                if frame.tracked is not None:
                    frame.tracked.members[-1].value_end = end
                if text[pos] == ",":
                    pos = self.skip(pos + 1)
                    if frame.kind == "{":
                        pos = self.member(pos, frame, path)
                    else:
                        index = path[-1]
                        assert isinstance(index, int)
                        path[-1] = index + 1
                    break
                stack.pop()
                path.pop()
                if frame.tracked is not None:
                    frame.tracked.close = pos
                end = pos + 1


@dataclass(frozen=True)
class _Layout:
    """How an object's members are written: one line or one per line, and the spacing."""

    multiline: bool
    newline: str
    brace: str
    """Indentation of the line holding the opening brace."""
    indent: str
    """Indentation of the members (multi-line objects)."""
    unit: str
    """One level of indentation."""
    separator: str
    """What stands between one member's value and the next key, comma included."""
    colon: str


class JsonDocument(Document):
    format_name = "json"
    store_path: KeyPath | None = (_STORE,)

    def __init__(self, text: str, path: str | os.PathLike[str] | None = None) -> None:
        super().__init__(text, path)
        try:
            self.own_schema = own_schema(json.loads(text))
        except json.JSONDecodeError as exc:
            raise ParseError(exc.msg, path=path, line=exc.lineno, column=exc.colno) from None
        except RecursionError:
            raise ParseError("the document is nested too deeply", path=path) from None
        if self.own_schema is not None:
            self.store_path = None
        scanner = _Scanner(text)
        scanner.run()
        self._scanner = scanner
        self._scalars: list[Scalar] = []
        line, line_start, counted = 1, 0, 0
        for key_path, start, end, is_string in scanner.scalars:
            line += text.count("\n", counted, start)
            newline = text.rfind("\n", counted, start)
            if newline >= 0:
                line_start = newline + 1
            counted = start
            token = text[start:end]
            self._scalars.append(
                Scalar(
                    key_path,
                    _decode(token) if is_string else token,
                    start,
                    end,
                    line,
                    start - line_start + 1,
                    is_string,
                    '"' if is_string else "plain",
                )
            )

    def scalars(self) -> Sequence[Scalar]:
        return self._scalars

    def render(self, scalar: Scalar, new_value: str) -> str:
        """A JSON string; non-ASCII is written as ``\\u`` escapes only when the
        original string already spelled non-ASCII that way (``ensure_ascii`` output)."""
        token = self.text[scalar.start : scalar.end]
        ascii_only = scalar.is_string and "\\" in token and _escapes_non_ascii(token)
        return _literal(new_value, ascii_only, path=self.path, line=scalar.line)

    # -- the store ---------------------------------------------------------------

    def add_entries(self, entries: Sequence[tuple[str, str]]) -> list[Edit]:
        if not entries:
            return []
        if self.own_schema is not None:
            raise InputError(
                f"is {self.own_schema}: its secrets are kept beside it, not in it", path=self.path
            )
        for alias, _ in entries:
            if not _ALIAS.fullmatch(alias):
                raise ValueError("an alias is made of A-Z a-z 0-9 _ . - only")
        top = self._scanner.top
        if top is None:
            raise InputError(
                "the top level is not an object; cannot add a secrets member", path=self.path
            )
        pairs = [(f'"{alias}"', _literal(value, path=self.path)) for alias, value in entries]
        outer = self._layout(top)
        if not top.members:
            store_body = self._body(pairs, outer, outer.indent)
            return [self._fill(top, [(f'"{_STORE}"', "{" + store_body + "}")], outer, outer.brace)]
        store = next((m for m in reversed(top.members) if m.key == _STORE), None)
        if store is None:
            block = "{" + self._body(pairs, outer, outer.indent) + "}"
            return [self._append(top, outer, [(f'"{_STORE}"', block)])]
        key_indent = self._line_indent(store.key_start, outer.indent)
        found = self._scanner.objects.get(store.value_start)
        if found is not None and found.members:
            return [self._append(found, self._layout(found), pairs)]
        if found is not None:
            return [self._fill(found, pairs, outer, key_indent)]
        if self.text[store.value_start : store.value_end] == "null":
            block = "{" + self._body(pairs, outer, key_indent) + "}"
            return [Edit(store.value_start, store.value_end, block)]
        raise InputError(
            "the top-level secrets member is not an object; cannot add entries to it",
            path=self.path,
            line=self.text.count("\n", 0, store.value_start) + 1,
        )

    def _line_indent(self, pos: int, fallback: str) -> str:
        """The whitespace that starts the line holding ``pos``, if only whitespace precedes it."""
        prefix = self.text[self.text.rfind("\n", 0, pos) + 1 : pos]
        return prefix if not prefix.strip(" \t") else fallback

    def _layout(self, obj: _Object) -> _Layout:
        """How ``obj`` writes its members; an empty object gets two-space indentation."""
        text = self.text
        newline = "\r\n" if "\r\n" in text else "\n"
        brace = self._line_indent(obj.open, "")
        if not obj.members:
            return _Layout(True, newline, brace, brace + "  ", "  ", ",", ": ")
        first, last = obj.members[0], obj.members[-1]
        lead = text[obj.open + 1 : first.key_start]
        multiline = "\n" in lead
        indent = lead[lead.rfind("\n") + 1 :] if multiline else ""
        unit = indent[len(brace) :] if indent.startswith(brace) else indent
        colon = text[last.key_end : last.value_start]
        if "\n" in colon:
            colon = ": "
        if len(obj.members) > 1:
            separator = text[obj.members[-2].value_end : last.key_start]
        elif multiline:
            separator = "," + newline + indent
        else:
            separator = "," if colon == ":" else ", "
        return _Layout(multiline, newline, brace, indent, unit or "  ", separator, colon)

    @staticmethod
    def _body(pairs: list[tuple[str, str]], layout: _Layout, key_indent: str) -> str:
        """The text between the braces of a new object whose key is on a line at ``key_indent``."""
        if not layout.multiline:
            return layout.separator.join(f"{k}{layout.colon}{v}" for k, v in pairs)
        indent = key_indent + layout.unit
        members = ("," + layout.newline + indent).join(f"{k}{layout.colon}{v}" for k, v in pairs)
        return layout.newline + indent + members + layout.newline + key_indent

    def _fill(
        self, obj: _Object, pairs: list[tuple[str, str]], layout: _Layout, key_indent: str
    ) -> Edit:
        """Members for an empty object, replacing the whitespace between its braces."""
        return Edit(obj.open + 1, obj.close, self._body(pairs, layout, key_indent))

    @staticmethod
    def _append(obj: _Object, layout: _Layout, pairs: list[tuple[str, str]]) -> Edit:
        """Members after the last one, so every existing comma stays where it is."""
        at = obj.members[-1].value_end
        return Edit(at, at, "".join(f"{layout.separator}{k}{layout.colon}{v}" for k, v in pairs))


def parse(text: str, path: str | os.PathLike[str] | None = None) -> JsonDocument:
    return JsonDocument(text, path)
