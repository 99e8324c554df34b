"""vault.configs.readers: a config read as the resolver reads it at service start."""

from __future__ import annotations

from pathlib import Path

import pytest

from vault.configs.formats import parse
from vault.configs.readers import (
    MAX_YAML_EXPANSION,
    StoreEntry,
    read_config,
    read_text_as_runtime,
)
from vault.configs.store import Documents
from vault.errors import InputError, ParseError


def _laughs(levels: int) -> str:
    """A YAML "billion laughs": each level ten aliases of the one before."""
    lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    for n in range(1, levels + 1):
        lines.append(f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 10)}]")
    return "\n".join(lines) + "\n"


def test_yaml_aliases_are_bounded_without_expanding_them() -> None:
    assert read_text_as_runtime(Path("small.yaml"), "yaml", _laughs(2))["l2"][9][9][9] == "x"
    with pytest.raises(InputError) as raised:
        read_text_as_runtime(Path("conf/app.yaml"), "yaml", _laughs(6))
    assert not isinstance(raised.value, ParseError)
    assert str(raised.value) == (
        f"conf/app.yaml: YAML aliases expand to more than {MAX_YAML_EXPANSION} further "
        "nodes; refused"
    )


def test_several_yaml_documents_are_a_documents_list() -> None:
    data = read_text_as_runtime(Path("app.yaml"), "yaml", "a: 1\n---\nb: 2\n")
    assert isinstance(data, Documents)
    assert list(data) == [{"a": 1}, {"b": 2}]


def test_ini_is_read_raw_with_its_defaults_apart() -> None:
    text = "[DEFAULT]\nx = %(y)s\n[s]\nY = 2\n"
    assert read_text_as_runtime(Path("app.ini"), "ini", text) == {
        "s": {"x": "%(y)s", "Y": "2"},
        "DEFAULT": {"x": "%(y)s"},
    }


@pytest.mark.parametrize(
    ("format_name", "text"),
    [("toml", "a = \n"), ("json", '{"a": }'), ("yaml", "a: [\n"), ("ini", "x=1\n")],
)
def test_a_parse_error_is_the_format_adapters_own(format_name: str, text: str) -> None:
    """resolve and check say the same words, line and column for the same text."""
    path = Path(f"conf/app.{format_name}")
    with pytest.raises(ParseError) as runtime:
        read_text_as_runtime(path, format_name, text)
    with pytest.raises(ParseError) as adapter:
        parse(text, format_name, path)
    assert str(runtime.value) == str(adapter.value)
    assert (runtime.value.line, runtime.value.column) == (adapter.value.line, adapter.value.column)


def test_read_config_splits_the_inline_store_from_the_data(tmp_path: Path) -> None:
    config = tmp_path / "app.toml"
    config.write_text(
        'transformation = "RSA/ECB/PKCS1Padding"\n[db]\npassword = "$secret{db}"\n'
        '[secrets]\ndb = "[plaintext]x"\n[secrets.nested]\nkey = "v"\n'
    )
    read = read_config(config)
    assert read.data == {
        "transformation": "RSA/ECB/PKCS1Padding",
        "db": {"password": "$secret{db}"},
    }
    assert read.store == {
        "db": StoreEntry("[plaintext]x", str(config)),
        "nested.key": StoreEntry("v", str(config)),
    }
    assert read.shared is False


def test_a_store_entry_that_is_no_alias_names_its_line(tmp_path: Path) -> None:
    config = tmp_path / "app.properties"
    (tmp_path / "cipher-text.properties").write_text("good=1\nbad$name=2\n")
    config.write_text("password=$secret{good}\n")
    with pytest.raises(InputError) as raised:
        read_config(config)
    assert (raised.value.path, raised.value.line) == (str(tmp_path / "cipher-text.properties"), 2)
    assert raised.value.message == (
        "the secret store entry 'bad$name' is no alias (letters, digits, '_', '.', '-')"
    )
