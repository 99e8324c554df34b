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
from typing import Any, cast

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from vault.configs.formats._base import Document, Edit, KeyPath, ParseError, PathPart, Scalar
from vault.configs.formats._yaml_spans import BREAK as _BREAK
from vault.configs.formats._yaml_spans import STORE as _STORE
from vault.configs.formats._yaml_spans import STR as _STR
from vault.configs.formats._yaml_spans import Where as _Where
from vault.configs.formats._yaml_spans import break_length as _break_length
from vault.configs.formats._yaml_spans import line_start as _line_start
from vault.configs.formats._yaml_spans import skip_line_break as _skip_line_break
from vault.configs.store import Documents, own_schema, yaml_untagged

_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"
_ANCHOR = re.compile(r"&[0-9A-Za-z_-]+")
_TAG = re.compile("![^ \t\r\n\x85\u2028\u2029]*")
_SEPARATION = re.compile("(?:[ \t\r\n\x85\u2028\u2029]|#[^\r\n\x85\u2028\u2029]*)*")
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
        from vault.configs.formats._yaml_write import render

        return render(self, scalar, new_value)

    def add_entries(self, entries: Sequence[tuple[str, str]]) -> list[Edit]:
        """Add ``alias: "value"`` entries to the top-level ``secrets`` mapping, creating it
        when missing (never in a file whose schema keeps its store beside it)."""
        from vault.configs.formats._yaml_write import add_entries

        return add_entries(self, entries)


def _count_spaces(text: str, position: int) -> int:
    count = 0
    while position + count < len(text) and text[position + count] == " ":
        count += 1
    return count


def parse(text: str, path: str | os.PathLike[str] | None = None) -> YamlDocument:
    return YamlDocument(text, path)
