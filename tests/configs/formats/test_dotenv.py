""".env adapter: checked against a reference reader written apart, and python-dotenv if present."""

from __future__ import annotations

import io
from typing import Any, ClassVar, Literal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.configs.formats.contract import EXAMPLES, NEW_VALUES, FormatContract
from vault.configs.formats import ParseError, apply_edits, parse
from vault.configs.formats._base import Scalar

# -- the reference: a character walker over the grammar in vault/configs/formats/dotenv.py ------

ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "$": "$"}


def _blank(char: str) -> bool:
    return char.isspace() and char not in "\r\n"


def _key_char(char: str) -> bool:
    return char.isalnum() or char in "_.-[]"


def dotenv_load(text: str) -> dict[str, str | None]:
    """KEY -> value (None for a name alone); ValueError where the grammar refuses the text."""
    size = len(text)
    result: dict[str, str | None] = {}
    i = 1 if text.startswith("\ufeff") else 0

    def at_eol(i: int) -> bool:
        return i >= size or text[i] in "\r\n"

    def next_line(i: int) -> int:
        while not at_eol(i):
            i += 1
        return i + 2 if text.startswith("\r\n", i) else i + 1

    while i < size:
        while i < size and _blank(text[i]):
            i += 1
        if at_eol(i) or text[i] == "#":
            i = next_line(i)
            continue
        if text.startswith("export", i) and i + 6 < size and _blank(text[i + 6]):
            j = i + 6
            while j < size and _blank(text[j]):
                j += 1
            if j < size and _key_char(text[j]):
                i = j
        key_start = i
        while i < size and _key_char(text[i]):
            i += 1
        if i == key_start:
            raise ValueError("no key")
        key = text[key_start:i]
        while i < size and _blank(text[i]):
            i += 1
        if at_eol(i) or text[i] == "#":
            result[key] = None
            i = next_line(i)
            continue
        if text[i] != "=":
            raise ValueError("no =")
        i += 1
        after_equals = i
        while i < size and _blank(text[i]):
            i += 1
        if i > after_equals and i < size and text[i] == "#":  # "KEY= # note": empty
            result[key] = ""
            i = next_line(i)
            continue
        if i < size and text[i] == "'":
            close = text.find("'", i + 1)
            if close < 0:
                raise ValueError("unterminated '")
            value = text[i + 1 : close]
            i = close + 1
        elif i < size and text[i] == '"':
            out: list[str] = []
            i += 1
            while True:
                if i >= size:
                    raise ValueError('unterminated "')
                char = text[i]
                if char == '"':
                    i += 1
                    break
                if char == "\\" and i + 1 < size:
                    out.append(ESCAPES.get(text[i + 1], "\\" + text[i + 1]))
                    i += 2
                    continue
                out.append(char)
                i += 1
            value = "".join(out)
        else:
            end = i
            while not at_eol(end):
                end += 1
            line = text[i:end]
            cut = next(
                (n - 1 for n in range(1, len(line)) if line[n] == "#" and line[n - 1].isspace()),
                len(line),
            )
            result[key] = line[:cut].rstrip()
            i = next_line(end)
            continue
        while i < size and _blank(text[i]):
            i += 1
        if i < size and text[i] == "#":
            while not at_eol(i):
                i += 1
        if not at_eol(i):
            raise ValueError("text after the closing quote")
        result[key] = value
        i = next_line(i)
    return result


# -- samples --------------------------------------------------------------------------

APP = r"""# .env for the shop (docker compose)
COMPOSE_PROJECT_NAME=shop
export DATABASE_URL=postgres://app@db:5432/shop
DB_PASSWORD = s3cr3t   # the inline comment is not the value
API_TOKEN="tok-123#not-a-comment"
LITERAL='literal $HOME and \n' # a comment after the quote
MULTILINE="line one
line two\twith tab
"
PEM_KEY='-----BEGIN KEY-----
MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu
-----END KEY-----'
EMPTY=
EMPTY_QUOTED=""
EMPTY_SINGLE=''
  INDENTED=yes
URL=https://example.test/?a=b&c=d#fragment
HASH_IN_VALUE=abc#def
SPACES=  value with spaces<blanks>
ESCAPES="tab\there \"quoted\" back\\slash dollar\$ unknown\q"
export   EXPORTED = "x"#comment
FROM_ENV
FROM_ENV_TOO # taken from the environment
spring.datasource.password=[changeme]
REF=$secret{db_password}
UNICODE=ünïcödé ✓
""".replace("<blanks>", "  \t")

CRLF = "A=1\r\nB = \"two\r\nlines\" # c\r\n\r\nexport C='x'\r\nD=4"
BOM = "\ufeffKEY=value\n"

# -- generated documents ---------------------------------------------------------------

KEYS = ["DB_PASSWORD", "api.token", "key-name", "Path", "ü_key", "A[0]", "export"]
SURROGATES: tuple[Literal["Cs"]] = ("Cs",)
PLAIN_CHARS = st.characters(
    codec="utf-8", exclude_categories=SURROGATES, exclude_characters="\r\n\x85\u2028\u2029"
)
PLAIN_VALUE = st.text(PLAIN_CHARS, max_size=12).filter(lambda v: v.lstrip()[:1] not in "'\"")
SINGLE_BODY = st.lists(
    st.sampled_from(["a", " ", "$", "#", '"', "\\", "\n", "\r\n", "ü", "{}"]), max_size=6
).map("".join)
DOUBLE_PARTS = ["a", " ", "#", "'", "ü", "\t", "\n", "\\n", "\\t", "\\r", '\\"', "\\\\", "\\$"]
ODD_ESCAPES = ["\\q", "\\'", "$", "\\a"]
TRAILERS = ["", " ", " # comment", "#c", "\t# x"]
SEPARATORS = ["=", " = ", "=\t", "\t= ", " ="]
NOISE = ["", "   ", "# comment", "  # indented", "#", "\t"]


@st.composite
def value_tokens(draw: st.DrawFn, portable: bool) -> str:
    kind = draw(st.sampled_from(["plain", "single", "double"]))
    if kind == "plain":
        value = draw(PLAIN_VALUE)
        return value + draw(st.sampled_from(["", " # comment", "  #x", "\t"]))
    trailer = draw(st.sampled_from(TRAILERS))
    if kind == "single":
        body = draw(SINGLE_BODY)
        return "'" + (body.replace("\\", "/") if portable else body) + "'" + trailer
    parts = DOUBLE_PARTS if portable else DOUBLE_PARTS + ODD_ESCAPES
    body = "".join(draw(st.lists(st.sampled_from(parts), max_size=6)))
    if portable:
        body = body.replace("\\$", "$")
        while body.endswith("\\\\"):  # python-dotenv would take \\" for an escaped quote
            body = body[:-2]
    return '"' + body + '"' + trailer


@st.composite
def env_documents(draw: st.DrawFn, portable: bool = False) -> str:
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    lines: list[str] = []
    for n in range(draw(st.integers(0, 8))):
        if draw(st.booleans()):
            lines.append(draw(st.sampled_from(NOISE)))
        indent = draw(st.sampled_from(["", "", " ", "\t"]))
        export = draw(st.sampled_from(["", "", "export ", "export\t "]))
        key = f"{draw(st.sampled_from(KEYS))}_{n}"
        if draw(st.integers(0, 9)) == 0:
            lines.append(indent + export + key + draw(st.sampled_from(["", " ", " # from env"])))
            continue
        separator = draw(st.sampled_from(SEPARATORS))
        lines.append(indent + export + key + separator + draw(value_tokens(portable)))
    return newline.join(lines) + draw(st.sampled_from(["", newline]))


class TestDotenv(FormatContract):
    format_name = "env"
    samples: ClassVar[list[str]] = [APP, CRLF, BOM, "", "\n", "# only a comment", "K="]

    def load(self, text: str) -> Any:
        return dotenv_load(text)

    def documents(self) -> st.SearchStrategy[str]:
        return env_documents()


# -- focused tests -----------------------------------------------------------------


def by_key(text: str) -> dict[str, Scalar]:
    return {str(s.path[0]): s for s in parse(text, "env").scalars()}


def test_values_styles_and_spans() -> None:
    scalars = by_key(APP)
    expected = {
        "COMPOSE_PROJECT_NAME": ("shop", "plain", "shop"),
        "DATABASE_URL": ("postgres://app@db:5432/shop", "plain", "postgres://app@db:5432/shop"),
        "DB_PASSWORD": ("s3cr3t", "plain", "s3cr3t"),
        "API_TOKEN": ("tok-123#not-a-comment", '"', '"tok-123#not-a-comment"'),
        "LITERAL": ("literal $HOME and \\n", "'", "'literal $HOME and \\n'"),
        "MULTILINE": ("line one\nline two\twith tab\n", '"', '"line one\nline two\\twith tab\n"'),
        "EMPTY": ("", "plain", ""),
        "EMPTY_QUOTED": ("", '"', '""'),
        "EMPTY_SINGLE": ("", "'", "''"),
        "INDENTED": ("yes", "plain", "yes"),
        "URL": ("https://example.test/?a=b&c=d#fragment", "plain", None),
        "HASH_IN_VALUE": ("abc#def", "plain", "abc#def"),
        "SPACES": ("value with spaces", "plain", "value with spaces"),
        "ESCAPES": ('tab\there "quoted" back\\slash dollar$ unknown\\q', '"', None),
        "EXPORTED": ("x", '"', '"x"'),
        "spring.datasource.password": ("[changeme]", "plain", "[changeme]"),
        "REF": ("$secret{db_password}", "plain", "$secret{db_password}"),
        "UNICODE": ("ünïcödé ✓", "plain", "ünïcödé ✓"),
    }
    for key, (value, style, token) in expected.items():
        scalar = scalars[key]
        assert (scalar.value, scalar.style) == (value, style), key
        if token is not None:
            assert APP[scalar.start : scalar.end] == token, key
    assert scalars["PEM_KEY"].value.startswith("-----BEGIN KEY-----\nMIIB")
    assert "FROM_ENV" not in scalars and "FROM_ENV_TOO" not in scalars
    assert dotenv_load(APP)["FROM_ENV"] is None
    assert (scalars["DB_PASSWORD"].line, scalars["DB_PASSWORD"].column) == (4, 15)
    assert (scalars["EMPTY"].line, scalars["EMPTY"].column) == (13, 7)


def test_crlf_and_lone_carriage_returns() -> None:
    scalars = by_key(CRLF)
    assert {k: s.value for k, s in scalars.items()} == {
        "A": "1",
        "B": "two\r\nlines",
        "C": "x",
        "D": "4",
    }
    assert [s.line for s in scalars.values()] == [1, 2, 5, 6]
    text = "A=1\rB='x'\r\rC=3"
    assert {k: (s.value, s.line) for k, s in by_key(text).items()} == {
        "A": ("1", 1),
        "B": ("x", 2),
        "C": ("3", 4),
    }


def test_a_byte_order_mark_is_skipped() -> None:
    assert list(by_key(BOM)) == ["KEY"]


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("A=1\nfoo bar\n", 2, 5, "expected '=' after the variable name"),
        ("=value", 1, 1, "expected KEY=value, a comment or a blank line"),
        ("A=1\r\n\r\n  KEY: value", 3, 6, "expected '=' after the variable name"),
        ("# c\nKEY='unterminated\nmore", 2, 5, "unterminated single-quoted value"),
        ('KEY = "open\n\\"\n', 1, 7, "unterminated double-quoted value"),
        ('A=1\nKEY="closed"tail', 2, 13, "unexpected text after the closing quote"),
        ("KEY='a' 'b'", 1, 9, "unexpected text after the closing quote"),
        ("A=1\n  'quoted key'=x", 2, 3, "expected KEY=value, a comment or a blank line"),
        ("A=1\n\tK!=x", 2, 3, "expected '=' after the variable name"),
    ],
)
def test_parse_errors(text: str, line: int, column: int, message: str) -> None:
    with pytest.raises(ValueError):
        dotenv_load(text)
    with pytest.raises(ParseError) as info:
        parse(text, "env", ".env")
    error = info.value
    assert (error.line, error.column) == (line, column)
    assert str(error) == f".env: line {line}, column {column}: {message}"


@pytest.mark.parametrize(
    ("style_sample", "value", "token"),
    [
        ("K=old", "$secret{db_password}", "'$secret{db_password}'"),
        ("K='old'", "$secret{db_password}", "'$secret{db_password}'"),
        ('K="old"', "$secret{db_password}", "'$secret{db_password}'"),
        ("K=old", "eyJjIjoiYWJj+/=", "eyJjIjoiYWJj+/="),
        ("K='old'", "eyJjIjoiYWJj+/=", "'eyJjIjoiYWJj+/='"),
        ('K="old"', "eyJjIjoiYWJj+/=", '"eyJjIjoiYWJj+/="'),
        ("K=old", "", ""),
        ("K=old # note", "", '""'),
        ('K="old"', "", '""'),
        ("K=old", "with space", "with space"),
        ("K=old", " lead", '" lead"'),
        ("K=old", "hash # here", '"hash # here"'),
        ("K=old", "#start", "#start"),
        ("K=old", "'quoted", '"\'quoted"'),
        ("K=old", "line\nbreak", '"line\\nbreak"'),
        ("K='old'", "it's", '"it\'s"'),
        ("K='old'", "back\\slash", '"back\\\\slash"'),
        ('K="old"', 'say "hi" \\ o/', '"say \\"hi\\" \\\\ o/"'),
        ('K="old"', "ends\\", "ends\\"),
        ("K=old", "$x and 'y'", "\"\\$x and 'y'\""),
        ("K=old", "$x\\y", "'$x\\y'"),
        ("K=old", "$x\ny", "'$x\ny'"),
        ("K=old", "ünïcödé ✓", "ünïcödé ✓"),
    ],
)
def test_render(style_sample: str, value: str, token: str) -> None:
    doc = parse(style_sample, "env")
    [scalar] = doc.scalars()
    assert doc.render(scalar, value) == token
    assert dotenv_load(apply_edits(style_sample, [doc.replace(scalar, value)])) == {"K": value}


def test_replace_keeps_the_inline_comment() -> None:
    text = "export DB_PASSWORD = s3cr3t   # rotate monthly\nNEXT=1\n"
    doc = parse(text, "env")
    edit = doc.replace(doc.scalars()[0], "$secret{DB_PASSWORD}")
    after = apply_edits(text, [edit])
    assert after == "export DB_PASSWORD = '$secret{DB_PASSWORD}'   # rotate monthly\nNEXT=1\n"


def test_no_store_inside() -> None:
    doc = parse(APP, "env")
    assert doc.store_path is None
    assert doc.store_entries() == []
    with pytest.raises(NotImplementedError):
        doc.add_entries([("alias", "value")])


def test_duplicate_keys_are_all_scalars_and_the_last_wins() -> None:
    text = "A=1\nA='2'\n"
    assert [s.value for s in parse(text, "env").scalars()] == ["1", "2"]
    assert dotenv_load(text) == {"A": "2"}


def test_twenty_thousand_entries() -> None:
    text = "".join(f'SECRET_{n}_PASSWORD="value\\n{n}" # note\nPLAIN_{n}=x\n' for n in range(20000))
    scalars = parse(text, "env").scalars()
    assert len(scalars) == 40000
    assert scalars[-2].value == "value\n19999"


# -- against python-dotenv, when it is installed (it is no dependency) -----------------


def test_agrees_with_python_dotenv() -> None:
    dotenv = pytest.importorskip("dotenv", reason="python-dotenv is not installed")

    def python_dotenv(text: str) -> dict[str, str | None]:
        values: dict[str, str | None] = dotenv.dotenv_values(
            stream=io.StringIO(text), interpolate=False
        )
        return values

    portable = APP.replace(" dollar\\$", "").replace(" unknown\\q", "").replace("\ufeff", "")
    assert python_dotenv(portable) == dotenv_load(portable)

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(env_documents(portable=True), st.lists(st.booleans(), min_size=1, max_size=6))
    def run(text: str, choose: list[bool]) -> None:
        assert python_dotenv(text) == dotenv_load(text)
        doc = parse(text, "env")
        edits = [
            doc.replace(scalar, NEW_VALUES[n % len(NEW_VALUES)])
            for n, scalar in enumerate(doc.scalars())
            if choose[n % len(choose)]
        ]
        after = apply_edits(text, edits)
        assert python_dotenv(after) == dotenv_load(after)

    run()


def test_a_blank_then_hash_after_equals_is_an_empty_value_and_a_comment() -> None:
    # As python-dotenv 1.2 reads it; framework .env.example files write "KEY= # fill in".
    text = "API_TOKEN= # none yet\nMAIL_PASSWORD =\t#x\nHASH=#x\nSPACED = #\n"
    doc = parse(text, "env")
    assert [(s.path[0], s.value) for s in doc.scalars()] == [
        ("API_TOKEN", ""),
        ("MAIL_PASSWORD", ""),
        ("HASH", "#x"),
        ("SPACED", ""),
    ]
    assert dotenv_load(text) == {"API_TOKEN": "", "MAIL_PASSWORD": "", "HASH": "#x", "SPACED": ""}
    first = doc.scalars()[0]
    after = apply_edits(text, [doc.replace(first, "$secret{API_TOKEN}")])
    assert after.splitlines()[0] == "API_TOKEN='$secret{API_TOKEN}' # none yet"
    assert dotenv_load(after)["API_TOKEN"] == "$secret{API_TOKEN}"
    dotenv = pytest.importorskip("dotenv", reason="python-dotenv is not installed")
    for document in (text, after):
        read = dotenv.dotenv_values(stream=io.StringIO(document), interpolate=False)
        assert read == dotenv_load(document)
