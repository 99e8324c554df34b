"""Peers, whole processes: WSO2's runtime in Java and Ansible Vault on the same values."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import fixtures as F
from ._measure import HERE, PY, Run, Time, command, progress, side_by_side
from ._report import f2, f3, ms
from ._shared import (
    CACHE,
    CIPHERTOOL,
    TRANSFORMATION,
    Bench,
    Resolvable,
    cache,
    floor_script,
    samples_json,
)


def java_peer() -> tuple[Path | None, str]:
    """The compiled WSO2 peer's class folder, or None and why not."""
    if shutil.which("java") is None or shutil.which("javac") is None:
        return None, "skipped (java or javac is not on PATH)"
    source = HERE / "BenchWso2.java"
    out = CACHE / "java"
    compiled = out / "BenchWso2.class"
    if not compiled.exists() or compiled.stat().st_mtime < source.stat().st_mtime:
        out.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            ["javac", "-d", str(out), str(source)], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            return None, f"skipped (javac failed: {done.stderr.strip()[:120]})"
    return out, ""


def ansible_peer() -> tuple[Path | None, str]:
    """Ansible's own venv under .bench-cache (made once), or None and why not."""
    venv = CACHE / "ansible-venv"
    if (venv / "bin" / "ansible-vault").exists():
        return venv, ""
    progress("peers: making .bench-cache/ansible-venv (pip install ansible-core)")
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    pip += ["--disable-pip-version-check", "--timeout", "15", "--retries", "1", "ansible-core"]
    try:
        subprocess.run([PY, "-m", "venv", "--clear", str(venv)], check=True, capture_output=True)
        done = subprocess.run(pip, capture_output=True, text=True, check=False, timeout=600)
    except (OSError, subprocess.SubprocessError) as exc:
        return None, f"skipped (cannot make its venv: {exc})"
    if done.returncode != 0 or not (venv / "bin" / "ansible-vault").exists():
        lines = [x for x in done.stderr.splitlines() if "ERROR" in x] or done.stderr.splitlines()
        reason = (lines[-1] if lines else "pip failed").strip()[:120]
        shutil.rmtree(venv, ignore_errors=True)
        return None, f"skipped (pip install ansible-core failed: {reason})"
    return venv, ""


@dataclass
class Peers:
    """What the peer runs share: the keystore, the password file, the tools found."""

    java_dir: Path | None
    java_why: str
    ansible: Path | None
    ansible_why: str
    jks: Path
    vault_password: Path


def _peer_runs(bench: Bench, peers: Peers, n: int, inside: dict[str, Any]) -> dict[str, Run]:
    jks = peers.jks
    env = bench.env_for(jks)
    config = Resolvable(bench, jks, n, name="peers")
    to_configure = F.ConfigSet.make(bench.folder / f"peers-configure-{n}", "toml", n, "configure")
    floor = floor_script(bench.der_file(jks), config.blocks_file)
    path = str(config.path)

    def ciphertool_configure() -> Time:
        to_configure.reset()
        argv = [CIPHERTOOL, "configure", *map(str, to_configure.paths), "-k", str(jks)]
        return command(argv, env)[0]

    runs: dict[str, Run] = {
        "ciphertool resolve": lambda: command([CIPHERTOOL, "resolve", path], env)[0],
        "raw cryptography (floor)": lambda: command([PY, "-c", floor], env)[0],
    }
    if peers.java_dir is not None:
        java_env = {**env, "BENCH_STOREPASS": F.PASSWORD}
        java_argv = ["java", "-cp", str(peers.java_dir), "BenchWso2", str(jks), "JKS", F.ALIAS]
        java_argv += [TRANSFORMATION, str(config.blocks_file)]

        def java() -> Time:
            spent, out = command(java_argv, java_env)
            inside["java"] = json.loads(out)
            return spent

        runs["java: JVM + KeyStore.load + doFinal (WSO2)"] = java
    runs["ciphertool configure"] = ciphertool_configure
    if peers.ansible is None:
        return runs
    encrypted = bench.folder / f"ansible-{n}.yml"
    names = [a for i in range(n) for a in ("-n", F.alias(i))]
    encrypt_argv = [str(peers.ansible / "bin" / "ansible-vault"), "encrypt_string"]
    encrypt_argv += ["--vault-password-file", str(peers.vault_password)]
    encrypt_argv += [*names, *[F.value(i) for i in range(n)]]
    decrypt_argv = [str(peers.ansible / "bin" / "python"), str(HERE / "ansible_decrypt.py")]
    decrypt_argv += [str(peers.vault_password), str(encrypted)]
    ansible_env = {k: v for k, v in env.items() if not k.startswith("CIPHERTOOL")}

    def ansible_encrypt() -> Time:
        spent, out = command(encrypt_argv, ansible_env)
        encrypted.write_text(out)
        return spent

    def ansible_decrypt() -> Time:
        spent, out = command(decrypt_argv, ansible_env)
        inside["ansible"] = json.loads(out)
        return spent

    try:
        ansible_encrypt()  # the file the decrypt side reads
    except (RuntimeError, subprocess.SubprocessError) as exc:
        peers.ansible, peers.ansible_why = None, f"skipped ({exc})"
        return runs
    runs["ansible-vault encrypt_string"] = ansible_encrypt
    runs["ansible VaultLib decrypt"] = ansible_decrypt
    return runs


def peers(bench: Bench) -> None:
    report = bench.report
    cache()
    vault_password = bench.folder / "ansible-vault-password"
    vault_password.write_text("bench-ansible-password\n")
    vault_password.chmod(0o600)
    java_dir, java_why = java_peer()
    ansible, ansible_why = ansible_peer()
    jks = bench.keystore("ciphertool", "JKS", 2048)
    found = Peers(java_dir, java_why, ansible, ansible_why, jks, vault_password)
    results: list[dict[str, Any]] = []
    for n in bench.plan.peer_ns:
        progress(f"peers: N={n}")
        inside: dict[str, Any] = {}
        runs = _peer_runs(bench, found, n, inside)
        repeats = bench.plan.reps(5 if n <= 100 else 1)
        measured = side_by_side(runs, repeats)
        base = measured["ciphertool resolve"].wall
        table = report.table(
            f"peers, N={n} secrets, RSA-2048 JKS, whole processes (median of {repeats})",
            ["", "wall s", "cpu s", "x resolve (wall)", "inside the process"],
        )
        for name, m in measured.items():
            detail = ""
            if name.startswith("java"):
                java_inside = inside["java"]
                detail = (
                    f"load {ms(java_inside['load_s'])} ms, "
                    f"{n} doFinal {ms(java_inside['decrypt_s'])} ms"
                )
            elif name == "ansible VaultLib decrypt":
                detail = (
                    f"import {ms(inside['ansible']['import_s'])} ms, "
                    f"{n} decrypts {ms(inside['ansible']['decrypt_s'])} ms"
                )
            table.add(name, f3(m.wall), f3(m.cpu), f2(m.wall / base), detail)
        if found.java_dir is None:
            table.add(f"java (WSO2): {found.java_why}")
        if found.ansible is None:
            table.add(f"ansible-vault: {found.ansible_why}")
        table.note("ciphertool configure encrypts the same N values (ansible: encrypt_string);")
        table.note("cpu s: user + system of every thread (the JVM compiles and collects on the")
        table.note("other core); the ratio is of wall seconds, what a deployment waits for")
        results.append({"n": n, "inside": inside, "runs": samples_json(measured)})
    report.results["peers"] = {
        "runs": results,
        "java": found.java_why or "ran",
        "ansible": found.ansible_why or "ran",
    }
