"""A PKCS#11 token (SoftHSM2): resolve against raw PKCS#11 decryptions and a PKCS12 file."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import vault
from vault.crypto.ring import KeyRing

from ._measure import Run, clock, progress, side_by_side
from ._report import f2, f3
from ._shared import (
    Bench,
    Resolvable,
    bare_loop,
    samples_json,
    vault_load,
)

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
    rows: list[dict[str, Any]] = []
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
