"""WSO2 Secure Vault's marks in XML, as ``ciphertool.sh -Dconfigure`` writes them.

An element marked ``svns:secretAlias="alias"`` (its root declaring ``xmlns:svns``)
takes the secret of ``alias`` at start-up: in each of its attributes valued
``password`` (the placeholder the cipher tool leaves), else as its text.
:func:`secret_mark` reads that once for all: the XML adapter
(:mod:`vault.configs.formats.xml`) reads a marked element's placeholders as no values,
the resolver puts the secret in them, ``check`` and ``list`` report the marks.

Names are taken as written, without namespace processing, as WSO2 reads them. A leaf:
it imports nothing from vault.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from vault.configs.formats.xml import Attribute, Element

__all__ = [
    "ALIASED_VALUE",
    "SECRET_ALIAS",
    "SVNS_DECLARATION",
    "SVNS_NAMESPACE",
    "SecretMark",
    "is_marker",
    "secret_mark",
]

SVNS_NAMESPACE = "http://org.wso2.securevault/configuration"
SVNS_DECLARATION = "xmlns:svns"
SECRET_ALIAS = "svns:secretAlias"
ALIASED_VALUE = "password"
"""What WSO2's cipher tool writes in place of a value it moved to the secret store."""


class SecretMark(NamedTuple):
    """Where an element marked by WSO2's cipher tool takes its secret."""

    alias: str
    placeholders: tuple[Attribute, ...]
    """Its attributes valued ``password``: each takes the secret. None: its text does."""


def is_marker(name: str) -> bool:
    """A secret-alias attribute (``svns:secretAlias``, under any prefix): markup, no value."""
    return name.endswith(":secretAlias")


def secret_mark(element: Element) -> SecretMark | None:
    """The mark ``svns:secretAlias`` puts on ``element``, or None when it has none."""
    marker = element.attribute(SECRET_ALIAS)
    if marker is None:
        return None
    placeholders = tuple(
        a for a in element.attributes if a.value == ALIASED_VALUE and not is_marker(a.name)
    )
    return SecretMark(marker.value, placeholders)
