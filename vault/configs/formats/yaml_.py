"""YAML by spans: PyYAML composes the node tree, node marks give every value's span.

Values are read as ``yaml.safe_load`` reads them (YAML 1.1: ``yes`` is a
boolean, ``012`` an octal int, ``<<`` merges). PyYAML's C parser is used when
it is there, for speed: its marks are the same str indexes, except that it
does not count a byte order mark, so a text holding one goes to the
pure-Python parser, as does any text the C parser refuses (so errors name the
line and column ``safe_load`` would).

A value defined once with ``&anchor`` and used again through ``*alias`` is
reported once, at the path of its definition: replacing it changes every
alias, which is what the file says. Scalar paths are those of the constructed
data: a key repeated in one mapping, or overridden by a ``<<`` merge, hides
the values it shadows, and keys keep their constructed type (``1:`` is the
int 1, ``true:`` the bool True).

Block scalars (``|``, ``>``) span from their indicator to the end of their
last content line, so the line break that ends them and any trailing blank
lines are never part of an edit.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from vault.configs.formats._base import Document, Edit, KeyPath, ParseError, PathPart, Scalar
from vault.configs.store import Documents, own_schema, yaml_untagged
from vault.errors import InputError

_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"
_STORE = "secrets"

_BREAKS = "\r\n\x85\u2028\u2029"
_BREAK = re.compile("[\r\n\x85\u2028\u2029]")
#: Characters that stand for themselves inside quotes (printable, no tab, no line break, no BOM).
_LITERAL = re.compile(
    "[\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]*"
)
_NEEDS_ESCAPE = re.compile(
    '["\\\\]|[^\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]'
)
_ESCAPES = {
    "\0": "\\0",
    "\x07": "\\a",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\x0b": "\\v",
    "\f": "\\f",
    "\r": "\\r",
    "\x1b": "\\e",
    '"': '\\"',
    "\\": "\\\\",
    "\x85": "\\N",
    "\u2028": "\\L",
    "\u2029": "\\P",
}
#: A plain scalar cannot start with an indicator or a space.
_PLAIN_BAD_FIRST = frozenset("-?:,[]{}#&*!|>'\"%@` ")
_FLOW_BAD = re.compile(r"[,\[\]{}?:#]")
_ANCHOR = re.compile(r"&[0-9A-Za-z_-]+")
_TAG = re.compile("![^ \t\r\n\x85\u2028\u2029]*")
_SEPARATION = re.compile("(?:[ \t\r\n\x85\u2028\u2029]|#[^\r\n\x85\u2028\u2029]*)*")
_RESOLVER: Any = yaml.resolver.Resolver()
_C_LOADER: Any = None


def _remember_merges(originals: dict[Node, list[tuple[Node, Node]]], node: MappingNode) -> None:
    """Keep a mapping's own items before ``<<`` merges rewrite them in place."""
    if node not in originals and any(key.tag == _MERGE for key, _ in node.value):
        originals[node] = list(node.value)


class _PyLoader(yaml.SafeLoader):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.originals: dict[Node, list[tuple[Node, Node]]] = {}

    def flatten_mapping(self, node: MappingNode) -> None:
        _remember_merges(self.originals, node)
        super().flatten_mapping(node)


if hasattr(yaml, "CSafeLoader"):

    class _CLoader(yaml.CSafeLoader):
        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self.originals: dict[Node, list[tuple[Node, Node]]] = {}

        def flatten_mapping(self, node: MappingNode) -> None:
            _remember_merges(self.originals, node)
            super().flatten_mapping(node)

    _CLoader.add_multi_constructor("!", yaml_untagged)
    _C_LOADER = _CLoader

_PyLoader.add_multi_constructor("!", yaml_untagged)


def _double_quoted(value: str) -> str:
    def escape(match: re.Match[str]) -> str:
        char = match.group()
        code = ord(char)
        if char in _ESCAPES:
            return _ESCAPES[char]
        if code < 0x100:
            return f"\\x{code:02X}"
        return f"\\u{code:04X}" if code < 0x10000 else f"\\U{code:08X}"

    return '"' + _NEEDS_ESCAPE.sub(escape, value) + '"'


def _single_quoted(value: str) -> str | None:
    if not _LITERAL.fullmatch(value):
        return None
    return "'" + value.replace("'", "''") + "'"


def _plain_ok(value: str, flow: bool) -> bool:
    """True when ``value`` written plain reads back as this very string (conservatively)."""
    if not value or value[0] in _PLAIN_BAD_FIRST or value[-1] in " :":
        return False
    if not _LITERAL.fullmatch(value) or ": " in value or " #" in value:
        return False
    if value.startswith("...") or (flow and _FLOW_BAD.search(value)):
        return False
    return bool(_RESOLVER.resolve(ScalarNode, value, (True, False)) == _STR)


def _key_token(alias: str, flow: bool) -> str:
    return alias if _plain_ok(alias, flow) else _double_quoted(alias)


class _TagError(Exception):
    """Construction failed outside PyYAML's own checks (``!!int abc``)."""

    def __init__(self, node: Node) -> None:
        super().__init__(node.tag)
        self.tag = node.tag
        self.mark = node.start_mark


def _unreadable_scalar(root: Node) -> Node:
    """The first scalar a fresh constructor fails on (the root when none does alone)."""
    stack = [root]
    seen: set[Node] = set()
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if isinstance(node, ScalarNode):
            try:
                yaml.SafeLoader("").construct_object(node)
            except (ValueError, TypeError):
                return node
        elif isinstance(node, SequenceNode):
            stack.extend(reversed(node.value))
        elif isinstance(node, MappingNode):
            for key, value in reversed(node.value):
                stack.extend((value, key))
    return root


#: start, end, path, value, is_string, style, document
_Found = tuple[int, int, KeyPath, str, bool, str, int]


@dataclass(frozen=True)
class _Where:
    """What render needs to know about a scalar beyond its span."""

    flow: bool
    indent: int = 0
    """Block scalars: the indentation of their content lines (0 when they have none)."""
    header_end: int = 0
    """Block scalars: end of the indicator line (before its line break)."""


class YamlDocument(Document):
    format_name = "yaml"
    store_path: KeyPath | None = (_STORE,)

    def __init__(self, text: str, path: str | os.PathLike[str] | None = None) -> None:
        super().__init__(text, path)
        loader = self._load()
        self._originals = loader.originals
        self._br = "\r\n" if "\r\n" in text[: text.find("\n") + 1] else "\n"
        self._where: dict[tuple[int, int], _Where] = {}
        self._block_ends: dict[Node, int] = {}
        self._seen: set[Node] = set()
        self._keys: set[Node] = set()
        found: list[_Found] = []
        for index, (root, data) in enumerate(zip(self._roots, self._data, strict=True)):
            self._walk(root, data, index, loader, found)
        loader.dispose()
        self._scalars = self._with_lines(found)
        self.own_schema = own_schema(
            Documents(self._data) if len(self._data) > 1 else (self._data or [None])[0]
        )
        if self.own_schema is not None:
            self.store_path = None

    # -- parsing ---------------------------------------------------------------

    def _load(self) -> Any:
        """Compose and construct every document; the C parser first when it can be trusted."""
        first_error: BaseException | None = None
        if _C_LOADER is not None and "\ufeff" not in self.text:
            try:
                return self._load_with(_C_LOADER)
            except (yaml.YAMLError, _TagError, UnicodeEncodeError, RecursionError) as exc:
                first_error = exc
        try:
            return self._load_with(_PyLoader)
        except (yaml.YAMLError, _TagError, RecursionError) as exc:
            if isinstance(exc, RecursionError) and isinstance(first_error, yaml.YAMLError):
                exc = first_error  # libyaml names the line where the nesting got too deep
            # Not chained: PyYAML's own message quotes the offending line, which may hold a secret.
            raise self._parse_error(exc) from None

    def _load_with(self, loader_class: Any) -> Any:
        loader = loader_class(self.text)
        self._roots: list[Node] = []
        self._data: list[Any] = []
        try:
            while loader.check_node():
                node = loader.get_node()
                self._roots.append(node)
                try:
                    self._data.append(loader.construct_document(node))
                except (ValueError, TypeError) as exc:
                    # e.g. ``!!int abc``: int() raises with the value in its message.
                    raise _TagError(_unreadable_scalar(node)) from exc
        except BaseException:
            loader.dispose()
            raise
        return loader

    def _parse_error(self, exc: BaseException) -> ParseError:
        """A ParseError naming line and column, never the text around them."""
        if isinstance(exc, _TagError):
            return ParseError(
                f"the value cannot be read as its tag {exc.tag} says",
                path=self.path,
                line=exc.mark.line + 1,
                column=exc.mark.column + 1,
            )
        if isinstance(exc, yaml.MarkedYAMLError):
            message = exc.problem or exc.context or "not valid YAML"
            if exc.problem and exc.context:
                message = f"{exc.context}: {exc.problem}"
                if exc.context_mark and exc.problem_mark and exc.context_mark != exc.problem_mark:
                    started = exc.context_mark
                    message = (
                        f"{exc.context} (from line {started.line + 1}, column "
                        f"{started.column + 1}): {exc.problem}"
                    )
            mark = exc.problem_mark or exc.context_mark
            if mark is None:
                return ParseError(message, path=self.path)
            return ParseError(message, path=self.path, line=mark.line + 1, column=mark.column + 1)
        if isinstance(exc, yaml.reader.ReaderError):
            position = exc.position
            return ParseError(
                f"character #x{exc.character:04X} is not allowed in YAML",
                path=self.path,
                line=self.text.count("\n", 0, position) + 1,
                column=position - self.text.rfind("\n", 0, position),
            )
        if isinstance(exc, RecursionError):
            return ParseError("nesting too deep to read", path=self.path)
        return ParseError("not valid YAML", path=self.path)

    # -- finding values ----------------------------------------------------------

    def _walk(self, root: Node, data: Any, document: int, loader: Any, found: list[_Found]) -> None:
        """Depth first, with an explicit stack: the C parser takes any depth of nesting."""
        stack: list[tuple[Node, Any, KeyPath, bool]] = [(root, data, (), False)]
        while stack:
            node, value, path, flow = stack.pop()
            if node in self._seen:
                continue
            self._seen.add(node)
            if isinstance(node, ScalarNode):
                if node not in self._keys:
                    found.append(self._scalar(node, value, path, flow, document))
            elif isinstance(node, MappingNode) and isinstance(value, dict):
                stack.extend(reversed(self._mapping_children(node, value, path, loader)))
            elif isinstance(node, SequenceNode) and node.tag == _SEQ and isinstance(value, list):
                in_flow = bool(node.flow_style)
                items = enumerate(zip(node.value, value, strict=True))
                children = [(item, val, (*path, n), in_flow) for n, (item, val) in items]
                stack.extend(reversed(children))

    def _mapping_children(
        self, node: MappingNode, value: dict[Any, Any], path: KeyPath, loader: Any
    ) -> list[tuple[Node, Any, KeyPath, bool]]:
        """The items that survive in the constructed dict: the last of each key, merges applied."""
        own = self._originals.get(node)
        own_values = {item for _, item in own} if own is not None else None
        keys = []
        for key_node, _ in node.value:
            self._keys.add(key_node)
            keys.append(
                key_node.value
                if key_node.tag == _STR and isinstance(key_node, ScalarNode)
                else loader.construct_object(key_node, deep=True)
            )
        last = {key: n for n, key in enumerate(keys)}
        children = []
        for n, ((_, item), key) in enumerate(zip(node.value, keys, strict=True)):
            if last[key] != n or key not in value:
                continue
            # Items merged in from another mapping may sit in flow context there: assume so.
            in_flow = bool(node.flow_style) or (own_values is not None and item not in own_values)
            children.append((item, value[key], (*path, cast(PathPart, key)), in_flow))
        return children

    def _scalar(
        self, node: ScalarNode, data: Any, path: KeyPath, flow: bool, document: int
    ) -> _Found:
        end = node.end_mark.index
        start = self._after_properties(node.start_mark.index, end)
        style = node.style or "plain"
        where = _Where(flow)
        if style in ("|", ">"):
            where = self._block(start, end, node.value)
            end = self._block_ends[node] = self._block_content_end(end, where)
        self._where[start, end] = where
        if node.tag.startswith("!"):
            # Another tool's value (``!vault |``, ``!Ref x``): never plaintext of its own.
            return (start, end, path, f"{node.tag} {self.text[start:end]}", False, style, document)
        is_string = isinstance(data, str)
        value = data if is_string else self.text[start:end]
        return (start, end, path, value, is_string, style, document)

    def _after_properties(self, start: int, end: int) -> int:
        """Where the value token starts, past any ``&anchor`` and ``!tag`` before it."""
        text = self.text
        position = start
        while position < end and text[position] in "&!":
            match = (_ANCHOR if text[position] == "&" else _TAG).match(text, position)
            assert match is not None
            position = _SEPARATION.match(text, match.end()).end()  # type: ignore[union-attr]
        return min(position, end)

    def _block(self, start: int, end: int, raw: str) -> _Where:
        """Header end and content indentation of a block scalar starting at ``start``.

        The indentation is the first content line's leading spaces less those
        the value itself starts with.
        """
        text = self.text
        match = _BREAK.search(text, start, end)
        header_end = match.start() if match else end
        content = raw.lstrip("\n")
        if not content:
            return _Where(False, 0, header_end)
        line_start = _skip_line_break(text, header_end)
        for _ in range(len(raw) - len(content)):
            blank = _BREAK.search(text, line_start)
            line_start = _skip_line_break(text, blank.start()) if blank else len(text)
        indent = _count_spaces(text, line_start) - (len(content) - len(content.lstrip(" ")))
        return _Where(False, max(indent, 1), header_end)

    def _block_content_end(self, end: int, where: _Where) -> int:
        """End of the last content line: walk back over the blank lines PyYAML took in."""
        text = self.text
        position = end
        while True:
            line_start = _line_start(text, position, where.header_end)
            if line_start <= where.header_end:
                return where.header_end
            segment = text[line_start:position]
            if segment.strip(" ") or len(segment) > where.indent:
                return position
            position = line_start - _break_length(text, line_start)

    def _with_lines(self, found: list[_Found]) -> list[Scalar]:
        """Scalars in text order, with 1-based line and column computed in one pass."""
        found.sort(key=lambda item: (item[0], item[1]))
        scalars = []
        line = 1
        line_start = 0
        position = 0
        text = self.text
        for start, end, path, value, is_string, style, document in found:
            newlines = text.count("\n", position, start)
            if newlines:
                line += newlines
                line_start = text.rfind("\n", position, start) + 1
            position = start
            scalars.append(
                Scalar(
                    path,
                    value,
                    start,
                    end,
                    line,
                    start - line_start + 1,
                    is_string,
                    style,
                    document,
                )
            )
        return scalars

    # -- the interface -------------------------------------------------------------

    def scalars(self) -> Sequence[Scalar]:
        return self._scalars

    def store_entries(self) -> list[Scalar]:
        """The scalars of the top-level ``secrets`` mapping; none in a file whose schema
        keeps its store beside it (multi-document YAML, Compose, Kubernetes)."""
        if self.store_path is None:
            return []
        return [s for s in self._scalars if len(s.path) > 1 and s.path[0] == _STORE]

    def render(self, scalar: Scalar, new_value: str) -> str:
        where = self._where.get((scalar.start, scalar.end))
        if where is None:
            raise ValueError("the scalar does not belong to this document")
        if scalar.style in ("|", ">"):
            return self._render_block(scalar, new_value, where)
        if scalar.style == "plain" and _plain_ok(new_value, where.flow):
            token = new_value
        elif scalar.style == "'":
            token = _single_quoted(new_value) or _double_quoted(new_value)
        else:
            token = _double_quoted(new_value)
        # An empty span right after a tag (``key: !!str``) needs a space before the value.
        if (
            scalar.start == scalar.end
            and scalar.start
            and self.text[scalar.start - 1] not in " \t" + _BREAKS
        ):
            return " " + token
        return token

    def _render_block(self, scalar: Scalar, new_value: str, where: _Where) -> str:
        """The same block style with the chomping the value needs, else a double-quoted scalar.

        The header's comment is kept; the line break after the span stays where it is.
        """
        text = self.text
        indicators = re.match(r"[|>][-+0-9]{0,2}", text[scalar.start : where.header_end])
        assert indicators is not None
        tail = text[scalar.start + indicators.end() : where.header_end]
        body = new_value[:-1] if new_value.endswith("\n") else new_value
        lines = body.split("\n")
        blockable = (
            where.indent > 0
            and scalar.end > where.header_end
            and body
            and not body.endswith("\n")
            and lines[0][:1] not in ("", " ", "\t")
            and _LITERAL.fullmatch(body.replace("\n", "").replace("\t", ""))
            and (scalar.style == "|" or len(lines) == 1)
            and not (new_value.endswith("\n") and scalar.end == len(text))
        )
        if not blockable:
            return _double_quoted(new_value) + tail
        br = text[where.header_end : _skip_line_break(text, where.header_end)] or self._br
        chomping = "" if new_value.endswith("\n") else "-"
        margin = " " * where.indent
        content = "".join(br + (margin + line if line else "") for line in lines)
        return scalar.style + chomping + tail + content

    # -- the inline store ------------------------------------------------------------

    def add_entries(self, entries: Sequence[tuple[str, str]]) -> list[Edit]:
        """Add ``alias: "value"`` entries to the top-level ``secrets`` mapping, creating it
        when missing (never in a file whose schema keeps its store beside it)."""
        if not entries:
            return []
        if self.own_schema is not None:
            raise InputError(
                f"is {self.own_schema}: its secrets are kept beside it, not in it", path=self.path
            )
        text = self.text
        if not self._roots:
            return [self._append_store(len(text), 0, entries)]
        root = self._roots[0]
        data = self._data[0]
        if (
            isinstance(root, ScalarNode)
            and data is None
            and root.start_mark.index == root.end_mark.index
        ):
            return [
                self._append_store(self._line_start_at_or_after(root.end_mark.index), 0, entries)
            ]
        if not isinstance(root, MappingNode) or not isinstance(data, dict):
            raise InputError(
                "the YAML document is not a mapping: cannot add a secrets mapping",
                path=self.path,
            )
        item = self._store_item(root)
        if item is None:
            inner = f"{_STORE}: {{{', '.join(self._flow_entry(a, v) for a, v in entries)}}}"
            if root.flow_style:
                return [self._flow_insert(root, inner)]
            items = self._originals.get(root, root.value)
            column = items[0][0].start_mark.column
            position = self._line_start_at_or_after(root.end_mark.index)
            if self._ends_with_unterminated_block(position):
                first_line = _line_start(text, items[0][0].start_mark.index, 0)
                block = " " * column + _STORE + ":" + self._block_entries(entries, column + 2)
                return [Edit(first_line, first_line, block + self._br)]
            return [self._append_store(position, column, entries)]
        key, value = item
        if value.start_mark.index < key.end_mark.index:
            raise InputError(
                "the secrets mapping is an alias of another one: add its entries by hand",
                path=self.path,
            )
        if isinstance(value, MappingNode) and isinstance(data[_STORE], dict):
            if value.flow_style:
                inner = ", ".join(self._flow_entry(a, v) for a, v in entries)
                return [self._flow_insert(value, inner)]
            return [self._block_insert(key, value, entries)]
        if isinstance(value, ScalarNode) and data[_STORE] is None:
            return self._fill_null(key, value, entries)
        raise InputError("the secrets key does not hold a mapping", path=self.path)

    def _store_item(self, root: MappingNode) -> tuple[Node, Node] | None:
        found = None
        for key, value in root.value:
            if key.tag == _STR and key.value == _STORE:
                found = (key, value)
        return found

    def _flow_entry(self, alias: str, value: str) -> str:
        return f"{_key_token(alias, True)}: {_double_quoted(value)}"

    def _block_entries(self, entries: Sequence[tuple[str, str]], indent: int) -> str:
        margin = self._br + " " * indent
        return "".join(
            f"{margin}{_key_token(alias, False)}: {_double_quoted(value)}"
            for alias, value in entries
        )

    def _append_store(self, position: int, column: int, entries: Sequence[tuple[str, str]]) -> Edit:
        lead = self._br if position and self.text[position - 1] not in _BREAKS else ""
        block = " " * column + _STORE + ":" + self._block_entries(entries, column + 2)
        return Edit(position, position, lead + block + self._br)

    def _line_start_at_or_after(self, position: int) -> int:
        text = self.text
        if position == 0 or position >= len(text) or text[position - 1] in _BREAKS:
            return min(position, len(text))
        match = _BREAK.search(text, position)
        return _skip_line_break(text, match.start()) if match else len(text)

    def _ends_with_unterminated_block(self, position: int) -> bool:
        """Appending after a block scalar that ends the file without a line break would
        add that line break to its value."""
        if position != len(self.text) or not self.text or self.text[-1] in _BREAKS:
            return False
        return any(end == len(self.text) for end in self._block_ends.values())

    def _block_insert(
        self, key: Node, mapping: MappingNode, entries: Sequence[tuple[str, str]]
    ) -> Edit:
        """New lines after the last entry of a block mapping, at its indentation."""
        text = self.text
        items = self._originals.get(mapping, mapping.value)
        column = items[0][0].start_mark.column
        low, high = key.end_mark.index, mapping.end_mark.index
        last = max(self._last_line(low, high), self._nodes_end(items[-1][1], low, high))
        match = _BREAK.search(text, last)
        position = match.start() if match else len(text)
        if position == len(text) and self._ends_with_unterminated_block(position):
            first_line = _line_start(text, items[0][0].start_mark.index, 0)
            block = self._block_entries(entries, column)[len(self._br) :] + self._br
            return Edit(first_line, first_line, block)
        return Edit(position, position, self._block_entries(entries, column))

    def _last_line(self, low: int, high: int) -> int:
        """End of the last line in [low, high) that is neither blank nor a comment."""
        text = self.text
        position = high
        while position > low:
            line_start = _line_start(text, position, low)
            segment = text[line_start:position].strip(" \t")
            if segment and not segment.startswith("#"):
                return position
            if line_start <= low:
                break
            position = line_start - _break_length(text, line_start)
        return low

    def _nodes_end(self, node: Node, low: int, high: int) -> int:
        """The furthest end of a value node, or of its children, that lies in [low, high)."""
        furthest = low
        stack = [node]
        seen: set[Node] = set()
        while stack:
            current = stack.pop()
            if current in seen or not low <= current.start_mark.index < high:
                continue
            seen.add(current)
            if isinstance(current, ScalarNode):
                furthest = max(furthest, self._block_ends.get(current, current.end_mark.index))
            elif isinstance(current, SequenceNode):
                stack.extend(current.value)
            elif isinstance(current, MappingNode):
                for key, value in current.value:
                    stack.extend((key, value))
            if isinstance(current, SequenceNode | MappingNode) and current.flow_style:
                furthest = max(furthest, current.end_mark.index)
        return furthest

    def _flow_insert(self, mapping: MappingNode, inner: str) -> Edit:
        """Insert ``inner`` as the last entries of a flow mapping, after its last token."""
        start = self._after_properties(mapping.start_mark.index, mapping.end_mark.index)
        region = self.text[start : mapping.end_mark.index]
        tokens = list(yaml.scan(region, Loader=yaml.SafeLoader))
        last = tokens[-3]  # ..., last, FlowMappingEnd, StreamEnd
        position = start + last.end_mark.index
        if isinstance(last, yaml.FlowMappingStartToken):
            return Edit(position, position, inner)
        if isinstance(last, yaml.FlowEntryToken):
            return Edit(position, position, " " + inner)
        return Edit(position, position, ", " + inner)

    def _fill_null(
        self, key: Node, value: ScalarNode, entries: Sequence[tuple[str, str]]
    ) -> list[Edit]:
        """``secrets:`` or ``secrets: ~``: the entries go on the lines below the key."""
        text = self.text
        edits = []
        start, end = value.start_mark.index, value.end_mark.index
        if start < end:
            while start > key.end_mark.index and text[start - 1] in " \t":
                start -= 1
            edits.append(Edit(start, end, ""))
            search_from = end
        else:
            search_from = key.end_mark.index
        match = _BREAK.search(text, search_from)
        position = match.start() if match else len(text)
        edits.append(
            Edit(position, position, self._block_entries(entries, key.start_mark.column + 2))
        )
        return edits


def _skip_line_break(text: str, position: int) -> int:
    """The position after the line break at ``position`` (none there: ``position``)."""
    if text.startswith("\r\n", position):
        return position + 2
    if position < len(text) and text[position] in _BREAKS:
        return position + 1
    return position


def _break_length(text: str, line_start: int) -> int:
    """Length of the line break that ends just before ``line_start``."""
    if line_start >= 2 and text[line_start - 2 : line_start] == "\r\n":
        return 2
    return 1


def _line_start(text: str, position: int, floor: int) -> int:
    """Start of the line holding ``position``, looking back no further than ``floor``."""
    while position > floor and text[position - 1] not in _BREAKS:
        position -= 1
    return position


def _count_spaces(text: str, position: int) -> int:
    count = 0
    while position + count < len(text) and text[position + count] == " ":
        count += 1
    return count


def parse(text: str, path: str | os.PathLike[str] | None = None) -> YamlDocument:
    return YamlDocument(text, path)
