"""YAML's rewriter: the tokens that replace a value, and the entries added to a store.

The second half of the YAML adapter (:mod:`vault.configs.formats.yaml_` reads):
loaded only when a file is rewritten, never by the resolver (CONVENTIONS 11).
It works on the spans and nodes a :class:`~vault.configs.formats.yaml_.YamlDocument`
kept while reading. A new value keeps its scalar's style when that style can hold
it exactly (plain, single-quoted, a block scalar), else it is double-quoted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from vault.configs.formats._base import Edit, Scalar
from vault.configs.formats._yaml_spans import BREAK as _BREAK
from vault.configs.formats._yaml_spans import BREAKS as _BREAKS
from vault.configs.formats._yaml_spans import STORE as _STORE
from vault.configs.formats._yaml_spans import STR as _STR
from vault.configs.formats._yaml_spans import Where as _Where
from vault.configs.formats._yaml_spans import break_length as _break_length
from vault.configs.formats._yaml_spans import line_start as _line_start
from vault.configs.formats._yaml_spans import skip_line_break as _skip_line_break
from vault.errors import InputError

if TYPE_CHECKING:
    from vault.configs.formats.yaml_ import YamlDocument

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
_RESOLVER: Any = yaml.resolver.Resolver()


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


def render(doc: YamlDocument, scalar: Scalar, new_value: str) -> str:
    where = doc._where.get((scalar.start, scalar.end))
    if where is None:
        raise ValueError("the scalar does not belong to this document")
    if scalar.style in ("|", ">"):
        return _render_block(doc, scalar, new_value, where)
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
        and doc.text[scalar.start - 1] not in " \t" + _BREAKS
    ):
        return " " + token
    return token


def _render_block(doc: YamlDocument, scalar: Scalar, new_value: str, where: _Where) -> str:
    """The same block style with the chomping the value needs, else a double-quoted scalar.

    The header's comment is kept; the line break after the span stays where it is.
    """
    text = doc.text
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
    br = text[where.header_end : _skip_line_break(text, where.header_end)] or doc._br
    chomping = "" if new_value.endswith("\n") else "-"
    margin = " " * where.indent
    content = "".join(br + (margin + line if line else "") for line in lines)
    return scalar.style + chomping + tail + content


def add_entries(doc: YamlDocument, entries: Sequence[tuple[str, str]]) -> list[Edit]:
    """Add ``alias: "value"`` entries to the top-level ``secrets`` mapping, creating it
    when missing (never in a file whose schema keeps its store beside it)."""
    if not entries:
        return []
    if doc.own_schema is not None:
        raise InputError(
            f"is {doc.own_schema}: its secrets are kept beside it, not in it", path=doc.path
        )
    text = doc.text
    if not doc._roots:
        return [_append_store(doc, len(text), 0, entries)]
    root = doc._roots[0]
    data = doc._data[0]
    if (
        isinstance(root, ScalarNode)
        and data is None
        and root.start_mark.index == root.end_mark.index
    ):
        return [_append_store(doc, _line_start_at_or_after(doc, root.end_mark.index), 0, entries)]
    if not isinstance(root, MappingNode) or not isinstance(data, dict):
        raise InputError(
            "the YAML document is not a mapping: cannot add a secrets mapping",
            path=doc.path,
        )
    item = _store_item(root)
    if item is None:
        inner = f"{_STORE}: {{{', '.join(_flow_entry(a, v) for a, v in entries)}}}"
        if root.flow_style:
            return [_flow_insert(doc, root, inner)]
        items = doc._originals.get(root, root.value)
        column = items[0][0].start_mark.column
        position = _line_start_at_or_after(doc, root.end_mark.index)
        if _ends_with_unterminated_block(doc, position):
            first_line = _line_start(text, items[0][0].start_mark.index, 0)
            block = " " * column + _STORE + ":" + _block_entries(doc, entries, column + 2)
            return [Edit(first_line, first_line, block + doc._br)]
        return [_append_store(doc, position, column, entries)]
    key, value = item
    if value.start_mark.index < key.end_mark.index:
        raise InputError(
            "the secrets mapping is an alias of another one: add its entries by hand",
            path=doc.path,
        )
    if isinstance(value, MappingNode) and isinstance(data[_STORE], dict):
        if value.flow_style:
            inner = ", ".join(_flow_entry(a, v) for a, v in entries)
            return [_flow_insert(doc, value, inner)]
        return [_block_insert(doc, key, value, entries)]
    if isinstance(value, ScalarNode) and data[_STORE] is None:
        return _fill_null(doc, key, value, entries)
    raise InputError("the secrets key does not hold a mapping", path=doc.path)


def _store_item(root: MappingNode) -> tuple[Node, Node] | None:
    found = None
    for key, value in root.value:
        if key.tag == _STR and key.value == _STORE:
            found = (key, value)
    return found


def _flow_entry(alias: str, value: str) -> str:
    return f"{_key_token(alias, True)}: {_double_quoted(value)}"


def _block_entries(doc: YamlDocument, entries: Sequence[tuple[str, str]], indent: int) -> str:
    margin = doc._br + " " * indent
    return "".join(
        f"{margin}{_key_token(alias, False)}: {_double_quoted(value)}" for alias, value in entries
    )


def _append_store(
    doc: YamlDocument, position: int, column: int, entries: Sequence[tuple[str, str]]
) -> Edit:
    lead = doc._br if position and doc.text[position - 1] not in _BREAKS else ""
    block = " " * column + _STORE + ":" + _block_entries(doc, entries, column + 2)
    return Edit(position, position, lead + block + doc._br)


def _line_start_at_or_after(doc: YamlDocument, position: int) -> int:
    text = doc.text
    if position == 0 or position >= len(text) or text[position - 1] in _BREAKS:
        return min(position, len(text))
    match = _BREAK.search(text, position)
    return _skip_line_break(text, match.start()) if match else len(text)


def _ends_with_unterminated_block(doc: YamlDocument, position: int) -> bool:
    """Appending after a block scalar that ends the file without a line break would
    add that line break to its value."""
    if position != len(doc.text) or not doc.text or doc.text[-1] in _BREAKS:
        return False
    return any(end == len(doc.text) for end in doc._block_ends.values())


def _block_insert(
    doc: YamlDocument, key: Node, mapping: MappingNode, entries: Sequence[tuple[str, str]]
) -> Edit:
    """New lines after the last entry of a block mapping, at its indentation."""
    text = doc.text
    items = doc._originals.get(mapping, mapping.value)
    column = items[0][0].start_mark.column
    low, high = key.end_mark.index, mapping.end_mark.index
    last = max(_last_line(doc, low, high), _nodes_end(doc, items[-1][1], low, high))
    match = _BREAK.search(text, last)
    position = match.start() if match else len(text)
    if position == len(text) and _ends_with_unterminated_block(doc, position):
        first_line = _line_start(text, items[0][0].start_mark.index, 0)
        block = _block_entries(doc, entries, column)[len(doc._br) :] + doc._br
        return Edit(first_line, first_line, block)
    return Edit(position, position, _block_entries(doc, entries, column))


def _last_line(doc: YamlDocument, low: int, high: int) -> int:
    """End of the last line in [low, high) that is neither blank nor a comment."""
    text = doc.text
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


def _nodes_end(doc: YamlDocument, node: Node, low: int, high: int) -> int:
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
            furthest = max(furthest, doc._block_ends.get(current, current.end_mark.index))
        elif isinstance(current, SequenceNode):
            stack.extend(current.value)
        elif isinstance(current, MappingNode):
            for key, value in current.value:
                stack.extend((key, value))
        if isinstance(current, SequenceNode | MappingNode) and current.flow_style:
            furthest = max(furthest, current.end_mark.index)
    return furthest


def _flow_insert(doc: YamlDocument, mapping: MappingNode, inner: str) -> Edit:
    """Insert ``inner`` as the last entries of a flow mapping, after its last token."""
    start = doc._after_properties(mapping.start_mark.index, mapping.end_mark.index)
    region = doc.text[start : mapping.end_mark.index]
    tokens = list(yaml.scan(region, Loader=yaml.SafeLoader))
    last = tokens[-3]  # ..., last, FlowMappingEnd, StreamEnd
    position = start + last.end_mark.index
    if isinstance(last, yaml.FlowMappingStartToken):
        return Edit(position, position, inner)
    if isinstance(last, yaml.FlowEntryToken):
        return Edit(position, position, " " + inner)
    return Edit(position, position, ", " + inner)


def _fill_null(
    doc: YamlDocument, key: Node, value: ScalarNode, entries: Sequence[tuple[str, str]]
) -> list[Edit]:
    """``secrets:`` or ``secrets: ~``: the entries go on the lines below the key."""
    text = doc.text
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
    edits.append(Edit(position, position, _block_entries(doc, entries, key.start_mark.column + 2)))
    return edits
