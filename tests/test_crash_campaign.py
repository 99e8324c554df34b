"""The crash campaign: ``rotate``, ``protect`` and ``configure`` killed from outside at
many points, not only at the project's own failpoints.

Two ways to kill: strace fault injection (``-e inject=SYSCALL:signal=KILL:when=N``, the
Nth ``rename``, ``link``, ``unlink``, ``fsync``, ``fchmod``, ``fchown``, ``openat`` or
``write`` of the run) and SIGKILL at a random instant. After each kill the next write
command settles the folder; then every file parses, every secret reads with the old key
or the new one and holds the value it held, and nothing the tool makes is left behind.

A short run is in the suite; ``CIPHERTOOL_CRASH_CAMPAIGN=full`` tries every point (the
figure in the README's reliability table)::

    CIPHERTOOL_CRASH_CAMPAIGN=full .venv/bin/pytest -q tests/test_crash_campaign.py -s
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CIPHERTOOL, clean_env
from vault.crypto.ring import KeyRing
from vault.keys.passwords import PasswordOptions
from vault.keys.ring import open_key_ring
from vault.keys.spec import KeystoreSpec
from vault.keystores.create import create_keystore
from vault.runtime.load import Vault
from vault.secret import Secret

OLD, NEW = "campaign-old-1", "campaign-new-2"
FULL = os.environ.get("CIPHERTOOL_CRASH_CAMPAIGN") == "full"
SYSCALLS = ("rename", "link", "unlink", "fsync", "fchmod", "fchown", "openat", "write")
SHORT_POINTS = {"rename": (1, 3), "link": (2,), "unlink": (1,)}
RANDOM_KILLS = 20 if FULL else 1
needs_strace = pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace")
CONFIGS = ("app.toml", "app.yaml", "app.properties")


def _ring(path: Path, password: str) -> KeyRing:
    env = {"CIPHERTOOL_KEYSTORE_PASSWORD": password}
    return open_key_ring(KeystoreSpec(str(path)), PasswordOptions(), environ=env)


def _plain_files(folder: Path) -> None:
    """Configs whose secrets are plaintext, for protect."""
    (folder / "app.toml").write_text(
        "".join(f'[svc{i}]\npassword = "toml-{i}"\n\n' for i in range(8))
    )
    (folder / "app.yaml").write_text("".join(f"svc{i}:\n  password: yaml-{i}\n" for i in range(8)))
    (folder / "app.properties").write_text(
        "".join(f"svc{i}.password=props-{i}\n" for i in range(8))
    )


def _waiting_files(folder: Path) -> None:
    """Configs whose stores hold [plaintext] entries, for configure."""
    refs = "".join(f'[svc{i}]\npassword = "$secret{{t{i}}}"\n' for i in range(8))
    entries = "".join(f't{i} = "[toml-{i}]"\n' for i in range(8))
    (folder / "app.toml").write_text(f"{refs}\n[secrets]\n{entries}")
    yrefs = "".join(f"svc{i}: $secret{{y{i}}}\n" for i in range(8))
    yentries = "".join(f"  y{i}: '[yaml-{i}]'\n" for i in range(8))
    (folder / "app.yaml").write_text(f"{yrefs}secrets:\n{yentries}")
    (folder / "app.properties").write_text(
        "".join(f"svc{i}.password=$secret{{p{i}}}\n" for i in range(8))
    )
    (folder / "cipher-text.properties").write_text("".join(f"p{i}=[props-{i}]\n" for i in range(8)))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Keystores, one template folder per operation, and what each config resolves to."""
    base = tmp_path_factory.mktemp("campaign")
    old, new = base / "old.p12", base / "new.p12"
    create_keystore(old, "old", Secret(OLD))
    create_keystore(new, "new", Secret(NEW))
    env = clean_env(CIPHERTOOL_KEYSTORE=str(old), CIPHERTOOL_KEYSTORE_PASSWORD=OLD, NEW_PASS=NEW)
    templates = {}
    for op in ("protect", "configure", "rotate"):
        folder = base / op
        folder.mkdir()
        (_plain_files if op == "protect" else _waiting_files)(folder)
        if op == "rotate":
            subprocess.run([*CIPHERTOOL, "configure", *_files(folder)], env=env, check=True)
        templates[op] = folder
    ring = KeyRing([*_ring(old, OLD).entries, *_ring(new, NEW).entries])
    reference = base / "reference"
    expected = {}
    for op, folder in templates.items():
        shutil.copytree(folder, reference)
        subprocess.run([*CIPHERTOOL, *_command(op, reference, old, new)], env=env, check=True)
        expected[op] = _resolved(reference, ring)
        shutil.rmtree(reference)
    return {"old": old, "new": new, "env": env, "ring": ring,
            "templates": templates, "expected": expected}  # fmt: skip


def _files(folder: Path) -> list[str]:
    return [str(folder / name) for name in CONFIGS]


def _command(op: str, folder: Path, old: Path, new: Path) -> list[str]:
    if op == "rotate":
        return ["rotate", *_files(folder), "--to-keystore", str(new),
                "--to-storepass-env", "NEW_PASS"]  # fmt: skip
    return [op, *_files(folder)]


def _resolved(folder: Path, ring: KeyRing) -> dict[str, Any]:
    vault = Vault(ring)
    return {name: vault.load(folder / name) for name in CONFIGS}


def _left(folder: Path) -> list[str]:
    return sorted(
        p.name for p in folder.iterdir() if p.name not in (*CONFIGS, "cipher-text.properties")
    )


def _try(world: dict[str, Any], op: str, folder: Path, kill: Callable[[list[str]], int]) -> bool:
    """Copy the template, run ``op`` killed by ``kill``, settle, check. False: the run
    finished before the kill landed."""
    shutil.copytree(world["templates"][op], folder)
    args = _command(op, folder, world["old"], world["new"])
    code = kill(args)
    if code == 0:
        shutil.rmtree(folder)
        return False
    assert code in (-signal.SIGKILL, 128 + signal.SIGKILL), (folder.name, code)
    settle = subprocess.run(
        [*CIPHERTOOL, "configure", *_files(folder)],
        env=world["env"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert settle.returncode == 0, (folder.name, settle.stderr)
    assert "internal error" not in settle.stderr
    assert _resolved(folder, world["ring"]) == world["expected"][op], folder.name
    assert _left(folder) == [], (folder.name, _left(folder))
    shutil.rmtree(folder)
    return True


def _strace_kill(world: dict[str, Any], syscall: str, n: int) -> Callable[[list[str]], int]:
    def kill(args: list[str]) -> int:
        prefix = ["strace", "-f", "-qq", "-o", "/dev/null", "-e", f"trace={syscall}",
                  "-e", f"inject={syscall}:signal=KILL:when={n}"]  # fmt: skip
        return subprocess.run(
            [*prefix, *CIPHERTOOL, *args], env=world["env"], capture_output=True, timeout=120
        ).returncode

    return kill


def _timed_kill(world: dict[str, Any], delay: float) -> Callable[[list[str]], int]:
    def kill(args: list[str]) -> int:
        proc = subprocess.Popen(
            [*CIPHERTOOL, *args],
            env=world["env"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        return proc.wait(timeout=120)

    return kill


def _points(syscall: str) -> range | tuple[int, ...]:
    """Every call of the run (every 10th openat and write: start-up makes hundreds)."""
    if not FULL:
        return SHORT_POINTS.get(syscall, ())
    return range(1, 400, 10) if syscall in ("openat", "write") else range(1, 400)


@needs_strace
@pytest.mark.parametrize("op", ["rotate", "protect", "configure"])
def test_killed_at_many_points_then_settled_every_secret_reads(
    world: dict[str, Any], tmp_path: Path, op: str
) -> None:
    tried = failed_to_land = 0
    workers = os.cpu_count() or 2
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for syscall in SYSCALLS:
            points = list(_points(syscall))
            for start in range(0, len(points), 2 * workers):
                batch = points[start : start + 2 * workers]
                landed = list(
                    pool.map(
                        lambda n, s=syscall: _try(  # type: ignore[misc]
                            world, op, tmp_path / f"{s}{n}", _strace_kill(world, s, n)
                        ),
                        batch,
                    )
                )
                tried += sum(landed)
                failed_to_land += len(landed) - sum(landed)
                if not all(landed):
                    break  # past the run's last such call
        rng = random.Random(14)
        delays = [rng.uniform(0.3, 2.5) for _ in range(RANDOM_KILLS)]
        landed = list(
            pool.map(
                lambda d: _try(world, op, tmp_path / f"t{d:.3f}", _timed_kill(world, d)),
                delays,
            )
        )
        tried += sum(landed)
    print(f"\n{op}: {tried} kill points tried and settled, 0 failures", flush=True)
    assert tried >= (50 if FULL else 2), tried
