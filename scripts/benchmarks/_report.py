"""The tables, the goals and the description of the machine a run prints."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._measure import ROOT
from ._plan import Plan


class Table:
    def __init__(self, title: str, header: Sequence[str]) -> None:
        self.title = title
        self.header = list(header)
        self.rows: list[list[str]] = []
        self.notes: list[str] = []

    def add(self, *cells: object) -> None:
        self.rows.append([str(c) for c in cells])

    def note(self, text: str) -> None:
        self.notes.append(text)

    def render(self) -> str:
        widths = [len(h) for h in self.header]
        for row in self.rows:
            if len(row) == 1:
                continue  # a remark runs across the columns
            for n, cell in enumerate(row[: len(widths)]):
                widths[n] = max(widths[n], len(cell))

        def line(cells: Sequence[str]) -> str:
            out = [cells[0].ljust(widths[0])]
            out += [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=False)]
            return "  ".join(out).rstrip()

        text = [self.title, line(self.header)]
        text += [row[0] if len(row) == 1 else line(row) for row in self.rows]
        text += [f"  {n}" for n in self.notes]
        return "\n".join(text)


def f3(x: float) -> str:
    return f"{x:.3f}"


def f2(x: float) -> str:
    return f"{x:.2f}"


def ms(x: float) -> str:
    return f"{x * 1000:.1f}"


@dataclass
class Goal:
    issue: str
    text: str
    measured: str
    met: bool
    why: str = ""

    def render(self) -> str:
        verdict = "met" if self.met else "SHORT"
        why = f"; {self.why}" if self.why else ""
        return f"[{verdict:>5}] {self.issue} {self.text}: {self.measured}{why}"


@dataclass
class Report:
    plan: Plan
    results: dict[str, Any] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)

    def table(self, title: str, header: Sequence[str]) -> Table:
        table = Table(title, header)
        self.tables.append(table)
        return table

    def goal(self, issue: str, text: str, measured: str, met: bool, why: str = "") -> None:
        self.goals.append(Goal(issue, text, measured, met, why))


def machine() -> str:
    import cryptography
    from cryptography.hazmat.backends.openssl.backend import backend

    cpu = "?"
    try:
        for row in Path("/proc/cpuinfo").read_text().splitlines():
            if row.startswith("model name"):
                cpu = row.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    java = "no java"
    if shutil.which("java"):
        done = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False)
        java = (done.stderr.splitlines() or ["java ?"])[0].replace('"', "")
    return (
        f"{cpu} ({platform.machine()}), {os.cpu_count()} cores{memory}; "
        f"Linux {platform.release()}; Python {platform.python_version()}; "
        f"cryptography {cryptography.__version__} ({backend.openssl_version_text()}); {java}"
    )


def code_version() -> str:
    """The commit measured, with "+changes" when vault/ differs from it."""
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "vault"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return head + (" +changes in vault/" if dirty else "")
