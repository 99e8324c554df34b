"""What YAML's reader (:mod:`.yaml_`) and rewriter (:mod:`._yaml_write`) both know of its text.

Lines end at any of YAML's five line breaks, not only ``\\n``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

STR = "tag:yaml.org,2002:str"
STORE = "secrets"
BREAKS = "\r\n\x85\u2028\u2029"
BREAK = re.compile("[\r\n\x85\u2028\u2029]")


@dataclass(frozen=True)
class Where:
    """What render needs to know about a scalar beyond its span."""

    flow: bool
    indent: int = 0
    """Block scalars: the indentation of their content lines (0 when they have none)."""
    header_end: int = 0
    """Block scalars: end of the indicator line (before its line break)."""


def skip_line_break(text: str, position: int) -> int:
    """The position after the line break at ``position`` (none there: ``position``)."""
    if text.startswith("\r\n", position):
        return position + 2
    if position < len(text) and text[position] in BREAKS:
        return position + 1
    return position


def break_length(text: str, line_start: int) -> int:
    """Length of the line break that ends just before ``line_start``."""
    if line_start >= 2 and text[line_start - 2 : line_start] == "\r\n":
        return 2
    return 1


def line_start(text: str, position: int, floor: int) -> int:
    """Start of the line holding ``position``, looking back no further than ``floor``."""
    while position > floor and text[position - 1] not in BREAKS:
        position -= 1
    return position
