"""XML adapter: spans checked against ElementTree, safe parsing, the XPath subset."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.configs.formats.contract import NEW_VALUES, untouched_equal
from vault.configs.formats import ParseError, apply_edits, parse
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
