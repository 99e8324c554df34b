"""Start-up: whole processes, CPU seconds and callgrind instructions."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ._measure import PY, Run, command, progress, side_by_side
from ._report import f2, f3
from ._shared import (
    CIPHERTOOL,
    Bench,
    Resolvable,
    floor_script,
    samples_json,
)


def startup(bench: Bench) -> None:
    report = bench.report
    progress("start-up")
    jks = bench.keystore("ciphertool", "JKS", 2048)
    config = Resolvable(bench, jks, 50)
    env = bench.env_for(jks)
    floor = floor_script(bench.der_file(jks), config.blocks_file)
    path = str(config.path)

    def run(*argv: str) -> Run:
        return lambda: command(argv, env)[0]

    names = {
        "pass": "python -c pass",
        "import": "python -c 'import vault'",
        "version": "ciphertool --version",
        "floor": "raw cryptography, 50 decryptions (floor)",
        "load_config": "vault.load_config, 50 secrets, JKS",
        "resolve": "ciphertool resolve, 50 secrets, JKS",
    }
    runs_argv = {
        names["pass"]: [PY, "-c", "pass"],
        names["import"]: [PY, "-c", "import vault"],
        names["version"]: [CIPHERTOOL, "--version"],
        names["floor"]: [PY, "-c", floor],
        names["load_config"]: [PY, "-c", f"import vault; vault.load_config({path!r})"],
        names["resolve"]: [CIPHERTOOL, "resolve", path],
    }
    runs = {name: run(*argv) for name, argv in runs_argv.items()}
    # Each process takes about 0.1 s, and a ratio of two medians of noisy CPU times
    # moves by +-0.1 at 15 repeats on these machines: 41 keep it within a few hundredths.
    repeats = bench.plan.reps(41)
    measured = side_by_side(runs, repeats)
    cpu = {name: m.cpu for name, m in measured.items()}
    base, floor_s = cpu[names["pass"]], cpu[names["floor"]]
    table = report.table(
        f"start-up, whole processes, RSA-2048 (median of {repeats}, interleaved)",
        ["", "cpu s", "wall s", "x pass", "x floor"],
    )
    for name, m in measured.items():
        table.add(name, f3(m.cpu), f3(m.wall), f2(m.cpu / base), f2(m.cpu / floor_s))
    table.note("floor: python, import cryptography, load the DER key, 50 OAEP decryptions;")
    table.note("ratios of CPU seconds (user + system of the process)")
    instructions = startup_instructions(bench, runs_argv, env)
    report.results["startup"] = {
        "runs": samples_json(measured),
        "ratio_vs_python_pass": {k: v / base for k, v in cpu.items()},
        "ratio_vs_floor": {k: v / floor_s for k, v in cpu.items()},
        "instructions": instructions,
    }
    import_ms = (cpu[names["import"]] - base) * 1000
    for key in ("load_config", "resolve"):
        ratio = cpu[names[key]] / floor_s
        report.goal(
            "#5",
            f"{names[key].split(',')[0]} of 50 secrets (JKS) <= 1.30 x raw work + interpreter",
            f"{ratio:.2f} x",
            ratio <= 1.30,
            f"{(cpu[names[key]] - floor_s) * 1000:.0f} ms over the floor; 'import vault' "
            f"alone costs {import_ms:.0f} ms over 'python -c pass'",
        )


def startup_instructions(
    bench: Bench, runs: dict[str, list[str]], env: dict[str, str]
) -> dict[str, int]:
    """Instructions each start-up executes, counted by callgrind: the same count run
    after run whatever else the machine does, so a change of a few per cent shows.
    Instructions are not seconds (Python's own code runs slower per instruction than
    OpenSSL's RSA), so CPU seconds above stay the measure of the goal."""
    table = bench.report.table(
        "start-up, instructions (valgrind --tool=callgrind; the same count every run)",
        ["", "instructions", "x pass", "x floor"],
    )
    if bench.plan.quick or shutil.which("valgrind") is None:
        table.add("skipped (" + ("quick run" if bench.plan.quick else "no valgrind") + ")")
        return {}
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, argv in runs.items():
            out = Path(folder, "callgrind.out")
            subprocess.run(
                ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *argv],
                env=env,
                capture_output=True,
                check=True,
                timeout=600,
            )
            totals = [line for line in out.read_text().splitlines() if line.startswith("totals:")]
            counts[name] = int(totals[0].split()[1])
    base, floor = counts[next(iter(runs))], counts[next(n for n in runs if "floor" in n)]
    for name, count in counts.items():
        table.add(name, f"{count / 1e6:,.1f} M", f2(count / base), f2(count / floor))
    return counts
