"""Property tests: whatever the bytes, the decoders raise VaultError or succeed, nothing else.

Examples per target: 200 in CI; set VAULT_FUZZ_EXAMPLES for a long run.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import KEYSTORES, VECTOR_PASSWORD
from vault.crypto.ring import KeyEntry, KeyRing
from vault.errors import VaultError
from vault.keystores import load_keystore
from vault.secret import Secret

EXAMPLES = int(os.environ.get("VAULT_FUZZ_EXAMPLES", "200"))
fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

_store = load_keystore(KEYSTORES / "jdk17.jks", Secret(VECTOR_PASSWORD))
RING = KeyRing([KeyEntry(_store.certificate("wso2carbon"), _store.private_key("wso2carbon"))])
GOOD = json.loads(base64.b64decode(RING.encrypt("fuzz-plaintext")))
HYBRID = json.loads(base64.b64decode(RING.encrypt("h" * 300)))


def _decrypt(text: str) -> None:
    """Succeeding is allowed (some mutations leave a valid ciphertext); any non-VaultError fails."""
    try:
        RING.decrypt(text)
    except VaultError as exc:
        assert "fuzz-plaintext" not in str(exc)


@fuzz
@given(st.text(max_size=600))
def test_any_text(text: str) -> None:
    _decrypt(text)


@fuzz
@given(st.binary(max_size=600))
def test_any_base64(data: bytes) -> None:
    _decrypt(base64.b64encode(data).decode())


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


@fuzz
@given(
    st.sampled_from([GOOD, HYBRID]),
    st.dictionaries(
        st.sampled_from(["c", "t", "tp", "tpd", "iv", "k", "kt", "x"]), json_values, max_size=4
    ),
    st.sets(st.sampled_from(["c", "t", "tp", "tpd", "iv", "k", "kt"])),
)
def test_envelopes_with_fields_changed_or_dropped(
    base: dict[str, str], changes: dict[str, object], dropped: set[str]
) -> None:
    envelope: dict[str, object] = {k: v for k, v in base.items() if k not in dropped}
    envelope.update(changes)
    _decrypt(base64.b64encode(json.dumps(envelope).encode()).decode())


@fuzz
@given(
    st.sampled_from([GOOD, HYBRID]),
    st.sampled_from(["c", "iv", "k"]),
    st.integers(0, 600),
    st.integers(1, 255),
)
def test_flipped_bytes_in_base64_fields(
    base: dict[str, str], field: str, position: int, mask: int
) -> None:
    if field not in base:
        return
    raw = bytearray(base64.b64decode(base[field]))
    raw[position % len(raw)] ^= mask
    envelope = {**base, field: base64.b64encode(bytes(raw)).decode()}
    with pytest.raises(VaultError):
        RING.decrypt(base64.b64encode(json.dumps(envelope).encode()).decode())


STORES = sorted(
    p.name for p in KEYSTORES.iterdir() if p.suffix in (".jks", ".jceks", ".p12", ".pem")
)


@fuzz
@given(
    st.sampled_from(STORES),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(1, 255)), min_size=1, max_size=4),
    st.integers(0, 10_000),
)
def test_mutated_keystores(
    tmp_path: Path, name: str, flips: list[tuple[int, int]], cut: int
) -> None:
    data = bytearray((KEYSTORES / name).read_bytes())
    for position, mask in flips:
        data[position % len(data)] ^= mask
    target = tmp_path / name
    target.write_bytes(bytes(data[: max(1, len(data) - cut % len(data))]))
    try:
        store = load_keystore(target, Secret(VECTOR_PASSWORD))
        for entry in store.entries:
            if entry.kind == "private-key":
                store.private_key(entry.alias)
            elif entry.kind == "secret-key":
                store.secret_key(entry.alias)
    except VaultError:
        pass


# -- config parsers: any text, and real samples with bytes flipped --------------------

FORMATS = ["toml", "yaml", "json", "ini", "properties", "env"]
SAMPLES = Path(__file__).parent.parent / "sample-configs"
SAMPLE_FILES = {
    "toml": "deployment.toml",
    "yaml": "application.yml",
    "json": "config.json",
    "ini": "app.ini",
    "properties": "database.properties",
    "env": ".env",
}


def _parse_all_ways(text: str, name: str) -> None:
    """parse() raises a VaultError or gives a document whose every scalar can be replaced."""
    from vault.configs.formats import apply_edits, parse

    try:
        document = parse(text, name, f"fuzz.{name}")
    except VaultError as exc:
        assert exc.path == f"fuzz.{name}"
        return
    scalars = [s for s in document.scalars() if s.is_string]
    edits = [document.replace(s, "$secret{fuzzed}") for s in scalars[:3]]
    try:
        apply_edits(text, edits)
    except VaultError:
        pass


@fuzz
@given(st.sampled_from(FORMATS), st.text(max_size=400))
def test_any_text_to_every_format(name: str, text: str) -> None:
    _parse_all_ways(text, name)


@fuzz
@given(
    st.sampled_from(FORMATS),
    st.lists(
        st.tuples(st.integers(0, 5000), st.sampled_from(list("\"'[]{}=:#\\\n\t ,$-!&*|>%@`"))),
        min_size=1,
        max_size=6,
    ),
)
def test_real_configs_with_characters_changed(name: str, changes: list[tuple[int, str]]) -> None:
    text = list((SAMPLES / SAMPLE_FILES[name]).read_text("utf-8"))
    for position, char in changes:
        text[position % len(text)] = char
    _parse_all_ways("".join(text), name)


# -- password files, references, the rotation journal ---------------------------------


@fuzz
@given(st.binary(max_size=200))
def test_any_password_file(tmp_path: Path, data: bytes) -> None:
    from vault.keys.passwords import read_password_file

    path = tmp_path / "password"
    path.write_bytes(data)
    path.chmod(0o600)
    try:
        lines = read_password_file(path)
    except VaultError as exc:
        text = data.decode("utf-8", "replace").strip()
        if len(text) >= 4:  # a short text may be a word of the message by chance
            assert text not in str(exc)
        return
    assert 1 <= len(lines) <= 2 and all("\0" not in s.reveal() for s in lines)


@fuzz
@given(
    st.text(
        alphabet=st.sampled_from(list("$secret{env}ab._-XY \\")) | st.characters(),
        max_size=80,
    )
)
def test_any_reference_text(text: str) -> None:
    """$secret{}/$env{} in any arrangement: resolved, or a ResolveError; never a bare value."""
    from vault.configs.readers import StoreEntry
    from vault.errors import ResolveError
    from vault.runtime.resolver import Resolver

    store = {
        "ab": StoreEntry(RING.encrypt("resolved-ab"), "fuzz.toml"),
        "a.b": StoreEntry("$secret{ab}", "fuzz.toml"),
    }
    resolver = Resolver(RING, store, source="fuzz.toml", environ={"XY": "env-xy"})
    try:
        out = resolver.text(text)
    except ResolveError as exc:
        assert exc.path is not None
        return
    assert "$secret{ab}" not in out and "$env{XY}" not in out


@fuzz
@given(st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode()))
def test_any_rotation_journal(tmp_path: Path, data: bytes) -> None:
    from vault import atomic
    from vault.errors import InputError

    path = tmp_path / f"{atomic.JOURNAL_PREFIX}fuzz{atomic.JOURNAL_SUFFIX}"
    path.write_bytes(data)
    try:
        journal = atomic.read_journal(path)
    except InputError:
        return
    assert journal.state in ("prepared", "done")
