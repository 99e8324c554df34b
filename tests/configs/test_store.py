"""vault.configs.store: TOML read the fast way reads the same document, or fails the same way."""

from __future__ import annotations

import base64
import os
import string
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import KEYSTORES, VECTOR_PASSWORD
from vault.configs.formats.toml import parse_error
from vault.configs.store import (
    KeystoreTable,
    _parse_toml,
    keystore_table,
    literal_base64_strings,
    read_toml,
)
from vault.crypto.ring import KeyEntry, KeyRing
from vault.errors import InputError
from vault.keystores import load_keystore
from vault.secret import Secret

EXAMPLES = int(os.environ.get("VAULT_FUZZ_EXAMPLES", "300"))
_store = load_keystore(KEYSTORES / "jdk17.jks", Secret(VECTOR_PASSWORD))
RING = KeyRing([KeyEntry(_store.certificate("wso2carbon"), _store.private_key("wso2carbon"))])
B64 = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo+/w=="


def outcome(text: str) -> str:
    """What tomllib makes of the text, or that it fails: repr, so that nan equals nan."""
    try:
        return repr(tomllib.loads(text))
    except tomllib.TOMLDecodeError:
        return "error"


def read(tmp_path: Path, text: str) -> str:
    """What read_toml makes of the text, or its error."""
    path = tmp_path / "config.toml"
    path.write_bytes(text.encode())
    _parse_toml.cache_clear()
    try:
        return repr(read_toml(path))
    except InputError as exc:
        return f"error: {exc}"


def test_ciphertexts_become_literal_strings_of_the_same_length_and_value() -> None:
    text = (
        f'[secrets]\nadmin = "{RING.encrypt("pw")}"\n"a.b" = "{B64}" # note\r\nk.\'q\' = "{B64}"\n'
    )
    fast = literal_base64_strings(text)
    assert len(fast) == len(text)
    assert fast.count("'") == text.count("'") + 6
    assert '"' not in fast.replace('"a.b"', "")
    assert tomllib.loads(fast) == tomllib.loads(text)


@pytest.mark.parametrize(
    "text",
    [
        # A multi-line string holding a key line: the quote is inside a string.
        f'a = """\nb = "{B64}"\n"""\n',
        f"a = '''\nb = \"{B64}\"\n'''\n",
        # Not a key line: an array element, a comment, a value after text.
        f'a = [\n  "{B64}",\n]\n',
        f'# b = "{B64}"\n',
        f'a = "x" b = "{B64}"\n',
        # Something that is not Base64 all the way.
        f'a = "{B64}\\n"\n',
        f'a = "{B64} "\n',
    ],
)
def test_anything_else_is_read_as_written(text: str) -> None:
    fast = literal_base64_strings(text)
    assert outcome(fast) == outcome(text)
    if '"""' in text or "'''" in text or "#" in text or "[" in text or "\\" in text:
        assert fast == text


@pytest.mark.parametrize(
    "text",
    [
        f'a = "{B64}"\nb = "{B64}"\nc = = 1\n',
        # The open quote of line 1 would meet the one made on line 2: read_toml must
        # still report what the text as written says.
        f'\'\nk = "{B64}"\n',
    ],
)
def test_read_toml_reports_the_errors_of_the_text_as_written(tmp_path: Path, text: str) -> None:
    assert literal_base64_strings(text) != text
    with pytest.raises(tomllib.TOMLDecodeError) as caught:
        tomllib.loads(text)
    expected = parse_error(caught.value, tmp_path / "config.toml")
    assert read(tmp_path, text) == f"error: {expected}"


_FRAGMENTS = st.sampled_from(
    [
        "\n",
        "\r\n",
        " ",
        "\t",
        "=",
        " = ",
        '"',
        "'",
        '"""',
        "'''",
        "#",
        "[",
        "]",
        "[[",
        "]]",
        "{",
        "}",
        ",",
        ".",
        "\\",
        "\\n",
        "a",
        "key",
        '"q.k"',
        "'l.k'",
        "1",
        "nan",
        "true",
        "1979-05-27",
        "\x00",
        "é",
        f'"{B64}"',
        f"'{B64}'",
        f'k = "{B64}"\n',
        f'k.j = "{B64}"',
        f'  "s" = "{B64}" # c\n',
        "[secrets]\n",
        "a = [\n",
        "x = {y = ",
        " }",
    ]
)


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.lists(st.one_of(_FRAGMENTS, st.text(string.ascii_letters + "+/=", max_size=30))))
def test_any_text_reads_the_same_or_fails_the_same(parts: list[str]) -> None:
    text = "".join(parts)
    fast = literal_base64_strings(text)
    assert len(fast) == len(text)
    assert outcome(fast) == outcome(text)  # the same value, or an error both ways


def test_read_toml_uses_it_and_says_where_text_is_not_utf8(tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    ciphertext = RING.encrypt("value")
    good.write_text(f'[secrets]\na = "{ciphertext}"\n')
    assert read_toml(good) == {"secrets": {"a": ciphertext}}
    assert base64.b64decode(ciphertext)
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b'a = "ok"\nb = "\xff"\n')
    with pytest.raises(InputError) as caught:
        read_toml(bad)
    assert str(caught.value) == f"{bad}:2: not UTF-8 (a TOML file must be)"


def test_keystore_table_internal_before_primary() -> None:
    """The table both the config's reader (vault.keys.spec) and a product home's
    (vault.wso2.home) start from; type and alias only when they are strings."""
    internal = {"file_name": "i.p12", "type": "PKCS12", "alias": 7}
    primary = {"file_name": "p.jks", "alias": "wso2carbon"}
    assert keystore_table({"keystore": {"internal": internal, "primary": primary}}) == (
        KeystoreTable("internal", "i.p12", "PKCS12", None)
    )
    no_file = {"keystore": {"internal": {"type": "JKS"}, "primary": primary}}
    assert keystore_table(no_file) == KeystoreTable("primary", "p.jks", None, "wso2carbon")
    for none in ({}, {"keystore": "x"}, {"keystore": {"tls": primary}}):
        assert keystore_table(none) is None
