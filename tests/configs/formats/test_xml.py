"""XML adapter: spans checked against ElementTree, safe parsing, the XPath subset; XML under
the format contract, its values read by SAX."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import xml.sax
import xml.sax.handler
from typing import Any, ClassVar
from xml.sax.handler import ContentHandler, LexicalHandler
from xml.sax.xmlreader import AttributesImpl

import pytest
from hypothesis import strategies as st

from tests.configs.formats.contract import NEW_VALUES, FormatContract, untouched_equal
from vault.configs.formats import ParseError, apply_edits, parse
from vault.configs.formats._base import Document, Scalar
from vault.configs.formats.xml import XmlDocument
from vault.errors import XPathError
from vault.wso2.xpath import compile_xpath

CARBON = """<?xml version="1.0" encoding="ISO-8859-1"?>
<!-- WSO2 Carbon -->
<Server xmlns="http://wso2.org/projects/carbon/carbon.xml">
    <Name>WSO2 &amp; Carbon</Name>
    <Security>
        <KeyStore>
            <Location>${carbon.home}/repository/resources/security/wso2carbon.jks</Location>
            <Password><![CDATA[s3<cr>et]]></Password>
            <Empty/>
            <Commented><!-- no -->x</Commented>
            <Tag a = 'x&amp;y' b="é &#10;ok"  />
        </KeyStore>
    </Security>
</Server>
"""
DATASOURCES = """<datasources-configuration xmlns:svns="http://org.wso2.securevault/configuration">
  <datasources>
    <datasource>
      <name>WSO2_CARBON_DB</name>
      <definition type="RDBMS"><configuration><password>one</password></configuration></definition>
    </datasource>
    <datasource>
      <name>OTHER_DB</name>
      <definition type="RDBMS"><configuration><password>two</password></configuration></definition>
    </datasource>
  </datasources>
</datasources-configuration>
"""
SAMPLES = [CARBON, DATASOURCES, "<r/>", "<r>\r\n<a\r\nb='1'>ü\r\n</a></r>"]


def _expected(text: str) -> list[str]:
    """Attribute values and leaf texts in document order, as ElementTree reads them."""
    if text.startswith("<?xml"):  # the adapter reads decoded text, whatever it declares
        text = text.split("?>", 1)[1]
    values: list[str] = []
    for element in ET.fromstring(text.encode()).iter():
        values.extend(element.attrib.values())
        if len(element) == 0:
            values.append(element.text or "")
    return values


@pytest.mark.parametrize("text", SAMPLES)
def test_scalars_are_what_elementtree_reads(text: str) -> None:
    doc = parse(text, "xml")
    assert isinstance(doc, XmlDocument)
    # ElementTree drops comments, so <Commented> reads as a leaf "x" there but is no scalar here.
    expected = [v for v in _expected(text) if v != "x"]
    assert [s.value for s in doc.scalars()] == expected
    for scalar in doc.scalars():
        assert text.count("\n", 0, scalar.start) + 1 == scalar.line


@pytest.mark.parametrize("text", SAMPLES)
def test_replacing_every_scalar_keeps_every_other_byte(text: str) -> None:
    doc = parse(text, "xml")
    for offset in range(len(NEW_VALUES)):
        values = [NEW_VALUES[(n + offset) % len(NEW_VALUES)] for n in range(len(doc.scalars()))]
        edits = [doc.replace(s, v) for s, v in zip(doc.scalars(), values, strict=True)]
        after = apply_edits(text, edits)
        untouched_equal(text, after, edits)
        assert [s.value for s in parse(after, "xml").scalars()] == values


def test_paths_and_styles() -> None:
    doc = parse(CARBON, "xml")
    paths = {".".join(map(str, s.path)): s.style for s in doc.scalars()}
    assert paths["Server.Security.KeyStore.Tag.@a"] == "'"
    assert paths["Server.Security.KeyStore.Empty"] == "empty"
    assert "Server.@xmlns" not in paths  # namespace declarations are markup


def test_elements_marked_by_wso2_hold_no_values() -> None:
    text = (
        '<r><Password svns:secretAlias="a">password</Password>'
        '<c k="password" svns:secretAlias="b"/></r>'
    )
    assert parse(text, "xml").scalars() == []


BOMBS = {
    "billion laughs": '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>',
    "external entity": '<?xml version="1.0"?>'
    '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><r>&xxe;</r>',
    "parameter entity": '<!DOCTYPE r [<!ENTITY % p SYSTEM "http://x.invalid/x.dtd"> %p;]><r/>',
    "unparsed entity": '<!DOCTYPE r [<!NOTATION n SYSTEM "x"><!ENTITY u SYSTEM "y" NDATA n>]><r/>',
}


@pytest.mark.parametrize("name", BOMBS)
def test_entities_are_refused(name: str) -> None:
    with pytest.raises(ParseError, match="refused") as info:
        parse(BOMBS[name], "xml", "bomb.xml")
    assert info.value.path == "bomb.xml"
    assert info.value.line == 1


def test_an_external_dtd_is_allowed_and_never_fetched() -> None:
    text = '<!DOCTYPE b PUBLIC "-//SPRING//DTD BEAN//EN" "http://example.invalid/b.dtd"><b/>'
    assert parse(text, "xml").scalars()[0].style == "empty"


def test_malformed_xml_names_line_and_column() -> None:
    with pytest.raises(ParseError) as info:
        parse("<r>\n  <a></b>\n</r>", "xml", "bad.xml")
    assert (info.value.line, info.value.column) == (2, 8)
    assert str(info.value).startswith("bad.xml: line 2, column 8: mismatched tag")


@pytest.mark.parametrize(
    ("xpath", "found"),
    [
        ("//datasources/datasource/name", ["WSO2_CARBON_DB", "OTHER_DB"]),
        (
            "//datasources-configuration/datasources/datasource[name='WSO2_CARBON_DB']"
            "/definition[@type='RDBMS']/configuration/password",
            ["one"],
        ),
        ("//datasource[2]//password", ["two"]),
        ("//password[text()='two']", ["two"]),
        ("/datasources-configuration/*/datasource[name]/name", ["WSO2_CARBON_DB", "OTHER_DB"]),
        ('//datasource[name="nope"]/name', []),
        ("/datasources/datasource", []),
    ],
)
def test_xpath_subset(xpath: str, found: list[str]) -> None:
    doc = parse(DATASOURCES, "xml")
    assert isinstance(doc, XmlDocument)
    assert [e.string_value() for e in compile_xpath(xpath).select(doc.root)] == found


def test_xpath_last_attribute_and_refusals() -> None:
    assert compile_xpath("//Server/Connector[@keystorePass]").last_attribute == "keystorePass"
    assert compile_xpath("//Server/Connector[@port='1']").last_attribute is None
    for bad in ("Server/Security", "//a[contains(., 'x')]", "//a/@b", "//"):
        with pytest.raises(XPathError):
            compile_xpath(bad)


# -- the format contract ----------------------------------------------------------------


class _Values(ContentHandler, LexicalHandler):
    """The values the adapter should find, read by SAX (no namespace processing: names
    as written): every attribute but namespace declarations and the secret-alias marker,
    and the text of each leaf element with no comment or processing instruction inside;
    an element WSO2 marked with svns:secretAlias holds no values (but its other
    attributes), nor does its attribute that reads 'password'."""

    def __init__(self) -> None:
        super().__init__()
        self.values: list[tuple[tuple[str, ...], str]] = []
        self.stack: list[tuple[str, list[str], bool]] = []  # (name, text, aliased)
        self.not_leaf: list[bool] = []

    def startElement(self, name: str, attrs: AttributesImpl) -> None:
        if self.not_leaf:
            self.not_leaf[-1] = True
        aliased = "svns:secretAlias" in attrs.getNames()
        path = (*[frame[0] for frame in self.stack], name)
        for attr in attrs.getNames():
            markup = attr == "xmlns" or attr.startswith("xmlns:") or attr.endswith(":secretAlias")
            if not markup and not (aliased and attrs[attr] == "password"):
                self.values.append(((*path, f"@{attr}"), attrs[attr]))
        self.stack.append((name, [], aliased))
        self.not_leaf.append(False)

    def endElement(self, name: str) -> None:
        _, text, aliased = self.stack[-1]
        if not self.not_leaf.pop() and not aliased:
            self.values.append((tuple(frame[0] for frame in self.stack), "".join(text)))
        self.stack.pop()

    def characters(self, content: str) -> None:
        if self.stack:
            self.stack[-1][1].append(content)

    def comment(self, content: str) -> None:
        if self.not_leaf:
            self.not_leaf[-1] = True

    def processingInstruction(self, target: str, data: str) -> None:
        if self.not_leaf:
            self.not_leaf[-1] = True


def sax_values(text: str) -> list[tuple[tuple[str, ...], str]]:
    if text.startswith("<?xml"):  # the adapter reads decoded text, whatever it declares
        text = text.split("?>", 1)[1]
    handler = _Values()
    parser = xml.sax.make_parser()
    parser.setContentHandler(handler)
    parser.setProperty(xml.sax.handler.property_lexical_handler, handler)
    parser.parse(io.BytesIO(text.encode("utf-8")))
    return handler.values


_NAME = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.-]{0,4}(:[A-Za-z][A-Za-z0-9]{0,3})?", fullmatch=True)
_CHARS = st.characters(
    codec="utf-8",
    exclude_categories=("Cs", "Cc"),
    exclude_characters="<&>\ufffe\uffff",
)
_REFERENCES = st.sampled_from(
    ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#10;", "&#13;", "&#x9;", "&#233;", "&#x1F600;"]
)
# No lone carriage return: XML reads it as a line end, the contract counts lines by "\n".
_SPACE = st.sampled_from([" ", "  ", "\n", "\r\n", "\t", "\n    "])


def _text(extra: str = "") -> st.SearchStrategy[str]:
    chars = _CHARS.filter(lambda c: c not in extra)
    return st.lists(st.one_of(st.text(chars, max_size=6), _REFERENCES, _SPACE), max_size=4).map(
        "".join
    )


@st.composite
def _attributes(draw: st.DrawFn) -> str:
    names = draw(st.lists(_NAME, max_size=3, unique=True))
    out = []
    for name in names:
        quote = draw(st.sampled_from(['"', "'"]))
        value = draw(_text(quote))
        around = draw(st.sampled_from(["", " "]))
        out.append(f"{draw(_SPACE)}{name}{around}={around}{quote}{value}{quote}")
    if draw(st.booleans()):  # WSO2's marker, and the value it leaves behind
        out.append(' svns:secretAlias="db.password" pw="password"')
    if draw(st.integers(0, 5)) == 0:
        out.append(' xmlns="urn:x" xmlns:p="urn:p"')
    return "".join(out)


@st.composite
def _element(draw: st.DrawFn, depth: int) -> str:
    name = draw(_NAME)
    attributes = draw(_attributes())
    if draw(st.integers(0, 4)) == 0:
        return f"<{name}{attributes}{draw(st.sampled_from(['', ' ']))}/>"
    pieces = draw(
        st.lists(
            st.one_of(
                _text(),
                _text("]").map(lambda t: f"<![CDATA[{t}]]>"),
                st.just("<!-- a comment -->"),
                st.just("<?pi data?>"),
                *([_element(depth + 1)] if depth < 3 else []),
            ),
            max_size=4,
        )
    )
    return f"<{name}{attributes}>{''.join(pieces)}</{name}>"


@st.composite
def _documents(draw: st.DrawFn) -> str:
    head = draw(st.sampled_from(["", '<?xml version="1.0" encoding="UTF-8"?>\n', "<!-- c -->\n"]))
    return head + draw(_element(0)) + draw(st.sampled_from(["", "\n", "\r\n<!-- end -->\n"]))


WSO2_MARKED = """<Server xmlns:svns="http://org.wso2.securevault/configuration">
  <Password svns:secretAlias="a">password</Password>
  <Connector port="9443" keystorePass="password" svns:secretAlias="b"/>
  <Plain>kept</Plain>
</Server>
"""


class TestXmlContract(FormatContract):
    """XML's paths are element names, so sibling elements share a path (two
    <datasource>s): the reference value is the one at the scalar's position in document
    order, its path checked too, rather than the one at its path."""

    format_name = "xml"
    samples: ClassVar[list[str]] = [*SAMPLES, WSO2_MARKED]

    def load(self, text: str) -> Any:
        return sax_values(text)

    def documents(self) -> st.SearchStrategy[str]:
        return _documents()

    def value_at(self, data: Any, scalar: Scalar, index: int) -> Any:
        path, value = data[index]
        assert path == scalar.path
        return value

    def set_value(self, data: Any, scalar: Scalar, index: int, value: str) -> None:
        data[index] = (scalar.path, value)

    def check_scalars(self, text: str) -> Document:
        doc = super().check_scalars(text)
        assert len(doc.scalars()) == len(self.load(text))  # none missed, none extra
        return doc
