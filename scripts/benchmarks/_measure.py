"""Timing shared by the sections: side-by-side repeats, CPU and wall seconds of this
process or of a child, how busy other processes kept the cores."""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PY = sys.executable


class Time(NamedTuple):
    wall: float
    cpu: float


Run = Callable[[], Time]


@dataclass
class Measured:
    """The repeats of one run: medians and every sample."""

    wall: float
    cpu: float
    wall_samples: list[float]
    cpu_samples: list[float]

    def get(self, kind: str) -> float:
        return self.wall if kind == "wall" else self.cpu

    def as_json(self) -> dict[str, Any]:
        return self.__dict__


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class Others:
    """How busy other processes kept the machine's cores while a stretch of the benchmark
    ran: all busy CPU time in /proc/stat, less this process's and its children's."""

    def __init__(self) -> None:
        self.start = self._snapshot()

    @staticmethod
    def _snapshot() -> tuple[float, float, float]:
        ticks = os.sysconf("SC_CLK_TCK")
        try:
            fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
            idle = int(fields[3]) + int(fields[4])  # idle, iowait
            busy = (sum(int(f) for f in fields[:8]) - idle) / ticks
        except (OSError, ValueError, IndexError):
            busy = float("nan")
        own = time.process_time() + _children_cpu()
        return busy, own, time.perf_counter()

    def cores(self) -> float:
        """Cores the other processes kept busy on average since this was made."""
        busy, own, wall = self._snapshot()
        b0, o0, w0 = self.start
        return max(0.0, (busy - b0) - (own - o0)) / max(wall - w0, 1e-9)


def side_by_side(runs: dict[str, Run], repeats: int) -> dict[str, Measured]:
    """Each run ``repeats`` times, the runs interleaved; each run times itself (so that
    it can set up, untimed, before it starts the clock)."""
    samples: dict[str, list[Time]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            samples[name].append(run())
    out = {}
    for name, times in samples.items():
        walls, cpus = [t.wall for t in times], [t.cpu for t in times]
        out[name] = Measured(statistics.median(walls), statistics.median(cpus), walls, cpus)
    return out


def clock(work: Callable[[], object]) -> Time:
    """Wall and CPU seconds of ``work`` in this process (CPU: every thread of it)."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return Time(time.perf_counter() - wall, time.process_time() - cpu)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def command(argv: Sequence[str], env: dict[str, str], timeout: float = 1800) -> tuple[Time, str]:
    """Wall and CPU seconds (user + system, every thread) of a whole process, and what it
    printed. One child at a time, so the rusage of the children is this one's."""
    cpu, wall = _children_cpu(), time.perf_counter()
    done = subprocess.run(
        list(argv), env=env, capture_output=True, text=True, check=False, timeout=timeout
    )
    spent = Time(time.perf_counter() - wall, _children_cpu() - cpu)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["?"]
        raise RuntimeError(f"{Path(argv[0]).name} exited {done.returncode}: {tail[0][:200]}")
    return spent, done.stdout


def child(case: str, *args: str, env: dict[str, str]) -> dict[str, float]:
    """One case of child.py in a process of its own: its seconds and peak RSS."""
    _, out = command([PY, str(HERE / "child.py"), case, *args], env)
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def mb(kilobytes: float) -> float:
    return kilobytes / 1024
