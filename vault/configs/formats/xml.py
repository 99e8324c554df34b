"""XML by spans, parsed safely: expat finds the structure, the spans are read from the text.

Parsing refuses what makes XML dangerous to read (the defusedxml rules): any
entity declaration (the "billion laughs" bomb and its cousins), external
entities, unparsed entities and references to entities never declared.
A DOCTYPE naming an external DTD is allowed; the DTD is never fetched.

Names are taken as written (``svns:secretAlias``, ``Server``), without
namespace processing, as WSO2's cipher tool reads its XPaths: a default
namespace on the root does not change them.

Scalars are attribute values (path: the element names from the root, then
``@name``; namespace declarations excluded) and the text of leaf elements (no
child elements, no comments or processing instructions inside). An element marked with WSO2's
``svns:secretAlias`` holds a reference, not a value: its placeholders (see
:func:`vault.wso2.svns.secret_mark`) are not scalars.

Replacing a scalar keeps its quoting; text and attribute values are escaped
so that an XML parser reads back exactly the new value (``&amp;``, ``&lt;``,
``&gt;``, the attribute's quote, and character references for the
whitespace a parser would normalise).
"""

from __future__ import annotations

import os
import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from vault.configs.formats._base import Document, Edit, KeyPath, ParseError, Scalar
from vault.wso2.svns import is_marker, secret_mark

MAX_DEPTH = 256
"""Deeper element nesting is refused (the tree is walked recursively; no config nests
anywhere near this)."""

_SPACE = "[ \t\r\n]"
_NAME = re.compile(r"<([^ \t\r\n/>]+)")
_ATTRIBUTE = re.compile(rf"{_SPACE}+([^ \t\r\n=/>]+){_SPACE}*={_SPACE}*(\"[^\"]*\"|'[^']*')")
_TAG_END = re.compile(rf"{_SPACE}*(/?)>")
_EOL = re.compile(r"\r\n|\r|\n")


@dataclass
class Attribute:
    name: str
    value: str
    """Decoded as a parser reads it."""
    start: int
    """Span of the quoted value, quotes included."""
    end: int
    quote: str


@dataclass(eq=False)
class Element:
    """One element with the spans a rewrite needs (str indexes into the text)."""

    name: str
    start: int
    """Where ``<`` of the start tag is."""
    insert_at: int
    """Just after the last attribute (or the name): where a new attribute goes."""
    content_start: int
    """After the start tag's ``>``; for an empty element ``<a/>``, where ``/>`` starts."""
    content_end: int
    """Where the end tag starts; for an empty element, the end of ``/>``."""
    empty: bool
    attributes: list[Attribute] = field(default_factory=list)
    children: list[Element] = field(default_factory=list)
    parent: Element | None = None
    text_parts: list[str] = field(default_factory=list)
    other_content: bool = False
    """A comment or processing instruction inside: the text is not a plain value."""

    @property
    def text(self) -> str:
        """The element's own character data (entities and CDATA decoded)."""
        return "".join(self.text_parts)

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def attribute(self, name: str) -> Attribute | None:
        return next((a for a in self.attributes if a.name == name), None)

    def string_value(self) -> str:
        """XPath's string-value: the text of the element and its descendants."""
        return self.text + "".join(child.string_value() for child in self.children)

    def path(self) -> tuple[str, ...]:
        names: list[str] = []
        node: Element | None = self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return tuple(reversed(names))

    def iter(self) -> Iterator[Element]:
        """This element and its descendants, in document order."""
        yield self
        for child in self.children:
            yield from child.iter()


def _markup(name: str) -> bool:
    """Namespace declarations and the secret-alias marker are markup, not values."""
    return name == "xmlns" or name.startswith("xmlns:") or is_marker(name)


def escape_text(value: str) -> str:
    return (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


def escape_attribute(value: str, quote: str) -> str:
    out = escape_text(value).replace("\t", "&#9;").replace("\n", "&#10;")
    return out.replace('"', "&quot;") if quote == '"' else out.replace("'", "&apos;")


class XmlDocument(Document):
    format_name = "xml"
    store_path: KeyPath | None = None

    def __init__(self, text: str, path: str | os.PathLike[str] | None = None) -> None:
        super().__init__(text, path)
        self._line_starts = [0, *(m.end() for m in _EOL.finditer(text))]
        self.root = self._parse()
        self._scalars = self._collect()

    # -- reading ----------------------------------------------------------------

    def _where(self, position: int) -> tuple[int, int]:
        line = bisect_right(self._line_starts, position)
        return line, position - self._line_starts[line - 1] + 1

    def line_of(self, position: int) -> int:
        """The 1-based line of a position in the text."""
        return self._where(position)[0]

    def _parse(self) -> Element:
        from xml.parsers import expat

        text = self.text
        data = text.encode("utf-8")
        if len(data) == len(text):
            char_at = None
        else:
            char_at = [0] * (len(data) + 1)
            position = 0
            for index, char in enumerate(text):
                char_at[position] = index
                position += len(char.encode("utf-8", "surrogatepass"))
            char_at[position] = len(text)

        def offset(byte_index: int) -> int:
            return byte_index if char_at is None else char_at[byte_index]

        # The text is already decoded: whatever the XML declaration says, expat reads UTF-8.
        parser = expat.ParserCreate(encoding="UTF-8")
        parser.ordered_attributes = True
        parser.specified_attributes = True
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        stack: list[Element] = []
        roots: list[Element] = []

        def refuse(what: str) -> None:
            raise ParseError(
                f"{what} refused: entity declarations and external entities are not read",
                path=self.path,
                line=parser.CurrentLineNumber,
                column=parser.CurrentColumnNumber + 1,
            )

        def entity_declaration(*_args: object) -> None:
            refuse("an entity declaration (an XML bomb or an external entity)")

        def external_entity(*_args: object) -> int:
            refuse("an external entity")
            return 0

        def skipped_entity(*_args: object) -> None:
            refuse("a reference to an undeclared entity")

        def start(name: str, attributes: list[str]) -> None:
            if len(stack) >= MAX_DEPTH:
                raise ParseError(
                    f"elements nested more than {MAX_DEPTH} deep; refused",
                    path=self.path,
                    line=parser.CurrentLineNumber,
                )
            begin = offset(parser.CurrentByteIndex)
            element = self._start_tag(name, begin, attributes)
            if stack:
                element.parent = stack[-1]
                stack[-1].children.append(element)
            else:
                roots.append(element)
            stack.append(element)

        def end(_name: str) -> None:
            element = stack.pop()
            if not element.empty:
                element.content_end = offset(parser.CurrentByteIndex)

        def characters(data: str) -> None:
            if stack:
                stack[-1].text_parts.append(data)

        def other(*_args: object) -> None:
            if stack:
                stack[-1].other_content = True

        parser.EntityDeclHandler = entity_declaration
        parser.UnparsedEntityDeclHandler = entity_declaration
        parser.ExternalEntityRefHandler = external_entity
        parser.SkippedEntityHandler = skipped_entity
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = characters
        parser.CommentHandler = other
        parser.ProcessingInstructionHandler = other
        try:
            parser.Parse(data, True)
        except expat.ExpatError as exc:
            raise ParseError(
                expat.ErrorString(exc.code) or "not well-formed",
                path=self.path,
                line=exc.lineno,
                column=exc.offset + 1,
            ) from None
        except RecursionError:
            raise ParseError("elements nested too deeply", path=self.path) from None
        if not roots:
            raise ParseError("no root element", path=self.path)
        return roots[0]

    def _start_tag(self, name: str, begin: int, decoded: list[str]) -> Element:
        """The spans of a start tag expat has checked: its attributes in order, its end."""
        text = self.text
        match = _NAME.match(text, begin)
        if match is None or match.group(1) != name:  # cannot happen after expat's check
            raise ParseError("unexpected start tag", path=self.path, line=self._where(begin)[0])
        position = match.end()
        attributes: list[Attribute] = []
        for index in range(0, len(decoded), 2):
            attr = _ATTRIBUTE.match(text, position)
            if attr is None or attr.group(1) != decoded[index]:
                raise ParseError(
                    "unexpected attribute", path=self.path, line=self._where(position)[0]
                )
            quoted = attr.group(2)
            attributes.append(
                Attribute(decoded[index], decoded[index + 1], attr.start(2), attr.end(), quoted[0])
            )
            position = attr.end()
        tag_end = _TAG_END.match(text, position)
        if tag_end is None:
            raise ParseError("unexpected start tag", path=self.path, line=self._where(begin)[0])
        empty = tag_end.group(1) == "/"
        if empty:
            content_start, content_end = tag_end.start(1), tag_end.end()
        else:
            content_start = content_end = tag_end.end()
        return Element(name, begin, position, content_start, content_end, empty, attributes)

    def _collect(self) -> list[Scalar]:
        scalars: list[Scalar] = []
        for element in self.root.iter():
            path = element.path()
            mark = secret_mark(element)
            placeholders = mark.placeholders if mark is not None else ()
            for attr in element.attributes:
                if _markup(attr.name) or any(attr is p for p in placeholders):
                    continue
                scalars.append(self._scalar((*path, f"@{attr.name}"), attr.value, attr, attr.quote))
            if element.is_leaf and not element.other_content and mark is None:
                style = "empty" if element.empty else "text"
                span = Attribute("", "", element.content_start, element.content_end, "")
                scalars.append(self._scalar(path, element.text, span, style))
        return scalars

    def _scalar(self, path: KeyPath, value: str, span: Attribute, style: str) -> Scalar:
        line, column = self._where(span.start)
        return Scalar(path, value, span.start, span.end, line, column, True, style)

    # -- the Document interface --------------------------------------------------

    def scalars(self) -> Sequence[Scalar]:
        return self._scalars

    def render(self, scalar: Scalar, new_value: str) -> str:
        if scalar.style in ('"', "'"):
            return scalar.style + escape_attribute(new_value, scalar.style) + scalar.style
        if scalar.style == "empty":
            if not new_value:
                return self.text[scalar.start : scalar.end]
            return f">{escape_text(new_value)}</{scalar.path[-1]}>"
        return escape_text(new_value)

    # -- what WSO2's cipher tool changes ------------------------------------------

    def set_text(self, element: Element, value: str) -> Edit:
        """Replace everything inside ``element`` by ``value`` (as DOM ``setTextContent``)."""
        if element.empty:
            return Edit(
                element.content_start,
                element.content_end,
                f">{escape_text(value)}</{element.name}>" if value else "/>",
            )
        return Edit(element.content_start, element.content_end, escape_text(value))

    def set_attribute(self, element: Element, name: str, value: str) -> Edit | None:
        """Set (or add, at the end of the start tag) an attribute; None when it already holds
        ``value``."""
        found = element.attribute(name)
        if found is None:
            token = f' {name}="{escape_attribute(value, chr(34))}"'
            return Edit(element.insert_at, element.insert_at, token)
        if found.value == value:
            return None
        quoted = found.quote + escape_attribute(value, found.quote) + found.quote
        return Edit(found.start, found.end, quoted)


def parse(text: str, path: str | os.PathLike[str] | None = None) -> XmlDocument:
    return XmlDocument(text, path)
