"""vault.wso2.svns: the one reading of ``svns:secretAlias`` that the XML adapter, the
resolver, ``check`` and ``list`` share."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import KEYSTORES, VECTOR_PASSWORD
from vault.configs.formats import parse
from vault.configs.formats.xml import XmlDocument
from vault.configs.readers import read_config
from vault.crypto.ring import KeyEntry, KeyRing
from vault.keystores import load_keystore
from vault.runtime.load import Vault
from vault.runtime.resolver import references_in
from vault.secret import Secret
from vault.wso2.svns import SVNS_NAMESPACE, is_marker, secret_mark

NS = f'xmlns:svns="{SVNS_NAMESPACE}"'
_store = load_keystore(KEYSTORES / "jdk17.jks", Secret(VECTOR_PASSWORD))
RING = KeyRing([KeyEntry(_store.certificate("wso2carbon"), _store.private_key("wso2carbon"))])


def xml(text: str) -> XmlDocument:
    document = parse(text, "xml")
    assert isinstance(document, XmlDocument)
    return document


def marks(text: str) -> dict[str, tuple[str, tuple[str, ...]] | None]:
    """element name -> (alias, names of its placeholders), or None when unmarked."""
    out: dict[str, tuple[str, tuple[str, ...]] | None] = {}
    for element in xml(text).root.iter():
        mark = secret_mark(element)
        out[element.name] = (
            None if mark is None else (mark.alias, tuple(a.name for a in mark.placeholders))
        )
    return out


def test_a_mark_names_its_alias_and_where_the_secret_goes() -> None:
    text = (
        f"<r {NS}><P svns:secretAlias='a'>password</P>"
        '<C k="password" other="password" plain="x" svns:secretAlias="b"/>'
        "<U k='password'>password</U></r>"
    )
    assert marks(text) == {
        "r": None,
        "P": ("a", ()),  # its text takes the secret
        "C": ("b", ("k", "other")),  # each placeholder attribute does
        "U": None,  # no mark: 'password' is a value like any other
    }


def test_the_marker_itself_is_never_a_placeholder() -> None:
    """An alias named 'password': the marker's value equals the placeholder word."""
    assert marks(f"<r {NS}><P svns:secretAlias='password'>password</P></r>")["P"] == (
        "password",
        (),
    )


@pytest.mark.parametrize(
    ("name", "marker"),
    [("svns:secretAlias", True), ("sv:secretAlias", True), ("secretAlias", False), ("k", False)],
)
def test_markers_under_any_prefix(name: str, marker: bool) -> None:
    assert is_marker(name) is marker


def test_the_adapter_reads_no_placeholder_as_a_value() -> None:
    """What the adapter leaves out of a marked element is what the resolver fills in."""
    text = (
        f"<r {NS}><P svns:secretAlias='a'>password</P>"
        '<C k="password" plain="x" svns:secretAlias="b"/><U k="password"/></r>'
    )
    paths = {".".join(map(str, s.path)): s.value for s in xml(text).scalars()}
    assert paths == {"r.C.@plain": "x", "r.U.@k": "password", "r.U": ""}


def test_the_resolver_puts_each_secret_where_its_mark_says(tmp_path: Path) -> None:
    (tmp_path / "cipher-text.properties").write_text(
        f"password={RING.encrypt('s3cret')}\nb={RING.encrypt('k&y')}\n"
    )
    config = tmp_path / "app.xml"
    config.write_text(
        f"<r {NS}><P svns:secretAlias='password'>password</P>"
        '<C k="password" plain="x" svns:secretAlias="b"/></r>'
    )
    assert Vault(RING).load(config) == (
        f"<r {NS}><P svns:secretAlias='password'>s3cret</P>"
        '<C k="k&amp;y" plain="x" svns:secretAlias="b"/></r>'
    )
    assert references_in(read_config(config).data) == ["password", "b"]
