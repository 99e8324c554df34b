"""Faults: a full disk, a read-only folder, permission denied, a file swapped for a
symbolic link or a keystore swapped mid-run, a write killed at each step. Each gets a
clean error (or a consistent result) and leaves the originals intact.

The full-disk and read-only cases mount a small tmpfs (root only; skipped
otherwise). Permission denied, for root, runs the tool without
CAP_DAC_OVERRIDE (``setpriv``), so the file's mode bits apply to it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CIPHERTOOL, Result, Run, assert_clean_error, clean_env
from vault.configs.sensitive import SensitiveKeys
from vault.crypto.ring import KeyRing
from vault.errors import InputError
from vault.keys.ring import open_key_ring
from vault.keys.spec import KeystoreSpec
from vault.keystores.create import create_keystore
from vault.operations.protect import protect
from vault.operations.workspace import Options, Workspace
from vault.secret import Secret

PASSWORD = "fault-pass"
SECRETS = 30
CONFIG = "".join(f'[svc{i}]\npassword = "plain-{i}"\n\n' for i in range(SECRETS))


@pytest.fixture(scope="module")
def keystore(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ks") / "vault.p12"
    create_keystore(path, "main", Secret(PASSWORD))
    path.chmod(0o644)
    return path


def _ring(keystore: Path) -> KeyRing:
    return open_key_ring(
        KeystoreSpec(str(keystore)), environ={"CIPHERTOOL_KEYSTORE_PASSWORD": PASSWORD}
    )


def _env(keystore: Path) -> dict[str, str]:
    return clean_env(CIPHERTOOL_KEYSTORE=str(keystore), CIPHERTOOL_KEYSTORE_PASSWORD=PASSWORD)


def _others(folder: Path, *keep: str) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


@contextlib.contextmanager
def _tmpfs(where: Path, size: str) -> Iterator[Path]:
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(where)],
        capture_output=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_full_disk_is_a_clean_error_and_the_config_is_kept(
    run: Run, keystore: Path, tmp_path: Path
) -> None:
    with _tmpfs(tmp_path / "disk", "256k") as disk:
        config = disk / "app.toml"
        config.write_text(CONFIG)
        # Fill the disk but for a few pages: the original fits, the encrypted file cannot.
        free = os.statvfs(disk)
        filler = disk / "filler"
        with contextlib.suppress(OSError), filler.open("wb") as handle:
            handle.write(b"\0" * (free.f_bavail * free.f_frsize - 8192))
        result = run("protect", str(config), env=_env(keystore))
        assert_clean_error(result, 2, str(config), "No space left on device")
        assert config.read_text() == CONFIG
        assert _others(disk, "app.toml", "filler") == []


def test_a_read_only_folder_is_a_clean_error(run: Run, keystore: Path, tmp_path: Path) -> None:
    with _tmpfs(tmp_path / "ro", "1m") as folder:
        config = folder / "app.toml"
        config.write_text(CONFIG)
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        result = run("protect", str(config), env=_env(keystore))
        assert_clean_error(result, 2, str(config), "Read-only file system")
        assert config.read_text() == CONFIG


def test_enospc_from_fsync_is_a_clean_error(
    keystore: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The data may sit in the page cache until fsync says the disk is full."""
    config = tmp_path / "app.toml"
    config.write_text(CONFIG)
    ring = _ring(keystore)

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(InputError, match="No space left on device") as caught:
        protect([config], ring, SensitiveKeys(()))
    assert caught.value.path == str(config)
    monkeypatch.undo()
    assert config.read_text() == CONFIG
    assert _others(tmp_path, "app.toml") == []


def _unprivileged(run_args: list[str], env: dict[str, str], cwd: Path) -> Result:
    """Run ciphertool so that file modes apply to it even when the tests run as root."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv: mode bits cannot be made to apply")
        prefix = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"]
    proc = subprocess.run(
        [*prefix, *CIPHERTOOL, *run_args], capture_output=True, env=env, cwd=cwd, timeout=60
    )
    return Result(proc.returncode, proc.stdout.decode(), proc.stderr.decode())


def test_permission_denied_is_a_clean_error(keystore: Path, tmp_path: Path) -> None:
    config = tmp_path / "app.toml"
    config.write_text(CONFIG)
    config.chmod(0o000)
    result = _unprivileged(["protect", str(config)], _env(keystore), tmp_path)
    assert_clean_error(result, 2, str(config), "not readable")
    config.chmod(0o600)
    assert config.read_text() == CONFIG
    # Readable and writable, but the folder refuses the temp file beside it.
    folder = tmp_path / "locked"
    folder.mkdir()
    inside = folder / "app.toml"
    inside.write_text(CONFIG)
    folder.chmod(0o555)
    try:
        result = _unprivileged(["protect", str(inside)], _env(keystore), tmp_path)
    finally:
        folder.chmod(0o755)
    assert_clean_error(result, 2, str(inside), "Permission denied")
    assert inside.read_text() == CONFIG
    assert _others(folder, "app.toml") == []


def _swap_before_write(monkeypatch: pytest.MonkeyPatch, swap: Any) -> None:
    """Run ``swap`` after the run has read everything and before it writes."""
    original = Workspace.write

    def write(self: Workspace) -> list[Path]:
        swap()
        return original(self)

    monkeypatch.setattr(Workspace, "write", write)


def test_a_config_swapped_for_a_symlink_mid_run_is_not_followed(
    keystore: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "app.toml"
    config.write_text(CONFIG)
    elsewhere = tmp_path / "elsewhere.toml"
    elsewhere.write_text(CONFIG)
    ring = _ring(keystore)

    def swap() -> None:
        config.unlink()
        config.symlink_to(elsewhere)

    _swap_before_write(monkeypatch, swap)
    with pytest.raises(InputError, match="symbolic link"):
        protect([config], ring, SensitiveKeys(()))
    assert elsewhere.read_text() == CONFIG
    assert _others(tmp_path, "app.toml", "elsewhere.toml") == []


def test_a_keystore_swapped_mid_run_changes_nothing_the_run_decided(
    keystore: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keys are read once, at the start: a keystore replaced under a running command does
    not mix keys into its output; everything it wrote reads with the key it loaded."""
    mine = tmp_path / "vault.p12"
    shutil.copy(keystore, mine)
    config = tmp_path / "app.toml"
    config.write_text(CONFIG)
    env = {"CIPHERTOOL_KEYSTORE_PASSWORD": PASSWORD}
    ring = open_key_ring(KeystoreSpec(str(mine)), environ=env)

    def swap() -> None:
        mine.unlink()
        create_keystore(mine, "impostor", Secret(PASSWORD))

    _swap_before_write(monkeypatch, swap)
    protect([config], ring, SensitiveKeys(()), Options())
    from vault import Vault

    data = Vault(ring).load(config)
    assert [data[f"svc{i}"]["password"] for i in range(SECRETS)] == [
        f"plain-{i}" for i in range(SECRETS)
    ]


def test_protect_killed_at_each_step_leaves_old_or_new_files_never_a_dangling_reference(
    run: Run, keystore: Path, tmp_path: Path
) -> None:
    """Stores are written before the configs that refer to them: kill between any two
    steps, and every $secret{} in the configs has its alias in the store."""
    from vault.operations.inspect import check

    template = tmp_path / "template"
    template.mkdir()
    (template / "app.properties").write_text("db.password=plain-db\nurl=jdbc:x\n")
    (template / "app.yml").write_text("api:\n  token: plain-token\n")
    killed = 0
    for point in range(1, 20):
        folder = tmp_path / f"run{point}"
        shutil.copytree(template, folder)
        env = dict(_env(keystore), CIPHERTOOL_FAILPOINT=str(point))
        files = [str(folder / "app.properties"), str(folder / "app.yml")]
        result = run("protect", *files, env=env)
        if result.returncode == 0:
            break
        assert result.returncode == -signal.SIGKILL
        killed += 1
        findings = check([Path(f) for f in files], None, SensitiveKeys(()))
        assert [f for f in findings if f.kind == "unknown-alias"] == []
        # The next run cleans the dead run's temp files and finishes the job.
        again = run("protect", *files, env=_env(keystore))
        assert again.returncode == 0, again.stderr
        assert run("check", *files, env=_env(keystore)).returncode == 0
        assert _others(folder, "app.properties", "app.yml", "cipher-text.properties") == []
    assert killed == 6, killed  # two failpoints per file written, three files


def test_a_config_changed_by_someone_else_mid_run_is_not_overwritten(
    keystore: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An editor saving the file between our read and our write: their edit is kept."""
    config = tmp_path / "app.toml"
    config.write_text(CONFIG)
    ring = _ring(keystore)
    edited = CONFIG + '[late]\nedit = "kept"\n'

    def edit() -> None:
        config.write_text(edited)  # in place, as an editor might: same inode, no lock

    _swap_before_write(monkeypatch, edit)
    with pytest.raises(InputError, match="changed while this run was working on it"):
        protect([config], ring, SensitiveKeys(()))
    assert config.read_text() == edited
    assert _others(tmp_path, "app.toml") == []
