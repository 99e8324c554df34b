"""The corpus (tests/corpus/): 66 configs written after public projects' layouts, labelled.

For each file: protect takes every labelled secret and nothing else; check is clean after;
a second protect changes nothing; the file still parses with its format's reference
parser (tomllib, PyYAML, json, configparser, python-dotenv, ElementTree); resolving gives
the data that parser read from the original (numbers taken under password keys come back
as strings). ``test_recall_and_precision`` prints the score against the labels
(``pytest -s tests/configs/test_corpus.py -k recall``).
"""

from __future__ import annotations

import configparser
import io
import json
import shutil
import tomllib
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from vault.configs.readers import read_config
from vault.configs.sensitive import SensitiveKeys
from vault.configs.store import Documents, detect_format, own_schema, yaml_untagged
from vault.crypto.ring import KeyRing
from vault.keys.ring import open_key_ring
from vault.keys.spec import KeystoreSpec
from vault.keystores.create import create_keystore
from vault.operations.inspect import check
from vault.operations.protect import protect
from vault.runtime.load import Vault
from vault.secret import Secret

CORPUS = Path(__file__).parent / "corpus"
LABELS: dict[str, dict[str, Any]] = tomllib.loads((CORPUS / "labels.toml").read_text())
FILES = sorted(LABELS)


def test_the_corpus_is_labelled_whole() -> None:
    on_disk = sorted(
        str(p.relative_to(CORPUS))
        for p in CORPUS.rglob("*")
        if p.is_file() and p != CORPUS / "labels.toml"
    )
    assert on_disk == FILES
    assert len(FILES) >= 60
    assert {detect_format(name) for name in FILES} == {
        "toml",
        "yaml",
        "json",
        "ini",
        "properties",
        "env",
        "xml",
    }


@pytest.fixture(scope="module")
def ring(tmp_path_factory: pytest.TempPathFactory) -> KeyRing:
    path = tmp_path_factory.mktemp("ks") / "corpus.p12"
    create_keystore(path, "corpus", Secret("corpus-pass"))
    return open_key_ring(
        KeystoreSpec(str(path)), environ={"CIPHERTOOL_KEYSTORE_PASSWORD": "corpus-pass"}
    )


class _Loader(yaml.SafeLoader):
    """safe_load_all, with local tags (``!vault``, ``!Ref``) read untagged."""


_Loader.add_multi_constructor("!", yaml_untagged)


def reference(path: Path, text: str) -> Any:
    """``text`` as its format's reference parser reads it."""
    format_name = detect_format(path)
    if format_name == "toml":
        return tomllib.loads(text)
    if format_name == "yaml":
        documents = list(yaml.load_all(text, Loader=_Loader))
        return documents[0] if len(documents) == 1 else documents
    if format_name == "json":
        return json.loads(text)
    if format_name == "ini":
        parser = configparser.ConfigParser(interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        parser.read_string(text)
        return {name: dict(parser.items(name, raw=True)) for name in parser.sections()}
    if format_name == "env":
        from dotenv import dotenv_values

        return dict(dotenv_values(stream=io.StringIO(text), interpolate=False))
    if format_name == "xml":
        return ET.canonicalize(text)
    return read_config(path).data  # .properties: no reference parser; the tool's reader


def _same(before: Any, after: Any) -> bool:
    """Equal, a number taken under a password key coming back as its text."""
    if isinstance(before, dict) and isinstance(after, dict):
        return before.keys() == after.keys() and all(_same(before[k], after[k]) for k in before)
    if isinstance(before, list) and isinstance(after, list):
        return len(before) == len(after) and all(map(_same, before, after))
    if isinstance(before, int | float) and not isinstance(before, bool) and isinstance(after, str):
        return str(before) == after
    return bool(before == after)


@pytest.mark.parametrize("name", FILES)
def test_protect_check_resolve_protect(name: str, tmp_path: Path, ring: KeyRing) -> None:
    config = tmp_path / Path(name).name
    shutil.copy(CORPUS / name, config)
    original = config.read_text()
    before = reference(config, original)
    sensitive = SensitiveKeys()

    done = protect([config], ring, sensitive)
    assert Counter(d.key for d in done) == Counter(LABELS[name]["secrets"])
    assert check([config], ring, sensitive) == []

    texts = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert protect([config], ring, sensitive) == []
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == texts

    protected = reference(config, config.read_text())  # still what its own tool reads
    if own_schema(Documents(before) if isinstance(before, list) else before) is not None:
        # Compose, Kubernetes, multi-document: no new key (the store is beside the file)
        tops = [d.keys() for d in (protected if isinstance(protected, list) else [protected])]
        assert tops == [d.keys() for d in (before if isinstance(before, list) else [before])]
    resolved = Vault(ring).load(config)
    after = reference(config, resolved) if isinstance(resolved, str) else resolved
    if detect_format(config) == "ini":
        after = {k: v for k, v in after.items() if k != "DEFAULT"}
    assert _same(before, after), name


def test_recall_and_precision(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """protect --dry-run over the corpus, scored against the labels; misses listed."""
    found, missed, false = 0, [], []
    labelled = 0
    for index, name in enumerate(FILES):
        (tmp_path / str(index)).mkdir()
        config = tmp_path / str(index) / Path(name).name
        shutil.copy(CORPUS / name, config)
        taken = Counter(d.key for d in protect([config], None, SensitiveKeys(), dry_run=True))
        secrets = Counter(LABELS[name]["secrets"]) + Counter(
            m["key"] for m in LABELS[name].get("missed", [])
        )
        labelled += sum(secrets.values())
        found += sum((taken & secrets).values())
        missed += [f"{name}: {k}" for k in (secrets - taken).elements()]
        false += [f"{name}: {k}" for k in (taken - secrets).elements()]
    recall = found / labelled
    precision = found / (found + len(false))
    with capsys.disabled():
        print(
            f"\ndetect: {len(FILES)} files, {labelled} labelled secrets, {found} taken, "
            f"{len(false)} false takes: recall {recall:.3f}, precision {precision:.3f}"
        )
        for line in missed:
            print(f"  missed: {line}")
        for line in false:
            print(f"  false take: {line}")
    known = [f"{n}: {m['key']}" for n in FILES for m in LABELS[n].get("missed", [])]
    assert sorted(missed) == sorted(known) and false == []
