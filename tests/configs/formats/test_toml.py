"""TOML adapter: spans found by the scanner, checked against tomllib."""

from __future__ import annotations

import tomllib
from typing import Any, ClassVar

import pytest
from hypothesis import strategies as st

from tests.configs.formats.contract import FormatContract
from vault.configs.formats import ParseError, apply_edits, parse

DEPLOYMENT = '''# WSO2-style deployment.toml
[server]
hostname = "localhost"   # inline comment
node_ip = '127.0.0.1'
offset = 0
enable = true
started = 1979-05-27 07:32:00Z

[super_admin]
username = "admin"
password = "$secret{admin_password}"

[keystore.primary]
file_name = "wso2carbon.jks"
"key.alias" = 'wso2carbon'

[[apim.gateway.environment]]
name = "Production and Sandbox"
urls = [ "https://a:9443/services/", # first
  'https://b:9443/services/', ]
ws = { url = "ws://x:9099", "a.b" = { c = "nested \\"q\\" \\u00e9" } }

[[apim.gateway.environment]]
name = """multi
line"""
note = \'\'\'literal 'quoted' \\n\'\'\'

[secrets]
admin_password = "[admin]"   # encrypt me
db.password = "[db]"
"dotted.quoted" = "[x]"

# a comment after [secrets]
[transport.https.properties]
proxyPort = 443
ratio = 0.5
'''

NO_SECRETS = 'title = "x"\n[a]\nb = [1, 2, 3]\n'
NO_NEWLINE = 'k = "v"'
EMPTY_SECRETS = "[secrets]\n# nothing yet\n\n[after]\nx = 1\n"
CRLF = '[db]\r\npassword = "p"\r\n[secrets]\r\na = "[b]"\r\n'

bare_keys = st.from_regex(r"[a-z_][a-z0-9_-]{0,6}", fullmatch=True)
table_names = st.from_regex(r"T[A-Za-z0-9_-]{0,5}", fullmatch=True)  # never clash with keys
texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


@st.composite
def string_tokens(draw: st.DrawFn) -> str:
    value = draw(texts)
    style = draw(st.sampled_from(["basic", "literal", "ml-basic", "ml-literal"]))
    simple = all(c >= " " and c not in "'\x7f" for c in value)
    if style == "literal" and simple:
        return f"'{value}'"
    if style == "ml-literal" and simple and not value.endswith("'"):
        return f"'''{value}'''"
    escaped = "".join(
        {'"': '\\"', "\\": "\\\\", "\n": "\\n"}.get(c, c)
        if (c >= " " and c != "\x7f") or c == "\n"
        else f"\\u{ord(c):04x}"
        for c in value
    )
    if style == "ml-basic" and not escaped.endswith('"'):
        return f'"""{escaped}"""'
    return f'"{escaped}"'


values = st.deferred(
    lambda: (
        string_tokens()
        | st.integers(-1000, 10**6).map(str)
        | st.sampled_from(
            [
                "true",
                "false",
                "3.25",
                "-0.5",
                "1979-05-27",
                "07:32:00",
                "1979-05-27T07:32:00Z",
                "inf",
                "0x1F",
            ]
        )
        | st.lists(values, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]")
        | st.dictionaries(bare_keys, values, max_size=2).map(
            lambda d: "{ " + ", ".join(f"{k} = {v}" for k, v in d.items()) + " }"
        )
    )
)


@st.composite
def documents(draw: st.DrawFn) -> str:
    lines: list[str] = []
    for table in [None, *draw(st.lists(table_names, max_size=3, unique=True))]:
        if table is not None:
            lines.append(f"[{table}]" + draw(st.sampled_from(["", "  # table"])))
        for key in draw(st.lists(bare_keys, max_size=4, unique=True)):
            comment = draw(st.sampled_from(["", " # c", "   #x"]))
            lines.append(f"{key} = {draw(values)}{comment}")
            if draw(st.booleans()):
                lines.append(draw(st.sampled_from(["", "# comment", "  "])))
    text = "\n".join(lines)
    return text + draw(st.sampled_from(["\n", ""]))


class TestToml(FormatContract):
    format_name = "toml"
    samples: ClassVar[list[str]] = [DEPLOYMENT, NO_SECRETS, NO_NEWLINE, EMPTY_SECRETS, CRLF, ""]

    def load(self, text: str) -> Any:
        return tomllib.loads(text)

    def documents(self) -> st.SearchStrategy[str]:
        return documents()


def test_paths_through_arrays_of_tables_and_inline_tables() -> None:
    doc = parse(DEPLOYMENT, "toml")
    paths = {s.path: s for s in doc.scalars()}
    assert paths[("apim", "gateway", "environment", 1, "name")].value == "multi\nline"
    assert paths[("apim", "gateway", "environment", 0, "ws", "a.b", "c")].value == 'nested "q" é'
    assert paths[("apim", "gateway", "environment", 0, "urls", 1)].style == "'"
    assert paths[("server", "started")].is_string is False
    assert paths[("server", "started")].value == "1979-05-27 07:32:00Z"


def test_secrets_table_in_the_middle_keeps_what_follows() -> None:
    doc = parse(DEPLOYMENT, "toml")
    store = {".".join(map(str, s.path[1:])): s for s in doc.store_entries()}
    assert set(store) == {"admin_password", "db.password", "dotted.quoted"}
    edits = [doc.replace(store["admin_password"], "CIPHERTEXT=="), *doc.add_entries([("new", "v")])]
    after = apply_edits(DEPLOYMENT, edits)
    assert 'admin_password = "CIPHERTEXT=="   # encrypt me\n' in after
    assert after.endswith("proxyPort = 443\nratio = 0.5\n")
    assert tomllib.loads(after)["secrets"]["new"] == "v"
    assert tomllib.loads(after)["transport"]["https"]["properties"]["proxyPort"] == 443


def test_entries_go_after_the_last_entry_of_the_secrets_table() -> None:
    doc = parse(EMPTY_SECRETS, "toml")
    after = apply_edits(EMPTY_SECRETS, doc.add_entries([("a.b", "x")]))
    assert after == '[secrets]\n"a.b" = "x"\n# nothing yet\n\n[after]\nx = 1\n'


def test_a_missing_secrets_table_is_appended() -> None:
    assert (
        apply_edits(NO_NEWLINE, parse(NO_NEWLINE, "toml").add_entries([("a", "b")]))
        == 'k = "v"\n\n[secrets]\na = "b"\n'
    )


def test_crlf_files_get_crlf_entries() -> None:
    after = apply_edits(CRLF, parse(CRLF, "toml").add_entries([("n", "v")]))
    assert after == '[db]\r\npassword = "p"\r\n[secrets]\r\na = "[b]"\r\nn = "v"\r\n'


def test_render_keeps_literal_style_when_it_can() -> None:
    doc = parse("a = 'x'\nb = 'y'\n", "toml")
    a, b = doc.scalars()
    assert doc.render(a, "$secret{a}") == "'$secret{a}'"
    assert doc.render(b, "it's") == '"it\'s"'


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [("a = 1\nb = \n", 2, 5), ('[t]\nx = "unclosed\n', 2, 14), ("a = 1\na = 2\n", 2, 6)],
)
def test_parse_errors_name_line_and_column(text: str, line: int, column: int) -> None:
    with pytest.raises(ParseError) as caught:
        parse(text, "toml", "conf.toml")
    assert (caught.value.line, caught.value.column) == (line, column)
    assert str(caught.value).startswith(f"conf.toml: line {line}, column {column}: ")
