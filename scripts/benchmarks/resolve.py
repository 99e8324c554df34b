"""Resolve in process (ring open) against a bare loop of cryptography decryptions."""

from __future__ import annotations

import statistics
import tomllib
from typing import Any

import vault
from vault.configs.store import literal_base64_strings

from ._measure import clock, progress, side_by_side
from ._report import f2, f3
from ._shared import (
    Bench,
    Resolvable,
    bare_loop,
    open_ring_run,
    samples_json,
    vault_load,
)


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
