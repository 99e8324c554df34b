"""Start-up: whole processes, in CPU seconds and callgrind instructions, and the modules
each one imports.

The inputs are what a WSO2 deployment holds: a JKS made by keytool, and 50 OAEP-SHA1
ciphertexts made by Java's javax.crypto (WSO2's self-contained envelope) in a TOML
config. Each run is set against the **ideal script**, the least any resolver of that
file must do: the key already unencrypted DER, ``tomllib`` and ``cryptography``
decrypting the same 50 values. Without a JDK the keystore and ciphertexts are
ciphertool's, and the tables say so.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from . import fixtures as F
from ._measure import PY, Run, command, progress, side_by_side
from ._report import Report, f2, f3
from ._shared import CIPHERTOOL, Bench, Resolvable, cache, floor_script, samples_json

N = 50
BOUND = 1.10  # instructions of load_config and resolve over the ideal script's (issue 17)

# What the runtime path must not import (issue 17): the write paths, the command line,
# and the libraries only they use. pyjks (jks) and pycryptodome (Crypto) are for JCEKS;
# yaml only when a YAML config is read.
NOT_AT_RUNTIME = (
    "vault.operations",
    "vault.atomic",
    "vault.keystores.create",
    "vault.keystores.passwd",
    "vault.cli",
    "vault.wso2.configure",
    "vault.wso2.xml_secrets",
    "click",
    "tomlkit",
    "yaml",
    "jks",
    "Crypto",
    "pyasn1",
)

NAMES = {
    "pass": "python -c pass",
    "import": "python -c 'import vault'",
    "version": "ciphertool --version",
    "floor": "raw cryptography, 50 decryptions (floor)",
    "ideal": "ideal script: DER key, tomllib + cryptography",
    "load_config": "vault.load_config, 50 secrets, JKS",
    "resolve": "ciphertool resolve, 50 secrets, JKS",
}


def ideal_script(der: Path, config: Path) -> str:
    """The least a resolver of ``config`` must do, as a whole process: the key already
    unencrypted (DER, no RSA key check, as the resolver's keystore readers skip it), the
    file parsed by tomllib, each store value unwrapped and decrypted by cryptography."""
    return (
        "import base64, json, tomllib\n"
        "from cryptography.hazmat.primitives import hashes, serialization\n"
        "from cryptography.hazmat.primitives.asymmetric import padding\n"
        f"key = serialization.load_der_private_key(open({str(der)!r}, 'rb').read(), None,"
        " unsafe_skip_rsa_key_validation=True)\n"
        "oaep = padding.OAEP(padding.MGF1(hashes.SHA1()), hashes.SHA1(), None)\n"
        f"with open({str(config)!r}, 'rb') as f:\n"
        "    store = tomllib.load(f)['secrets']\n"
        "plain = {a: key.decrypt(base64.b64decode(json.loads(base64.b64decode(c))['c']), oaep)"
        " for a, c in store.items()}\n"
    )


def _inputs(bench: Bench) -> tuple[Path, Resolvable, str]:
    """The keystore, the config of N ciphertexts, and who made them."""
    if F.have_keytool() and shutil.which("java") and shutil.which("javac"):
        jks = bench.keystore("keytool", "JKS", 2048)
        progress(f"start-up: {N} ciphertexts made by javax.crypto")
        plaintexts = [F.value(i) for i in range(N)]
        made = F.java_ciphertexts(jks, "JKS", plaintexts, cache() / "java-interop")
        config = Resolvable(bench, jks, N, name="startup", encrypted=made.__getitem__)
        return jks, config, "keytool's JKS, javax.crypto's ciphertexts"
    jks = bench.keystore("ciphertool", "JKS", 2048)
    return jks, Resolvable(bench, jks, N, name="startup"), "ciphertool's (no JDK)"


def startup(bench: Bench) -> None:
    report = bench.report
    progress("start-up")
    jks, config, made_by = _inputs(bench)
    env = bench.env_for(jks)
    der = bench.der_file(jks)
    path = str(config.path)
    runs_argv = {
        NAMES["pass"]: [PY, "-c", "pass"],
        NAMES["import"]: [PY, "-c", "import vault"],
        NAMES["version"]: [CIPHERTOOL, "--version"],
        NAMES["floor"]: [PY, "-c", floor_script(der, config.blocks_file)],
        NAMES["ideal"]: [PY, "-c", ideal_script(der, config.path)],
        NAMES["load_config"]: [PY, "-c", f"import vault; vault.load_config({path!r})"],
        NAMES["resolve"]: [CIPHERTOOL, "resolve", path],
    }

    def run(argv: list[str]) -> Run:
        return lambda: command(argv, env)[0]

    # Each process takes about 0.1 s, and a ratio of two medians of noisy CPU times
    # moves by +-0.1 at 15 repeats on these machines: 41 keep it within a few hundredths.
    repeats = bench.plan.reps(41)
    measured = side_by_side({name: run(argv) for name, argv in runs_argv.items()}, repeats)
    cpu = {name: m.cpu for name, m in measured.items()}
    base, floor_s, ideal_s = cpu[NAMES["pass"]], cpu[NAMES["floor"]], cpu[NAMES["ideal"]]
    table = report.table(
        f"start-up, whole processes, RSA-2048, {made_by} (median of {repeats}, interleaved)",
        ["", "cpu s", "wall s", "x pass", "x floor", "x ideal"],
    )
    for name, m in measured.items():
        table.add(
            name, f3(m.cpu), f3(m.wall), f2(m.cpu / base), f2(m.cpu / floor_s), f2(m.cpu / ideal_s)
        )
    table.note("floor: python, import cryptography, load the DER key, 50 OAEP decryptions of")
    table.note("the raw blocks; ideal: the same, reading the config with tomllib and unwrapping")
    table.note("each envelope; ratios of CPU seconds (user + system of the process)")
    instructions = startup_instructions(bench, runs_argv, env)
    modules = imported_modules(bench, runs_argv, env)
    report.results["startup"] = {
        "inputs": made_by,
        "runs": samples_json(measured),
        "ratio_vs_python_pass": {k: v / base for k, v in cpu.items()},
        "ratio_vs_floor": {k: v / floor_s for k, v in cpu.items()},
        "ratio_vs_ideal": {k: v / ideal_s for k, v in cpu.items()},
        "instructions": instructions,
        "instructions_vs_ideal": {
            k: v / instructions[NAMES["ideal"]] for k, v in instructions.items()
        }
        if instructions
        else {},
        "modules": {name: sorted(found) for name, found in modules.items()},
    }
    import_ms = (cpu[NAMES["import"]] - base) * 1000
    for key in ("load_config", "resolve"):
        ratio = cpu[NAMES[key]] / floor_s
        report.goal(
            "#5",
            f"{NAMES[key].split(',')[0]} of 50 secrets (JKS) <= 1.30 x raw work + interpreter",
            f"{ratio:.2f} x",
            ratio <= 1.30,
            f"{(cpu[NAMES[key]] - floor_s) * 1000:.0f} ms over the floor; 'import vault' "
            f"alone costs {import_ms:.0f} ms over 'python -c pass'",
        )
    _goals(report, cpu, instructions, modules)


def _goals(
    report: Report, cpu: dict[str, float], counts: dict[str, int], modules: dict[str, set[str]]
) -> None:
    for key in ("load_config", "resolve"):
        name, ideal = NAMES[key], NAMES["ideal"]
        by_cpu = cpu[name] / cpu[ideal]
        what = f"{name.split(',')[0]} of {N} Java-made OAEP ciphertexts, keytool JKS"
        if counts:
            ratio = counts[name] / counts[ideal]
            report.goal(
                "#17",
                f"{what} <= {BOUND} x the ideal script (instructions)",
                f"{ratio:.3f} x",
                ratio <= BOUND,
                f"{(counts[name] - counts[ideal]) / 1e6:.1f} M instructions over it; "
                f"CPU s {by_cpu:.2f} x",
            )
        else:
            report.goal(
                "#17",
                f"{what} <= {BOUND} x the ideal script (CPU s: instructions not counted)",
                f"{by_cpu:.2f} x",
                by_cpu <= BOUND,
            )
    if modules:
        loaded = _not_at_runtime(modules[NAMES["import"]])
        report.goal(
            "#17",
            "'import vault' loads no write path, command line, tomlkit, yaml or pyjks",
            ", ".join(loaded) if loaded else "none loaded",
            not loaded,
        )


def _not_at_runtime(found: set[str]) -> list[str]:
    return sorted(m for m in found if any(m == p or m.startswith(p + ".") for p in NOT_AT_RUNTIME))


def startup_instructions(
    bench: Bench, runs: dict[str, list[str]], env: dict[str, str]
) -> dict[str, int]:
    """Instructions each start-up executes, counted by callgrind with PYTHONHASHSEED=0:
    the same count run after run whatever else the machine does, so a change of a few
    per cent shows. Instructions are not seconds (Python's own code runs slower per
    instruction than OpenSSL's RSA): CPU seconds are beside them."""
    table = bench.report.table(
        "start-up, instructions (valgrind --tool=callgrind, PYTHONHASHSEED=0; the same count "
        "every run)",
        ["", "instructions", "x pass", "x floor", "x ideal"],
    )
    if bench.plan.quick or shutil.which("valgrind") is None:
        table.add("skipped (" + ("quick run" if bench.plan.quick else "no valgrind") + ")")
        return {}
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, argv in runs.items():
            progress(f"start-up: callgrind, {name}")
            counts[name] = callgrind(argv, env, Path(folder, "callgrind.out"))
    base, floor, ideal = (counts[NAMES[k]] for k in ("pass", "floor", "ideal"))
    for name, count in counts.items():
        table.add(
            name, f"{count / 1e6:,.1f} M", f2(count / base), f2(count / floor), f3(count / ideal)
        )
    return counts


def callgrind(argv: list[str], env: dict[str, str], out: Path) -> int:
    """The instructions ``argv`` executes (callgrind's total, Ir), hash seed fixed."""
    subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *argv],
        env={**env, "PYTHONHASHSEED": "0"},
        capture_output=True,
        check=True,
        timeout=600,
    )
    totals = [line for line in out.read_text().splitlines() if line.startswith("totals:")]
    return int(totals[0].split()[1])


def imported_modules(
    bench: Bench, runs: dict[str, list[str]], env: dict[str, str]
) -> dict[str, set[str]]:
    """The modules each Python run has imported when it exits, and a table of what
    vault's runs import beyond the ideal script's: what the resolver's work needs is the
    ideal script's modules and vault's own; anything else is start-up it need not pay."""
    found: dict[str, set[str]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, argv in runs.items():
            if name not in (NAMES["floor"], NAMES["version"]):
                found[name] = modules_at_exit(argv, env, Path(folder, "modules.txt"))
    ideal = found[NAMES["ideal"]]
    table = bench.report.table(
        "start-up, modules imported (sys.modules at exit), beyond the ideal script's",
        ["", "modules", "beyond ideal", "vault's", "others beyond the ideal"],
    )
    for name, modules in found.items():
        beyond = modules - ideal
        own = {m for m in beyond if m == "vault" or m.startswith("vault.")}
        table.add(name, len(modules), len(beyond), len(own), ", ".join(_packages(beyond - own)))
    table.note("others: by package, with the count of its modules; none of the write paths or")
    table.note("command-line libraries (" + ", ".join(NOT_AT_RUNTIME[-6:]) + ") may appear")
    loaded = _not_at_runtime(found[NAMES["import"]])
    table.note("after 'import vault': " + (", ".join(loaded) or "none do"))
    return found


def modules_at_exit(argv: list[str], env: dict[str, str], out: Path) -> set[str]:
    """``sys.modules`` when ``argv`` (``python -c CODE``, or a console script, run as its
    own main) exits. Read at exit, not from ``python -X importtime``, which misses what
    ``importlib.import_module`` loads (vault's lazy names)."""
    hook = (
        "import atexit, sys\n"
        f"atexit.register(lambda: open({str(out)!r}, 'w').write('\\n'.join(sys.modules)))\n"
    )
    if argv[0] == PY and argv[1] == "-c":
        code = hook + argv[2]
    else:
        script = argv[0]
        code = hook + (
            f"sys.argv = {argv!r}\n"
            f"source = open({script!r}).read()\n"
            f"exec(compile(source, {script!r}, 'exec'), {{'__name__': '__main__'}})\n"
        )
    subprocess.run([PY, "-c", code], env=env, capture_output=True, check=True, timeout=120)
    return set(out.read_text().split("\n"))


def _packages(modules: set[str]) -> list[str]:
    """``cryptography.hazmat.primitives.serialization (3)``: cryptography's modules grouped
    by their first four name parts, any other by its top-level package."""
    groups: dict[str, int] = {}
    for m in modules:
        key = ".".join(m.split(".")[:4]) if m.startswith("cryptography.") else m.split(".")[0]
        groups[key] = groups.get(key, 0) + 1
    return [f"{k} ({n})" if n > 1 else k for k, n in sorted(groups.items())]
