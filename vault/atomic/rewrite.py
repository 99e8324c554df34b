"""One file rewritten or created atomically: a temp file beside it, the original's owner,
group and mode, fsync, rename (or link), fsync of the folder."""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

from vault.atomic._folder import NEW_FILE_MODE, describe, failpoint, fsync_dir
from vault.errors import InputError

__all__ = ["Owner", "create", "owner_for_new", "replace", "temp_path", "write_new"]


def temp_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")


Owner = tuple[int, int]


def _write_temp(path: Path, data: bytes, mode: int, owner: Owner | None) -> Path:
    temp = temp_path(path)
    try:
        write_new(temp, data, mode, owner, like=path)
    except OSError as exc:
        raise InputError(f"cannot write: {describe(exc)}", path=path) from None
    return temp


def replace(path: str | os.PathLike[str], data: bytes) -> None:
    """Atomically replace the existing file ``path`` with ``data``, keeping its owner,
    group and mode."""
    target = Path(path)
    try:
        info = os.stat(target)
    except OSError as exc:
        raise InputError(f"cannot rewrite: {describe(exc)}", path=target) from None
    temp = _write_temp(target, data, stat.S_IMODE(info.st_mode), (info.st_uid, info.st_gid))
    failpoint()
    try:
        os.replace(temp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        if isinstance(exc, OSError):
            raise InputError(f"cannot rewrite: {describe(exc)}", path=target) from None
        raise
    fsync_dir(target.parent)
    failpoint()


def owner_for_new(like: str | os.PathLike[str] | None) -> Owner | None:
    """The owner and group a new file beside ``like`` (a config) gets: the config's,
    when this process can give them (root); else the runner's own."""
    if like is None or os.geteuid() != 0:
        return None
    try:
        info = os.stat(like)
    except OSError:
        return None
    return info.st_uid, info.st_gid


def create(
    path: str | os.PathLike[str],
    data: bytes,
    mode: int = NEW_FILE_MODE,
    *,
    like: str | os.PathLike[str] | None = None,
) -> None:
    """Atomically create ``path``; refuse when it already exists. Run as root, the new
    file gets the owner and group of ``like`` (the config it serves)."""
    target = Path(path)
    temp = _write_temp(target, data, mode, owner_for_new(like))
    failpoint()
    try:
        os.link(temp, target)
    except FileExistsError:
        raise InputError("already exists; not overwritten", path=target) from None
    except OSError as exc:
        raise InputError(f"cannot create: {describe(exc)}", path=target) from None
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()
    fsync_dir(target.parent)
    failpoint()


def write_new(
    path: Path,
    data: bytes,
    mode: int,
    owner: Owner | None = None,
    *,
    like: Path | None = None,
) -> None:
    """Write ``path`` (which must not exist) and fsync it, mode 0600 until it is complete,
    then given ``owner`` (uid, gid) and ``mode``. An owner this process cannot give is
    an InputError naming ``like`` (the file it stands for): a rewrite never hands a
    file to another owner."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(path, flags, NEW_FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if owner is not None:
                _give(handle.fileno(), owner, like or path)
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            path.unlink()
        raise


def _give(fd: int, owner: Owner, like: Path) -> None:
    info = os.fstat(fd)
    if (info.st_uid, info.st_gid) == owner:
        return
    try:
        os.fchown(fd, owner[0], owner[1])
    except PermissionError:
        raise InputError(
            f"is owned by uid {owner[0]}, gid {owner[1]}, which this user cannot give a "
            "rewritten file; not rewritten (run it as that user or as root)",
            path=like,
        ) from None
