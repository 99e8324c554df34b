"""JSON adapter: spans found by the scanner, checked against json.loads."""

from __future__ import annotations

import json
from typing import Any, ClassVar, Literal

import pytest
from hypothesis import strategies as st

from tests.configs.formats.contract import FormatContract
from vault.configs.formats import ParseError, apply_edits, parse
from vault.errors import EXIT_BAD_INPUT, InputError, UnwritableValueError

PACKAGE = r"""{
  "name": "@acme/billing-service",
  "version": "2.14.0-rc.1",
  "private": true,
  "description": "Billing \"core\" \u2014 invoices & payments",
  "scripts": {
    "start": "node dist/server.js --port=8080",
    "test": "jest --coverage"
  },
  "engines": { "node": ">=18" },
  "files": ["dist/", "README.md"],
  "config": {
    "retries": 3,
    "backoff": 1.5e-1,
    "ratio": -0.25,
    "endpoints": [["eu", "https://eu.acme.example"], ["us", "https://us.acme.example"]],
    "emoji": "\ud83d\ude00 ok",
    "path": "C:\\acme\\bin\/tool",
    "empty": "",
    "nothing": null
  },
  "secrets": {
    "db_password": "[s3cr3t]",
    "api.token-2": "eyJjIjoiYWJj+/="
  },
  "dependencies": {}
}
"""

AWS = (
    '{"Version":1,"AccessKeyId":"AKIAIOSFODNN7EXAMPLE",'
    '"SecretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",'
    '"SessionToken":null,"Expiration":"2026-05-09T07:35:25Z","Regions":[["eu-west-1"],[]]}'
)

ASCII_ESCAPED = json.dumps({"user": "ré", "password": "pässword", "n": [1, 2.5]}, indent=4)
TABS_CRLF = '{\r\n\t"db": {\r\n\t\t"password": "p"\r\n\t},\r\n\t"secrets": null\r\n}\r\n'
EMPTY_OBJECT = "{}"
SPACED = ' \n { "a" : [ ] , "b" : { } , "c" : [ 1 , "two" , { "d" : false } ] } \n '

SURROGATES: tuple[Literal["Cs"]] = ("Cs",)
keys = st.text(st.characters(codec="utf-8", exclude_categories=SURROGATES), max_size=6)
texts = st.text(st.characters(codec="utf-8", exclude_categories=SURROGATES), max_size=10)
space = st.sampled_from(["", " ", "\n", "\n  ", "\r\n\t", "  \n    "])
SHORT = {
    '"': '\\"',
    "\\": "\\\\",
    "/": "\\/",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}


def _u(char: str) -> str:
    code = ord(char)
    if code > 0xFFFF:
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04X}"
    return f"\\u{code:04x}"


@st.composite
def string_tokens(draw: st.DrawFn, source: st.SearchStrategy[str] = texts) -> str:
    """A string token with every escape JSON has, chosen per character."""
    out = []
    for char in draw(source):
        how = draw(st.sampled_from(["raw", "short", "u"]))
        if how == "raw" and char not in '"\\' and ord(char) >= 0x20:
            out.append(char)
        elif how == "short" and char in SHORT:
            out.append(SHORT[char])
        else:
            out.append(_u(char))
    return '"' + "".join(out) + '"'


@st.composite
def containers(draw: st.DrawFn, children: st.SearchStrategy[str]) -> str:
    items = draw(st.lists(children, max_size=3))
    if draw(st.booleans()):
        return "[" + draw(space) + ",".join(f"{item}{draw(space)}" for item in items) + "]"
    names = draw(st.lists(string_tokens(keys), max_size=len(items), unique_by=json.loads))
    members = [
        f"{draw(space)}{k}{draw(space)}:{draw(space)}{v}"
        for k, v in zip(names, items[: len(names)], strict=True)
    ]
    return "{" + ",".join(members) + draw(space) + "}"


values = st.recursive(
    string_tokens()
    | st.integers(-(10**20), 10**20).map(str)
    | st.sampled_from(["true", "false", "null", "0", "-0.0", "1e3", "2.5E-3", "Infinity"]),
    containers,
    max_leaves=12,
)


@st.composite
def documents(draw: st.DrawFn) -> str:
    names = draw(st.lists(st.from_regex(r"[a-z]{1,5}", fullmatch=True), max_size=4, unique=True))
    members = [f"{draw(space)}{json.dumps(n)}{draw(space)}: {draw(values)}" for n in names]
    store = draw(st.sampled_from(["", "{}", "null", "{ }", '{"a": "[x]"}', '{\n  "b": "c"\n}']))
    if store:
        members.insert(draw(st.integers(0, len(members))), f'{draw(space)}"secrets": {store}')
    return draw(space) + "{" + ",".join(members) + draw(space) + "}" + draw(space)


class TestJson(FormatContract):
    format_name = "json"
    samples: ClassVar[list[str]] = [
        PACKAGE,
        AWS,
        ASCII_ESCAPED,
        TABS_CRLF,
        EMPTY_OBJECT,
        SPACED,
        '{"secrets": {}}',
        '{\n  "secrets": {\n  }\n}',
    ]

    def load(self, text: str) -> Any:
        return json.loads(text)

    def documents(self) -> st.SearchStrategy[str]:
        return documents()


def _scalars(text: str) -> dict[tuple[str | int, ...], Any]:
    return {s.path: s for s in parse(text, "json").scalars()}


def test_paths_through_nested_arrays_and_escapes() -> None:
    found = _scalars(PACKAGE)
    assert found[("config", "endpoints", 1, 0)].value == "us"
    assert found[("config", "emoji")].value == "\U0001f600 ok"
    assert found[("config", "path")].value == "C:\\acme\\bin/tool"
    assert found[("description",)].value == 'Billing "core" \u2014 invoices & payments'
    backoff = found[("config", "backoff")]
    assert (backoff.value, backoff.is_string, backoff.style) == ("1.5e-1", False, "plain")
    assert (backoff.line, backoff.column) == (14, 16)
    assert found[("private",)].is_string is False
    assert found[("config", "nothing")].value == "null"
    assert _scalars(AWS)[("Regions", 0, 0)].value == "eu-west-1"


def test_nan_infinity_and_repeated_keys_follow_json_loads() -> None:
    found = parse('{"a": NaN, "b": [-Infinity, Infinity], "p": "1", "p": "2"}', "json").scalars()
    assert [(s.path, s.value) for s in found] == [
        (("a",), "NaN"),
        (("b", 0), "-Infinity"),
        (("b", 1), "Infinity"),
        (("p",), "1"),
        (("p",), "2"),
    ]


def test_render_keeps_ascii_escaping_when_the_file_uses_it() -> None:
    doc = parse(ASCII_ESCAPED, "json")
    user, password = (s for s in doc.scalars() if s.is_string)
    assert doc.render(user, "ü\U0001f600") == '"\\u00fc\\ud83d\\ude00"'
    assert doc.render(password, "$secret{p}") == '"$secret{p}"'
    plain = parse('{"a": "\\n", "b": 5}', "json")
    a, b = plain.scalars()
    assert plain.render(a, 'ü "q" \\ \t\x01') == '"ü \\"q\\" \\\\ \\t\\u0001"'
    assert plain.render(b, "x") == '"x"'
    assert json.loads(plain.render(a, "lone \ud800")) == "lone \ud800"
    with pytest.raises(ValueError, match="adjacent lone surrogates"):
        plain.render(a, "\ud83d\ude00")


def test_store_entries_and_replace_in_the_middle() -> None:
    doc = parse(PACKAGE, "json")
    store = {s.path[1]: s for s in doc.store_entries()}
    assert set(store) == {"db_password", "api.token-2"}
    edits = [doc.replace(store["db_password"], "CIPHER=="), *doc.add_entries([("n", "v")])]
    after = apply_edits(PACKAGE, edits)
    assert (
        '"db_password": "CIPHER==",\n    "api.token-2": "eyJjIjoiYWJj+/=",\n    "n": "v"\n  },'
        in (after)
    )
    assert after.endswith('"dependencies": {}\n}\n')


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{}", '{\n  "secrets": {\n    "a": "x"\n  }\n}'),
        ('{"k": 1}', '{"k": 1, "secrets": {"a": "x"}}'),
        ('{"k":1}', '{"k":1,"secrets":{"a":"x"}}'),
        ('{"secrets": {}}', '{"secrets": {"a": "x"}}'),
        ('{"secrets": {"b": "y"}}', '{"secrets": {"b": "y", "a": "x"}}'),
        ('{\n  "k": 1\n}', '{\n  "k": 1,\n  "secrets": {\n    "a": "x"\n  }\n}'),
        ('{\n  "secrets": {}\n}', '{\n  "secrets": {\n    "a": "x"\n  }\n}'),
        ('{\n    "secrets": {\n        "b": "y"\n    }\n}', None),
        (TABS_CRLF, TABS_CRLF.replace("null", '{\r\n\t\t"a": "x"\r\n\t}')),
    ],
)
def test_add_entries_matches_the_layout(text: str, expected: str | None) -> None:
    after = apply_edits(text, parse(text, "json").add_entries([("a", "x")]))
    if expected is None:
        expected = '{\n    "secrets": {\n        "b": "y",\n        "a": "x"\n    }\n}'
    assert after == expected


def test_add_entries_needs_an_object_at_the_top_and_for_the_store() -> None:
    with pytest.raises(InputError, match="the top level is not an object"):
        parse('["a"]', "json", "x.json").add_entries([("a", "b")])
    with pytest.raises(InputError, match="secrets member is not an object") as caught:
        parse('{\n"secrets": ["a"]}', "json").add_entries([("a", "b")])
    assert caught.value.line == 2
    with pytest.raises(ValueError, match="alias"):
        parse("{}", "json").add_entries([("bad alias", "b")])


def test_deep_nesting_needs_no_recursion() -> None:
    text = '{"a": ' + "[" * 900 + '"x"' + "]" * 900 + "}"
    (scalar,) = parse(text, "json").scalars()
    assert scalar.path == ("a", *([0] * 900))


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ('{\n  "a": 1,\n}', 3, 1, "Expecting property name enclosed in double quotes"),
        ('{"a": "unterminated', 1, 7, "Unterminated string starting at"),
        ('{"a": "x\ny"}', 1, 9, "Invalid control character at"),
        ('{"a": "bad \\x escape"}', 1, 12, "Invalid \\escape"),
        ('{"a": 1} {"b": 2}', 1, 10, "Extra data"),
        ("", 1, 1, "Expecting value"),
        ('{"a":\n\n   tru}', 3, 4, "Expecting value"),
    ],
)
def test_parse_errors_name_line_and_column(text: str, line: int, column: int, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse(text, "json", "conf.json")
    assert (caught.value.line, caught.value.column) == (line, column)
    assert str(caught.value) == f"conf.json: line {line}, column {column}: {message}"


def test_parse_errors_never_show_values() -> None:
    with pytest.raises(ParseError) as caught:
        parse('{"password": "hunter2\x01"}', "json")
    assert "hunter2" not in str(caught.value)


def test_too_deep_and_bom_are_parse_errors() -> None:
    with pytest.raises(ParseError, match="nested too deeply"):
        parse("[" * 100_000 + "]" * 100_000, "json")
    with pytest.raises(ParseError, match="Unexpected UTF-8 BOM") as caught:
        parse('\ufeff{"a": 1}', "json")
    assert (caught.value.line, caught.value.column) == (1, 1)


def test_a_value_json_cannot_hold_is_an_input_error_naming_file_and_line() -> None:
    """Adjacent lone surrogates: json.loads would read them back as one character. Not a
    bare ValueError (an internal error, to the command line): an InputError (exit 2)
    naming file and line, and never the value."""
    doc = parse('{\n  "a": "x",\n  "b": "y"\n}\n', "json", "conf/app.json")
    scalar = next(s for s in doc.scalars() if s.path == ("b",))
    with pytest.raises(UnwritableValueError) as raised:
        doc.replace(scalar, "\ud83d\ude00")
    error = raised.value
    assert isinstance(error, InputError)
    assert isinstance(error, ValueError)  # what it was before it had a class
    assert error.exit_code == EXIT_BAD_INPUT
    message = "a JSON string cannot hold this value (adjacent lone surrogates)"
    assert (error.path, error.line, error.message) == ("conf/app.json", 3, message)
    assert str(error) == f"conf/app.json:3: {message}"
