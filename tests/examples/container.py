"""A process started as a container would start it, without a container engine.

A new PID namespace (the command is PID 1, as in a container) and a new mount
namespace (a fresh /run, the image's files at their paths, Compose secrets and
volumes where Compose mounts them, tmpfs volumes with their own options), then the
image's USER, an environment holding only the image's ENV, and its WORKDIR. Needs
root, ``unshare`` and ``setpriv``; the tests skip with a reason otherwise.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

UNSHARE = ("unshare", "--pid", "--fork", "--kill-child", "--mount", "--propagation", "private")


def _why_not() -> str | None:
    if os.geteuid() != 0:
        return "needs root to make PID and mount namespaces"
    for tool in ("unshare", "setpriv", "mount"):
        if shutil.which(tool) is None:
            return f"{tool} is not on PATH"
    from tests.conftest import CHECKOUT_CLOSED

    if CHECKOUT_CLOSED is not None:
        return CHECKOUT_CLOSED
    probe = subprocess.run([*UNSHARE, "true"], capture_output=True)
    if probe.returncode != 0:
        return f"unshare cannot make namespaces here: {probe.stderr.decode().strip()}"
    return None


WHY_NOT = _why_not()
BIN = str(Path(sys.executable).parent)
PATH = f"{BIN}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass
class Dockerfile:
    """The instructions the recipe relies on, as Docker reads them."""

    env: dict[str, str] = field(default_factory=dict)
    workdir: str = "/"
    user: str | None = None
    entrypoint: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    copies: list[tuple[list[str], str]] = field(default_factory=list)
    stopsignal: str | None = None


def parse_dockerfile(path: Path) -> Dockerfile:
    lines: list[str] = []
    pending = ""
    for raw in path.read_text().splitlines():
        if raw.lstrip().startswith("#") and not pending:
            continue
        if raw.endswith("\\"):
            pending += raw[:-1] + " "
            continue
        lines.append(pending + raw)
        pending = ""
    out = Dockerfile()
    for line in lines:
        if not line.strip():
            continue
        word, _, rest = line.strip().partition(" ")
        word, rest = word.upper(), rest.strip()
        if word == "ENV":
            for pair in shlex.split(rest):
                name, _, value = pair.partition("=")
                out.env[name] = value
        elif word == "WORKDIR":
            out.workdir = rest
        elif word == "USER":
            out.user = rest
        elif word in ("ENTRYPOINT", "CMD"):
            value = json.loads(rest)  # exec form only: a shell form would not be PID 1
            assert isinstance(value, list), f"{word} must be in exec (JSON) form"
            setattr(out, word.lower(), value)
        elif word == "COPY":
            *sources, target = shlex.split(rest)
            out.copies.append((sources, target))
        elif word == "STOPSIGNAL":
            out.stopsignal = rest
    return out


@dataclass
class Step:
    """One process: the user (uid, or None for root), its whole environment, argv."""

    argv: list[str]
    env: dict[str, str]
    user: str | None = None
    workdir: str = "/"


def _python_reachable() -> list[str]:
    """Shell lines that let any user run this Python, whose install may sit under a
    folder only root may enter (/root/.pyenv): inside the namespace that folder becomes
    an empty tmpfs with the install bound back at its path, as an image would hold it."""
    install = Path(os.path.realpath(sys.executable)).parent.parent
    for ancestor in reversed(install.parents):
        if ancestor != Path("/") and not ancestor.stat().st_mode & 0o001:
            stash = "/run/.python-install"
            return [
                f"mkdir -p {stash}",
                f"mount --bind {shlex.quote(str(install))} {stash}",
                f"mount -t tmpfs -o mode=0755 tmpfs {shlex.quote(str(ancestor))}",
                f"mkdir -p {shlex.quote(str(install))}",
                f"mount --bind {stash} {shlex.quote(str(install))}",
            ]
    return []


def _writable_over(target: Path, covered: set[str]) -> list[str]:
    """Shell lines that let ``mkdir -p target`` run without touching the host: a folder
    missing on the host is made in an overlay (its upper layer in the namespace's
    /run tmpfs) over its nearest existing ancestor, e.g. /etc for /etc/app/config."""
    if target.exists() or target.is_relative_to("/run"):
        return []
    ancestor = next(p for p in target.parents if p.exists())
    if ancestor == Path("/"):
        raise AssertionError(f"{target}: would be made in the host's /")
    if str(ancestor) in covered:
        return []
    covered.add(str(ancestor))
    layer = shlex.quote(f"/run/.overlay{ancestor}")
    options = f"lowerdir={ancestor},upperdir={layer}/up,workdir={layer}/work"
    return [
        f"mkdir -p {layer}/up {layer}/work",
        f"mount -t overlay overlay -o {shlex.quote(options)} {shlex.quote(str(ancestor))}",
    ]


def start(
    steps: list[Step],
    *,
    binds: dict[str, Path],
    tmpfs: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """Run each step in turn in one set of namespaces; the last is exec'd as PID 1.
    ``binds``: container path -> host path (read-write); ``tmpfs``: path -> options."""
    script = ["set -e", "mount -t tmpfs -o mode=0755 tmpfs /run", *_python_reachable()]
    covered: set[str] = set()
    for target in [*binds, *(tmpfs or {})]:
        script += _writable_over(Path(target), covered)
    for target, source in binds.items():
        script.append(f"mkdir -p {shlex.quote(target)}")
        script.append(f"mount --bind {shlex.quote(str(source))} {shlex.quote(target)}")
    for target, options in (tmpfs or {}).items():
        script.append(f"mkdir -p {shlex.quote(target)}")
        script.append(f"mount -t tmpfs -o {shlex.quote(options)} tmpfs {shlex.quote(target)}")
    for i, step in enumerate(steps):
        who = []
        if step.user is not None:
            who = ["setpriv", "--reuid", step.user, "--regid", step.user, "--clear-groups"]
        env = ["env", "-i", *(f"{k}={v}" for k, v in step.env.items())]
        line = shlex.join([*who, *env, *step.argv])
        last = i == len(steps) - 1
        script.append(f"cd {shlex.quote(step.workdir)} && {'exec ' if last else ''}{line}")
    return subprocess.Popen(
        [*UNSHARE, "sh", "-c", "\n".join(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def container_pid(proc: subprocess.Popen[bytes]) -> int:
    """The host's PID of the container's PID 1 (unshare's child)."""
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


def image_env(dockerfile: Dockerfile, **extra: str) -> dict[str, str]:
    """What Docker puts in a container's environment: PATH, HOSTNAME, HOME, the ENV."""
    return {"PATH": PATH, "HOSTNAME": "container", "HOME": "/", **dockerfile.env, **extra}
