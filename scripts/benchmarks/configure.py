"""Configure and protect in process: CPU per secret must stay flat as N grows."""

from __future__ import annotations

from typing import Any

from vault.configs.sensitive import SensitiveKeys
from vault.crypto.ring import KeyRing
from vault.operations.configure import configure
from vault.operations.protect import protect
from vault.operations.workspace import Options

from . import fixtures as F
from ._measure import Time, clock, progress, side_by_side
from ._report import f2
from ._shared import (
    FLAT,
    OAEP,
    Bench,
    samples_json,
)


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
