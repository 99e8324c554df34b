"""INI adapter: spans found by the scanner, checked against configparser."""

from __future__ import annotations

import configparser
from typing import Any, ClassVar, Literal

import pytest
from hypothesis import strategies as st

from tests.configs.formats.contract import NEW_VALUES, FormatContract
from vault.configs.formats import ParseError, apply_edits, parse
from vault.errors import EXIT_BAD_INPUT, InputError, UnwritableValueError

APP = r"""; app.ini: deployment settings
[DEFAULT]
log_dir = /var/log/app
timeout=30

[database]
# primary database
host     =    db.internal
port: 5432
user : app
password=s3cr3t#not-a-comment ; still the value
Password Hint =
dsn = postgresql://app@db.internal:5432/app?sslmode=require

[mail]
smtp.password = ünïcödé ✓
motd = Welcome to the
    staging server;

    ; a comment inside the value is skipped
    please behave<blanks>
signature =
    --<blanks>
    C:\team\sig

[server] ; trailing text after the bracket is ignored
url = https://example.test/a=b:c
  [not a section] because it is indented
empty:

[DEFAULT]
# a second DEFAULT block is allowed
retries = 3
""".replace("<blanks>", " \t ")

PHP = """\
[PHP]
;;;;;;;;;;;;;;;;;;;
; About php.ini   ;
;;;;;;;;;;;;;;;;;;;
engine = On
short_open_tag = Off
precision = 14
error_reporting = E_ALL & ~E_DEPRECATED & ~E_STRICT
disable_functions =
include_path = ".:/php/includes"

[mysqli]
mysqli.default_pw =
mysqli.default_user = "root"

[Session]
session.save_path = "N;/path"
"""

CRLF = "[db]\r\npassword = p\r\nnext =\r\n  line two\r\n\r\n[other]\r\nx=1"

SURROGATES: tuple[Literal["Cs"]] = ("Cs",)
line_text = st.text(
    st.characters(codec="utf-8", exclude_categories=SURROGATES, exclude_characters="\r\n"),
    max_size=12,
)
key_names = st.from_regex(r"[A-Za-z][A-Za-z0-9_. -]{0,6}[A-Za-z0-9]", fullmatch=True)
section_names = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9 ._:-]{0,7}", fullmatch=True)
separators = st.sampled_from(["=", " = ", ":", ": ", " :", "\t=\t", "   =  "])
noise = st.sampled_from(["", "# comment", "; comment", "  # indented comment", "   ", "  ;[x]"])


@st.composite
def option_lines(draw: st.DrawFn, key: str) -> list[str]:
    indent = draw(st.sampled_from(["", "", " "]))
    lines = [f"{indent}{key}{draw(separators)}{draw(line_text)}".rstrip("\n")]
    for _ in range(draw(st.integers(0, 3) if draw(st.booleans()) else st.just(0))):
        kind = draw(st.sampled_from(["more", "more", "blank", "comment"]))
        if kind == "more":
            lines.append(indent + draw(st.sampled_from(["  ", "\t", "     "])) + draw(line_text))
        elif kind == "blank":
            lines.append(draw(st.sampled_from(["", "  "])))
        else:
            lines.append(indent + "  ; inside")
    return lines


@st.composite
def documents(draw: st.DrawFn) -> str:
    lines = draw(st.lists(st.sampled_from(["", "# header comment", "; x"]), max_size=2))
    names = draw(st.lists(section_names, min_size=1, max_size=4, unique=True))
    if draw(st.booleans()):
        names.insert(draw(st.integers(0, len(names))), "DEFAULT")
    default_keys: set[str] = set()
    for name in names:
        lines.append(f"[{name}]" + draw(st.sampled_from(["", " ; about", "  "])))
        keys = draw(st.lists(key_names, max_size=4, unique_by=str.lower))
        if name == "DEFAULT":
            keys = [k for k in keys if k.lower() not in default_keys]
            default_keys.update(k.lower() for k in keys)
        for key in keys:
            lines.extend(draw(option_lines(key)))
            if draw(st.booleans()):
                lines.append(draw(noise))
    newline = draw(st.sampled_from(["\n", "\n", "\r\n"]))
    return newline.join(lines) + draw(st.sampled_from([newline, ""]))


def holds(value: str) -> bool:
    """Whether an INI value can hold ``value`` (no quoting: no line breaks, no outer blanks)."""
    return "\n" not in value and "\r" not in value and value == value.strip()


class TestIni(FormatContract):
    format_name = "ini"
    samples: ClassVar[list[str]] = [APP, PHP, CRLF, "", "# only a comment\n", "[empty]\n"]

    def load(self, text: str) -> Any:
        """configparser as applications use it, but keys as written and no DEFAULT
        inheritance: DEFAULT is read as an ordinary section (strict=False lets its
        blocks merge, as they do under the real DEFAULT; parse() has already refused
        real duplicates)."""
        parser = configparser.ConfigParser(interpolation=None, default_section="\x00", strict=False)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        parser.read_string(text)
        return {name: dict(parser.items(name)) for name in parser.sections()}

    def documents(self) -> st.SearchStrategy[str]:
        return documents()

    def check_replace(self, text: str, choose: list[bool], values: list[str]) -> None:
        """Only values INI can hold (today every one of NEW_VALUES qualifies; the filter
        keeps the contract honest if values with line breaks or outer blanks are added)."""
        super().check_replace(text, choose, [v for v in values or NEW_VALUES if holds(v)])


def _values(text: str) -> dict[tuple[str | int, ...], Any]:
    return {s.path: s for s in parse(text, "ini").scalars()}


def test_values_spacing_and_continuations() -> None:
    found = _values(APP)
    assert found[("database", "host")].value == "db.internal"
    assert found[("database", "port")].value == "5432"
    assert found[("database", "user")].value == "app"
    assert found[("database", "password")].value == "s3cr3t#not-a-comment ; still the value"
    assert found[("database", "Password Hint")].value == ""
    assert found[("mail", "motd")].value == ("Welcome to the\nstaging server;\n\nplease behave")
    assert found[("mail", "signature")].value == "\n--\nC:\\team\\sig"
    assert found[("server", "url")].value == (
        "https://example.test/a=b:c\n[not a section] because it is indented"
    )
    assert found[("DEFAULT", "retries")].value == "3"
    assert found[("DEFAULT", "timeout")].value == "30"
    host = found[("database", "host")]
    assert (APP[host.start : host.end], host.line, host.column) == ("db.internal", 8, 15)
    assert all(s.is_string and s.style == "plain" for s in found.values())


def test_empty_values_are_empty_spans_after_the_separator() -> None:
    doc = parse(PHP, "ini")
    found = {s.path: s for s in doc.scalars()}
    empty = found[("mysqli", "mysqli.default_pw")]
    assert empty.start == empty.end
    assert found[("mysqli", "mysqli.default_user")].value == '"root"'
    after = apply_edits(PHP, [doc.replace(empty, "$secret{mysqli_pw}")])
    assert "mysqli.default_pw =$secret{mysqli_pw}\n" in after


def test_replacing_a_continued_value_replaces_all_its_lines() -> None:
    doc = parse(APP, "ini")
    motd = next(s for s in doc.scalars() if s.path == ("mail", "motd"))
    after = apply_edits(APP, [doc.replace(motd, "$secret{motd}")])
    assert "motd = $secret{motd} \t \nsignature =\n" in after
    assert "a comment inside the value" not in after


def test_render_refuses_what_ini_cannot_hold() -> None:
    doc = parse(CRLF, "ini")
    scalar = doc.scalars()[0]
    assert doc.render(scalar, "a = b ; # c") == "a = b ; # c"
    assert doc.render(scalar, "") == ""
    for value in ["two\nlines", "cr\rhere", " lead", "trail\t"]:
        with pytest.raises(ValueError, match="INI value cannot"):
            doc.render(scalar, value)
    assert [v for v in NEW_VALUES if not holds(v)] == []


def test_crlf_spans_stop_before_the_carriage_return() -> None:
    found = _values(CRLF)
    assert CRLF[found[("db", "password")].start : found[("db", "password")].end] == "p"
    assert found[("db", "next")].value == "\nline two"
    assert found[("other", "x")].value == "1"


def test_no_store_inside_ini_files() -> None:
    doc = parse(APP, "ini")
    assert doc.store_path is None
    assert doc.store_entries() == []
    with pytest.raises(NotImplementedError):
        doc.add_entries([("a", "b")])


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("key = v\n[s]\n", 1, 1, "a key comes before the first [section] header"),
        ("[a]\nx = 1\n[b]\n[a]\n", 4, 1, "section [a] appears twice"),
        ("[a]\nKey = 1\n  \nkey = 2\n", 4, 1, "key 'key' appears twice in section [a]"),
        ("[a]\n  x = 1\n  X = 2\n", 3, 3, "key 'x' appears twice in section [a]"),
        ("[a]\nx = 1\nno separator here\n", 3, 1, "expected a [section] header"),
        ("[a]\n   = value\n", 2, 4, "expected a [section] header"),
    ],
)
def test_parse_errors_name_line_and_column(text: str, line: int, column: int, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse(text, "ini", "app.ini")
    assert (caught.value.line, caught.value.column) == (line, column)
    assert str(caught.value).startswith(f"app.ini: line {line}, column {column}: {message}")


def test_parse_errors_never_show_the_line() -> None:
    with pytest.raises(ParseError) as caught:
        parse("password hunter2\n[s]\n", "ini")
    assert "hunter2" not in str(caught.value)
    with pytest.raises(ParseError) as caught:
        parse("[s]\nx = 1\nhunter2\n", "ini")
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("two\nlines", "an INI value cannot hold a line break"),
        ("cr\rhere", "an INI value cannot hold a line break"),
        (" lead", "an INI value cannot start or end with whitespace"),
        ("trail\t", "an INI value cannot start or end with whitespace"),
    ],
)
def test_a_value_ini_cannot_hold_is_an_input_error_naming_file_and_line(
    value: str, message: str
) -> None:
    """Not a bare ValueError (which the command line calls an internal error): an
    InputError (exit 2) naming file and line, and never the value."""
    doc = parse(CRLF, "ini", "conf/app.ini")
    scalar = doc.scalars()[1]  # next = (line 3)
    with pytest.raises(UnwritableValueError) as raised:
        doc.replace(scalar, value)
    error = raised.value
    assert isinstance(error, InputError)
    assert isinstance(error, ValueError)  # what it was before it had a class
    assert error.exit_code == EXIT_BAD_INPUT
    assert (error.path, error.line, error.message) == ("conf/app.ini", 3, message)
    assert str(error) == f"conf/app.ini:3: {message}"
