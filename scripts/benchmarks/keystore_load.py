"""Keystore load: open_key_ring against the plain library way, per kind and maker."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization

import vault

from . import fixtures as F
from ._measure import clock, progress, side_by_side
from ._report import f2, ms
from ._shared import (
    Bench,
    open_ring_run,
    samples_json,
)


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
