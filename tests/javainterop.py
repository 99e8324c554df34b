"""Drives tests/java/Interop.java: Java's KeyStore and javax.crypto.Cipher, batched."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

SOURCE = Path(__file__).parent / "java" / "Interop.java"


def compile_interop(out: Path) -> Path:
    subprocess.run(
        ["javac", "-d", str(out), str(SOURCE)], check=True, capture_output=True, timeout=300
    )
    return out


class Java:
    """One request line per call; answers are ``ok``/``err`` pairs."""

    def __init__(self, classes: Path) -> None:
        self.classes = classes

    def batch(self, requests: list[list[str]]) -> list[tuple[str, str]]:
        text = "".join("\t".join(r) + "\n" for r in requests)
        proc = subprocess.run(
            ["java", "-cp", str(self.classes), "Interop"],
            input=text,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr
        lines = proc.stdout.splitlines()
        assert len(lines) == len(requests), proc.stdout
        return [tuple(line.split("\t", 1)) for line in lines]  # type: ignore[misc]

    def one(self, *fields: str) -> str:
        [(status, result)] = self.batch([list(fields)])
        assert status == "ok", result
        return result


def request(
    op: str,
    store: Path,
    storetype: str,
    password: str,
    alias: str,
    transformation: str = "-",
    fmt: str = "-",
    data: str = "-",
) -> list[str]:
    return [op, str(store), storetype, password, alias, transformation, fmt, data]


def b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def unb64(text: str) -> str:
    return base64.b64decode(text).decode("utf-8")
