"""A second local user who can write the folder where root keeps its configs (a sticky,
world-writable deploy folder) plants things beside them; root then runs the tool there.
Nothing planted is trusted: no file outside the folder is deleted or replaced, no config
is replaced or handed to another owner, nothing hangs, nothing ends in "internal error".

Every attack runs as real processes: the attacker is uid 65534 through ``setpriv`` (the
tests skip with a reason unless run as root), the victim is ``ciphertool`` run by root.
Timing-dependent attacks are made deterministic with strace: the victim's first
``unlink`` or ``link`` is held for a moment, and the attacker acts while it is held.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CHECKOUT_CLOSED, CIPHERTOOL, clean_env
from vault import atomic
from vault.keystores.create import create_keystore
from vault.secret import Secret

NOBODY = 65534
PASSWORD = "hostile-pass-1"
NEW_PASSWORD = "hostile-pass-2"
SETPRIV = ["setpriv", "--reuid", str(NOBODY), "--regid", str(NOBODY), "--clear-groups"]
MISSING = (
    "needs root (to run the attacker as uid 65534)"
    if os.geteuid() != 0
    else "needs setpriv"
    if shutil.which("setpriv") is None
    else None
)
pytestmark = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")
needs_strace = pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace")
SYSCALL_NUMBERS = {"unlink": (87, 263), "link": (86, 265)}  # x86_64: unlink/unlinkat, link/linkat
ID = "00ff00ff00ff00ff"
JOURNAL = f"{atomic.JOURNAL_PREFIX}{ID}{atomic.JOURNAL_SUFFIX}"


@pytest.fixture
def shared() -> Iterator[Path]:
    """/tmp/ct-shared-*/ (0755) holding deploy/ (1777, like /tmp) and rootonly/ (0700)."""
    base = Path(tempfile.mkdtemp(prefix="ct-shared-", dir="/tmp"))
    base.chmod(0o755)
    (base / "deploy").mkdir(mode=0o1777)
    (base / "deploy").chmod(0o1777)
    (base / "rootonly").mkdir(mode=0o700)
    yield base
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("keys")
    old, new = folder / "old.p12", folder / "new.p12"
    create_keystore(old, "app", Secret(PASSWORD))
    create_keystore(new, "app", Secret(NEW_PASSWORD))
    return {"old": old, "new": new}


def _env(keys: dict[str, Path], **extra: str) -> dict[str, str]:
    return clean_env(
        CIPHERTOOL_KEYSTORE=str(keys["old"]), CIPHERTOOL_KEYSTORE_PASSWORD=PASSWORD, **extra
    )


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))  # old code read /dev/zero


def _root(
    *args: str, env: dict[str, str], timeout: float = 60, prefix: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    """ciphertool run by root (the victim), memory-capped, with a time limit."""
    try:
        return subprocess.run(
            [*(prefix or []), *CIPHERTOOL, *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            preexec_fn=_limit_memory,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"ciphertool {' '.join(args)} still running after {timeout} s")


def _nobody(*command: str) -> None:
    """The attacker: a command run as uid 65534."""
    subprocess.run([*SETPRIV, *command], check=True, capture_output=True, timeout=30)


def _nobody_writes(path: Path, data: str | bytes) -> None:
    subprocess.run(
        [*SETPRIV, "sh", "-c", 'cat > "$1"', "sh", str(path)],
        input=data.encode() if isinstance(data, str) else data,
        check=True,
        timeout=30,
    )


def _config(deploy: Path, name: str, keys: dict[str, Path], secrets: int = 3) -> Path:
    """A root-owned TOML config of ``secrets`` encrypted secrets."""
    path = deploy / name
    lines = "".join(f'p{i} = "[value-{i}]"\n' for i in range(secrets))
    path.write_text(f'[db]\npassword = "$secret{{p0}}"\n\n[secrets]\n{lines}')
    done = _root("configure", str(path), env=_env(keys))
    assert done.returncode == 0, done.stderr
    return path


def _clean(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr


def _tracee(strace: subprocess.Popen[str]) -> int | None:
    try:
        children = Path(f"/proc/{strace.pid}/task/{strace.pid}/children").read_text().split()
    except OSError:
        return None
    return int(children[0]) if children else None


def _in_syscall(pid: int, numbers: tuple[int, ...]) -> bool:
    try:
        first = Path(f"/proc/{pid}/syscall").read_text().split()[0]
    except (OSError, IndexError):
        return False
    return first.isdigit() and int(first) in numbers


def _when_held(
    syscall: str, args: list[str], env: dict[str, str], act: object
) -> subprocess.CompletedProcess[str]:
    """Run ciphertool under strace with every ``syscall`` held for 1 s; call ``act()``
    (the attacker) the first time the victim sits in one. The victim's result."""
    names = f"{syscall},{syscall}at"
    prefix = [
        "strace",
        "-f",
        "-qq",
        "-o",
        "/dev/null",
        "-e",
        f"trace={names}",
        "-e",
        f"inject={names}:delay_enter=1000000",
    ]
    proc = subprocess.Popen(
        [*prefix, *CIPHERTOOL, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_limit_memory,
    )
    acted = False
    deadline = time.monotonic() + 90
    while proc.poll() is None and time.monotonic() < deadline:
        pid = _tracee(proc)
        if not acted and pid is not None and _in_syscall(pid, SYSCALL_NUMBERS[syscall]):
            act()  # type: ignore[operator]
            acted = True
        time.sleep(0.005)
    out, err = proc.communicate(timeout=30)
    return subprocess.CompletedProcess(args, proc.returncode, out, err)


# -- settling leftovers ------------------------------------------------------------------


def _traversal_journal() -> str:
    """A journal as main's reader took it: it names sub/precious among its journals."""
    return json.dumps(
        {"tool": "ciphertool", "id": ID, "state": "prepared", "files": [],
         "journals": ["sub/precious", JOURNAL], "peers": []}
    )  # fmt: skip


def _plant_traversal(deploy: Path) -> None:
    _nobody("mkdir", str(deploy / "empty"))
    _nobody("ln", "-s", "empty", str(deploy / "sub"))
    _nobody_writes(deploy / JOURNAL, _traversal_journal())


@needs_strace
def test_a_planted_journal_deletes_nothing_even_with_its_symlink_flipped_mid_settle(
    shared: Path, keys: dict[str, Path]
) -> None:
    deploy, precious = shared / "deploy", shared / "rootonly" / "precious"
    precious.write_text("root's own\n")
    other = _config(deploy, "other.toml", keys)
    other.write_text(other.read_text() + 'later = "[x]"\n')
    _plant_traversal(deploy)

    def flip() -> None:
        _nobody("ln", "-sfn", str(shared / "rootonly"), str(deploy / "sub"))

    result = _when_held("unlink", ["configure", str(other)], _env(keys), flip)
    assert os.path.islink(deploy / "sub")
    assert precious.read_text() == "root's own\n"
    assert result.returncode == 0, result.stderr
    _clean(result)
    assert f"{JOURNAL} (owned by uid {NOBODY})" in result.stderr
    assert "rolled back" not in result.stderr
    assert (deploy / JOURNAL).exists()  # left alone, not deleted


def test_a_planted_journal_deletes_nothing_in_the_real_race(
    shared: Path, keys: dict[str, Path]
) -> None:
    deploy, precious = shared / "deploy", shared / "rootonly" / "precious"
    other = _config(deploy, "other.toml", keys)
    _plant_traversal(deploy)
    flipper = subprocess.Popen(
        [*SETPRIV, "python3", "-c",
         "import os, sys\n"
         "d = sys.argv[1]\n"
         "while True:\n"
         "    for t in ('empty', sys.argv[2]):\n"
         "        os.symlink(t, d + '/sub.new'); os.rename(d + '/sub.new', d + '/sub')\n",
         str(deploy), str(shared / "rootonly")],
    )  # fmt: skip
    try:
        for _ in range(4):
            precious.write_text("root's own\n")
            if not (deploy / JOURNAL).exists():
                _nobody_writes(deploy / JOURNAL, _traversal_journal())
            other.write_text(other.read_text() + f'x{time.monotonic_ns()} = "[x]"\n')
            result = _root("configure", str(other), env=_env(keys))
            assert precious.exists(), result.stderr
            assert result.returncode == 0, result.stderr
    finally:
        flipper.kill()
        flipper.wait()


def test_a_planted_rotate_new_never_replaces_a_config(shared: Path, keys: dict[str, Path]) -> None:
    deploy = shared / "deploy"
    app = _config(deploy, "app.toml", keys)
    other = _config(deploy, "other.toml", keys)
    before = app.read_bytes()
    _nobody_writes(deploy / ".app.toml.rotate-new", '[secrets]\np0 = "attacker"\n')
    for id, files in (("00", ["app.toml"]), ("ff", [{"name": "app.toml", "new": [], "old": []}])):
        journal = {"tool": "ciphertool", "id": id, "state": "prepared", "files": files,
                   "journals": [f"{atomic.JOURNAL_PREFIX}{id}.json"], "peers": []}  # fmt: skip
        _nobody_writes(deploy / f"{atomic.JOURNAL_PREFIX}{id}.json", json.dumps(journal))
    other.write_text(other.read_text() + 'later = "[x]"\n')
    result = _root("configure", str(other), env=_env(keys))
    assert app.read_bytes() == before
    assert app.stat().st_uid == 0
    assert result.returncode == 0, result.stderr
    _clean(result)
    assert "left alone" in result.stderr
    assert (deploy / ".app.toml.rotate-new").exists()


def _rotate(app: Path, keys: dict[str, Path], *extra: str) -> list[str]:
    return ["rotate", str(app), "--to-keystore", str(keys["new"]),
            "--to-storepass-env", "NEW_PASS", *extra]  # fmt: skip


@needs_strace
def test_a_rotate_old_planted_during_a_live_rotation_is_never_put_in_place(
    shared: Path, keys: dict[str, Path]
) -> None:
    deploy = shared / "deploy"
    app = _config(deploy, "app.toml", keys, secrets=30)
    before = app.read_bytes()

    def plant() -> None:
        _nobody_writes(deploy / ".app.toml.rotate-old", "[secrets]\n")

    result = _when_held("link", _rotate(app, keys), _env(keys, NEW_PASS=NEW_PASSWORD), plant)
    assert app.read_bytes() == before, result.stderr
    assert app.stat().st_uid == 0
    assert result.returncode == 2, result.stderr
    _clean(result)
    assert "in the way; nothing changed" in result.stderr
    assert (deploy / ".app.toml.rotate-old").read_text() == "[secrets]\n"


def test_rollback_with_a_planted_journal_and_symlink_leaves_the_config_alone(
    shared: Path, keys: dict[str, Path]
) -> None:
    deploy = shared / "deploy"
    app = _config(deploy, "app.toml", keys)
    before = app.read_bytes()
    _nobody_writes(deploy / "chosen", "[secrets]\n")
    _nobody("ln", "-s", str(deploy / "chosen"), str(deploy / ".app.toml.rotate-old"))
    journal = {"tool": "ciphertool", "id": ID, "state": "prepared", "files": ["app.toml"],
               "journals": [JOURNAL], "peers": []}  # fmt: skip
    _nobody_writes(deploy / JOURNAL, json.dumps(journal))
    result = _root("rotate", "--rollback", str(app), env=_env(keys))
    assert not app.is_symlink()
    assert app.read_bytes() == before
    assert result.returncode == 0, result.stderr
    _clean(result)
    assert os.path.islink(deploy / ".app.toml.rotate-old")  # named, left alone


def test_a_folder_at_rotate_old_is_a_clean_error(shared: Path, keys: dict[str, Path]) -> None:
    deploy = shared / "deploy"
    app = _config(deploy, "app.toml", keys)
    _nobody("mkdir", str(deploy / ".app.toml.rotate-old"))
    result = _root(*_rotate(app, keys), env=_env(keys, NEW_PASS=NEW_PASSWORD))
    assert result.returncode == 2, result.stderr
    _clean(result)
    assert ".app.toml.rotate-old" in result.stderr


def test_a_planted_journal_of_300k_files_gives_one_short_warning(
    shared: Path, keys: dict[str, Path]
) -> None:
    deploy = shared / "deploy"
    other = _config(deploy, "other.toml", keys)
    names = [f"f{i:06d}" for i in range(300_000)]
    journal = {"tool": "ciphertool", "id": ID, "state": "prepared", "files": names,
               "journals": [f"missing/{JOURNAL}", JOURNAL], "peers": []}  # fmt: skip
    _nobody_writes(deploy / JOURNAL, json.dumps(journal))
    other.write_text(other.read_text() + 'later = "[x]"\n')
    result = _root("configure", str(other), env=_env(keys))
    assert result.returncode == 0, result.stderr
    assert len(result.stderr) < 1000, len(result.stderr)


# -- locks ------------------------------------------------------------------------------


def test_another_users_flock_on_a_readable_config_does_not_block(
    shared: Path, keys: dict[str, Path]
) -> None:
    deploy = shared / "deploy"
    app = _config(deploy, "app.toml", keys)
    app.chmod(0o644)
    app.write_text(app.read_text() + 'later = "[x]"\n')
    holder = subprocess.Popen([*SETPRIV, "flock", "-x", str(app), "sleep", "60"])
    try:
        time.sleep(0.5)
        result = _root("configure", str(app), env=_env(keys), timeout=30)
        assert result.returncode == 0, result.stderr
        assert "[x]" not in app.read_text()
    finally:
        holder.kill()
        holder.wait()


def test_a_planted_lock_file_is_refused_at_once(shared: Path, keys: dict[str, Path]) -> None:
    deploy = shared / "deploy"
    app = _config(deploy, "app.toml", keys)
    _nobody_writes(deploy / f".app.toml{atomic.LOCK_SUFFIX}", "")
    result = _root("configure", str(app), env=_env(keys), timeout=30)
    assert result.returncode == 2, result.stderr
    _clean(result)
    assert f".app.toml{atomic.LOCK_SUFFIX}: is owned by uid {NOBODY}" in result.stderr


def test_waiting_for_a_lock_says_so_and_gives_up_after_lock_timeout(
    shared: Path, keys: dict[str, Path]
) -> None:
    app = _config(shared / "deploy", "app.toml", keys)
    with atomic.locked(app):
        started = time.monotonic()
        result = _root("configure", "--lock-timeout", "2.5", str(app), env=_env(keys))
        waited = time.monotonic() - started
    assert result.returncode == 2, result.stderr
    _clean(result)
    assert "waiting for another run" in result.stderr
    lock = atomic.lock_path(app)
    assert f"{lock}: another run (pid {os.getpid()}) has held this lock for over 2.5 s" in (
        result.stderr
    )
    assert 2.5 <= waited < 30


# -- bounded reads -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["fifo", "zero"])
def test_a_fifo_or_dev_zero_as_keystore_is_refused_at_once(
    shared: Path, keys: dict[str, Path], kind: str
) -> None:
    deploy = shared / "deploy"
    app = _config(deploy, "app.toml", keys)
    planted = deploy / "vault.p12"
    if kind == "fifo":
        _nobody("mkfifo", str(planted))
    else:
        _nobody("ln", "-s", "/dev/zero", str(planted))
    env = clean_env(CIPHERTOOL_KEYSTORE=str(planted), CIPHERTOOL_KEYSTORE_PASSWORD=PASSWORD)
    result = _root("resolve", str(app), env=env, timeout=30)
    assert result.returncode == 2, result.stderr
    _clean(result)
    what = "a FIFO" if kind == "fifo" else "a character device"
    assert f"{planted}: is {what}, not a keystore" in result.stderr


@pytest.mark.parametrize("kind", ["fifo", "zero"])
def test_a_fifo_or_dev_zero_as_journal_is_left_alone(
    shared: Path, keys: dict[str, Path], kind: str
) -> None:
    deploy = shared / "deploy"
    app = _config(deploy, "app.toml", keys)
    app.write_text(app.read_text() + 'later = "[x]"\n')
    if kind == "fifo":
        _nobody("mkfifo", str(deploy / JOURNAL))
    else:
        _nobody("ln", "-s", "/dev/zero", str(deploy / JOURNAL))
    result = _root("configure", str(app), env=_env(keys), timeout=30)
    assert result.returncode == 0, result.stderr
    _clean(result)
    assert JOURNAL in result.stderr
    assert "[x]" not in app.read_text()


def _der(tag: int, body: bytes) -> bytes:
    if len(body) < 0x80:
        return bytes([tag, len(body)]) + body
    size = len(body).to_bytes((len(body).bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + body


def _oid(dotted: str) -> bytes:
    parts = [int(p) for p in dotted.split(".")]
    body = bytes([40 * parts[0] + parts[1]])
    for part in parts[2:]:
        chunk = [part & 0x7F]
        while part > 0x7F:
            part >>= 7
            chunk.append(0x80 | (part & 0x7F))
        body += bytes(reversed(chunk))
    return _der(0x06, body)


def _int(value: int) -> bytes:
    return _der(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def _pbmac1_keystore(source: Path, rounds: int) -> bytes:
    """A PKCS12 made by this tool with its MacData replaced by PBMAC1 (RFC 9579)
    asking for ``rounds`` PBKDF2-HMAC-SHA256 rounds."""
    from vault.keystores import _der as der

    pfx = der.parse_one(source.read_bytes(), der.SEQUENCE)
    version, auth_safe, _mac = der.children(pfx)
    hmac_sha256 = _der(0x30, _oid("1.2.840.113549.2.9") + b"\x05\x00")
    pbkdf2 = _der(
        0x30,
        _oid("1.2.840.113549.1.5.12")
        + _der(0x30, _der(0x04, b"s" * 16) + _int(rounds) + _int(32) + hmac_sha256),
    )
    pbmac1 = _der(0x30, _oid("1.2.840.113549.1.5.14") + _der(0x30, pbkdf2 + hmac_sha256))
    mac_data = _der(
        0x30, _der(0x30, pbmac1 + _der(0x04, b"\0" * 32)) + _der(0x04, b"m" * 8) + _int(1)
    )
    return _der(0x30, version.raw + auth_safe.raw + mac_data)


def test_a_pbmac1_keystore_asking_for_2_31_rounds_is_refused(
    shared: Path, keys: dict[str, Path]
) -> None:
    deploy = shared / "deploy"
    app = _config(deploy, "app.toml", keys)
    planted = deploy / "vault.p12"
    _nobody_writes(planted, _pbmac1_keystore(keys["old"], 2**31 - 1))
    env = clean_env(CIPHERTOOL_KEYSTORE=str(planted), CIPHERTOOL_KEYSTORE_PASSWORD=PASSWORD)
    started = time.monotonic()
    result = _root("resolve", str(app), env=env, timeout=30)
    assert result.returncode == 2, result.stderr
    _clean(result)
    assert "key-derivation rounds; refused" in result.stderr
    assert time.monotonic() - started < 20


# -- owner, group and mode ---------------------------------------------------------------


def test_rewrites_keep_the_services_owner_and_new_stores_get_it(
    shared: Path, keys: dict[str, Path]
) -> None:
    deploy = shared / "deploy"
    app = deploy / "app.toml"
    app.write_text('[db]\npassword = "plain-db"\n')
    props = deploy / "app.properties"
    props.write_text("db.password=plain-props\n")
    for path in (app, props):
        os.chown(path, NOBODY, NOBODY)
        path.chmod(0o640)
    env = _env(keys, NEW_PASS=NEW_PASSWORD)
    for args in (["protect", str(app), str(props)], _rotate(app, keys), _rotate(props, keys)):
        result = _root(*args, env=env)
        assert result.returncode == 0, result.stderr
        for path in (app, props):
            info = path.stat()
            assert (info.st_uid, info.st_gid, info.st_mode & 0o7777) == (NOBODY, NOBODY, 0o640)
    store = deploy / "cipher-text.properties"
    info = store.stat()
    assert (info.st_uid, info.st_gid, info.st_mode & 0o777) == (NOBODY, NOBODY, 0o600)
    _nobody("cat", str(app), str(store))  # the service still reads its own files


# -- password-tmp ---------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["hard link", "owned by the attacker"])
def test_a_hostile_password_tmp_is_refused_not_overwritten(
    shared: Path, keys: dict[str, Path], how: str
) -> None:
    deploy = shared / "deploy"
    app = _config(deploy, "app.toml", keys)
    victim = shared / "victim.log"
    victim.write_text(f"{PASSWORD}\n")
    victim.chmod(0o666)
    if how == "hard link":
        _nobody("ln", str(victim), str(deploy / "password-tmp"))
    else:
        _nobody_writes(deploy / "password-tmp", f"{PASSWORD}\n")
    env = clean_env(CIPHERTOOL_KEYSTORE=str(keys["old"]), CIPHERTOOL_HOME=str(deploy))
    result = _root("resolve", str(app), env=env)
    assert victim.read_text() == f"{PASSWORD}\n"
    assert (deploy / "password-tmp").read_text() == f"{PASSWORD}\n"
    assert result.returncode == 2, result.stderr
    _clean(result)
    assert "refused, not overwritten" in result.stderr


# -- kills and core dumps ---------------------------------------------------------------------


@needs_strace
def test_a_kill_at_the_journal_rename_leaves_no_temp_once_settled(
    shared: Path, keys: dict[str, Path]
) -> None:
    deploy = shared / "deploy"
    app = _config(deploy, "app.toml", keys)
    env = _env(keys, NEW_PASS=NEW_PASSWORD)
    killer = ["strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=rename",
              "-e", "inject=rename:signal=KILL:when=1"]  # fmt: skip
    killed = _root(*_rotate(app, keys), env=env, prefix=killer)
    assert killed.returncode in (-signal.SIGKILL, 128 + signal.SIGKILL), killed.stderr
    temps = [p.name for p in deploy.iterdir() if p.name.startswith("." + atomic.JOURNAL_PREFIX)]
    assert temps, "the kill did not land at the journal's rename"
    settled = _root("configure", str(app), env=env)
    assert settled.returncode == 0, settled.stderr
    left = sorted(p.name for p in deploy.iterdir())
    assert left == ["app.toml"], left


@pytest.mark.skipif(CHECKOUT_CLOSED is not None, reason=CHECKOUT_CLOSED or "")
def test_a_running_ciphertool_is_not_dumpable(shared: Path, keys: dict[str, Path]) -> None:
    """Run as the second user: its own processes' /proc files become root's, so that
    user's other processes (or a core dump) cannot read the plaintext it holds."""
    deploy = shared / "deploy"
    app = _config(deploy, "app.toml", keys, secrets=20)
    bulk = "".join(f'key{i} = "{"v" * 60}"\n' for i in range(3000))  # over a pipe's 64 kB
    app.write_text(app.read_text() + f"\n[bulk]\n{bulk}")
    ks = deploy / "vault.p12"
    shutil.copy(keys["old"], ks)
    os.chown(ks, NOBODY, NOBODY)
    os.chown(app, NOBODY, NOBODY)
    env = clean_env(CIPHERTOOL_KEYSTORE=str(ks), CIPHERTOOL_KEYSTORE_PASSWORD=PASSWORD)
    read, write = os.pipe()
    proc = subprocess.Popen(
        [*SETPRIV, *CIPHERTOOL, "resolve", str(app)],
        env=env,
        stdout=write,  # never read: resolve blocks writing its plaintext
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        time.sleep(3)
        assert proc.poll() is None
        proc_dir = Path(f"/proc/{proc.pid}")
        assert "Max core file size        0" in (proc_dir / "limits").read_text()
        assert (proc_dir / "mem").stat().st_uid == 0  # non-dumpable: its /proc files are root's
        peek = subprocess.run(
            [*SETPRIV, "cat", f"/proc/{proc.pid}/environ"], capture_output=True, timeout=30
        )
        assert peek.returncode != 0 and PASSWORD.encode() not in peek.stdout
    finally:
        proc.kill()
        proc.wait()
        os.close(read)
