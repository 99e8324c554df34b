"""Start-up and resolve benchmarks (run by scripts/bench; CI does not run them).

Every figure is a ratio of two things measured side by side in this run,
interleaved, median of the repeats, so a noisy machine skews both alike.
"""

from __future__ import annotations

import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives import hashes

import vault
from vault.cipher import KeyEntry, KeyRing
from vault.keystores import load_keystore
from vault.keystores._write import create_keystore
from vault.secret import Secret
from vault.store import _parse_toml

PASSWORD = "bench-password"
PY = sys.executable
OAEP = padding.OAEP(padding.MGF1(hashes.SHA1()), hashes.SHA1(), None)


def timed(command: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def side_by_side(runs: dict[str, Callable[[], float]], repeats: int) -> dict[str, float]:
    """Median seconds of each, the runs interleaved."""
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            samples[name].append(run())
    return {name: statistics.median(values) for name, values in samples.items()}


def make_config(folder: Path, ring: KeyRing, n: int) -> tuple[Path, list[str]]:
    lines, secrets, ciphertexts = [], ["[secrets]"], []
    for i in range(n):
        lines.append(f'[service_{i}]\npassword = "$secret{{s{i}}}"\nurl = "jdbc:x://h{i}"\n')
        ciphertext = ring.encrypt(f"secret-value-{i}")
        ciphertexts.append(json.loads(__import__("base64").b64decode(ciphertext))["c"])
        secrets.append(f's{i} = "{ciphertext}"')
    path = folder / f"deployment-{n}.toml"
    path.write_text("\n".join(lines + secrets) + "\n")
    return path, ciphertexts


def main(out: str) -> None:
    results: dict[str, object] = {
        "machine": f"{platform.machine()}, {platform.processor() or '?'}, Python {platform.python_version()}",
        "vault": vault.__version__,
    }
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        jks = folder / "bench.jks"
        create_keystore(jks, "bench", Secret(PASSWORD), kind="jks")
        store = load_keystore(jks, Secret(PASSWORD))
        key = store.private_key()
        ring = KeyRing([KeyEntry(store.certificate(), key)])
        der = folder / "key.der"
        der.write_bytes(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        env = {
            "CIPHERTOOL_KEYSTORE": str(jks),
            "CIPHERTOOL_KEYSTORE_PASSWORD": PASSWORD,
            "PATH": "/usr/bin:/bin",
        }

        # -- start-up ---------------------------------------------------------------
        config50, blocks50 = make_config(folder, ring, 50)
        (folder / "blocks.json").write_text(json.dumps(blocks50))
        floor = (
            "import base64, json\n"
            "from cryptography.hazmat.primitives import serialization, hashes\n"
            "from cryptography.hazmat.primitives.asymmetric import padding\n"
            f"key = serialization.load_der_private_key(open({str(der)!r}, 'rb').read(), None,"
            " unsafe_skip_rsa_key_validation=True)\n"
            "oaep = padding.OAEP(padding.MGF1(hashes.SHA1()), hashes.SHA1(), None)\n"
            f"[key.decrypt(base64.b64decode(c), oaep) for c in json.load(open({str(folder / 'blocks.json')!r}))]\n"
        )
        startup = side_by_side(
            {
                "python -c pass": lambda: timed([PY, "-c", "pass"]),
                "python -c 'import vault'": lambda: timed([PY, "-c", "import vault"]),
                "ciphertool --version": lambda: timed(
                    [str(Path(PY).parent / "ciphertool"), "--version"]
                ),
                "raw cryptography, 50 decryptions (floor)": lambda: timed([PY, "-c", floor]),
                "vault.load_config, 50 secrets, JKS": lambda: timed(
                    [PY, "-c", f"import vault; vault.load_config({str(config50)!r})"], env
                ),
                "ciphertool resolve, 50 secrets, JKS": lambda: timed(
                    [str(Path(PY).parent / "ciphertool"), "resolve", str(config50)], env
                ),
            },
            repeats=15,
        )
        results["startup_seconds"] = startup
        base = startup["raw cryptography, 50 decryptions (floor)"]
        results["startup_ratios_vs_floor"] = {k: v / base for k, v in startup.items()}

        # -- in-process resolve against the bare decrypt loop -----------------------------
        inproc: dict[str, object] = {}
        for n in (50, 2000):
            config, blocks = make_config(folder, ring, n) if n != 50 else (config50, blocks50)
            raw = [__import__("base64").b64decode(b) for b in blocks]
            v = vault.Vault(ring)

            def bare() -> float:
                start = time.perf_counter()
                for block in raw:
                    key.decrypt(block, OAEP)
                return time.perf_counter() - start

            def resolve(config: Path = config) -> float:
                _parse_toml.cache_clear()  # every load reads and parses the file anew
                start = time.perf_counter()
                v.load(config)
                return time.perf_counter() - start

            times = side_by_side({"floor": bare, "resolve": resolve}, repeats=5 if n > 100 else 15)
            inproc[str(n)] = {**times, "ratio": times["resolve"] / times["floor"]}
        results["resolve_in_process"] = inproc
    Path(out).write_text(json.dumps(results, indent=2) + "\n")
    print(f"machine: {results['machine']}")
    print(f"{'start-up (median of 15, interleaved)':<48} {'seconds':>8} {'x floor':>8}")
    for name, seconds in startup.items():
        print(f"{name:<48} {seconds:8.3f} {seconds / base:8.2f}")
    print(
        f"\n{'in-process resolve vs bare decrypt loop':<48} {'floor s':>8} {'vault s':>8} {'ratio':>6}"
    )
    for n, row in inproc.items():
        assert isinstance(row, dict)
        print(f"N = {n:<44} {row['floor']:8.3f} {row['resolve']:8.3f} {row['ratio']:6.2f}")
    print(f"\nfigures written to {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bench-results.json")
