"""vault.operations.files: new text is parsed before any file is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from vault.configs.formats import Edit
from vault.errors import InputError
from vault.operations.files import read_config, write
from vault.operations.workspace import Options, Workspace

OPTIONS = Options(None, "self-contained", "RSA/ECB/OAEPwithSHA1andMGF1Padding")


def test_an_edit_that_would_not_parse_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "app.toml"
    path.write_text('a = "x"\n')
    file = read_config(path)
    file.edits.append(Edit(4, 7, '"s3cr3t-canary'))
    with pytest.raises(InputError, match=r"would not parse .*nothing written") as caught:
        write(file)
    assert str(path) in str(caught.value) and "canary" not in str(caught.value)
    assert path.read_text() == 'a = "x"\n'
    assert file.document.text == 'a = "x"\n'  # the file as it still is, parsed again


def test_a_workspace_writes_all_its_files_or_none(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.toml"
    good.write_text("a: x\n")
    bad.write_text('a = "x"\n')
    space = Workspace.read([good, bad], OPTIONS)
    first, second = space.configs
    first.edits.append(Edit(3, 4, "y"))
    second.edits.append(Edit(4, 7, "[1,"))
    with pytest.raises(InputError, match=r"bad\.toml"):
        space.write()
    assert (good.read_text(), bad.read_text()) == ("a: x\n", 'a = "x"\n')


def test_a_written_file_reads_back_its_new_text(tmp_path: Path) -> None:
    path = tmp_path / "app.toml"
    path.write_text('a = "x"\n')
    file = read_config(path)
    file.edits.append(Edit(4, 7, '"yz"'))
    assert write(file)
    assert path.read_text() == file.text == file.document.text == 'a = "yz"\n'
    assert not write(file)  # no edits left


def test_a_file_the_resolver_could_not_read_before_is_still_written(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the resolver's reader refuses a file this tool's own reader takes, the edit
    breaks nothing that worked: it is written, and that is said."""
    from vault.operations import files

    def refuses(path: Path, format_name: str, text: str) -> None:
        raise InputError("does not parse (DuplicateOptionError)", path=path)

    monkeypatch.setattr(files, "read_text_as_runtime", refuses)
    path = tmp_path / "app.ini"
    path.write_text("[db]\npassword = x\n")
    file = read_config(path)
    start = file.text.index("x\n")
    file.edits.append(Edit(start, start + 1, "$secret{db_password}"))
    assert write(file)
    assert path.read_text() == "[db]\npassword = $secret{db_password}\n"
    assert "the resolver cannot read this file" in caplog.text


def test_a_file_changed_under_the_run_stops_it_before_any_write(tmp_path: Path) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text("a: x\n")
    second.write_text("b: x\n")
    space = Workspace.read([first, second], OPTIONS)
    for file in space.configs:
        file.edits.append(Edit(3, 4, "y"))
    second.write_text("b: someone else's edit\n")
    with pytest.raises(InputError, match=r"changed while this run was working on it"):
        space.write()
    assert first.read_text() == "a: x\n"
