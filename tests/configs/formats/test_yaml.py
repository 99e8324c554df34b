"""YAML adapter: spans from PyYAML's node marks, checked against yaml.safe_load."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, ClassVar

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.configs.formats.contract import NEW_VALUES, FormatContract, put, untouched_equal
from vault.configs.formats import ParseError, apply_edits, parse
from vault.configs.formats import yaml_ as yaml_adapter
from vault.errors import InputError

APPLICATION_YML = """\
# Spring Boot settings for the billing service
spring:
  application:
    name: billing-service          # shown in the admin UI
  datasource: &datasource
    url: jdbc:postgresql://db.internal:5432/billing?sslmode=require
    username: billing_app
    password: Pa55w0rd!            # TODO: protect
    hikari:
      maximum-pool-size: 10
      connection-timeout: 30000
  profiles:
    active: ${SPRING_PROFILES_ACTIVE:dev}

defaults: &defaults
  timeout: 30s
  retries: 3
  enabled: yes
  token: 'tok''en'

reporting:
  <<: *defaults
  retries: 5
  datasource: *datasource
  endpoints: {primary: "https://r1.example.com", backup: [r2, 'r3', "r4"]}

server:
  port: 8443
  ssl:
    key-store: classpath:keystore.p12
    key-store-password: "changeit"
    key-alias: tomcat
  banner: |
    Billing
      service

  motd: >-
    Welcome to
    billing.

"management.endpoints":
  web:
    exposure:
      include: [health, info, "prometheus"]
'quoted key': "tab\\tand \\"quotes\\" \\u00e9"
users:
  - name: alice
    api_key: 'AKIA#not-a-comment'
  - name: bob
    api_key: "k: v"
    roles: [admin, ops]
  - plain list item
  -
empty_value:
tilde: ~
8080: port-as-key
true: bool-as-key
dates: [2024-01-02, "2024-01-02"]
typed: !!str 123
number_string: !!int "42"
secrets:
  db_password: "[Pa55w0rd!]"
  api_token: eyJjIjoiYWJj+/=
# the end
"""

KUBERNETES = """\
---
apiVersion: v1
kind: Secret   # an opaque secret
metadata:
  name: db-credentials
  labels: {app: billing, tier: "backend"}
  annotations:
    note: "multi
      line double quoted"
    other: 'multi
      line single'
type: Opaque
stringData:
  username: admin
  password: correct horse battery staple
  private.key: |-
    -----BEGIN PRIVATE KEY-----
    MIIEvQIBADANBgkqhkiG9w0BAQEFAASC
    -----END PRIVATE KEY-----
  config.json: >
    {"a": 1,
     "b": 2}
  plain multi: this plain
    scalar spans lines
data:
  binary: !!binary |
    R0lGODlhDAAMAIQAAP8=
...
"""

SECRETS_IN_MIDDLE = """\
logging:
  level: INFO
secrets:
  # aliases kept here, encrypted by ciphertool
  db_password: "[s3cret]"
  ldap.bind-password: >-
    [folded
    secret]
  nested:
    deeper: value

  # a comment before the next section
server:
  password: $secret{db_password}
"""

FLOW_SECRETS = 'app: {name: demo, password: "hunter2"}\nsecrets: {a: "[x]", b: y,}\n'
NULL_SECRETS = "secrets: ~   # filled in by ciphertool\nkey: value\n"
EMPTY_SECRETS = "key: value\nsecrets:\nother: 1\n"
NO_TRAILING_NEWLINE = "a: 1\ncert: |\n  line one\n  line two"
CRLF = "db:\r\n  password: 'secret'\r\n  note: |\r\n    x\r\n    y\r\nsecrets: {}\r\n"
BOM = "\ufeffname: ünïcödé\npassword: pässwörd ✓\n"
NO_STORE = "a: 1\nb:\n  c: [1, 2]\n# trailing comment"


# -- the document strategy ---------------------------------------------------------

_WORDS = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)
_PLAIN = st.from_regex(r"[A-Za-z$_][A-Za-z0-9_$./=+@-]{0,10}", fullmatch=True)
_PLAIN_BLOCK = st.from_regex(r"[A-Za-z$_][A-Za-z0-9_$./=+@{}\[\],'\"-]{0,10}", fullmatch=True)
_TEXT = st.text(
    st.characters(
        codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp"), exclude_characters="\ufeff"
    ),
    max_size=12,
)
_LINE = st.from_regex(
    r"[A-Za-z0-9#:{}\[\],'\"-]([A-Za-z0-9#:{}\[\],'\" -]{0,12}[A-Za-z0-9])?", fullmatch=True
)
_COMMENT = st.from_regex(r"# [A-Za-z0-9 :#'\"-]{0,12}", fullmatch=True)
_NON_STRINGS = st.sampled_from(
    ["1", "-2", "3.5", "0x1F", "true", "no", "null", "~", "2024-05-01", ".inf", "1_000"]
)


class _Builder:
    """Draws one YAML document line by line; anchors are usable once they are complete."""

    def __init__(self, draw: Callable[[Any], Any]) -> None:
        self.draw = draw
        self.lines: list[str] = []
        self.scalar_anchors: list[str] = []
        self.mapping_anchors: list[str] = []
        self.count = 0

    def anchor(self) -> str:
        self.count += 1
        return f"a{self.count}"

    def comment(self) -> str:
        return "  " + self.draw(_COMMENT) if self.draw(st.booleans()) else ""

    def scalar(self, flow: bool) -> str:
        kind = self.draw(st.sampled_from(["plain", "single", "double", "other", "tagged"]))
        if kind == "plain":
            return str(self.draw(_PLAIN if flow else _PLAIN_BLOCK))
        if kind == "single":
            return "'" + str(self.draw(_TEXT)).replace("'", "''") + "'"
        if kind == "double":
            return json.dumps(self.draw(_TEXT), ensure_ascii=self.draw(st.booleans()))
        if kind == "tagged":
            return "!!str " + str(self.draw(st.sampled_from(["123", "true", "x", "'y'"])))
        return str(self.draw(_NON_STRINGS))

    def key(self) -> str:
        kind = self.draw(st.sampled_from(["word", "word", "word", "quoted", "int", "bool"]))
        if kind == "quoted":
            return json.dumps(self.draw(_WORDS) + " " + self.draw(_WORDS))
        if kind == "int":
            return str(self.draw(st.integers(0, 9)))
        if kind == "bool":
            return str(self.draw(st.sampled_from(["true", "off"])))
        return str(self.draw(_WORDS))

    def flow(self, depth: int) -> str:
        if depth > 1 or self.draw(st.integers(0, 2)) > 0:
            if self.scalar_anchors and self.draw(st.integers(0, 4)) == 0:
                return "*" + str(self.draw(st.sampled_from(self.scalar_anchors)))
            return self.scalar(flow=True)
        if self.draw(st.booleans()):
            items = self.draw(st.lists(st.just(0), max_size=3))
            return "[" + ", ".join(self.flow(depth + 1) for _ in items) + "]"
        keys = self.draw(st.lists(_WORDS, max_size=3, unique=True))
        return "{" + ", ".join(f"{key}: {self.flow(depth + 1)}" for key in keys) + "}"

    def block_scalar(self, indent: int) -> list[str]:
        header = self.draw(st.sampled_from(["|", "|-", "|+", ">", ">-", "|2"]))
        margin = " " * (indent + 2)
        body = [margin + line for line in self.draw(st.lists(_LINE, min_size=1, max_size=3))]
        if self.draw(st.booleans()):
            body.insert(1, "")
        return [header + self.comment(), *body]

    def value(self, prefix: str, indent: int, depth: int) -> None:
        """Appends lines for ``prefix`` (``key:`` or ``-``) followed by a value."""
        kinds = ["scalar", "scalar", "flow", "block", "empty", "anchored"]
        if depth < 3:
            kinds += ["mapping", "mapping", "sequence"]
        if self.scalar_anchors:
            kinds.append("alias")
        kind = self.draw(st.sampled_from(kinds))
        if kind == "scalar":
            self.lines.append(f"{prefix} {self.scalar(flow=False)}{self.comment()}")
        elif kind == "anchored":
            name = self.anchor()
            self.lines.append(f"{prefix} &{name} {self.scalar(flow=False)}{self.comment()}")
            self.scalar_anchors.append(name)
        elif kind == "alias":
            self.lines.append(f"{prefix} *{self.draw(st.sampled_from(self.scalar_anchors))}")
        elif kind == "flow":
            self.lines.append(f"{prefix} {self.flow(0)}{self.comment()}")
        elif kind == "block":
            header, *body = self.block_scalar(indent)
            self.lines.append(f"{prefix} {header}")
            self.lines.extend(body)
        elif kind == "empty":
            self.lines.append(prefix + self.comment())
        elif kind == "mapping":
            anchor = self.anchor() if self.draw(st.booleans()) else None
            self.lines.append(prefix + (f" &{anchor}" if anchor else "") + self.comment())
            self.mapping(indent + 2, depth + 1)
            if anchor:
                self.mapping_anchors.append(anchor)
        else:
            self.lines.append(prefix)
            for _ in range(self.draw(st.integers(1, 3))):
                self.value(" " * (indent + 2) + "-", indent + 2, depth + 1)

    def mapping(self, indent: int, depth: int, root: bool = False) -> None:
        margin = " " * indent
        if self.mapping_anchors and not root and self.draw(st.integers(0, 2)) == 0:
            self.lines.append(f"{margin}<<: *{self.draw(st.sampled_from(self.mapping_anchors))}")
        keys = self.draw(st.lists(st.just(0), min_size=1, max_size=4))
        for _ in keys:
            if self.draw(st.integers(0, 4)) == 0:
                self.lines.append(self.draw(st.sampled_from(["", margin + "# note", "#"])))
            self.value(f"{margin}{self.key()}:", indent, depth)
        if root:
            self.store()

    def store(self) -> None:
        kind = self.draw(st.sampled_from(["none", "none", "block", "flow", "null", "tilde"]))
        entries = self.draw(st.lists(_WORDS, max_size=3, unique=True))
        if kind == "block" and entries:
            self.lines.append("secrets:" + self.comment())
            self.lines.extend(f"  {alias}: {self.scalar(flow=False)}" for alias in entries)
        elif kind == "flow":
            inner = ", ".join(f"{alias}: {self.scalar(flow=True)}" for alias in entries)
            self.lines.append(f"secrets: {{{inner}}}")
        elif kind == "null":
            self.lines.append("secrets:")
        elif kind == "tilde":
            self.lines.append("secrets: ~" + self.comment())
        if kind != "none" and self.draw(st.booleans()):
            self.lines.append("tail: after the store")


@st.composite
def yaml_documents(draw: Callable[[Any], Any]) -> str:
    builder = _Builder(draw)
    if draw(st.booleans()):
        builder.lines.append(draw(st.sampled_from(["---", "--- # start", "# header"])))
    builder.mapping(0, 0, root=True)
    if draw(st.booleans()):
        builder.lines.append(draw(st.sampled_from(["...", "# bye", ""])))
    ending = draw(st.sampled_from(["\n", "\n", ""]))
    return "\n".join(builder.lines) + str(ending)


class TestYaml(FormatContract):
    format_name = "yaml"
    samples: ClassVar[list[str]] = [
        APPLICATION_YML,
        KUBERNETES,
        SECRETS_IN_MIDDLE,
        FLOW_SECRETS,
        NULL_SECRETS,
        EMPTY_SECRETS,
        NO_TRAILING_NEWLINE,
        CRLF,
        BOM,
        NO_STORE,
    ]

    def load(self, text: str) -> Any:
        return yaml.safe_load(text)

    def documents(self) -> st.SearchStrategy[str]:
        return yaml_documents()

    def check_replace(self, text: str, choose: list[bool], values: list[str]) -> None:
        """The contract's check, except that a value shared through ``*alias`` or ``<<``
        changes at every path that shares it (``yaml.safe_load`` gives those paths the
        very same node's value)."""
        doc = parse(text, self.format_name)
        data = self.load(text)
        shared = shared_paths(text)
        strings = [s for s in doc.scalars() if s.is_string]
        edits = []
        for n, scalar in enumerate(strings):
            if choose and choose[n % len(choose)]:
                value = values[n % len(values)] if values else NEW_VALUES[n % len(NEW_VALUES)]
                edits.append(doc.replace(scalar, value))
                for path in shared[scalar.path]:
                    put(data, path, value)
        after = apply_edits(text, edits)
        untouched_equal(text, after, edits)
        assert self.load(after) == data


class _Shared(str):
    """A str made once per node, so aliases and merges hand out the very same object."""


class _IdentityLoader(yaml.SafeLoader):
    pass


_IdentityLoader.add_constructor(
    "tag:yaml.org,2002:str",
    lambda loader, node: _Shared(loader.construct_scalar(node)),  # type: ignore[arg-type]
)


def shared_paths(text: str) -> dict[tuple[Any, ...], list[tuple[Any, ...]]]:
    """Every path of a string value -> every path holding the same node's value."""
    by_object: dict[int, list[tuple[Any, ...]]] = {}
    stack: list[tuple[Any, tuple[Any, ...]]] = [(yaml.load(text, Loader=_IdentityLoader), ())]
    while stack:
        data, path = stack.pop()
        if isinstance(data, dict):
            stack.extend((value, (*path, key)) for key, value in data.items())
        elif isinstance(data, list):
            stack.extend((value, (*path, n)) for n, value in enumerate(data))
        elif isinstance(data, _Shared):
            by_object.setdefault(id(data), []).append(path)
    return {path: paths for paths in by_object.values() for path in paths}


# -- focused tests -------------------------------------------------------------


def scalars_by_path(text: str) -> dict[tuple[Any, ...], Any]:
    return {s.path: s for s in parse(text, "yaml").scalars()}


def replaced(text: str, path: tuple[Any, ...], value: str) -> str:
    doc = parse(text, "yaml")
    (scalar,) = [s for s in doc.scalars() if s.path == path]
    return apply_edits(text, [doc.replace(scalar, value)])


def test_both_parsers_agree() -> None:
    """The C parser is only a speed-up: the pure-Python one finds the same scalars."""
    for text in TestYaml.samples:
        fast = list(parse(text, "yaml").scalars())
        c_loader = yaml_adapter._C_LOADER
        yaml_adapter._C_LOADER = None
        try:
            slow = list(parse(text, "yaml").scalars())
        finally:
            yaml_adapter._C_LOADER = c_loader
        assert fast == slow


def test_sample_paths_and_styles() -> None:
    found = scalars_by_path(APPLICATION_YML)
    password = found["spring", "datasource", "password"]
    assert (password.value, password.style, password.line) == ("Pa55w0rd!", "plain", 8)
    assert APPLICATION_YML[password.start : password.end] == "Pa55w0rd!"
    assert found["defaults", "token"].value == "tok'en"
    assert found["defaults", "enabled"].is_string is False
    assert found["defaults", "enabled"].value == "yes"
    assert found[8080,].value == "port-as-key"
    assert found[True,].value == "bool-as-key"
    assert found["typed",].is_string and found["typed",].value == "123"
    assert not found["number_string",].is_string
    assert found["empty_value",].is_string is False
    assert found["users", 0, "api_key"].value == "AKIA#not-a-comment"
    assert found["server", "banner"].style == "|"
    assert found["reporting", "endpoints", "backup", 1].style == "'"
    # Merged and aliased values are reported once, where they are defined.
    assert ("reporting", "timeout") not in found
    assert ("reporting", "datasource", "password") not in found
    assert ("reporting", "retries") in found


def test_multi_document() -> None:
    text = (
        '# first\nname: one\npassword: p1\n---\nname: two\nsecrets:\n  a: "[x]"\n'
        "--- !!map\nname: three\npassword: 'p3'\n...\n"
    )
    docs = list(yaml.safe_load_all(text))
    doc = parse(text, "yaml")
    for scalar in doc.scalars():
        data = docs[scalar.document]
        for part in scalar.path:
            data = data[part]
        assert data == scalar.value
    assert [(s.document, s.path) for s in doc.scalars()] == [
        (0, ("name",)),
        (0, ("password",)),
        (1, ("name",)),
        (1, ("secrets", "a")),
        (2, ("name",)),
        (2, ("password",)),
    ]
    # Several documents: the store is beside the file, a "secrets" key is the document's own.
    assert doc.own_schema == "a multi-document YAML file"
    assert doc.store_path is None and doc.store_entries() == []
    edits = [doc.replace(s, "$secret{p}") for s in doc.scalars() if s.path == ("password",)]
    after = list(yaml.safe_load_all(apply_edits(text, edits)))
    assert after[0]["password"] == after[2]["password"] == "$secret{p}"
    assert after[1] == docs[1]
    with pytest.raises(InputError, match="multi-document YAML file: its secrets are kept beside"):
        doc.add_entries([("b", "v")])


@pytest.mark.parametrize(
    ("text", "schema"),
    [
        ("a: 1\n---\nb: 2\n", "a multi-document YAML file"),
        ("---\n---\nb: 2\n", "a multi-document YAML file"),
        ("apiVersion: v1\nkind: ConfigMap\ndata: {a: b}\n", "a Kubernetes object"),
        ("services:\n  web: {image: nginx}\nsecrets:\n  s: {file: ./s}\n", "a Docker Compose file"),
        ("services:\n", "a Docker Compose file"),
        ("--- # one document\napp: {password: x}\n", None),
        ("services: [a, b]\n", None),
        ("kind: Pod\n", None),
    ],
)
def test_own_schema_keeps_the_store_beside(text: str, schema: str | None) -> None:
    doc = parse(text, "yaml")
    assert doc.own_schema == schema
    assert (doc.store_path is None) == (schema is not None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 'secrets:\n  k: "v"\n'),
        ("# only a comment", '# only a comment\nsecrets:\n  k: "v"\n'),
        ("a: 1", 'a: 1\nsecrets:\n  k: "v"\n'),
        ("a: 1\n", 'a: 1\nsecrets:\n  k: "v"\n'),
        ("a: 1\n...\n", 'a: 1\nsecrets:\n  k: "v"\n...\n'),
        ("secrets:\nb: 2\n", 'secrets:\n  k: "v"\nb: 2\n'),
        ("secrets: # here\nb: 2\n", 'secrets: # here\n  k: "v"\nb: 2\n'),
        ("secrets: ~  # here\n", 'secrets:  # here\n  k: "v"\n'),
        ("secrets: null", 'secrets:\n  k: "v"'),
        ("secrets: {}\n", 'secrets: {k: "v"}\n'),
        ("secrets: {a: b}\n", 'secrets: {a: b, k: "v"}\n'),
        ("secrets: {a: b, }  # c\n", 'secrets: {a: b, k: "v" }  # c\n'),
        ("x: &x 1\nsecrets: {a: *x}\n", 'x: &x 1\nsecrets: {a: *x, k: "v"}\n'),
        ("x: &x 1\nsecrets:\n  a:\n    *x\n", 'x: &x 1\nsecrets:\n  a:\n    *x\n  k: "v"\n'),
        (
            "b: &b {p: q}\nsecrets:\n  <<: *b  # shared\nn: 1\n",
            'b: &b {p: q}\nsecrets:\n  <<: *b  # shared\n  k: "v"\nn: 1\n',
        ),
        ("a: 1\r\nsecrets:\r\n  b: 2\r\n", 'a: 1\r\nsecrets:\r\n  b: 2\r\n  k: "v"\r\n'),
        ("{a: 1}\n", '{a: 1, secrets: {k: "v"}}\n'),
        ("  a: 1\n  b: 2\n", '  a: 1\n  b: 2\n  secrets:\n    k: "v"\n'),
        (
            "secrets:\n    x: |\n      y\n\n  # next\nz: 1\n",
            'secrets:\n    x: |\n      y\n    k: "v"\n\n  # next\nz: 1\n',
        ),
        ("a: |\n  tail", 'secrets:\n  k: "v"\na: |\n  tail'),
        ("secrets:\n  a: |\n    x", 'secrets:\n  k: "v"\n  a: |\n    x'),
    ],
)
def test_add_entries(text: str, expected: str) -> None:
    doc = parse(text, "yaml")
    after = apply_edits(text, doc.add_entries([("k", "v")]))
    assert after == expected
    data = yaml.safe_load(after)
    assert data["secrets"]["k"] == "v"


def test_add_entries_keys_that_would_change_type_are_quoted() -> None:
    text = "secrets:\n  a: b\n"
    entries = [("123", "x"), ("true", "y"), ("a.b-c", "z"), ("null", "$secret{q}")]
    after = apply_edits(text, parse(text, "yaml").add_entries(entries))
    assert yaml.safe_load(after)["secrets"] == {"a": "b", **dict(entries)}
    assert "  a.b-c: " in after


def test_add_entries_refuses_what_it_cannot_extend() -> None:
    for text in ["- a\n- b\n", "secrets: [a]\n", "just a string\n", "s: &s {a: 1}\nsecrets: *s\n"]:
        with pytest.raises(InputError):
            parse(text, "yaml").add_entries([("k", "v")])


def test_reference_stays_plain_in_block_context_and_is_quoted_in_flow() -> None:
    text = "block: value\nflow: {key: value}\nseq: [value]\n"
    doc = parse(text, "yaml")
    rendered = [doc.render(s, "$secret{db_password}") for s in doc.scalars()]
    assert rendered == ["$secret{db_password}", '"$secret{db_password}"', '"$secret{db_password}"']


@pytest.mark.parametrize(
    "value",
    ["yes", "null", "~", "123", "1.5", "0x1F", "*x", "&x", "!x", "%x", "@x", "`x", "- x", "? x",
     ": x", "#x", "|x", ">x", "'x", '"x', "a: b", "a #b", "a:", " x", "x ", "<<", "=", "...",
     "2024-01-02", "a\tb", "line\nbreak", "", "back\\slash", "ünï", "a\u2028b", "\x85", "\ufeffx"],
)  # fmt: skip
def test_plain_that_would_change_meaning_is_quoted(value: str) -> None:
    for text, path in [("key: plain\n", ("key",)), ("- plain\n", (0,)), ("{k: plain}", ("k",))]:
        after = replaced(text, path, value)
        data = yaml.safe_load(after)
        assert (data[path[0]]) == value


def test_quoting_styles_are_kept_when_they_can_hold_the_value() -> None:
    text = "a: 'single'\nb: \"double\"\nc: plain\n"
    assert replaced(text, ("a",), "it's") == "a: 'it''s'\nb: \"double\"\nc: plain\n"
    assert replaced(text, ("a",), "tab\there") == 'a: "tab\\there"\nb: "double"\nc: plain\n'
    assert replaced(text, ("b",), 'q"\\') == 'a: \'single\'\nb: "q\\"\\\\"\nc: plain\n'
    assert replaced(text, ("c",), "ab==") == "a: 'single'\nb: \"double\"\nc: ab==\n"


@pytest.mark.parametrize(
    "value", [*NEW_VALUES, "multi\nline\n", "one\n", "a\n\n", " lead", "x\r", "\n ", "a\n\nb"]
)
@pytest.mark.parametrize(
    "text",
    [
        "k: |\n  old\n  lines\n\nnext: 1\n",
        "k: |+  # keep\n  old\n\n\nnext: 1\n",
        "k: >-\n    folded\n    text\n# comment\nnext: 1\n",
        "k: |2\n    indented\n  x\nnext: 1\n",
        "- |\n  item\n- after\n",
        "k: |\n  at the end",
        "k: |\n\n  leading blank\n",
        "k: |\r\n  crlf\r\nnext: 1\r\n",
        "k: |-\n  a\n     \nnext: 1\n",
    ],
)
def test_block_scalars(text: str, value: str) -> None:
    doc = parse(text, "yaml")
    (scalar,) = [s for s in doc.scalars() if s.style in "|>"]
    after = apply_edits(text, [doc.replace(scalar, value)])
    expected = yaml.safe_load(text)
    put(expected, scalar.path, value)
    assert yaml.safe_load(after) == expected
    assert after[scalar.start + len(doc.render(scalar, value)) :] == text[scalar.end :]


def test_block_scalar_keeps_its_style_and_header_comment() -> None:
    text = "cert: |  # PEM\n  -----BEGIN-----\n  abc\n\nnext: 1\n"
    assert replaced(text, ("cert",), "$secret{cert}") == (
        "cert: |-  # PEM\n  $secret{cert}\n\nnext: 1\n"
    )
    assert replaced(text, ("cert",), "a\nb\n") == "cert: |  # PEM\n  a\n  b\n\nnext: 1\n"
    assert replaced(text, ("cert",), " x") == 'cert: " x"  # PEM\n\nnext: 1\n'
    folded = "k: >\n  one\n  two\nn: 1\n"
    assert replaced(folded, ("k",), "ab==") == "k: >-\n  ab==\nn: 1\n"
    assert replaced(folded, ("k",), "a\nb") == 'k: "a\\nb"\nn: 1\n'


def test_block_scalar_span_ends_at_its_last_content_line() -> None:
    text = "k: |\n  x\n   \n\n  \nnext: 1\n"
    (scalar, _) = parse(text, "yaml").scalars()
    assert text[scalar.start : scalar.end] == "|\n  x\n   "


def test_anchors_are_reported_once() -> None:
    text = "base: &pw s3cret\ncopy: *pw\nlist: [*pw, other]\n"
    doc = parse(text, "yaml")
    assert [s.path for s in doc.scalars()] == [("base",), ("list", 1)]
    (scalar, _) = doc.scalars()
    assert text[scalar.start : scalar.end] == "s3cret"
    after = apply_edits(text, [doc.replace(scalar, "$secret{pw}")])
    assert after == "base: &pw $secret{pw}\ncopy: *pw\nlist: [*pw, other]\n"
    assert yaml.safe_load(after)["copy"] == "$secret{pw}"


def test_shadowed_and_merged_values() -> None:
    text = "a: first\na: second\ninline:\n  <<: {x: from-merge, y: overridden}\n  y: own\n"
    doc = parse(text, "yaml")
    found = {s.path: s.value for s in doc.scalars()}
    assert found == {("a",): "second", ("inline", "x"): "from-merge", ("inline", "y"): "own"}
    (merged,) = [s for s in doc.scalars() if s.path == ("inline", "x")]
    assert doc.render(merged, "$secret{x}") == '"$secret{x}"'  # it sits in a flow mapping


def test_local_tags_are_read_as_the_untagged_node() -> None:
    """Ansible's ``!vault |``, CloudFormation's ``!Ref``/``!Sub``, Home Assistant's ``!secret``
    (after the group_vars in hacker65536/myit ansible/ansible-vault.md): read, not refused;
    their scalars are no strings of this file (never plaintext), and a reference's
    replacement beside them parses."""
    text = (
        "db_password: !vault |\n"
        "  $ANSIBLE_VAULT;1.1;AES256\n"
        "  3031643939\n"
        "MasterUserPassword: !Ref DBPassword\n"
        "wifi_password: !secret wifi_password\n"
        "args: !Sub [x, {y: z}]\n"
        "plain: s3cret\n"
    )
    document = parse(text, "yaml")
    by_path = {s.path: s for s in document.scalars()}
    assert by_path[("db_password",)].value.startswith("!vault |\n  $ANSIBLE_VAULT;")
    assert not by_path[("db_password",)].is_string
    assert by_path[("MasterUserPassword",)].value == "!Ref DBPassword"
    assert by_path[("wifi_password",)].value == "!secret wifi_password"
    assert ("args", 0) not in by_path  # a tagged sequence is the other tool's value
    edited = apply_edits(text, [document.replace(by_path[("plain",)], "$secret{plain}")])
    assert parse(edited, "yaml").scalars()[-1].value == "$secret{plain}"


def test_tags_and_empty_tagged_string() -> None:
    text = "a: !!str 123\nb: !!str\nc: !!binary aGVsbG8=\n"
    found = scalars_by_path(text)
    assert found["a",].is_string and found["a",].value == "123"
    assert found["b",].is_string and found["b",].start == found["b",].end
    assert not found["c",].is_string
    after = replaced(text, ("b",), "x")
    assert "b: !!str x\n" in after
    assert yaml.safe_load(after)["b"] == "x"


def test_value_of_non_strings_is_source_text() -> None:
    found = scalars_by_path("a: 0x1F\nb: 1_000\nc: Null\nd:\n")
    assert [found[k,].value for k in "abcd"] == ["0x1F", "1_000", "Null", ""]


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("a:\n  b: 1\n c: s3cret\n", 3, 2),  # bad indentation
        ("a: 1\npassword: 's3cret\nb: 2\n", 4, 1),  # unclosed quote
        ('a: "s3cret\n', 2, 1),
        ("a: b: s3cret\n", 1, 5),
        ("a: [s3cret\n", 2, 1),
        ("a: *nowhere\n", 1, 4),
        ("a: s3cret\x07\n", 1, 10),
    ],
)
def test_parse_errors(text: str, line: int, column: int) -> None:
    with pytest.raises(ParseError) as info:
        parse(text, "yaml", "app.yml")
    assert (info.value.line, info.value.column) == (line, column)
    assert info.value.path == "app.yml"
    assert "s3cret" not in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_parse_error_from_a_tag_names_no_value() -> None:
    with pytest.raises(ParseError) as info:
        parse("a: 1\nb: !!int s3cret\n", "yaml")
    assert "s3cret" not in str(info.value)
    assert (info.value.line, info.value.column) == (2, 4)


def test_render_refuses_a_foreign_scalar() -> None:
    doc = parse("a: b\n", "yaml")
    (scalar,) = parse("xx: b\n", "yaml").scalars()
    with pytest.raises(ValueError, match="does not belong"):
        doc.render(scalar, "x")


def test_deep_nesting_is_a_parse_error() -> None:
    with pytest.raises(ParseError) as info:
        parse("a: " + "[" * 5000 + "]" * 5000 + "\n", "yaml")
    assert info.value.line == 1


@pytest.mark.skipif(yaml_adapter._C_LOADER is None, reason="needs PyYAML built with libyaml")
def test_nesting_the_c_parser_takes_needs_no_recursion() -> None:
    text = "a: " + "[" * 900 + "x" + "]" * 900 + "\n"
    (scalar,) = parse(text, "yaml").scalars()
    assert scalar.path == ("a",) + (0,) * 900


def test_large_files() -> None:
    lines = [f"k{n}:\n  password: 'p{n}'\n  url: http://h/{n}\n" for n in range(8000)]
    text = "".join(lines)
    doc = parse(text, "yaml")
    strings = [s for s in doc.scalars() if s.is_string]
    assert len(strings) == 16000
    after = apply_edits(text, [doc.replace(s, f"$secret{{k{n}}}") for n, s in enumerate(strings)])
    assert yaml.load(after, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))["k7999"] == {
        "password": "$secret{k15998}",
        "url": "$secret{k15999}",
    }


_CONTEXTS = [
    "k: plain\nnext: 1\n",
    "k: 'single'\n",
    'k: "double"\n',
    "k: {a: plain, b: 'single'}\n",
    "k: [plain]\n",
    "- plain\n- other\n",
    "k: |\n  literal\nnext: 1\n",
    "k: >-\n  folded\n",
    "k: |\n  at end without newline",
    "k: !!str\n",
    "k: &a plain # c\nj: *a\n",
]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20), st.sampled_from(_CONTEXTS))
def test_render_reads_back_any_text(value: str, context: str) -> None:
    doc = parse(context, "yaml")
    strings = [s for s in doc.scalars() if s.is_string]
    edits = [doc.replace(s, value) for s in strings]
    after = apply_edits(context, edits)
    expected = shared_paths(context)
    data = yaml.safe_load(context)
    for scalar in strings:
        for path in expected[scalar.path]:
            put(data, path, value)
    assert yaml.safe_load(after) == data
