"""The XPath that WSO2's cipher-tool.properties uses, evaluated without namespaces.

Supported: absolute paths (``/A/B``, ``//A/B``), ``//`` between steps, ``*``,
and predicates ``[@a]``, ``[@a='v']``, ``[name='v']``, ``[name]``,
``[text()='v']`` and ``[N]``. Names compare as written (qualified names),
which is how Java's XPath reads a DOM built without namespace awareness.
Anything else is refused with a clear error rather than guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from vault.configs.formats.xml import Element
from vault.errors import XPathError

_STEP = re.compile(r"(\*|[^\s/\[\]@=()'\"]+)")
_PREDICATE = re.compile(
    r"""\[\s*(?:
        (?P<number>[0-9]+)
      | (?P<attr>@[^\s\]=]+)(?:\s*=\s*(?P<attr_value>'[^']*'|"[^"]*"))?
      | (?P<text>text\(\))\s*=\s*(?P<text_value>'[^']*'|"[^"]*")
      | (?P<child>[^\s\]=@()'"]+)(?:\s*=\s*(?P<child_value>'[^']*'|"[^"]*"))?
    )\s*\]""",
    re.VERBOSE,
)

Test = Callable[[Element], bool]


@dataclass(frozen=True)
class _Step:
    descendant: bool
    name: str
    predicates: tuple[Test | int, ...]


def _unquote(literal: str) -> str:
    return literal[1:-1]


def _predicate(match: re.Match[str]) -> Test | int:
    if match.group("number") is not None:
        return int(match.group("number"))
    if match.group("attr") is not None:
        name = match.group("attr")[1:]
        literal = match.group("attr_value")
        if literal is None:
            return lambda e: e.attribute(name) is not None
        wanted = _unquote(literal)
        return lambda e: (a := e.attribute(name)) is not None and a.value == wanted
    if match.group("text") is not None:
        wanted = _unquote(match.group("text_value"))
        return lambda e: e.text == wanted
    child = match.group("child")
    literal = match.group("child_value")
    if literal is None:
        return lambda e: any(c.name == child for c in e.children)
    wanted = _unquote(literal)
    return lambda e: any(c.name == child and c.string_value() == wanted for c in e.children)


@dataclass(frozen=True)
class XPath:
    source: str
    steps: tuple[_Step, ...]

    @property
    def last_attribute(self) -> str | None:
        """``x`` when the expression ends in a predicate ``[@x]`` (WSO2's ``,true`` form)."""
        match = re.search(r"\[@([^\s\]=]+)\]$", self.source)
        return match.group(1) if match else None

    def select(self, root: Element) -> list[Element]:
        """The elements the path selects in the document of ``root``, in document order."""
        document = Element("", -1, -1, -1, -1, False, children=[root])
        nodes = [document]
        for step in self.steps:
            found: list[Element] = []
            for context in nodes:
                origins = list(context.iter()) if step.descendant else [context]
                for origin in origins:
                    found.extend(_apply(step, origin))
            unique: dict[int, Element] = {}
            for node in found:
                unique.setdefault(id(node), node)
            nodes = list(unique.values())
        order = {id(e): n for n, e in enumerate(root.iter())}
        return sorted(nodes, key=lambda e: order[id(e)])


def _apply(step: _Step, parent: Element) -> list[Element]:
    candidates = [c for c in parent.children if step.name in ("*", c.name)]
    for predicate in step.predicates:
        if isinstance(predicate, int):
            candidates = candidates[predicate - 1 : predicate] if predicate >= 1 else []
        else:
            candidates = [c for c in candidates if predicate(c)]
    return candidates


def compile_xpath(source: str) -> XPath:
    """Parse an absolute XPath of the supported subset; raises :class:`XPathError`."""
    text = source.strip()
    if not text.startswith("/"):
        raise XPathError(f"XPath '{source}' is not absolute (it must start with / or //)")
    steps: list[_Step] = []
    position = 0
    while position < len(text):
        if text.startswith("//", position):
            descendant, position = True, position + 2
        elif text.startswith("/", position):
            descendant, position = False, position + 1
        else:
            raise XPathError(f"XPath '{source}': expected / at character {position + 1}")
        name = _STEP.match(text, position)
        if name is None:
            raise XPathError(f"XPath '{source}': expected an element name at {position + 1}")
        position = name.end()
        predicates: list[Test | int] = []
        while position < len(text) and text[position] == "[":
            match = _PREDICATE.match(text, position)
            if match is None:
                raise XPathError(
                    f"XPath '{source}': unsupported predicate at character {position + 1}"
                )
            predicates.append(_predicate(match))
            position = match.end()
        steps.append(_Step(descendant, name.group(1), tuple(predicates)))
    if not steps:
        raise XPathError(f"XPath '{source}' selects nothing")
    return XPath(source, tuple(steps))


def select(source: str, root: Element) -> Sequence[Element]:
    return compile_xpath(source).select(root)


def xpath_of(element: Element) -> str:
    """An XPath of the supported subset that selects ``element`` alone, written as
    cipher-tool.properties writes them: ``//UserManager/Realm/Property[@name='Password']``;
    a step gets its ``name`` attribute, else its position, where names repeat."""
    chain: list[Element] = []
    node: Element | None = element
    while node is not None:
        chain.append(node)
        node = node.parent
    chain.reverse()
    steps = []
    for node in chain:
        step = node.name
        same = [c for c in node.parent.children if c.name == node.name] if node.parent else [node]
        named = node.attribute("name")
        if named is not None and "'" not in named.value and node.name == "Property":
            step += f"[@name='{named.value}']"  # WSO2's own lines name every Property
            same = [c for c in same if (a := c.attribute("name")) and a.value == named.value]
        if len(same) > 1:
            step += f"[{same.index(node) + 1}]"
        steps.append(step)
    found = "//" + "/".join(steps)
    if compile_xpath(found).select(chain[0]) == [element]:
        return found
    # A descendant of the same name as the root: spell every position from the top.
    return "/" + "/".join(
        f"{n.name}[{[c for c in n.parent.children if c.name == n.name].index(n) + 1}]"
        if n.parent
        else n.name
        for n in chain
    )
