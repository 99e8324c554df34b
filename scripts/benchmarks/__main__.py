"""Every benchmark of ciphertool, run by ``scripts/bench`` (CI does not run it).

    scripts/bench [--quick] [--only SECTION]... [RESULTS.json]

Each figure is a ratio of things measured side by side in this one run,
interleaved, median of the repeats, with the absolute times beside it. The
machines are noisy (other jobs share the two cores), so single-threaded work is
timed in CPU seconds of the process doing it (``time.process_time``, or the
child's rusage): a job on the other core does not inflate them. Wall seconds,
which it does inflate, are kept in the JSON for every run, and are the figure
where they are the point (both cores, the peers' whole processes).

``--quick`` is a smoke run: small sizes, one repeat. The table goes to standard
output, progress to standard error, the figures as JSON to RESULTS.json
(default ``bench-results.json``).

Inputs: fixtures.py. Peak memory: child.py, one
process per case. Peers: BenchWso2.java (WSO2's runtime: JVM, KeyStore,
Cipher.doFinal) and ansible_decrypt.py (Ansible Vault, in its own venv
under .bench-cache/); either is reported "skipped (reason)" when it cannot run.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import vault

from ._measure import Others, progress
from ._plan import FULL, QUICK
from ._report import Report, code_version, machine
from ._shared import Bench
from .configure import configure_protect
from .cores import both_cores
from .hsm import hsm
from .keystore_load import keystore_load
from .peers import peers
from .resolve import resolve_in_process
from .rotate import rotation
from .scale import memory_and_scale
from .startup import startup

SECTIONS: list[tuple[str, Callable[[Bench], None]]] = [
    ("startup", startup),
    ("resolve", resolve_in_process),
    ("cores", both_cores),
    ("keystores", keystore_load),
    ("configure", configure_protect),
    ("rotate", rotation),
    ("peers", peers),
    ("scale", memory_and_scale),
    ("hsm", hsm),
]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Every ciphertool benchmark; prints a table, writes the figures as JSON."
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: small sizes, 1 repeat")
    parser.add_argument(
        "--only",
        action="append",
        choices=[name for name, _ in SECTIONS],
        help="run only this section (repeatable)",
    )
    parser.add_argument("out", nargs="?", default="bench-results.json", help="the JSON file")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    report = Report(plan)
    started = time.perf_counter()
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    report.results.update(
        machine=machine(),
        vault=vault.__version__,
        commit=code_version(),
        plan=plan.describe(),
        started=when,
    )
    others = Others()
    with tempfile.TemporaryDirectory(prefix="ciphertool-bench-") as tmp:
        bench = Bench(plan, Path(tmp), report)
        for name, section in SECTIONS:
            if args.only and name not in args.only:
                continue
            try:
                section(bench)
            except Exception as exc:  # one broken section must not hide the others
                progress(f"{name}: failed: {type(exc).__name__}: {exc}")
                report.table(f"{name}: FAILED ({type(exc).__name__}: {exc})", [""])
                report.results.setdefault("failed", {})[name] = f"{type(exc).__name__}: {exc}"
    elapsed = time.perf_counter() - started
    busy = others.cores()
    report.results["elapsed_seconds"] = elapsed
    report.results["other_processes_cores"] = busy
    report.results["goals"] = [g.__dict__ for g in report.goals]
    Path(args.out).write_text(json.dumps(report.results, indent=2, default=str) + "\n")
    print(f"machine: {report.results['machine']}")
    print(
        f"run: {plan.describe()} of {report.results['commit']}, {when}, {elapsed / 60:.1f} min;"
        " other processes kept "
        f"{busy:.2f} of the {os.cpu_count()} cores busy meanwhile\n"
    )
    for table in report.tables:
        print(table.render() + "\n")
    if report.goals:
        print("goals")
        for goal in report.goals:
            print(goal.render())
    print(f"\nfigures written to {args.out}")
    return 1 if "failed" in report.results else 0


if __name__ == "__main__":
    sys.exit(main())
