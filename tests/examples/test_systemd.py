"""examples/systemd: the unit checked by ``systemd-analyze verify`` (where it exists)
and parsed, then its ExecStart run as systemd would run it: the unit's user, an
environment of systemd's defaults and the unit's Environment= (specifiers expanded),
$CREDENTIALS_DIRECTORY holding the LoadCredential= files, then SIGTERM."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CIPHERTOOL
from tests.examples import container
from tests.examples.container import Step
from tests.examples.test_docker import DB_PASSWORD, PASSWORD, context, read_line

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "systemd" / "app.service"
CREDENTIALS = "/run/credentials/app.service"
DYNAMIC_UID = "61234"  # in systemd's DynamicUser= range
needs_namespaces = pytest.mark.skipif(container.WHY_NOT is not None, reason=container.WHY_NOT or "")


def unit(text: str | None = None) -> dict[str, dict[str, list[str]]]:
    """Sections -> key -> values (a key may repeat), as systemd reads a unit file."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for raw in (text if text is not None else EXAMPLE.read_text()).splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, equals, value = line.partition("=")
        assert equals, f"not a key=value line: {raw!r}"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def installed_here(tmp_path: Path) -> Path:
    """The unit as installed on this machine: its programs' paths are this Python's."""
    text = EXAMPLE.read_text()
    text = text.replace("/usr/local/bin/ciphertool", CIPHERTOOL[0] if len(CIPHERTOOL) == 1 else "")
    text = text.replace("/usr/bin/python3", sys.executable)
    path = tmp_path / "app.service"
    path.write_text(text)
    return path


def test_the_unit_loads_the_password_as_a_credential_and_execs() -> None:
    service = unit()["Service"]
    credentials = dict(v.split(":", 1) for v in service["LoadCredential"])
    assert "ciphertool-keystore-password" in credentials  # the name ciphertool looks for
    (start,) = service["ExecStart"]
    argv = shlex.split(start)
    assert Path(argv[0]).name == "ciphertool" and argv[1] == "exec" and "--" in argv
    env = dict(v.split("=", 1) for v in service["Environment"])
    keystore = env["CIPHERTOOL_KEYSTORE"]
    assert keystore.startswith("%d/") and keystore[3:] in credentials  # a credential too
    assert not any("PASSWORD" in name for name in env)
    assert service["Type"] == ["exec"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
@pytest.mark.skipif(len(CIPHERTOOL) != 1, reason="no ciphertool script in this environment")
def test_systemd_analyze_verify(tmp_path: Path) -> None:
    result = subprocess.run(
        ["systemd-analyze", "verify", str(installed_here(tmp_path))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def start_unit(tmp_path: Path, *, with_password: bool = True) -> subprocess.Popen[bytes]:
    service = unit(installed_here(tmp_path).read_text())["Service"]
    srv, secrets = context(tmp_path)
    # What the unit's comments install: /etc/app (root's 0600 files), /opt/app.
    etc, opt = tmp_path / "etc-app", tmp_path / "opt-app"
    etc.mkdir()
    opt.mkdir()
    shutil.copy(secrets / "vault.p12", etc)
    shutil.copy(secrets / "keystore-password", etc / "keystore-password")
    shutil.copy(srv / "app" / "app.toml", etc)
    shutil.copy(srv / "app" / "service.py", opt)
    for name in ("vault.p12", "keystore-password"):
        os.chown(etc / name, 0, 0)
        (etc / name).chmod(0o600)
    # LoadCredential=: each file copied into the unit's credentials folder, the user's, 0400.
    creds = tmp_path / "credentials"
    creds.mkdir()
    for spec in service["LoadCredential"]:
        name, source = spec.split(":", 1)
        if name == "ciphertool-keystore-password" and not with_password:
            continue
        target = creds / name
        shutil.copy((etc / Path(source).name), target)
        os.chown(target, int(DYNAMIC_UID), int(DYNAMIC_UID))
        target.chmod(0o400)
    os.chown(creds, int(DYNAMIC_UID), int(DYNAMIC_UID))
    creds.chmod(0o500)
    env = {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin",
        "LANG": "C.UTF-8",
        "USER": "app",
        "LOGNAME": "app",
        "HOME": "/",
        "SHELL": "/usr/sbin/nologin",
        "INVOCATION_ID": "0123456789abcdef0123456789abcdef",
        "CREDENTIALS_DIRECTORY": CREDENTIALS,
    }
    for assignment in service["Environment"]:
        name, value = assignment.split("=", 1)
        env[name] = value.replace("%d", CREDENTIALS)
    (start,) = service["ExecStart"]
    step = Step(shlex.split(start), env, user=DYNAMIC_UID, workdir="/")
    binds = {"/etc/app": etc, "/opt/app": opt, CREDENTIALS: creds}
    return container.start([step], binds=binds)


@needs_namespaces
@pytest.mark.skipif(len(CIPHERTOOL) != 1, reason="no ciphertool script in this environment")
def test_execstart_under_systemds_environment(tmp_path: Path) -> None:
    proc = start_unit(tmp_path)
    try:
        line = read_line(proc)
        assert line == f"ready: pid 1, database password of {len(DB_PASSWORD)} characters\n", (
            proc.stderr.read().decode() if proc.stderr and not line else line
        )
        pid = container.container_pid(proc)
        environ = Path(f"/proc/{pid}/environ").read_bytes()
        assert f"DB_PASSWORD={DB_PASSWORD}".encode() in environ.split(b"\0")
        assert b"CREDENTIALS_DIRECTORY" in environ  # systemd's own variable stays
        assert PASSWORD.encode() not in environ  # the keystore password is not
        assert DB_PASSWORD.encode() not in Path(f"/proc/{pid}/cmdline").read_bytes()
        os.kill(pid, signal.SIGTERM)  # systemctl stop
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert (out, proc.returncode) == (b"stopping on SIGTERM\n", 0), err


@needs_namespaces
@pytest.mark.skipif(len(CIPHERTOOL) != 1, reason="no ciphertool script in this environment")
def test_without_the_password_credential_the_start_fails_closed(tmp_path: Path) -> None:
    proc = start_unit(tmp_path, with_password=False)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 3 and out == b""
    lines = err.decode().splitlines()
    assert len(lines) == 1 and "CREDENTIALS_DIRECTORY" in lines[0], lines
