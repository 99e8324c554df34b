"""Atomic rewrites and per-file locks.

Every rewrite is a temp file in the same directory (mode 0600 while it is
written), fsync, rename over the original (the original's mode restored),
fsync of the directory. An interrupted run leaves the old file or the new
one, and at worst a ``.NAME.*.tmp`` file that never holds more than the new
content would.

Locks are ``flock`` on the file itself. A rename swaps the inode under a
waiting locker, so after taking the lock the inode is checked again and the
lock retaken on the new file: no side files are left behind.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path

from .errors import InputError

NEW_FILE_MODE = 0o600
log = logging.getLogger("vault.atomic")


def _describe(exc: OSError) -> str:
    return os.strerror(exc.errno) if exc.errno else type(exc).__name__


@contextlib.contextmanager
def locked(path: str | os.PathLike[str]) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (which must exist) for the block."""
    target = Path(path)
    while True:
        try:
            fd = os.open(target, os.O_RDONLY | os.O_CLOEXEC)
        except OSError as exc:
            raise InputError(f"cannot open for locking: {_describe(exc)}", path=target) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                current = os.stat(target)
            except FileNotFoundError:
                raise InputError("vanished while waiting for its lock", path=target) from None
            held = os.fstat(fd)
            if (current.st_dev, current.st_ino) == (held.st_dev, held.st_ino):
                yield
                return
        finally:
            os.close(fd)


def temp_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")


def _write_temp(path: Path, data: bytes, mode: int) -> Path:
    temp = temp_path(path)
    try:
        write_new(temp, data, mode)
    except OSError as exc:
        raise InputError(f"cannot write: {_describe(exc)}", path=path) from None
    return temp


def replace(path: str | os.PathLike[str], data: bytes) -> None:
    """Atomically replace the existing file ``path`` with ``data``, keeping its mode."""
    target = Path(path)
    try:
        info = os.stat(target)
    except OSError as exc:
        raise InputError(f"cannot rewrite: {_describe(exc)}", path=target) from None
    temp = _write_temp(target, data, stat.S_IMODE(info.st_mode))
    try:
        os.replace(temp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        if isinstance(exc, OSError):
            raise InputError(f"cannot rewrite: {_describe(exc)}", path=target) from None
        raise
    _fsync_dir(target.parent)


def create(path: str | os.PathLike[str], data: bytes, mode: int = NEW_FILE_MODE) -> None:
    """Atomically create ``path``; refuse when it already exists."""
    target = Path(path)
    temp = _write_temp(target, data, mode)
    try:
        os.link(temp, target)
    except FileExistsError:
        raise InputError("already exists; not overwritten", path=target) from None
    except OSError as exc:
        raise InputError(f"cannot create: {_describe(exc)}", path=target) from None
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()
    _fsync_dir(target.parent)


def _fsync_dir(directory: Path) -> None:
    """Make a rename durable. The rename has happened: a failure here is only logged."""
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP):
            log.warning("%s: could not fsync the directory: %s", directory, _describe(exc))


_FAILPOINT_ENV = "CIPHERTOOL_FAILPOINT"
_failpoints_reached = 0


def failpoint() -> None:
    """Fault injection for the crash tests: with ``CIPHERTOOL_FAILPOINT=N`` in the
    environment, the process kills itself with SIGKILL at the Nth failpoint reached.

    Failpoints sit between the steps of every multi-file write sequence
    (rotation), so the tests can stop it at each instant and check what is left.
    """
    global _failpoints_reached
    target = os.environ.get(_FAILPOINT_ENV)
    if not target:
        return
    _failpoints_reached += 1
    if _failpoints_reached == int(target):
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


def fsync_dir(directory: Path) -> None:
    """Make the renames in ``directory`` durable."""
    _fsync_dir(directory)


def write_new(path: Path, data: bytes, mode: int) -> None:
    """Write ``path`` (which must not exist) and fsync it, mode 0600 until it is complete."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, NEW_FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            os.fchmod(handle.fileno(), mode)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            path.unlink()
        raise
