"""``check`` and ``list`` on a WSO2 product home's XML files.

A product keeps passwords in its XML (``repository/conf/**/*.xml``) as element text
(``<Password>``), as ``<Property name="ConnectionPassword">`` text, or as attributes
(``keystorePass="..."``, ``certificateKeyPassword="..."``). Secure Vault reads them from
its repository only where cipher-tool.properties names the XPath and ``configure`` has
marked the element (``svns:secretAlias``). ``check --wso2-home`` reports every such value
still in plaintext, with the cipher-tool.properties line that would cover it; ``list``
shows where the marks refer to each alias.

What is a plaintext secret is :mod:`vault.configs.sensitive`'s rule, as for every other file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from vault.configs.formats import parse
from vault.configs.formats.xml import Element, XmlDocument
from vault.configs.sensitive import SensitiveKeys, dotted, make_alias
from vault.configs.store import read_text
from vault.operations.files import read_config
from vault.operations.inspect import Finding
from vault.operations.workspace import aliases
from vault.wso2.home import ProductHome, Target
from vault.wso2.layout import CONF
from vault.wso2.svns import secret_mark
from vault.wso2.xpath import compile_xpath, xpath_of

__all__ = ["XmlSecret", "check_xml", "xml_files", "xml_references"]


@dataclass(frozen=True)
class XmlSecret:
    """A password-like value of a product's XML: an element's text, or an attribute."""

    file: Path
    line: int
    element: Element
    attribute: str | None
    key: str
    """The name it is known by (dotted element path, ``@attribute``, or the Property name)."""


def xml_files(home: ProductHome) -> list[Path]:
    """``repository/conf/**/*.xml`` (regular files; links not followed) and every XML
    file cipher-tool.properties names, in a stable order."""
    found: set[Path] = set()
    for folder, subfolders, names in os.walk(home.root / CONF):
        subfolders.sort()
        for name in names:
            path = Path(folder) / name
            if name.endswith(".xml") and path.is_file() and not path.is_symlink():
                found.add(path)
    found.update(t.file for t in home.targets() if t.file.is_file())
    return sorted(found)


def _read(path: Path) -> XmlDocument:
    document = parse(read_text(path), "xml", path)
    assert isinstance(document, XmlDocument)
    return document


def secrets_in(path: Path, document: XmlDocument, sensitive: SensitiveKeys) -> list[XmlSecret]:
    """Every plaintext secret of one XML file as :mod:`vault.configs.sensitive` finds it (in
    element text, attributes, ``<Property name="...Password">``; a part of a value too,
    such as a URL's password), with the element and attribute that hold it."""
    holders: dict[tuple[int, str], tuple[Element, str | None]] = {}
    for element in document.root.iter():
        holders[element.content_start, element.name] = (element, None)
        for attribute in element.attributes:
            holders[attribute.start, f"@{attribute.name}"] = (element, attribute.name)
    found: list[XmlSecret] = []
    for part in sensitive.plaintext(document, document.scalars()):
        holder = holders.get((part.scalar.start, str(part.scalar.path[-1])))
        if holder is None:
            continue
        element, held = holder
        key = dotted(part.path)
        if not part.whole:
            key += f" (inside {dotted(part.scalar.path)})"
        found.append(XmlSecret(path, part.scalar.line, element, held, key))
    return found


def _covered(targets: list[Target], path: Path, document: XmlDocument) -> dict[object, str]:
    """(id of element, attribute or None) -> alias, for what cipher-tool.properties names."""
    covered: dict[object, str] = {}
    for target in targets:
        if target.file.absolute() != path.absolute():
            continue
        for element in compile_xpath(target.xpath).select(document.root):
            covered.setdefault((id(element), target.attribute), target.alias)
    return covered


def _store_aliases(home: ProductHome) -> set[str]:
    return {alias for store in home.stores() for alias in aliases(read_config(store))}


def check_xml(home: ProductHome, sensitive: SensitiveKeys) -> list[Finding]:
    """Plaintext passwords in the home's XML, and ``svns:secretAlias`` marks whose alias
    no store of the home holds."""
    targets = home.targets()
    known = _store_aliases(home)
    taken = set(known) | {t.alias for t in targets}
    findings: list[Finding] = []
    for path in xml_files(home):
        document = _read(path)
        covered = _covered(targets, path, document)
        for secret in secrets_in(path, document, sensitive):
            alias = covered.get((id(secret.element), secret.attribute))
            message = f"plaintext value under '{secret.key}'"
            if alias is None:
                suggested = make_alias((_alias_for(secret),), taken)
                taken.add(suggested)
                message += (
                    " that cipher-tool.properties does not cover: add the line "
                    f"'{suggested}={_target_line(home, secret)}' to it and "
                    f"'{suggested}=[...]' with the value to cipher-text.properties, then run "
                    "ciphertool configure"
                )
            elif alias in known:
                message += f" (cipher-tool.properties' alias '{alias}'): run ciphertool configure"
            else:
                message += (
                    f" (cipher-tool.properties' alias '{alias}', which no store holds): add "
                    f"'{alias}=[...]' with the value to cipher-text.properties, then run "
                    "ciphertool configure"
                )
            findings.append(
                Finding(str(path), secret.line, "plaintext-secret", message, key=secret.key)
            )
        for alias, line in _marks(document):
            if alias not in known:
                findings.append(
                    Finding(
                        str(path),
                        line,
                        "unknown-alias",
                        f"svns:secretAlias '{alias}' has no alias in the product home's stores",
                        alias=alias,
                    )
                )
    return findings


def _target_line(home: ProductHome, secret: XmlSecret) -> str:
    """The right-hand side of a cipher-tool.properties line for ``secret``."""
    try:
        file = secret.file.absolute().relative_to(home.root).as_posix()
    except ValueError:
        file = secret.file.as_posix()
    xpath = xpath_of(secret.element)
    if secret.attribute is None:
        return f"{file}{xpath},false"
    return f"{file}{xpath}[@{secret.attribute}],true"


def _alias_for(secret: XmlSecret) -> str:
    """WSO2's naming (``UserManager.AdminUser.Password``): the root's name and the last two
    elements' (a Property by its name), then the attribute."""
    chain = _chain(secret.element)
    parts = [
        f"{e.name}.{a.value}" if e.name == "Property" and (a := e.attribute("name")) else e.name
        for e in chain[1:]
    ]
    parts = [chain[0].name, *parts[-2:]]
    if secret.attribute is not None:
        parts.append(secret.attribute)
    return ".".join(parts)


def _chain(element: Element) -> list[Element]:
    chain: list[Element] = []
    node: Element | None = element
    while node is not None:
        chain.append(node)
        node = node.parent
    return chain[::-1]


def _marks(document: XmlDocument) -> Iterator[tuple[str, int]]:
    """The alias and line of every element marked ``svns:secretAlias``."""
    for element in document.root.iter():
        mark = secret_mark(element)
        if mark is not None:
            yield mark.alias, document.line_of(element.start)


def xml_references(home: ProductHome) -> dict[str, list[str]]:
    """alias -> ``file:line`` of every element of the home's XML marked with it."""
    found: dict[str, list[str]] = {}
    for path in xml_files(home):
        for alias, line in _marks(_read(path)):
            found.setdefault(alias, []).append(f"{path}:{line}")
    return found
