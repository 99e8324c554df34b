"""Shared fixtures: real keystores on disk, real ciphertool subprocesses."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest_plugins = ["tests.hsm"]  # the SoftHSM2 token fixtures

VECTORS = Path(__file__).parent / "vectors"
KEYSTORES = VECTORS / "keystores"
VECTOR_PASSWORD = "storepass"

JAVA_MISSING = next(
    (f"{tool} is not on PATH" for tool in ("java", "javac", "keytool") if not shutil.which(tool)),
    None,
)
needs_java = pytest.mark.skipif(JAVA_MISSING is not None, reason=JAVA_MISSING or "")


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def _ciphertool() -> list[str]:
    script = Path(sys.executable).parent / "ciphertool"
    return [str(script)] if script.exists() else [sys.executable, "-m", "vault"]


CIPHERTOOL = _ciphertool()


def _checkout_closed() -> str | None:
    """Why another user cannot run this checkout's ciphertool, or None: a folder above the
    checkout (a ``mktemp -d`` clone, 0700) that others may not enter."""
    root = Path(__file__).resolve().parent.parent
    for folder in (root, *root.parents):
        if not folder.stat().st_mode & 0o001:
            return f"the checkout's folder {folder} is closed to other users, who run ciphertool"
    return None


CHECKOUT_CLOSED = _checkout_closed()
Run = Callable[..., Result]


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any CIPHERTOOL_* or systemd credential setting."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("CIPHERTOOL_") and k != "CREDENTIALS_DIRECTORY"
    }
    env.update(extra)
    return env


@pytest.fixture
def run(tmp_path: Path) -> Run:
    """Run ``ciphertool ARGS`` as a subprocess; stdin is a pipe (never a terminal)."""

    def _run(
        *args: str,
        input: str | bytes = b"",
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> Result:
        data = input.encode("utf-8") if isinstance(input, str) else input
        proc = subprocess.run(
            [*CIPHERTOOL, *args],
            input=data,
            capture_output=True,
            env=env if env is not None else clean_env(),
            cwd=cwd or tmp_path,
            timeout=120,
        )
        return Result(
            proc.returncode,
            proc.stdout.decode("utf-8", "replace"),
            proc.stderr.decode("utf-8", "replace"),
        )

    return _run


@pytest.fixture
def vectors(tmp_path: Path) -> Iterator[Path]:
    """A private copy of the keytool vectors (tests may write beside them)."""
    target = tmp_path / "vectors"
    shutil.copytree(KEYSTORES, target)
    yield target


def assert_clean_error(result: Result, code: int, *needles: str) -> None:
    """One line on stderr, the exit code expected, no traceback."""
    assert result.returncode == code, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    assert len(result.error_lines) == 1, result.stderr
    for needle in needles:
        assert needle in result.stderr, (needle, result.stderr)
