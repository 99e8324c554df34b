"""What every part of :mod:`vault.atomic` shares: a folder opened once and looked into
through its descriptor, durable renames, capped warnings, and the crash tests' failpoints."""

from __future__ import annotations

import errno
import logging
import os
import stat
from collections.abc import Sequence
from pathlib import Path

from vault._failpoint import failpoint as failpoint

NEW_FILE_MODE = 0o600
NAMED_IN_A_WARNING = 5
log = logging.getLogger("vault.atomic")


def describe(exc: OSError) -> str:
    return os.strerror(exc.errno) if exc.errno else type(exc).__name__


def _name_for_warning(name: str) -> str:
    shown = name.encode("unicode_escape").decode("ascii")
    return shown if len(shown) <= 60 else shown[:57] + "..."


def warn_left_alone(folder: Path, found: Sequence[tuple[str, str]]) -> None:
    """One capped warning line naming what was found in ``folder`` and left alone."""
    if not found:
        return
    shown = [f"{_name_for_warning(n)} ({why})" for n, why in found[:NAMED_IN_A_WARNING]]
    more = len(found) - len(shown)
    tail = f" and {more} more" if more else ""
    log.warning("%s: left alone, not this tool's own: %s%s", folder, ", ".join(shown), tail)


class Folder:
    """A directory opened once: the names inside it are looked up through its
    descriptor, never again through a path whose links someone could swap."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)

    def close(self) -> None:
        os.close(self.fd)

    def __enter__(self) -> Folder:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def lstat(self, name: str) -> os.stat_result | None:
        try:
            return os.stat(name, dir_fd=self.fd, follow_symlinks=False)
        except FileNotFoundError:
            return None

    def names(self) -> list[str]:
        return sorted(os.listdir(self.fd))

    def unlink(self, name: str) -> None:
        os.unlink(name, dir_fd=self.fd)

    def rename(self, source: str, target: str) -> None:
        os.rename(source, target, src_dir_fd=self.fd, dst_dir_fd=self.fd)

    def fsync(self) -> None:
        try:
            os.fsync(self.fd)
        except OSError as exc:
            if exc.errno not in (errno.EINVAL, errno.ENOTSUP):
                log.warning("%s: could not fsync the directory: %s", self.path, describe(exc))


def own_regular(info: os.stat_result) -> bool:
    return stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid()


def fsync_dir(directory: Path) -> None:
    """Make a rename durable. The rename has happened: a failure here is only logged."""
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP):
            log.warning("%s: could not fsync the directory: %s", directory, describe(exc))
