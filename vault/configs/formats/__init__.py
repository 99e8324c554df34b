"""Config format adapters: find scalar values with their spans, replace them in place.

``parse(text, format_name)`` gives a :class:`Document`. Which format a file is comes
from :func:`vault.configs.store.detect_format` (the runtime path's, which loads no
adapter); this package does not import the store, whose rules some adapters use.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
from collections.abc import Iterator

from vault.configs.formats._base import (
    Document,
    Edit,
    KeyPath,
    ParseError,
    Scalar,
    apply_edits,
)
from vault.errors import UsageError

__all__ = [
    "FORMATS",
    "Document",
    "Edit",
    "KeyPath",
    "ParseError",
    "Scalar",
    "apply_edits",
    "gc_paused",
    "parse",
]

#: format name -> module under vault.configs.formats that defines ``parse(text, path) -> Document``
FORMATS = {
    "toml": "toml",
    "yaml": "yaml_",
    "json": "json_",
    "ini": "ini",
    "properties": "properties",
    "env": "dotenv",
    "xml": "xml",
}


def parse(text: str, format_name: str, path: str | os.PathLike[str] | None = None) -> Document:
    """Parse ``text`` as ``format_name``; raises :class:`ParseError` naming line and column."""
    try:
        module = importlib.import_module(f".{FORMATS[format_name]}", __name__)
    except KeyError:
        raise UsageError(f"unknown config format '{format_name}'") from None
    with gc_paused():
        document: Document = module.parse(text, path)
    return document


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off for a while (as it was again after).

    A large config makes millions of small acyclic objects (freed by their reference
    counts); the collector would rescan them all again and again as the run goes on,
    quadratic in practice: paused while a config is parsed, and for a whole write run
    (see :func:`vault.operations.workspace.session`)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
