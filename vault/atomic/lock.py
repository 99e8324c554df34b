"""Per-file locks: ``flock`` on a file this tool makes beside the file it guards."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

from vault._bounded import kind_of
from vault.atomic._folder import NEW_FILE_MODE, Folder, describe, log, own_regular
from vault.errors import InputError

__all__ = [
    "DEFAULT_LOCK_TIMEOUT",
    "LOCK_SUFFIX",
    "lock_path",
    "lock_timeout",
    "locked",
    "remove_stale_lock",
]

LOCK_SUFFIX = ".ciphertool-lock"
DEFAULT_LOCK_TIMEOUT = 60.0
_WAIT_NOTICE = 1.0

lock_timeout: float = DEFAULT_LOCK_TIMEOUT
"""Seconds a run waits for another run's lock before it gives up (``--lock-timeout``)."""


def lock_path(path: str | os.PathLike[str]) -> Path:
    """The lock file of ``path``: ``.NAME.ciphertool-lock`` beside it (in its real folder)."""
    target = Path(path)
    return Path(os.path.realpath(target.parent)) / f".{target.name}{LOCK_SUFFIX}"


def _holder(fd: int) -> str:
    with contextlib.suppress(OSError, ValueError):
        pid = int(os.pread(fd, 32, 0).decode("ascii").strip() or "x")
        return f" (pid {pid})"
    return ""


@contextlib.contextmanager
def locked(path: str | os.PathLike[str], *, timeout: float | None = None) -> Iterator[None]:
    """Hold the exclusive lock of ``path`` (which need not exist) for the block.

    The lock is ``flock`` on a file this tool makes beside ``path``, 0600 and owned
    by the runner, so that nobody who can merely read the config (or write its
    folder) can hold it. A lock file that is not the runner's own regular file is
    refused, never used. Waiting says so on stderr after a second, and gives up after
    ``timeout`` seconds (default :data:`lock_timeout`) naming the lock file. The
    file is removed on release; a waiter that then holds a removed file sees that
    and locks again. In a folder this user cannot write, nothing can be rewritten,
    so nothing is locked."""
    lock = lock_path(path)
    limit = lock_timeout if timeout is None else timeout
    try:
        folder = Folder(lock.parent)
    except OSError as exc:
        raise InputError(f"cannot open the folder: {describe(exc)}", path=lock.parent) from None
    with folder:
        fd = _lock(folder, lock, limit)
        if fd is None:
            yield
            return
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                folder.unlink(lock.name)
            os.close(fd)


def _lock(folder: Folder, lock: Path, limit: float) -> int | None:
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    started = time.monotonic()
    said = False
    while True:
        try:
            fd = os.open(lock.name, flags, NEW_FILE_MODE, dir_fd=folder.fd)
        except OSError as exc:
            found = folder.lstat(lock.name)
            if found is not None and not own_regular(found):
                raise _not_a_lock(lock, found) from None
            if exc.errno in (errno.EACCES, errno.EROFS, errno.EPERM) and found is None:
                return None  # a folder this user cannot write: nothing here is rewritten
            raise InputError(f"cannot open the lock file: {describe(exc)}", path=lock) from None
        try:
            info = os.fstat(fd)
            if not own_regular(info) or info.st_nlink != 1:
                raise _not_a_lock(lock, info)
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    waited = time.monotonic() - started
                    if waited >= limit:
                        raise InputError(
                            f"another run{_holder(fd)} has held this lock for over "
                            f"{limit:g} s; gave up (--lock-timeout)",
                            path=lock,
                        ) from None
                    if not said and waited >= _WAIT_NOTICE:
                        log.warning("%s: waiting for another run%s to finish", lock, _holder(fd))
                        said = True
                    time.sleep(0.05)
            now = folder.lstat(lock.name)
            if now is not None and (now.st_dev, now.st_ino) == (info.st_dev, info.st_ino):
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
                return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # removed or replaced by the run that held it: lock again


def _not_a_lock(lock: Path, info: os.stat_result) -> InputError:
    if not stat.S_ISREG(info.st_mode):
        what = kind_of(info.st_mode) if not stat.S_ISLNK(info.st_mode) else "a symbolic link"
    elif info.st_uid != os.geteuid():
        what = f"owned by uid {info.st_uid}"
    else:
        what = f"a file with {info.st_nlink} links"
    return InputError(
        f"is {what}, not a lock this tool made; not used (remove it if no run is going on)",
        path=lock,
    )


def remove_stale_lock(folder: Folder, name: str) -> None:
    """A lock file a killed run left: removed when it is the runner's own and nobody
    holds it (a run that opened it meanwhile sees it gone once it holds it, and locks
    again, as after any release)."""
    info = folder.lstat(name)
    if info is None or not own_regular(info):
        return
    try:
        fd = os.open(
            name, os.O_RDWR | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=folder.fd
        )
    except OSError:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held = os.fstat(fd)
        now = folder.lstat(name)
        if now is not None and (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino):
            folder.unlink(name)
    except OSError:
        pass
    finally:
        os.close(fd)
