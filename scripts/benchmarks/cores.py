"""Both cores: threads, a fork pool and the LazySecrets of one load, wall seconds."""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from typing import Any

import vault
from vault.configs.store import _parse_toml

from . import fixtures as F
from ._measure import Others, Time, clock, progress, side_by_side
from ._report import f2, f3
from ._shared import (
    OAEP,
    Bench,
    Resolvable,
    bare_loop,
    samples_json,
)

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
