"""``resolve --output-dir``: one file per secret, published as one set.

For the ``*_FILE`` convention (``POSTGRES_PASSWORD_FILE=/run/secrets/app/db_password``)
and for an init container writing into an ``emptyDir``. The folder is laid out as
Kubernetes lays out a Secret volume, which readers and reloaders already know::

    DIR/                                     0700, the tool's own (may be a mount point)
      ..2026_12_01_22_53_54.5f1c09e2/        one version of the set: 0700, files 0400
        db_password                          the value alone, no newline
      ..data -> ..2026_12_01_22_53_54.5f1c09e2   the switch, replaced by rename(2)
      db_password -> ..data/db_password

Why this layout: a folder cannot be renamed over a folder that holds files, and
``DIR`` itself may be a mount point (an ``emptyDir``, a tmpfs), which cannot be
renamed at all, so swapping ``DIR`` (a symlink beside it, or ``RENAME_EXCHANGE``)
would not work there and would put the versions in a parent others may write. Here
every version is written whole inside ``DIR``, and one rename of the ``..data``
link publishes it. A lookup of ``DIR/alias`` crosses ``..data`` once, so it finds
the old value or the new one, whole. A reader that needs several files from one
set reads where ``..data`` points, reads the files there, and reads ``..data``
again: the same version name means it read one whole set (versions are never
changed once published, are removed only after a switch away from them, and never
share a name); another name means it starts again (:func:`read`).

Who can write what: ``DIR`` is created 0700 by the user running the tool; an
existing ``DIR`` is used only when it is a real folder (not a link) owned by that
user, and either empty or laid out as above. Everything after that is done
relative to the open folder, never following a link, so a parent folder others
can write (``/tmp``) can swap ``DIR``'s name but not make the tool write elsewhere.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
import time
from collections.abc import Mapping
from pathlib import Path

from vault.errors import InputError
from vault.secret import Secret

DATA_LINK = "..data"
_VERSION = re.compile(r"\.\.\d{4}(_\d\d){5}\.[0-9a-f]{8}")
_TEMP_LINK = re.compile(r"\.\.data\.[0-9a-f]{8}\.tmp")
_FOLDER_MODE = 0o700
_FILE_MODE = 0o400
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC

__all__ = ["DATA_LINK", "check_file_name", "publish", "read"]


def _why(exc: OSError) -> str:
    return os.strerror(exc.errno) if exc.errno else type(exc).__name__


def check_file_name(alias: str, path: str | os.PathLike[str] | None = None) -> str:
    """``alias`` as a file name of the set: a name of its own, never the folder's
    (``..data``, the versions) nor one that leads out of it; ``path``: the config."""
    if alias.startswith("..") or alias in (".", "") or "/" in alias or "\0" in alias:
        raise InputError(
            f"alias '{alias}' cannot name a file of --output-dir (names with '/' or "
            "starting with '..' are not the set's)",
            path=path,
            alias=alias,
        )
    return alias


def publish(directory: str | os.PathLike[str], values: Mapping[str, Secret]) -> None:
    """Publish ``values`` as ``directory/ALIAS`` files (the value alone, mode 0400, in a
    folder 0700), replacing the previous set as one: the new set is written whole,
    a link made for each new name (dangling until the switch), the set switched in
    by one rename, then the old set and the links of names no longer in it removed.
    At every instant each name of the published set reads whole.

    ``directory`` is created when missing; an existing one that is not a real folder
    owned by this user, empty or written by this function, is refused untouched.
    Two runs at once on one folder take turns."""
    from vault._failpoint import failpoint

    target = Path(directory)
    names = {check_file_name(alias): value for alias, value in values.items()}
    fd = _open_own_folder(target)
    try:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX)
        _check_layout(fd, target, names)
        version = _write_version(fd, target, names)
        failpoint()
        try:
            _link_names(fd, target, names)
            failpoint()
            _switch(fd, target, version)
        except InputError:
            _remove_version(fd, version)
            raise
        failpoint()
        _remove_stale(fd, target, names, version)
    finally:
        os.close(fd)


def read(directory: str | os.PathLike[str], *, attempts: int = 100) -> dict[str, Secret]:
    """The set published in ``directory``, every value from one version of it."""
    target = Path(directory)
    for _ in range(attempts):
        try:
            version = os.readlink(target / DATA_LINK)
            folder = target / version
            values = {
                entry.name: Secret(entry.read_bytes().decode("utf-8")) for entry in folder.iterdir()
            }
            if os.readlink(target / DATA_LINK) == version:
                return values
        except FileNotFoundError:
            continue  # removed after a switch: read again
        except OSError as exc:
            raise InputError(f"cannot read the set: {_why(exc)}", path=target) from None
        except UnicodeDecodeError:
            raise InputError("a file of the set is not UTF-8", path=target) from None
    raise InputError(f"changed {attempts} times while it was read", path=target)


def _open_own_folder(target: Path) -> int:
    """An fd of ``target``, created 0700 when missing; refused unless it is this user's."""
    try:
        os.mkdir(target, _FOLDER_MODE)
    except FileExistsError:
        pass
    except OSError as exc:
        raise InputError(f"cannot create the folder: {_why(exc)}", path=target) from None
    try:
        fd = os.open(target, _DIR_FLAGS)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise InputError(
                "exists and is not a folder (a link or a file); not touched", path=target
            ) from None
        raise InputError(f"cannot open the folder: {_why(exc)}", path=target) from None
    try:
        info = os.fstat(fd)
        if info.st_uid != os.geteuid():
            raise InputError(
                f"the folder belongs to uid {info.st_uid}, not to this user; not touched",
                path=target,
            )
    except BaseException:
        os.close(fd)
        raise
    return fd


def _check_layout(fd: int, target: Path, names: Mapping[str, Secret]) -> None:
    """Refuse a folder that holds anything and is not this module's; then make it 0700."""
    entries = os.listdir(fd)
    if not _is_link(fd, DATA_LINK) and not all(_is_leftover(fd, e) for e in entries):
        raise InputError(
            f"is not empty and was not written by --output-dir (no {DATA_LINK} link); not touched",
            path=target,
        )
    for name in names:
        if name in entries and stat.S_ISDIR(_lstat(fd, name).st_mode):
            raise InputError(f"holds a folder named '{name}'; not touched", path=target)
    os.fchmod(fd, _FOLDER_MODE)


def _write_version(fd: int, target: Path, names: Mapping[str, Secret]) -> str:
    """A new version folder holding every value, fsynced; its name."""
    stamp = time.strftime("%Y_%m_%d_%H_%M_%S", time.gmtime())
    version = f"..{stamp}.{secrets.token_hex(4)}"
    try:
        os.mkdir(version, _FOLDER_MODE, dir_fd=fd)
        folder = os.open(version, _DIR_FLAGS, dir_fd=fd)
    except OSError as exc:
        raise InputError(f"cannot create a folder in it: {_why(exc)}", path=target) from None
    try:
        for name, value in names.items():
            _write_file(folder, name, value.encode(), target)
        os.fchmod(folder, _FOLDER_MODE)
        os.fsync(folder)
    except BaseException:
        os.close(folder)
        _remove_version(fd, version)
        raise
    os.close(folder)
    return version


def _write_file(folder: int, name: str, data: bytes, target: Path) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        out = os.open(name, flags, _FILE_MODE, dir_fd=folder)
    except OSError as exc:
        raise InputError(f"cannot write '{name}': {_why(exc)}", path=target) from None
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(out, view) :]
        os.fchmod(out, _FILE_MODE)
        os.fsync(out)
    except OSError as exc:
        raise InputError(f"cannot write '{name}': {_why(exc)}", path=target) from None
    finally:
        os.close(out)


def _switch(fd: int, target: Path, version: str) -> None:
    """Point ``..data`` at ``version`` with one rename: the set changes here, whole."""
    temp = f"{DATA_LINK}.{secrets.token_hex(4)}.tmp"
    try:
        os.symlink(version, temp, dir_fd=fd)
        os.rename(temp, DATA_LINK, src_dir_fd=fd, dst_dir_fd=fd)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp, dir_fd=fd)
        raise InputError(f"cannot switch to the new set: {_why(exc)}", path=target) from None
    _fsync(fd)


def _link_names(fd: int, target: Path, names: Mapping[str, Secret]) -> None:
    """``NAME -> ..data/NAME`` for each name of the set (already there after the first
    run); made before the switch, so that every name of the new set reads from it on."""
    for name in names:
        link = f"{DATA_LINK}/{name}"
        if _is_link(fd, name) and os.readlink(name, dir_fd=fd) == link:
            continue
        temp = f"{DATA_LINK}.{secrets.token_hex(4)}.tmp"
        try:
            os.symlink(link, temp, dir_fd=fd)
            os.rename(temp, name, src_dir_fd=fd, dst_dir_fd=fd)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(temp, dir_fd=fd)
            raise InputError(f"cannot link '{name}': {_why(exc)}", path=target) from None
    _fsync(fd)


def _remove_stale(fd: int, target: Path, names: Mapping[str, Secret], version: str) -> None:
    """The old versions, links of names no longer in the set, and any leftover of a run
    that was stopped part-way; anything else in the folder is left alone."""
    for entry in os.listdir(fd):
        if entry == version or entry == DATA_LINK or entry in names:
            continue
        if _VERSION.fullmatch(entry):
            _remove_version(fd, entry)
        elif _is_link(fd, entry) and (
            _TEMP_LINK.fullmatch(entry) or os.readlink(entry, dir_fd=fd) == f"{DATA_LINK}/{entry}"
        ):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(entry, dir_fd=fd)
    _fsync(fd)


def _remove_version(fd: int, version: str) -> None:
    """A version folder and the files in it (regular files only: nothing else is ours)."""
    try:
        folder = os.open(version, _DIR_FLAGS, dir_fd=fd)
    except OSError:
        return
    try:
        for name in os.listdir(folder):
            if stat.S_ISREG(_lstat(folder, name).st_mode):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(name, dir_fd=folder)
    finally:
        os.close(folder)
    with contextlib.suppress(OSError):
        os.rmdir(version, dir_fd=fd)


def _is_leftover(fd: int, name: str) -> bool:
    """Something a first run stopped before its switch leaves: a version folder, a
    temporary link, or a link through ``..data``."""
    info = _lstat(fd, name)
    if _VERSION.fullmatch(name):
        return stat.S_ISDIR(info.st_mode)
    if not stat.S_ISLNK(info.st_mode):
        return False
    return bool(_TEMP_LINK.fullmatch(name)) or os.readlink(name, dir_fd=fd) == f"{DATA_LINK}/{name}"


def _lstat(fd: int, name: str) -> os.stat_result:
    return os.stat(name, dir_fd=fd, follow_symlinks=False)


def _is_link(fd: int, name: str) -> bool:
    try:
        return stat.S_ISLNK(_lstat(fd, name).st_mode)
    except FileNotFoundError:
        return False


def _fsync(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.fsync(fd)
