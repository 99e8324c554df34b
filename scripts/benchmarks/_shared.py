"""What the sections share: paths, the OAEP padding, the goals' bounds, the keystores
and configs made once per run (``Bench``), and the floors most sections measure against."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

import vault
from vault.configs.store import _parse_toml
from vault.crypto.ring import KeyRing

from . import fixtures as F
from ._measure import PY, ROOT, Measured, Run, Time, clock, progress
from ._plan import Plan
from ._report import Report

CACHE = ROOT / ".bench-cache"
CIPHERTOOL = str(Path(PY).parent / "ciphertool")
OAEP = padding.OAEP(padding.MGF1(hashes.SHA1()), hashes.SHA1(), None)
TRANSFORMATION = "RSA/ECB/OAEPwithSHA1andMGF1Padding"
MEMORY_BOUND = 2  # RSS an operation adds over what its floor (tomllib + cryptography) adds
FLAT = 1.25  # per-secret (or per-MB) time at the largest size over the smallest: "flat"


def cache() -> Path:
    """.bench-cache/, made on first use: what is costly to remake between runs (the peers'
    venv, compiled Java); it ignores itself, so it never reaches git."""
    CACHE.mkdir(exist_ok=True)
    (CACHE / ".gitignore").write_text("*\n")
    return CACHE


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
    """A TOML config of N encrypted secrets, and the raw RSA blocks of its ciphertexts
    (encrypted by the keystore's ring, or by ``encrypted``: a plaintext's ciphertext)."""

    def __init__(
        self,
        bench: Bench,
        keystore: Path,
        n: int,
        name: str = "resolve",
        encrypted: Callable[[str], str] | None = None,
    ) -> None:
        seal = encrypted or bench.ring(keystore).encrypt
        ciphertexts: list[str] = []

        def encrypt(plaintext: str) -> str:
            ciphertexts.append(seal(plaintext))
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
