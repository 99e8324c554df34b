"""The contract every format adapter's tests run (subclass FormatContract).

A subclass gives the format name, ``load`` (the reference parser: text ->
plain Python data, e.g. tomllib, yaml.safe_load, json.loads, configparser,
a Java-properties or dotenv reader), realistic ``samples``, and a hypothesis
strategy of whole documents. The contract checks, for each sample and each
generated document:

* every scalar's decoded value equals the reference parser's value at its path;
* replacing any set of string scalars (with references, Base64 ciphertexts,
  and awkward text) touches no character outside their spans, and the result
  parses to the same data with only those values changed;
* when the format has an inline store, added entries parse back under it and
  nothing else changes.

The reference value of a scalar is looked up by its key path (``value_at``);
a format whose paths do not name one value each (XML: sibling elements share
a name) overrides ``value_at`` and ``set_value`` to look it up otherwise.
"""

from __future__ import annotations

import copy
import os
from typing import Any, ClassVar

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vault.configs.formats import parse
from vault.configs.formats._base import Document, Edit, KeyPath, Scalar, apply_edits

EXAMPLES = int(os.environ.get("VAULT_FUZZ_EXAMPLES", "100"))
NEW_VALUES = [
    "$secret{db_password}",
    "eyJjIjoiYWJj+/=",  # Base64 alphabet, padding
    "ab==",
    "x",
    "",
    "with space",
    "quote\" and ' apostrophe",
    "back\\slash",
    "hash # and ; semicolon",
    "colon: and = equals",
    "ünïcödé ✓",
    "$env{HOME}",
    "{braces} [brackets], commas",
]


def get(data: Any, path: KeyPath) -> Any:
    for part in path:
        data = data[part]
    return data


def put(data: Any, path: KeyPath, value: Any) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


def untouched_equal(before: str, after: str, edits: list[Edit]) -> None:
    """Every character outside the edited spans is kept, in order."""
    position_before = 0
    position_after = 0
    for edit in sorted(edits):
        gap = before[position_before : edit.start]
        assert after[position_after : position_after + len(gap)] == gap
        position_after += len(gap) + len(edit.text)
        position_before = edit.end
    assert after[position_after:] == before[position_before:]


class FormatContract:
    format_name: ClassVar[str]
    samples: ClassVar[list[str]]

    def load(self, text: str) -> Any:
        raise NotImplementedError

    def documents(self) -> st.SearchStrategy[str]:
        raise NotImplementedError

    def to_plain(self, scalar: Scalar, reference_value: Any) -> str:
        """How the reference parser's value compares to Scalar.value (override for non-strings)."""
        return reference_value if isinstance(reference_value, str) else str(reference_value)

    def value_at(self, data: Any, scalar: Scalar, index: int) -> Any:
        """The reference parser's value for ``scalar``, the ``index``-th of the document's."""
        return get(data, scalar.path)

    def set_value(self, data: Any, scalar: Scalar, index: int, value: str) -> None:
        """Set the reference data's value for ``scalar`` as the replacement does."""
        put(data, scalar.path, value)

    # -- the contract ---------------------------------------------------------

    def check_scalars(self, text: str) -> Document:
        doc = parse(text, self.format_name)
        data = self.load(text)
        spans = []
        for index, scalar in enumerate(doc.scalars()):
            if scalar.is_string:
                assert self.value_at(data, scalar, index) == scalar.value, scalar
            assert text.count("\n", 0, scalar.start) + 1 == scalar.line
            spans.append((scalar.start, scalar.end))
        assert spans == sorted(spans)
        return doc

    def check_replace(self, text: str, choose: list[bool], values: list[str]) -> None:
        doc = parse(text, self.format_name)
        data = self.load(text)
        strings = [(i, s) for i, s in enumerate(doc.scalars()) if s.is_string]
        edits = []
        for n, (index, scalar) in enumerate(strings):
            if choose and choose[n % len(choose)]:
                value = values[n % len(values)] if values else NEW_VALUES[n % len(NEW_VALUES)]
                edits.append(doc.replace(scalar, value))
                self.set_value(data, scalar, index, value)
        after = apply_edits(text, edits)
        untouched_equal(text, after, edits)
        assert self.load(after) == data

    def check_add_entries(self, text: str) -> None:
        doc = parse(text, self.format_name)
        if doc.store_path is None:
            return
        n = len(doc.store_path)
        existing = {".".join(map(str, s.path[n:])) for s in doc.store_entries()}
        entries = [
            (alias, value)
            for alias, value in [("new_alias", "eyJjIjoiYWJj+/="), ("other.alias-2", "$secret{x}")]
            if alias not in existing
        ]
        edits = doc.add_entries(entries)
        after = apply_edits(text, edits)
        untouched_equal(text, after, edits)
        expected = copy.deepcopy(self.load(text))
        container = expected
        for part in doc.store_path:
            if container.get(part) is None:  # a missing or empty (YAML null) store
                container[part] = {}
            container = container[part]
        for alias, value in entries:
            container[alias] = value
        assert self.load(after) == expected

    # -- pytest entry points --------------------------------------------------

    def test_samples_scalars(self) -> None:
        for text in self.samples:
            self.check_scalars(text)

    def test_samples_replace_every_string(self) -> None:
        for text in self.samples:
            self.check_replace(text, [True], [])

    def test_samples_add_entries(self) -> None:
        for text in self.samples:
            self.check_add_entries(text)

    def test_generated_documents(self) -> None:
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
        @given(
            self.documents(),
            st.lists(st.booleans(), max_size=8),
            st.lists(st.sampled_from(NEW_VALUES), max_size=5),
        )
        def run(text: str, choose: list[bool], values: list[str]) -> None:
            self.check_scalars(text)
            self.check_replace(text, choose, values)
            self.check_add_entries(text)

        run()
