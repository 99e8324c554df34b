"""README.md's examples are tests: every shell and Python block runs, in order, as written.

A small extractor rather than Sybil or pytest-markdown-docs, because what the README
needs is a *session*: its shell blocks run one after the other in one scratch folder,
and what an earlier block exports (``CIPHERTOOL_KEYSTORE``, a password) or makes (a
keystore, a rewritten config) is there for the next one, Python blocks included, as for
a reader following it in one terminal. pytest-markdown-docs runs Python only; Sybil
would need a custom shell parser and a custom skip marker anyway. Neither is a
dependency here, and 100 lines are easy to read.

The rules, for whoever adds a section:

* a fence tagged ``sh``, ``bash``, ``shell`` or ``console`` runs with ``bash -eu -o
  pipefail`` (a command that fails fails the test; a command expected to fail says so,
  ``ciphertool check ... || test $? = 1``); ``python`` / ``py`` runs with this
  interpreter; both in the scratch folder with what earlier blocks exported;
* any other tag (``text``, ``toml``, ...) is not a command and is not run; a fence with
  no tag is an error (say what it is);
* a block that cannot run as written (it needs a terminal, it is an excerpt) has the line
  ``<!-- readme: skip: why -->`` just before its opening fence.

The scratch folder starts with a copy of ``sample-configs/``, ``ciphertool`` (of the
interpreter running the tests) first on ``PATH``, ``HOME`` inside it, and no
``CIPHERTOOL_*`` variable set.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import clean_env

ROOT = Path(__file__).parent.parent
README = ROOT / "README.md"
SHELL = frozenset({"sh", "bash", "shell", "console"})
PYTHON = frozenset({"python", "py"})
SKIP = re.compile(r"<!--\s*readme:\s*skip:\s*(?P<why>.*?)\s*-->")
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>```+|~~~+)(?P<info>.*)$")


@dataclass
class Block:
    line: int
    """Line of the opening fence (1-based)."""
    language: str
    text: str
    skip: str | None
    """Why it is not run, as the README says; None: it runs."""

    @property
    def runs(self) -> bool:
        return self.skip is None and self.language in SHELL | PYTHON

    def __str__(self) -> str:
        return f"README.md:{self.line} ({self.language})"


def blocks(text: str) -> list[Block]:
    """Every fenced block of a Markdown text, with the skip marker before it, if any."""
    lines = text.splitlines()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if match is None:
            i += 1
            continue
        indent, fence = match["indent"], match["fence"]
        language = match["info"].strip().split(" ")[0].lower()
        before = lines[i - 1].strip() if i > 0 else ""
        marker = SKIP.fullmatch(before)
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith(fence):
            body.append(lines[j].removeprefix(indent))
            j += 1
        if j == len(lines):
            raise AssertionError(f"README.md:{i + 1}: a fence that is never closed")
        found.append(
            Block(i + 1, language, "\n".join(body) + "\n", marker["why"] if marker else None)
        )
        i = j + 1
    return found


def test_every_fence_says_what_it_is_and_every_skip_why() -> None:
    for block in blocks(README.read_text("utf-8")):
        assert block.language, f"{block}: a fence with no language: tag it (sh, python, text...)"
        if block.skip is not None:
            assert block.skip.strip(), f"{block}: a skip marker gives its reason"


_STATE = ".readme-session"  # what each block leaves for the next: exports and folder


def _shell(block: Block, scratch: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    state = scratch / _STATE
    script = (
        f'if [ -f "{state}/env" ]; then . "{state}/env"; cd "$(cat "{state}/cwd")"; fi\n'
        "set -eu -o pipefail\n"
        f"{block.text}"
        f'\nexport -p > "{state}/env"; pwd > "{state}/cwd"\n'
    )
    return subprocess.run(
        ["bash", "-c", script],
        cwd=scratch,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


def _session_env(scratch: Path, base: dict[str, str]) -> tuple[dict[str, str], Path]:
    """The environment and folder the shell blocks so far left."""
    state = scratch / _STATE
    if not (state / "env").exists():
        return base, scratch
    dump = subprocess.run(
        ["bash", "-c", f'. "{state}/env"; env -0'],
        env=base,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode()
    env = dict(item.split("=", 1) for item in dump.split("\0") if "=" in item)
    return env, Path((state / "cwd").read_text().strip())


def _python(block: Block, scratch: Path, base: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env, cwd = _session_env(scratch, base)
    return subprocess.run(
        [sys.executable, "-c", block.text],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


def scratch_folder(root: Path) -> tuple[Path, dict[str, str]]:
    """A folder as a reader's: the sample configs, ``ciphertool`` on PATH, nothing else."""
    scratch = root / "readme"
    shutil.copytree(ROOT / "sample-configs", scratch)
    (scratch / _STATE).mkdir()
    (scratch / "home").mkdir()
    bin_folder = Path(sys.executable).parent
    assert (bin_folder / "ciphertool").exists(), "ciphertool is not installed beside python"
    env = clean_env(
        PATH=f"{bin_folder}{os.pathsep}{os.environ.get('PATH', '')}",
        HOME=str(scratch / "home"),
        LC_ALL="C.UTF-8",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return scratch, env


def run_readme(text: str, root: Path) -> list[Block]:
    """Run every block of ``text`` in order; the blocks run. AssertionError names the
    first that fails, with its output."""
    scratch, env = scratch_folder(root)
    ran: list[Block] = []
    for block in blocks(text):
        if not block.runs:
            continue
        run = _shell if block.language in SHELL else _python
        result = run(block, scratch, env)
        if result.returncode != 0:
            raise AssertionError(
                f"{block} failed (exit {result.returncode}):\n{block.text}\n"
                f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
            )
        ran.append(block)
    return ran


def test_the_readme_runs_top_to_bottom(tmp_path: Path) -> None:
    text = README.read_text("utf-8")
    every = blocks(text)
    ran = run_readme(text, tmp_path)
    commands = [b for b in every if b.language in SHELL | PYTHON]
    skipped = [b for b in commands if b.skip is not None]
    assert len(ran) + len(skipped) == len(commands)
    assert len(ran) >= 10, [str(b) for b in ran]  # the README's examples, not a stray one
    print(f"README: {len(ran)} blocks run, {len(skipped)} marked skip: "
          + "; ".join(f"{b}: {b.skip}" for b in skipped))  # fmt: skip


def test_a_broken_command_in_the_readme_fails(tmp_path: Path) -> None:
    """The test notices: the same README with one option of one command misspelt fails
    at that block; with one Python call renamed, at that one."""
    text = README.read_text("utf-8")
    command = "ciphertool keystore export-cert vault.p12 --alias app -o app.pem"
    assert command in text
    broken = text.replace(command, command.replace("--alias", "--alais"), 1)
    with pytest.raises(
        AssertionError,
        match=r"(?s)^README.md:\d+ \(sh\) failed \(exit 2\).*No such option '--alais'",
    ):
        run_readme(broken, tmp_path / "a")
    call = 'vault.load_config("deployment.toml")'
    assert call in text
    broken = text.replace(call, 'vault.load_configs("deployment.toml")', 1)
    with pytest.raises(
        AssertionError,
        match=r"(?s)^README.md:\d+ \(python\) failed.*has no attribute 'load_configs'",
    ):
        run_readme(broken, tmp_path / "b")


def test_the_readme_names_only_files_the_repository_has() -> None:
    text = README.read_text("utf-8")
    for name in set(re.findall(r"[\w./-]+\.md\b", text)):
        assert (ROOT / name).is_file(), f"README names {name}, which is not in the repository"
    for name in set(re.findall(r"`((?:scripts|sample-configs|tests|examples)/[\w./-]+)`", text)):
        assert (ROOT / name).exists(), f"README names {name}, which is not in the repository"
