"""Peak memory and large inputs: one process per case (child.py), each beside its floor."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from . import fixtures as F
from ._measure import child, mb, progress
from ._report import Table, f2, f3
from ._shared import (
    FLAT,
    MEMORY_BOUND,
    Bench,
    Resolvable,
)


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
