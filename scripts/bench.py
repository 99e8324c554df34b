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

Inputs: scripts/bench_fixtures.py. Peak memory: scripts/bench_child.py, one
process per case. Peers: scripts/BenchWso2.java (WSO2's runtime: JVM, KeyStore,
Cipher.doFinal) and scripts/bench_ansible.py (Ansible Vault, in its own venv
under .bench-cache/); either is reported "skipped (reason)" when it cannot run.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import json
import multiprocessing
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import bench_fixtures as F
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

import vault
from vault.configs.sensitive import SensitiveKeys
from vault.configs.store import _parse_toml, literal_base64_strings
from vault.crypto.cipher import KeyRing
from vault.operations.configure import configure
from vault.operations.protect import protect
from vault.operations.rotate import rotate
from vault.operations.workspace import Options

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
CACHE = ROOT / ".bench-cache"
PY = sys.executable
CIPHERTOOL = str(Path(PY).parent / "ciphertool")
OAEP = padding.OAEP(padding.MGF1(hashes.SHA1()), hashes.SHA1(), None)
TRANSFORMATION = "RSA/ECB/OAEPwithSHA1andMGF1Padding"
MEMORY_BOUND = 2  # RSS an operation adds over what its floor (tomllib + cryptography) adds
FLAT = 1.25  # per-secret (or per-MB) time at the largest size over the smallest: "flat"


# -- what to run ------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    quick: bool
    resolve_ns: tuple[int, ...]
    key_sizes: tuple[int, ...]
    load_key_sizes: tuple[int, ...]
    cores_n: int
    config_sizes: tuple[int, ...]
    rotate_secrets: int
    rotate_files: int
    peer_ns: tuple[int, ...]
    big_secrets: int
    big_mb: float
    small_mb: float

    def reps(self, full: int) -> int:
        return 1 if self.quick else full

    def describe(self) -> str:
        return "quick (small sizes, 1 repeat)" if self.quick else "full"


FULL = Plan(
    quick=False,
    resolve_ns=(50, 2000),
    key_sizes=(2048, 4096),
    load_key_sizes=(2048, 4096),
    cores_n=600,
    config_sizes=(500, 2000, 8000),
    rotate_secrets=2000,
    rotate_files=20,
    peer_ns=(50, 2000),
    big_secrets=100_000,
    big_mb=50,
    small_mb=5,
)
QUICK = Plan(
    quick=True,
    resolve_ns=(50, 200),
    key_sizes=(2048, 4096),
    load_key_sizes=(2048,),
    cores_n=200,
    config_sizes=(50, 200, 800),
    rotate_secrets=200,
    rotate_files=20,
    peer_ns=(50,),
    big_secrets=4000,
    big_mb=2,
    small_mb=0.2,
)


# -- measuring --------------------------------------------------------------------------


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
    """One case of bench_child.py in a process of its own: its seconds and peak RSS."""
    _, out = command([PY, str(SCRIPTS / "bench_child.py"), case, *args], env)
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def mb(kilobytes: float) -> float:
    return kilobytes / 1024


# -- the table --------------------------------------------------------------------------


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


# -- the machine ------------------------------------------------------------------------


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


# -- fixtures shared by the sections ------------------------------------------------------


class Bench:
    def __init__(self, plan: Plan, folder: Path, report: Report) -> None:
        self.plan = plan
        self.folder = folder
        self.report = report
        self.stores: dict[tuple[str, int], dict[str, Path]] = {}
        self.rings: dict[Path, KeyRing] = {}
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/tmp"),
            "LANG": "C.UTF-8",
            "CIPHERTOOL_KEYSTORE_PASSWORD": F.PASSWORD,
        }

    def keystore(self, maker: str, kind: str, bits: int) -> Path:
        """A keystore of ``kind`` made by ``maker`` (keytool or ciphertool); each maker
        makes one key pair per size and writes it in each of its kinds."""
        if (maker, bits) not in self.stores:
            progress(f"keystores: {maker}, RSA-{bits}")
            folder = self.folder / "keystores"
            make = F.keytool_keystores if maker == "keytool" else F.ciphertool_keystores
            self.stores[maker, bits] = make(folder, bits)
        return self.stores[maker, bits][kind]

    def ring(self, path: Path) -> KeyRing:
        if path not in self.rings:
            self.rings[path] = F.ring_of(path)
        return self.rings[path]

    def private_key(self, keystore: Path) -> rsa.RSAPrivateKey:
        key = self.ring(keystore).entries[0].private_key
        assert key is not None
        return key

    def der_file(self, keystore: Path) -> Path:
        """The keystore's private key as an unencrypted PKCS#8 DER file (for the floors)."""
        path = keystore.with_suffix(keystore.suffix + ".der")
        if not path.exists():
            path.write_bytes(F.pkcs8_der(self.ring(keystore)))
        return path

    def env_for(self, keystore: Path) -> dict[str, str]:
        return {**self.env, "CIPHERTOOL_KEYSTORE": str(keystore)}


def blocks_of(ciphertexts: Sequence[str]) -> list[bytes]:
    """The raw RSA blocks inside self-contained ciphertexts."""
    return [base64.b64decode(json.loads(base64.b64decode(c))["c"]) for c in ciphertexts]


class Resolvable:
    """A TOML config of N encrypted secrets, and the raw RSA blocks of its ciphertexts."""

    def __init__(self, bench: Bench, keystore: Path, n: int, name: str = "resolve") -> None:
        ring = bench.ring(keystore)
        ciphertexts: list[str] = []

        def encrypt(plaintext: str) -> str:
            ciphertexts.append(ring.encrypt(plaintext))
            return ciphertexts[-1]

        folder = bench.folder / f"{name}-{keystore.name}-{n}"
        self.set = F.ConfigSet.make(folder, "toml", n, "resolve", encrypt)
        self.path = self.set.paths[0]
        self.text = self.path.read_text()
        self.blocks = blocks_of(ciphertexts)
        self.blocks_file = folder / "blocks.txt"
        lines = [base64.b64encode(b).decode() + "\n" for b in self.blocks]
        self.blocks_file.write_text("".join(lines))


def bare_loop(key: rsa.RSAPrivateKey, blocks: Sequence[bytes]) -> Run:
    def loop() -> None:
        for block in blocks:
            key.decrypt(block, OAEP)

    return lambda: clock(loop)


def vault_load(v: vault.Vault, path: Path) -> Run:
    def run() -> Time:
        _parse_toml.cache_clear()  # every load reads and parses the file anew
        return clock(lambda: v.load(path))

    return run


def open_ring_run(spec: vault.KeystoreSpec, env: dict[str, str]) -> Run:
    return lambda: clock(lambda: vault.open_key_ring(spec, vault.PasswordOptions(), environ=env))


def floor_script(der: Path, blocks_file: Path) -> str:
    """A whole process doing the raw work: import cryptography, load the key, decrypt."""
    return (
        "import base64\n"
        "from cryptography.hazmat.primitives import serialization, hashes\n"
        "from cryptography.hazmat.primitives.asymmetric import padding\n"
        f"key = serialization.load_der_private_key(open({str(der)!r}, 'rb').read(), None,"
        " unsafe_skip_rsa_key_validation=True)\n"
        "oaep = padding.OAEP(padding.MGF1(hashes.SHA1()), hashes.SHA1(), None)\n"
        f"[key.decrypt(base64.b64decode(c), oaep) for c in open({str(blocks_file)!r})]\n"
    )


def samples_json(measured: dict[str, Measured]) -> dict[str, Any]:
    return {name: m.as_json() for name, m in measured.items()}


# -- start-up ---------------------------------------------------------------------------


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


# -- resolve in process -----------------------------------------------------------------


def _resolve_case(bench: Bench, bits: int, kind: str, n: int) -> dict[str, Any]:
    progress(f"resolve: RSA-{bits} {kind} N={n}")
    keystore = bench.keystore("ciphertool", kind, bits)
    config = Resolvable(bench, keystore, n)
    text = config.text
    repeats = bench.plan.reps(15 if n <= 100 else (5 if bits <= 2048 else 2))
    measured = side_by_side(
        {
            "floor": bare_loop(bench.private_key(keystore), config.blocks),
            "resolve": vault_load(vault.Vault(bench.ring(keystore)), config.path),
            "tomllib": lambda: clock(lambda: tomllib.loads(literal_base64_strings(text))),
            "keystore load": open_ring_run(vault.KeystoreSpec(str(keystore)), bench.env),
        },
        repeats,
    )
    cpu = {name: m.cpu for name, m in measured.items()}
    return {
        "key_bits": bits,
        "keystore": kind,
        "n": n,
        "repeats": repeats,
        **cpu,
        "ratio": cpu["resolve"] / cpu["floor"],
        "ratio_with_keystore_load": (cpu["resolve"] + cpu["keystore load"])
        / (cpu["floor"] + cpu["keystore load"]),
        "runs": samples_json(measured),
    }


def resolve_in_process(bench: Bench) -> None:
    report = bench.report
    plan = bench.plan
    table = report.table(
        "resolve in process (ring open) vs a bare loop of cryptography decryptions (floor), CPU s",
        ["key, store, N", "floor", "resolve", "x floor", "tomllib", "load", "x (floor+load)"],
    )
    rows = [
        _resolve_case(bench, bits, kind, n)
        for bits in plan.key_sizes
        for kind in ("JKS", "PKCS12")
        for n in plan.resolve_ns
    ]
    for r in rows:
        table.add(
            f"RSA-{r['key_bits']} {r['keystore']} N={r['n']}",
            f3(r["floor"]),
            f3(r["resolve"]),
            f2(r["ratio"]),
            f3(r["tomllib"]),
            f3(r["keystore load"]),
            f2(r["ratio_with_keystore_load"]),
        )
    table.note("resolve: vault.Vault(ring).load(deployment.toml), the file read and parsed anew;")
    table.note("tomllib: the same text parsed alone, as the resolver parses it (ciphertexts")
    table.note("as literal strings); load: open_key_ring alone;")
    table.note("x (floor+load): (load + resolve) / (load + floor)")
    report.results["resolve_in_process"] = rows
    worst = max(rows, key=lambda r: r["ratio"])
    short = [
        f"RSA-{r['key_bits']} {r['keystore']} N={r['n']} {r['ratio']:.2f}"
        for r in rows
        if r["ratio"] > 1.10
    ]
    excess = [r["tomllib"] / (r["resolve"] - r["floor"]) for r in rows if r["resolve"] > r["floor"]]
    why = ""
    if short:
        why = "short: " + ", ".join(short)
        if excess:
            why += f"; tomllib's parse is {statistics.median(excess):.0%} of the excess (median)"
    report.goal(
        "#8",
        "resolve <= 1.10 x the decrypt floor (keystore load apart)",
        f"worst {worst['ratio']:.2f} x (RSA-{worst['key_bits']} {worst['keystore']} "
        f"N={worst['n']})",
        not short,
        why,
    )


# -- both cores -------------------------------------------------------------------------

_POOL: dict[str, Any] = {}


def _pool_chunk(index: int) -> int:
    key, blocks = _POOL["key"], _POOL["blocks"]
    for block in blocks[index::2]:
        key.decrypt(block, OAEP)
    return index


def in_two_threads(work: Callable[[int], object]) -> None:
    workers = [threading.Thread(target=work, args=(i,)) for i in (0, 1)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()


def _both_cores_case(bench: Bench, bits: int, n: int) -> dict[str, Any]:
    progress(f"both cores: RSA-{bits} N={n}")
    keystore = bench.keystore("ciphertool", "JKS", bits)
    key = bench.private_key(keystore)
    config = Resolvable(bench, keystore, n)
    blocks = config.blocks
    aliases = [F.alias(i) for i in range(n)]
    v = vault.Vault(bench.ring(keystore))

    def threads() -> Time:
        def half(index: int) -> None:
            for block in blocks[index::2]:
                key.decrypt(block, OAEP)

        return clock(lambda: in_two_threads(half))

    def processes() -> Time:
        _POOL.update(key=key, blocks=blocks)

        def pool() -> None:
            with multiprocessing.get_context("fork").Pool(2) as workers:
                workers.map(_pool_chunk, [0, 1])

        return clock(pool)

    def vault_threads() -> Time:
        _parse_toml.cache_clear()

        def work() -> None:
            lazy = v.secrets(config.path)

            def half(index: int) -> None:
                for name in aliases[index::2]:
                    lazy[name].reveal()

            in_two_threads(half)

        return clock(work)

    repeats = bench.plan.reps(5 if bits <= 2048 else 3)
    measured = side_by_side(
        {
            "floor": bare_loop(key, blocks),
            "2 threads": threads,
            "2 processes": processes,
            "vault, 2 threads": vault_threads,
        },
        repeats,
    )
    wall = {name: m.wall for name, m in measured.items()}
    return {"key_bits": bits, "n": n, "repeats": repeats, **wall, "runs": samples_json(measured)}


def both_cores(bench: Bench) -> None:
    n = bench.plan.cores_n
    table = bench.report.table(
        f"both cores: N={n} decryptions, JKS, wall s (x the single-thread floor)",
        ["", "floor", "2 threads", "2 processes", "vault, 2 threads", "reps"],
    )
    others = Others()
    rows = [_both_cores_case(bench, bits, n) for bits in bench.plan.key_sizes]
    busy = others.cores()
    for r in rows:
        base = r["floor"]
        table.add(
            f"RSA-{r['key_bits']}",
            f3(base),
            f2(r["2 threads"] / base),
            f2(r["2 processes"] / base),
            f2(r["vault, 2 threads"] / base),
            r["repeats"],
        )
    table.note("2 processes: a fork pool, its start included; vault, 2 threads: the LazySecrets")
    table.note("of one load read by two threads, each revealing half the aliases; wall seconds")
    table.note("(the point here), so a job on the other core shows: meanwhile other processes")
    table.note(f"kept {busy:.2f} of the {os.cpu_count()} cores busy")
    bench.report.results["both_cores"] = {"runs": rows, "other_processes_cores": busy}


# -- keystore load ----------------------------------------------------------------------


def _library_load(kind: str, keystore: Path) -> tuple[str, Callable[[], object]]:
    """The plain library way to get the key out of this keystore."""
    data = keystore.read_bytes()
    password = F.PASSWORD.encode()
    if kind == "PKCS12":
        from cryptography.hazmat.primitives.serialization import pkcs12

        return "pyca load_pkcs12", lambda: pkcs12.load_pkcs12(data, password)
    if kind == "PEM":
        return "pyca load_pem_private_key", lambda: serialization.load_pem_private_key(
            data, password
        )
    import jks as pyjks

    def jks_load() -> object:
        store = pyjks.KeyStore.loads(data, F.PASSWORD)
        return serialization.load_der_private_key(
            store.private_keys[F.ALIAS].pkey_pkcs8, None, unsafe_skip_rsa_key_validation=True
        )

    return "pyjks, pyca unchecked", jks_load


def _load_case(bench: Bench, kind: str, maker: str, bits: int) -> dict[str, Any]:
    keystore = bench.keystore(maker, kind, bits)
    der = F.pkcs8_der(bench.ring(keystore))
    peer_name, peer = _library_load(kind, keystore)
    measured = side_by_side(
        {
            "vault": open_ring_run(vault.KeystoreSpec(str(keystore), None, F.ALIAS), bench.env),
            "peer": lambda: clock(peer),
            "raw key": lambda: clock(lambda: serialization.load_der_private_key(der, None)),
            "raw key, unchecked": lambda: clock(
                lambda: serialization.load_der_private_key(
                    der, None, unsafe_skip_rsa_key_validation=True
                )
            ),
        },
        bench.plan.reps(5),
    )
    cpu = {name: m.cpu for name, m in measured.items()}
    return {
        "kind": kind,
        "maker": maker,
        "key_bits": bits,
        "peer_name": peer_name,
        **cpu,
        "runs": samples_json(measured),
    }


def keystore_load(bench: Bench) -> None:
    table = bench.report.table(
        "keystore load: open_key_ring (read, sniff, password, key) vs the library way, CPU ms",
        ["kind, made by, key", "vault", "peer", "x peer", "raw key", "unchecked", "peer"],
    )
    makers = [(kind, "keytool") for kind in F.KEYTOOL_KINDS]
    makers += [(kind, "ciphertool") for kind in F.CIPHERTOOL_KINDS]
    if not F.have_keytool():
        makers = [m for m in makers if m[1] != "keytool"]
        table.add("keytool rows: skipped (keytool is not on PATH)")
    rows = []
    for bits in bench.plan.load_key_sizes:
        for kind, maker in makers:
            progress(f"keystore load: {kind} by {maker}, RSA-{bits}")
            r = _load_case(bench, kind, maker, bits)
            table.add(
                f"{kind}, {maker}, RSA-{bits}",
                ms(r["vault"]),
                ms(r["peer"]),
                f2(r["vault"] / r["peer"]),
                ms(r["raw key"]),
                f"{r['raw key, unchecked'] * 1000:.2f}",
                r["peer_name"],
            )
            rows.append(r)
    table.note("raw key: pyca load_der_private_key of the same key, unencrypted, with OpenSSL's")
    table.note("RSA key check (the default) and without it (unsafe_skip_rsa_key_validation)")
    bench.report.results["keystore_load"] = rows


# -- configure and protect --------------------------------------------------------------


def _config_case(bench: Bench, fmt: str, n: int, ring: KeyRing) -> dict[str, Any]:
    progress(f"configure/protect: {fmt} N={n}")
    public = ring.entries[0].public_key
    sensitive = SensitiveKeys(())
    values = [F.value(i).encode() for i in range(n)]
    to_configure = F.ConfigSet.make(bench.folder / f"configure-{fmt}-{n}", fmt, n, "configure")
    to_protect = F.ConfigSet.make(bench.folder / f"protect-{fmt}-{n}", fmt, n, "protect")

    def floor() -> None:
        for plaintext in values:
            public.encrypt(plaintext, OAEP)

    def run_configure() -> Time:
        to_configure.reset()
        return clock(lambda: configure(to_configure.paths, ring, Options()))

    def run_protect() -> Time:
        to_protect.reset()
        return clock(lambda: protect(to_protect.paths, ring, sensitive, Options()))

    repeats = bench.plan.reps(5 if n <= 2000 else 3)
    measured = side_by_side(
        {"floor": lambda: clock(floor), "configure": run_configure, "protect": run_protect},
        repeats,
    )
    cpu = {name: m.cpu for name, m in measured.items()}
    return {
        "format": fmt,
        "n": n,
        "bytes": to_configure.size,
        "repeats": repeats,
        **cpu,
        "runs": samples_json(measured),
    }


def configure_protect(bench: Bench) -> None:
    report = bench.report
    sizes = bench.plan.config_sizes
    ring = bench.ring(bench.keystore("ciphertool", "PKCS12", 2048))
    rows = [_config_case(bench, fmt, n, ring) for fmt in F.FORMATS for n in sizes]
    at = {(r["format"], r["n"]): r for r in rows}
    header = ["format, operation", *[f"N={n}" for n in sizes]]
    header += [f"growth {sizes[-1]}/{sizes[0]}", "x floor's", f"x floor N={sizes[-1]}"]
    table = report.table(
        "configure and protect, in process, RSA-2048: CPU us per secret must stay flat", header
    )
    growths: dict[str, float] = {}
    raw_growths: dict[str, float] = {}
    for fmt in F.FORMATS:
        for op in ("configure", "protect"):
            per = [at[fmt, n][op] / n for n in sizes]
            first, last = at[fmt, sizes[0]], at[fmt, sizes[-1]]
            raw_growths[f"{fmt} {op}"] = per[-1] / per[0]
            growths[f"{fmt} {op}"] = (last[op] / last["floor"]) / (first[op] / first["floor"])
            table.add(
                f"{fmt} {op}",
                *[f"{p * 1e6:.0f}" for p in per],
                f2(per[-1] / per[0]),
                f2(growths[f"{fmt} {op}"]),
                f2(last[op] / last["floor"]),
            )
    table.note("floor: a bare loop of cryptography OAEP encryptions of the same values;")
    table.note("each run starts from the same files (rewritten, untimed), and writes them;")
    table.note("growth x floor's: the growth of the ratio to the floor measured beside each")
    table.note("size (the floor is linear), so that the machine's speed drifting between the")
    table.note("sizes, which moves the raw growth by +-0.3 here, cancels; the goal reads it")
    report.results["configure_protect"] = {
        "runs": rows,
        "growth": growths,
        "raw_growth": raw_growths,
    }
    short = [f"{name} {g:.2f}" for name, g in growths.items() if g > FLAT]
    worst = max(growths.items(), key=lambda kv: kv[1])
    report.goal(
        "#8",
        f"configure/protect time per secret flat, {sizes[0]} to {sizes[-1]} (<= {FLAT} x)",
        f"worst {worst[1]:.2f} x ({worst[0]})",
        not short,
        ("short: " + ", ".join(short)) if short else "",
    )
    toml = [at["toml", n]["configure"] / n for n in sizes[:2]]
    report.goal(
        "#4",
        f"configure of {sizes[1]} secrets in linear time (TOML, per secret vs N={sizes[0]})",
        f"{toml[1] / toml[0]:.2f} x",
        toml[1] / toml[0] <= FLAT,
    )


# -- rotate -----------------------------------------------------------------------------


def rotation(bench: Bench) -> None:
    report = bench.report
    n, n_files = bench.plan.rotate_secrets, bench.plan.rotate_files
    progress(f"rotate: {n} secrets over {n_files} files")
    old = bench.ring(bench.keystore("ciphertool", "PKCS12", 2048))
    new_store = bench.folder / "keystores" / "rotate-new.p12"
    F.ciphertool_keystore(new_store, "PKCS12", 2048)
    new = bench.ring(new_store)
    both = KeyRing([*old.entries, *new.entries])
    ciphertexts: list[str] = []

    def encrypt(plaintext: str) -> str:
        ciphertexts.append(old.encrypt(plaintext))
        return ciphertexts[-1]

    files = F.ConfigSet.make(
        bench.folder / "rotate", "toml", n, "resolve", encrypt, n_files=n_files
    )
    blocks = blocks_of(ciphertexts)
    old_key, new_key = old.entries[0].private_key, new.entries[0].private_key
    new_public = new.entries[0].public_key
    assert old_key is not None and new_key is not None

    def floor() -> None:
        for block in blocks:
            plaintext = old_key.decrypt(block, OAEP)
            new_key.decrypt(new_public.encrypt(plaintext, OAEP), OAEP)

    def run() -> Time:
        files.reset()
        return clock(lambda: rotate(files.paths, both, new))

    repeats = bench.plan.reps(3)
    measured = side_by_side({"floor": lambda: clock(floor), "rotate": run}, repeats)
    table = report.table(
        f"rotate: {n} secrets over {n_files} TOML files, RSA-2048 PKCS12 to a new PKCS12 "
        f"(median of {repeats})",
        ["", "cpu s", "wall s", "cpu ms/secret", "x floor"],
    )
    base = measured["floor"].cpu
    for name, m in measured.items():
        table.add(name, f3(m.cpu), f3(m.wall), f"{m.cpu / n * 1000:.2f}", f2(m.cpu / base))
    table.note("floor: per secret, decrypt (old key), encrypt (new), decrypt again (new): the")
    table.note("crypto rotate does to re-encrypt and verify; rotate also reads, plans, journals,")
    table.note("and writes 20 files and a journal with fsync (wall s shows those waits)")
    report.results["rotate"] = {"n": n, "files": n_files, "runs": samples_json(measured)}


# -- peers ------------------------------------------------------------------------------


def java_peer() -> tuple[Path | None, str]:
    """The compiled WSO2 peer's class folder, or None and why not."""
    if shutil.which("java") is None or shutil.which("javac") is None:
        return None, "skipped (java or javac is not on PATH)"
    source = SCRIPTS / "BenchWso2.java"
    out = CACHE / "java"
    compiled = out / "BenchWso2.class"
    if not compiled.exists() or compiled.stat().st_mtime < source.stat().st_mtime:
        out.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            ["javac", "-d", str(out), str(source)], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            return None, f"skipped (javac failed: {done.stderr.strip()[:120]})"
    return out, ""


def ansible_peer() -> tuple[Path | None, str]:
    """Ansible's own venv under .bench-cache (made once), or None and why not."""
    venv = CACHE / "ansible-venv"
    if (venv / "bin" / "ansible-vault").exists():
        return venv, ""
    progress("peers: making .bench-cache/ansible-venv (pip install ansible-core)")
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    pip += ["--disable-pip-version-check", "--timeout", "15", "--retries", "1", "ansible-core"]
    try:
        subprocess.run([PY, "-m", "venv", "--clear", str(venv)], check=True, capture_output=True)
        done = subprocess.run(pip, capture_output=True, text=True, check=False, timeout=600)
    except (OSError, subprocess.SubprocessError) as exc:
        return None, f"skipped (cannot make its venv: {exc})"
    if done.returncode != 0 or not (venv / "bin" / "ansible-vault").exists():
        lines = [x for x in done.stderr.splitlines() if "ERROR" in x] or done.stderr.splitlines()
        reason = (lines[-1] if lines else "pip failed").strip()[:120]
        shutil.rmtree(venv, ignore_errors=True)
        return None, f"skipped (pip install ansible-core failed: {reason})"
    return venv, ""


@dataclass
class Peers:
    """What the peer runs share: the keystore, the password file, the tools found."""

    java_dir: Path | None
    java_why: str
    ansible: Path | None
    ansible_why: str
    jks: Path
    vault_password: Path


def _peer_runs(bench: Bench, peers: Peers, n: int, inside: dict[str, Any]) -> dict[str, Run]:
    jks = peers.jks
    env = bench.env_for(jks)
    config = Resolvable(bench, jks, n, name="peers")
    to_configure = F.ConfigSet.make(bench.folder / f"peers-configure-{n}", "toml", n, "configure")
    floor = floor_script(bench.der_file(jks), config.blocks_file)
    path = str(config.path)

    def ciphertool_configure() -> Time:
        to_configure.reset()
        argv = [CIPHERTOOL, "configure", *map(str, to_configure.paths), "-k", str(jks)]
        return command(argv, env)[0]

    runs: dict[str, Run] = {
        "ciphertool resolve": lambda: command([CIPHERTOOL, "resolve", path], env)[0],
        "raw cryptography (floor)": lambda: command([PY, "-c", floor], env)[0],
    }
    if peers.java_dir is not None:
        java_env = {**env, "BENCH_STOREPASS": F.PASSWORD}
        java_argv = ["java", "-cp", str(peers.java_dir), "BenchWso2", str(jks), "JKS", F.ALIAS]
        java_argv += [TRANSFORMATION, str(config.blocks_file)]

        def java() -> Time:
            spent, out = command(java_argv, java_env)
            inside["java"] = json.loads(out)
            return spent

        runs["java: JVM + KeyStore.load + doFinal (WSO2)"] = java
    runs["ciphertool configure"] = ciphertool_configure
    if peers.ansible is None:
        return runs
    encrypted = bench.folder / f"ansible-{n}.yml"
    names = [a for i in range(n) for a in ("-n", F.alias(i))]
    encrypt_argv = [str(peers.ansible / "bin" / "ansible-vault"), "encrypt_string"]
    encrypt_argv += ["--vault-password-file", str(peers.vault_password)]
    encrypt_argv += [*names, *[F.value(i) for i in range(n)]]
    decrypt_argv = [str(peers.ansible / "bin" / "python"), str(SCRIPTS / "bench_ansible.py")]
    decrypt_argv += [str(peers.vault_password), str(encrypted)]
    ansible_env = {k: v for k, v in env.items() if not k.startswith("CIPHERTOOL")}

    def ansible_encrypt() -> Time:
        spent, out = command(encrypt_argv, ansible_env)
        encrypted.write_text(out)
        return spent

    def ansible_decrypt() -> Time:
        spent, out = command(decrypt_argv, ansible_env)
        inside["ansible"] = json.loads(out)
        return spent

    try:
        ansible_encrypt()  # the file the decrypt side reads
    except (RuntimeError, subprocess.SubprocessError) as exc:
        peers.ansible, peers.ansible_why = None, f"skipped ({exc})"
        return runs
    runs["ansible-vault encrypt_string"] = ansible_encrypt
    runs["ansible VaultLib decrypt"] = ansible_decrypt
    return runs


def peers(bench: Bench) -> None:
    report = bench.report
    CACHE.mkdir(exist_ok=True)
    (CACHE / ".gitignore").write_text("*\n")  # the cache never reaches git
    vault_password = bench.folder / "ansible-vault-password"
    vault_password.write_text("bench-ansible-password\n")
    vault_password.chmod(0o600)
    java_dir, java_why = java_peer()
    ansible, ansible_why = ansible_peer()
    jks = bench.keystore("ciphertool", "JKS", 2048)
    found = Peers(java_dir, java_why, ansible, ansible_why, jks, vault_password)
    results: list[dict[str, Any]] = []
    for n in bench.plan.peer_ns:
        progress(f"peers: N={n}")
        inside: dict[str, Any] = {}
        runs = _peer_runs(bench, found, n, inside)
        repeats = bench.plan.reps(5 if n <= 100 else 1)
        measured = side_by_side(runs, repeats)
        base = measured["ciphertool resolve"].wall
        table = report.table(
            f"peers, N={n} secrets, RSA-2048 JKS, whole processes (median of {repeats})",
            ["", "wall s", "cpu s", "x resolve (wall)", "inside the process"],
        )
        for name, m in measured.items():
            detail = ""
            if name.startswith("java"):
                java_inside = inside["java"]
                detail = (
                    f"load {ms(java_inside['load_s'])} ms, "
                    f"{n} doFinal {ms(java_inside['decrypt_s'])} ms"
                )
            elif name == "ansible VaultLib decrypt":
                detail = (
                    f"import {ms(inside['ansible']['import_s'])} ms, "
                    f"{n} decrypts {ms(inside['ansible']['decrypt_s'])} ms"
                )
            table.add(name, f3(m.wall), f3(m.cpu), f2(m.wall / base), detail)
        if found.java_dir is None:
            table.add(f"java (WSO2): {found.java_why}")
        if found.ansible is None:
            table.add(f"ansible-vault: {found.ansible_why}")
        table.note("ciphertool configure encrypts the same N values (ansible: encrypt_string);")
        table.note("cpu s: user + system of every thread (the JVM compiles and collects on the")
        table.note("other core); the ratio is of wall seconds, what a deployment waits for")
        results.append({"n": n, "inside": inside, "runs": samples_json(measured)})
    report.results["peers"] = {
        "runs": results,
        "java": found.java_why or "ran",
        "ansible": found.ansible_why or "ran",
    }


# -- peak memory, big configs -----------------------------------------------------------


class Scale:
    """The one-process-per-case runs, each beside its floor: seconds, peak RSS, input size."""

    def __init__(self, bench: Bench, table: Table) -> None:
        self.bench = bench
        self.table = table
        self.keystore = bench.keystore("ciphertool", "JKS", 2048)
        self.der = str(bench.der_file(self.keystore))
        self.env = bench.env_for(self.keystore)
        self.rows: dict[str, dict[str, float]] = {}

    def _row(
        self, name: str, result: dict[str, float], size: int, n: int | None, label: str = ""
    ) -> None:
        added = mb(result["peak_rss_kb"] - result["rss_before_kb"])
        in_mb = size / 1e6
        floor = result.get("floor_cpu")
        self.table.add(
            label or name,
            f"{in_mb:.1f}",
            f3(result["cpu"]),
            f2(result["cpu"] / floor) if floor else "",
            f"{result['cpu'] / n * 1e6:.0f}" if n else "",
            f"{mb(result['peak_rss_kb']):.0f}",
            f"{added:.0f}",
            f"{added / in_mb:.1f}" if in_mb >= 0.5 else "",
        )
        self.rows[name] = {**result, "bytes": size, "n": n or 0}

    def run(
        self,
        name: str,
        op: str,
        config: Path,
        n: int | None,
        reset: Callable[[], None] | None = None,
        *,
        floor: bool = True,
    ) -> None:
        """``op`` (resolve or configure) of ``config`` in a process of its own, beside its
        floor (the same file parsed and en/decrypted with tomllib and cryptography alone).
        Cases under a few seconds run three times, interleaved: the median by CPU."""
        size = config.stat().st_size
        keystore = str(self.keystore)
        args = (str(config), keystore) if op == "resolve" else (keystore, str(config))
        repeats = self.bench.plan.reps(3) if size < 3e6 and (n or 0) <= 10_000 else 1
        floors: list[dict[str, float]] = []
        results: list[dict[str, float]] = []
        progress(f"scale: {name}" + (" (and its floor)" if floor else ""))
        for _ in range(repeats):
            if floor:
                floors.append(child(f"{op}-floor", self.der, str(config), env=self.env))
                if reset is not None:
                    reset()
            results.append(child(op, *args, env=self.env))
            if reset is not None:
                reset()

        def median(samples: list[dict[str, float]]) -> dict[str, float]:
            return sorted(samples, key=lambda r: r["cpu"])[len(samples) // 2]

        result = median(results)
        if floor:
            floor_result = median(floors)
            result["floor_cpu"] = floor_result["cpu"]
            self._row(f"{name}, floor", floor_result, size, n, "  floor: tomllib + cryptography")
        self._row(name, result, size, n)

    def cpu_per_unit(self, name: str) -> float:
        row = self.rows[name]
        return row["cpu"] / (row["n"] or row["bytes"])

    def x_floor(self, name: str) -> float:
        return self.rows[name]["cpu"] / self.rows[name]["floor_cpu"]

    def memory_multiple(self, name: str) -> float:
        row = self.rows[name]
        return (row["peak_rss_kb"] - row["rss_before_kb"]) * 1024 / row["bytes"]


def memory_and_scale(bench: Bench) -> None:
    report = bench.report
    plan = bench.plan
    table = report.table(
        "peak memory (RSS) and large inputs: one process per case, RSA-2048 JKS, TOML unless named",
        ["case", "MB in", "cpu s", "x floor", "cpu us/secret", "peak MB", "added MB", "x input"],
    )
    scale = Scale(bench, table)
    n_resolve, n_config, big = max(plan.resolve_ns), plan.config_sizes[-1], plan.big_secrets
    r_small, r_big = f"resolve, N={n_resolve}", f"resolve, N={big}"
    c_small, c_big = f"configure, N={n_config}", f"configure, N={big}"

    def configure_case(name: str, fmt: str, n: int, *, floor: bool) -> None:
        files = F.ConfigSet.make(bench.folder / name.replace(" ", "_"), fmt, n, "configure")
        scale.run(name, "configure", files.paths[0], n, files.reset, floor=floor)
        shutil.rmtree(files.folder)

    def resolve_case(name: str, n: int) -> None:
        progress(f"scale: making a TOML of {n} ciphertexts")
        config = Resolvable(bench, scale.keystore, n, name="scale")
        scale.run(name, "resolve", config.path, n)
        shutil.rmtree(config.set.folder)

    # resolve at the largest N, configure at the largest N of every format; issue #7's
    # many secrets
    resolve_case(r_small, n_resolve)
    resolve_case(r_big, big)
    configure_case(c_small, "toml", n_config, floor=True)
    for fmt in F.FORMATS[1:]:
        configure_case(f"configure, {fmt}, N={n_config}", fmt, n_config, floor=False)
    configure_case(c_big, "toml", big, floor=True)

    # issue #7: a large file with few secrets
    ring = bench.ring(scale.keystore)
    for size_mb in (plan.small_mb, plan.big_mb):
        folder = bench.folder / f"mb-{size_mb}"
        folder.mkdir()
        plain, encrypted = folder / "configure.toml", folder / "resolve.toml"
        plain_text = F.big_toml(size_mb, 10, None)
        plain.write_text(plain_text)
        encrypted.write_text(F.big_toml(size_mb, 10, ring.encrypt))
        scale.run(f"resolve, {size_mb:g} MB, 10 secrets", "resolve", encrypted, None)
        scale.run(
            f"configure, {size_mb:g} MB, 10 secrets",
            "configure",
            plain,
            None,
            lambda plain=plain, text=plain_text: plain.write_text(text),  # type: ignore[misc]
        )
        shutil.rmtree(folder)
    table.note("cpu s: the operation alone (imports and keystore load excluded); floor: the same")
    table.note("file parsed by tomllib and de/encrypted by cryptography alone (configure's floor")
    table.note("also rewrites it); peak: the whole process (VmHWM); added: peak minus the RSS")
    table.note("just before the operation; x input: added MB per MB of input")
    report.results["memory_and_scale"] = scale.rows

    def linear(what: str, small: str, large: str, unit: str) -> None:
        growth = scale.x_floor(large) / scale.x_floor(small)
        raw = scale.cpu_per_unit(large) / scale.cpu_per_unit(small)
        report.goal(
            "#7",
            f"{what} in linear time (x its floor vs {small})",
            f"{growth:.2f} x (CPU per {unit}: {raw:.2f} x)",
            growth <= FLAT,
        )

    linear(f"configure of {big} secrets", c_small, c_big, "secret")
    linear(f"resolve of {big} secrets", r_small, r_big, "secret")
    for op in ("configure", "resolve"):
        linear(
            f"{op} of a {plan.big_mb:g} MB config",
            f"{op}, {plan.small_mb:g} MB, 10 secrets",
            f"{op}, {plan.big_mb:g} MB, 10 secrets",
            "MB",
        )
    for op in ("configure", "resolve"):
        for name in (f"{op}, {plan.big_mb:g} MB, 10 secrets", f"{op}, N={big}"):
            multiple = scale.memory_multiple(name)
            of_floor = multiple / scale.memory_multiple(f"{name}, floor")
            peak = mb(scale.rows[name]["peak_rss_kb"])
            report.goal(
                "#7",
                f"bounded memory, {name} (read as: adds <= {MEMORY_BOUND} x what its floor adds)",
                f"{of_floor:.1f} x its floor; {multiple:.1f} MB per MB of input, "
                f"{peak:.0f} MB peak",
                of_floor <= MEMORY_BOUND,
            )


# -- a PKCS#11 token (SoftHSM2) -----------------------------------------------------------

SOFTHSM_MODULES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
)


def _token_ring(bench: Bench) -> tuple[KeyRing, Any] | None:
    """A SoftHSM2 token in the bench's folder with one RSA-2048 pair made inside it, its
    ring, and the binding's private-key object (for the floor); None without SoftHSM2."""
    module = next((m for m in SOFTHSM_MODULES if Path(m).is_file()), None)
    if module is None or shutil.which("softhsm2-util") is None:
        return None
    try:
        import pkcs11  # noqa: F401
    except ImportError:
        return None
    from vault.keys.spec import keystore_spec, parse_pkcs11_uri
    from vault.keystores import pkcs11 as token_kind
    from vault.keystores.create import parse_dname
    from vault.secret import Secret

    root = bench.folder / "hsm"
    (root / "tokens").mkdir(parents=True)
    conf = root / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {root / 'tokens'}\nobjectstore.backend = file\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    pin = "bench-pin-1"
    subprocess.run(
        [
            *("softhsm2-util", "--init-token", "--free", "--label", "bench"),
            *("--pin", pin, "--so-pin", "bench-so-1"),
        ],
        check=True,
        capture_output=True,
    )
    uri = f"pkcs11:token=bench;object=app?module-path={module}"
    progress("hsm: an RSA-2048 pair made inside SoftHSM2")
    token_kind.create_key_pair(
        parse_pkcs11_uri(uri),
        module,
        Secret(pin),
        key_size=2048,
        subject=parse_dname("CN=bench"),
        validity_days=30,
    )
    ring = vault.open_key_ring(
        keystore_spec(uri, environ={}), environ={"CIPHERTOOL_KEYSTORE_PASSWORD": pin}
    )
    key = ring.entries[0].private_key
    assert isinstance(key, token_kind.TokenKey)
    return ring, key._obj


def token_floor(obj: Any, blocks: Sequence[bytes]) -> Run:
    """Raw CKM_RSA_PKCS_OAEP decryptions through python-pkcs11, nothing else."""
    import pkcs11

    param = (pkcs11.Mechanism.SHA_1, pkcs11.MGF.SHA1, None)

    def loop() -> None:
        for block in blocks:
            obj.decrypt(block, mechanism=pkcs11.Mechanism.RSA_PKCS_OAEP, mechanism_param=param)

    return lambda: clock(loop)


def hsm(bench: Bench) -> None:
    report = bench.report
    made = _token_ring(bench)
    if made is None:
        report.table("hsm: skipped (SoftHSM2 or python-pkcs11 is not installed)", [""])
        return
    token_ring, obj = made
    keystore = bench.keystore("ciphertool", "PKCS12", 2048)
    bench.rings[Path("token")] = token_ring
    table = report.table(
        "resolve with a PKCS#11 token (SoftHSM2, RSA-2048, OAEP-SHA1) vs a PKCS12 file and vs "
        "raw PKCS#11 decryptions through the same binding (floor), wall s",
        ["N", "token floor", "token resolve", "x floor", "PKCS12 resolve", "token x PKCS12"],
    )
    rows = []
    for n in bench.plan.resolve_ns:
        progress(f"hsm: resolve N={n}")
        on_token = Resolvable(bench, Path("token"), n, name="hsm")
        on_file = Resolvable(bench, keystore, n, name="hsm")
        measured = side_by_side(
            {
                "token floor": token_floor(obj, on_token.blocks),
                "token resolve": vault_load(vault.Vault(token_ring), on_token.path),
                "pkcs12 resolve": vault_load(vault.Vault(bench.ring(keystore)), on_file.path),
                "openssl floor": bare_loop(bench.private_key(keystore), on_file.blocks),
            },
            bench.plan.reps(5 if n <= 100 else 1),
        )
        wall = {name: m.wall for name, m in measured.items()}
        rows.append(
            {
                "n": n,
                **wall,
                "ratio_to_floor": wall["token resolve"] / wall["token floor"],
                "ratio_to_pkcs12": wall["token resolve"] / wall["pkcs12 resolve"],
                "token_ms_per_op": 1000 * wall["token floor"] / n,
                "openssl_ms_per_op": 1000 * wall["openssl floor"] / n,
                "runs": samples_json(measured),
            }
        )
        r = rows[-1]
        table.add(
            n,
            f3(wall["token floor"]),
            f3(wall["token resolve"]),
            f2(r["ratio_to_floor"]),
            f3(wall["pkcs12 resolve"]),
            f2(r["ratio_to_pkcs12"]),
        )
    ops = rows[-1]
    table.note(
        f"per RSA decryption: the token {ops['token_ms_per_op']:.2f} ms, OpenSSL (cryptography) "
        f"{ops['openssl_ms_per_op']:.2f} ms: "
        f"{ops['token_ms_per_op'] / ops['openssl_ms_per_op']:.1f} x (N={ops['n']})"
    )
    table.note("floor: CKM_RSA_PKCS_OAEP through python-pkcs11 on the same blocks, one session;")
    table.note("a network HSM adds its round trip to every decryption (one per secret)")
    report.results["hsm"] = rows
    worst = max(rows, key=lambda r: r["ratio_to_floor"])
    report.goal(
        "#18",
        "resolve with a token <= 1.10 x raw PKCS#11 decryptions",
        f"worst {worst['ratio_to_floor']:.2f} x (N={worst['n']})",
        worst["ratio_to_floor"] <= 1.10,
    )


# -- main -------------------------------------------------------------------------------

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
