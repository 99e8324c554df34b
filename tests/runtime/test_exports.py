"""vault.runtime.exports: what exec may export and resolve --output env prints.

The fuzz target: for any store entry name the store accepts, and any value, ``eval``
of the ``--output env`` text in ``sh`` gives back exactly the values and runs
nothing. Examples: 50 in the suite; ``VAULT_FUZZ_EXAMPLES=N`` for a long run.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import CIPHERTOOL, KEYSTORES, VECTOR_PASSWORD, clean_env
from vault import Vault
from vault.configs.store import ALIAS
from vault.crypto.ring import KeyEntry, KeyRing
from vault.errors import InputError
from vault.keystores import load_keystore
from vault.runtime.exports import (
    Export,
    check_exports,
    child_environment,
    env_lines,
    export_problems,
    exported_values,
    reserved,
    shell_word,
    variable_name,
)
from vault.secret import Secret

EXAMPLES = int(os.environ.get("VAULT_FUZZ_EXAMPLES", "50"))
fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_store = load_keystore(KEYSTORES / "jdk17.jks", Secret(VECTOR_PASSWORD))
RING = KeyRing([KeyEntry(_store.certificate("wso2carbon"), _store.private_key("wso2carbon"))])

ALIAS_CHARACTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"
SHELLISH = ["$(touch pwned)", "`touch pwned`", "'", '"', "\\", "\n", "$HOME", ";", "|", "&", "*"]
names = st.one_of(
    st.text(alphabet=ALIAS_CHARACTERS, min_size=1),
    st.text(min_size=1, max_size=12),  # mostly no alias: must be refused
    st.sampled_from(["path", "ld_preload", "bash-env", "Python.Path", "ifs", "1a", "a-b", "a_b"]),
)  # fmt: skip
values = st.lists(
    st.one_of(
        st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\0")),
        st.sampled_from(SHELLISH),
    ),
    max_size=4,
).map("".join)


def _eval_in_sh(lines: str, names: list[str], cwd: Path) -> list[str]:
    """Each variable as ``sh`` holds it after ``eval`` of ``lines``."""
    show = "".join(f'printf "%s\\0" "${name}"; ' for name in names)
    proc = subprocess.run(
        ["sh", "-c", f'eval "$1" && {show}', "sh", lines],
        capture_output=True,
        cwd=cwd,
        timeout=30,
        env={"PATH": os.environ["PATH"], "LC_ALL": "C.UTF-8"},
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.decode("utf-8").split("\0")[:-1]


@fuzz
@given(entries=st.dictionaries(names, values, min_size=1, max_size=4))
def test_eval_of_env_output_gives_back_exactly_the_values(
    tmp_path: Path, entries: dict[str, str]
) -> None:
    import tempfile

    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    config = folder / "app.json"
    store = {name: RING.encrypt(value, bind=name if ALIAS.fullmatch(name) else None)
             for name, value in entries.items()}  # fmt: skip
    config.write_text(json.dumps({"secrets": store}))
    try:
        exported = exported_values([config], Vault(RING))
        lines = env_lines(exported)
    except InputError as exc:
        bad = [n for n in entries if not ALIAS.fullmatch(n)]
        named = [variable_name(n) for n in entries if ALIAS.fullmatch(n)]
        assert (
            bad
            or any(reserved(n) or (not n[0].isalpha() and n[0] != "_") for n in named)
            or len(set(named)) < len(named)
        ), exc
        return
    assert all(ALIAS.fullmatch(name) for name in entries)
    wanted = {variable_name(name): value for name, value in entries.items()}
    assert exported == wanted
    assert _eval_in_sh(lines, sorted(wanted), folder) == [wanted[n] for n in sorted(wanted)]
    assert sorted(p.name for p in folder.iterdir()) == ["app.json"]  # nothing ran


@fuzz
@given(value=values)
def test_a_shell_word_is_one_word_whatever_the_value(tmp_path: Path, value: str) -> None:
    assert _eval_in_sh(f"X={shell_word(value)}", ["X"], tmp_path) == [value]
    assert list(tmp_path.iterdir()) == []


def test_the_command_lines_env_output_is_this_text(tmp_path: Path) -> None:
    """The same text through the real ``ciphertool resolve --output env``."""
    nasty = 'it\'s $(touch pwned) `id` "q" \\ \n; | done'
    config = tmp_path / "app.json"
    config.write_text(json.dumps({"secrets": {"db.pw": RING.encrypt(nasty, bind="db.pw")}}))
    shutil_keystore = tmp_path / "ks.jks"
    shutil_keystore.write_bytes((KEYSTORES / "jdk17.jks").read_bytes())
    env = clean_env(
        CIPHERTOOL_KEYSTORE=str(shutil_keystore),
        CIPHERTOOL_KEYSTORE_PASSWORD=VECTOR_PASSWORD,
        CIPHERTOOL_KEY_ALIAS="wso2carbon",
    )
    out = subprocess.run(
        [*CIPHERTOOL, "resolve", "app.json", "--output", "env"],
        capture_output=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.decode() == env_lines({"DB_PW": nasty})
    assert _eval_in_sh(out.stdout.decode(), ["DB_PW"], tmp_path) == [nasty]
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize(
    "name",
    ["PATH", "LD_PRELOAD", "LD_LIBRARY_PATH", "BASH_ENV", "ENV", "PYTHONPATH",
     "PYTHONSTARTUP", "JAVA_TOOL_OPTIONS", "IFS", "PS4", "DYLD_INSERT_LIBRARIES",
     "NODE_OPTIONS", "PERL5OPT", "GCONV_PATH", "CIPHERTOOL_KEYSTORE", "BASH_FUNC_X"],
)  # fmt: skip
def test_reserved_names(name: str) -> None:
    assert reserved(name)
    with pytest.raises(InputError, match="refused"):
        check_exports([Export(name, name.lower(), "s.yml", 3)])


@pytest.mark.parametrize(
    "name", ["DB_PASSWORD", "API_TOKEN", "SSL_KEYSTORE_PASSWORD", "GIT_TOKEN", "JAVA_KEY_PW"]
)
def test_ordinary_names_pass(name: str) -> None:
    assert not reserved(name)
    check_exports([Export(name, name.lower(), "s.yml", 3)])


def test_problems_name_file_line_and_alias() -> None:
    problems = export_problems(
        [
            Export("DB_PW", "db_pw", "s.yml", 2),
            Export("DB_PW", "db-pw", "s.yml", 3),
            Export("DB_PW", "db_pw", "s.yml", 2),  # one store read twice: no collision
            Export("MY_PW", "my_pw", "s.yml", 4),
            Export("1X", "1x", "s.yml", 5),
        ],
        frozenset({"MY_PW"}),
    )
    assert [(p.line, p.alias) for p in problems] == [(3, "db-pw"), (4, "my_pw"), (5, "1x")]
    assert "both give $DB_PW" in str(problems[0]) and str(problems[0]).startswith("s.yml:3: ")


def test_the_childs_environment_lacks_the_password_variables() -> None:
    parent = {"CIPHERTOOL_KEYSTORE_PASSWORD": "p", "MY_PW": "p", "HOME": "/root", "A": "1"}
    child = child_environment(
        parent, {"DB": "v"}, frozenset({"CIPHERTOOL_KEYSTORE_PASSWORD", "MY_PW"})
    )
    assert child == {"HOME": "/root", "A": "1", "DB": "v"}
    with pytest.raises(Exception, match="NUL"):
        child_environment(parent, {"DB": "a\0b"}, frozenset())
