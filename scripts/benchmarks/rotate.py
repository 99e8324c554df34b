"""Rotate: N secrets over several files to a new keystore, against the bare crypto."""

from __future__ import annotations

from vault.crypto.ring import KeyRing
from vault.operations.rotate import rotate

from . import fixtures as F
from ._measure import Time, clock, progress, side_by_side
from ._report import f2, f3
from ._shared import (
    OAEP,
    Bench,
    blocks_of,
    samples_json,
)


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
