"""Atomic rewrites, per-file locks, and the rotation journal.

Every rewrite is a temp file in the same directory (mode 0600 while it is
written), given the original's owner, group and mode, fsync, rename over the
original, fsync of the directory. An interrupted run leaves the old file or the
new one, and at worst a ``.NAME.*.tmp`` file that never holds more than the new
content would.

Whoever can write a config's folder (a shared or sticky deploy folder) can plant
anything beside it. Nothing there is trusted for being there: a lock is a file
this tool creates itself (0600, owned by the runner); a leftover of a rotation
is settled only when a journal owned by the runner names it as a bare name of
the journal's own folder and its inode is the one the journal recorded. Every
such name is looked up through the folder's descriptor without following links.
Anything else is left alone and named in a warning, never renamed or deleted.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import re
import secrets
import stat
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from vault._bounded import JOURNAL_LIMIT, kind_of, read_bounded
from vault.errors import InputError

NEW_FILE_MODE = 0o600
LOCK_SUFFIX = ".ciphertool-lock"
DEFAULT_LOCK_TIMEOUT = 60.0
_WAIT_NOTICE = 1.0
_NAMED_IN_A_WARNING = 5
log = logging.getLogger("vault.atomic")

lock_timeout: float = DEFAULT_LOCK_TIMEOUT
"""Seconds a run waits for another run's lock before it gives up (``--lock-timeout``)."""


def _describe(exc: OSError) -> str:
    return os.strerror(exc.errno) if exc.errno else type(exc).__name__


def _name_for_warning(name: str) -> str:
    shown = name.encode("unicode_escape").decode("ascii")
    return shown if len(shown) <= 60 else shown[:57] + "..."


def warn_left_alone(folder: Path, found: Sequence[tuple[str, str]]) -> None:
    """One capped warning line naming what was found in ``folder`` and left alone."""
    if not found:
        return
    shown = [f"{_name_for_warning(n)} ({why})" for n, why in found[:_NAMED_IN_A_WARNING]]
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
                log.warning("%s: could not fsync the directory: %s", self.path, _describe(exc))


# -- locks ------------------------------------------------------------------------------


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
        raise InputError(f"cannot open the folder: {_describe(exc)}", path=lock.parent) from None
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
            if found is not None and not _own_regular(found):
                raise _not_a_lock(lock, found) from None
            if exc.errno in (errno.EACCES, errno.EROFS, errno.EPERM) and found is None:
                return None  # a folder this user cannot write: nothing here is rewritten
            raise InputError(f"cannot open the lock file: {_describe(exc)}", path=lock) from None
        try:
            info = os.fstat(fd)
            if not _own_regular(info) or info.st_nlink != 1:
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


def _own_regular(info: os.stat_result) -> bool:
    return stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid()


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


# -- one file ---------------------------------------------------------------------------


def temp_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")


Owner = tuple[int, int]


def _write_temp(path: Path, data: bytes, mode: int, owner: Owner | None) -> Path:
    temp = temp_path(path)
    try:
        write_new(temp, data, mode, owner, like=path)
    except OSError as exc:
        raise InputError(f"cannot write: {_describe(exc)}", path=path) from None
    return temp


def replace(path: str | os.PathLike[str], data: bytes) -> None:
    """Atomically replace the existing file ``path`` with ``data``, keeping its owner,
    group and mode."""
    target = Path(path)
    try:
        info = os.stat(target)
    except OSError as exc:
        raise InputError(f"cannot rewrite: {_describe(exc)}", path=target) from None
    temp = _write_temp(target, data, stat.S_IMODE(info.st_mode), (info.st_uid, info.st_gid))
    failpoint()
    try:
        os.replace(temp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        if isinstance(exc, OSError):
            raise InputError(f"cannot rewrite: {_describe(exc)}", path=target) from None
        raise
    _fsync_dir(target.parent)
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
        raise InputError(f"cannot create: {_describe(exc)}", path=target) from None
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()
    _fsync_dir(target.parent)
    failpoint()


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
    environment, the process kills itself with SIGKILL at the Nth failpoint reached
    (``CIPHERTOOL_FAILPOINT_ACTION=stop``: stops itself with SIGSTOP instead, so that a
    test can change the folder at that instant and let it go on with SIGCONT).

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

        stop = os.environ.get(f"{_FAILPOINT_ENV}_ACTION") == "stop"
        os.kill(os.getpid(), signal.SIGSTOP if stop else signal.SIGKILL)


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


# -- several files at once: the rotation journal ------------------------------------
#
# replace_all() writes every new file beside its original (.NAME.rotate-new),
# hard-links every original (.NAME.rotate-old), then writes a journal in each
# folder involved (.ciphertool-rotation.ID.json). A journal lists the files of
# its own folder by bare name, with the inode of each copy it made, and the
# other folders of the set (peers): once all the journals exist the set is
# committed. Then it renames each new file into place, marks the journals
# "done", removes the old links, and removes the journals. A failpoint sits
# between every two steps.
#
# recover() reads a journal left by a run that died, if it is the runner's own
# regular file: "done" anywhere, or all journals of the set present, means the
# set was committed, so it finishes the renames (or, asked to roll back and not
# yet "done", puts each old file back); a journal missing means the run died
# before committing, so it undoes. Each folder is settled from its own journal,
# and a copy is touched only when its inode is the one recorded.
# At every instant each file is whole: the old one or the new one.

JOURNAL_PREFIX = ".ciphertool-rotation."
JOURNAL_SUFFIX = ".json"
_ID = re.compile(r"[0-9a-f]{1,64}")


def new_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.rotate-new")


def old_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.rotate-old")


def _copy_names(name: str) -> tuple[str, str]:
    return f".{name}.rotate-new", f".{name}.rotate-old"


def journal_name(id: str) -> str:
    return f"{JOURNAL_PREFIX}{id}{JOURNAL_SUFFIX}"


def _journal_temp(id: str) -> re.Pattern[str]:
    return re.compile(re.escape(f".{journal_name(id)}.") + r"[0-9a-f]{8}\.tmp")


Inode = tuple[int, int]


@dataclass
class Entry:
    """One file of a journal's folder: its bare name, and the inodes of the copies."""

    name: str
    new: Inode | None = None
    old: Inode | None = None


@dataclass
class Journal:
    """The part of a rotation set in one folder."""

    folder: Path
    id: str
    state: str = "prepared"
    entries: list[Entry] = field(default_factory=list)
    peers: list[Path] = field(default_factory=list)

    @property
    def path(self) -> Path:
        return self.folder / journal_name(self.id)

    @property
    def files(self) -> list[Path]:
        return [self.folder / e.name for e in self.entries]


def _normal(path: str | os.PathLike[str]) -> Path:
    return Path(os.path.normpath(os.path.abspath(path)))


def _journal_bytes(journal: Journal, state: str) -> bytes:
    """Peers relative to the journal's folder, so that a tree moved or mounted elsewhere
    after a crash still settles."""
    document = {
        "tool": "ciphertool",
        "id": journal.id,
        "state": state,
        "files": [
            {"name": e.name, "new": list(e.new or ()), "old": list(e.old or ())}
            for e in journal.entries
        ],
        "peers": [os.path.relpath(p, journal.folder) for p in journal.peers],
    }
    return (json.dumps(document, indent=2) + "\n").encode()


def _write_journal(journal: Journal, state: str, set_: Sequence[Journal]) -> None:
    for part in set_:
        if state == "done" and not part.path.exists():
            continue
        temp = temp_path(part.path)
        write_new(temp, _journal_bytes(part, state), NEW_FILE_MODE)
        os.replace(temp, part.path)
        _fsync_dir(part.folder)
        failpoint()
    journal.state = state


def _bare(name: object) -> str:
    """A name inside the journal's own folder: no '/', no '..', no NUL, nothing empty."""
    if not isinstance(name, str) or not name or "/" in name or "\0" in name:
        raise ValueError(name)
    if name in (".", ".."):
        raise ValueError(name)
    return name


def _inode(value: object) -> Inode | None:
    if value == []:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        raise ValueError(value)
    return value[0], value[1]


def _parse_journal(folder: Path, name: str, data: bytes) -> Journal:
    document = json.loads(data)
    if not isinstance(document, dict):
        raise ValueError(document)
    state, id = document["state"], document["id"]
    if state not in ("prepared", "done") or not isinstance(id, str) or not _ID.fullmatch(id):
        raise ValueError(state)
    if name != journal_name(id) and not _journal_temp(id).fullmatch(name):
        raise ValueError(name)
    files, peers = document["files"], document.get("peers", [])
    if not isinstance(files, list) or not isinstance(peers, list):
        raise ValueError(files)
    entries = []
    for item in files:
        if not isinstance(item, dict):
            raise ValueError(item)
        entry = Entry(_bare(item["name"]), _inode(item.get("new", [])), _inode(item.get("old", [])))
        if entry.name.startswith(JOURNAL_PREFIX):
            raise ValueError(entry.name)
        entries.append(entry)
    peer_folders = []
    for peer in peers:
        if not isinstance(peer, str) or not peer or "\0" in peer:
            raise ValueError(peer)
        peer_folders.append(_normal(folder / peer))
    return Journal(folder, id, state, entries, peer_folders)


class _NotOwn(Exception):
    """A journal (or journal temp) that is not the runner's own regular file."""

    def __init__(self, why: str) -> None:
        self.why = why


def _read_own(folder: Folder, name: str) -> Journal:
    """The journal ``name`` of ``folder``: the runner's own regular file, read with a
    bound, every entry a bare name. FileNotFoundError when absent; _NotOwn when it is
    not the runner's; InputError when it is damaged."""
    info = folder.lstat(name)
    if info is None:
        raise FileNotFoundError(name)
    if stat.S_ISLNK(info.st_mode):
        raise _NotOwn("a symbolic link")
    if not stat.S_ISREG(info.st_mode):
        raise _NotOwn(kind_of(info.st_mode))
    if info.st_uid != os.geteuid():
        raise _NotOwn(f"owned by uid {info.st_uid}")
    path = folder.path / name
    data = read_bounded(name, JOURNAL_LIMIT, "rotation journal", dir_fd=folder.fd, follow=False)
    try:
        return _parse_journal(folder.path, name, data)
    except (ValueError, KeyError, TypeError, RecursionError):
        raise InputError(
            "damaged rotation journal; compare each file with its .rotate-old and "
            ".rotate-new copies, keep one, delete the rest and the journal",
            path=path,
        ) from None


def read_journal(path: Path) -> Journal:
    """A journal as written by :func:`replace_all` (the runner's own); InputError when
    it is damaged or not the runner's own, FileNotFoundError when it is absent."""
    where = _normal(path)
    with Folder(where.parent) as folder:
        try:
            return _read_own(folder, where.name)
        except _NotOwn as exc:
            raise InputError(f"is {exc.why}; not a journal of this user", path=where) from None


def journals_in(directory: Path) -> list[Path]:
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []
    return [directory / n for n in names if _is_journal_name(n)]


def _is_journal_name(name: str) -> bool:
    return name.startswith(JOURNAL_PREFIX) and name.endswith(JOURNAL_SUFFIX)


def replace_all(changes: Mapping[Path, bytes]) -> None:
    """Replace several existing files as one set; the caller holds their locks.

    If this raises before the commit point nothing has changed; after it, the
    files are all new, or a journal is left for :func:`recover` to finish.
    """
    data = {_normal(p): content for p, content in changes.items()}
    targets = sorted(data)
    directories = sorted({t.parent for t in targets})
    id = secrets.token_hex(8)
    parts = {
        d: Journal(d, id, peers=[other for other in directories if other != d]) for d in directories
    }
    current: Path = targets[0]
    try:
        for current in targets:
            info = os.stat(current)
            new = new_name(current)
            write_new(
                new,
                data[current],
                stat.S_IMODE(info.st_mode),
                (info.st_uid, info.st_gid),
                like=current,
            )
            made = os.lstat(new)
            parts[current.parent].entries.append(Entry(current.name, (made.st_dev, made.st_ino)))
            failpoint()
        for current in targets:
            os.link(current, old_name(current))
            linked = os.lstat(old_name(current))
            entry = next(e for e in parts[current.parent].entries if e.name == current.name)
            entry.old = (linked.st_dev, linked.st_ino)
            failpoint()
        for directory in directories:
            _fsync_dir(directory)
        current = parts[directories[0]].path
        _write_journal(parts[directories[0]], "prepared", list(parts.values()))
    except BaseException as exc:
        for part in parts.values():
            with contextlib.suppress(OSError), Folder(part.folder) as folder:
                _undo(folder, part)
        if isinstance(exc, FileExistsError):
            raise InputError(
                "a .rotate-new or .rotate-old copy is in the way; nothing changed", path=current
            ) from None
        if isinstance(exc, OSError):
            raise InputError(
                f"cannot write: {_describe(exc)}; nothing changed", path=current
            ) from None
        raise
    try:
        _finish_set(list(parts.values()))
    except OSError as exc:
        raise InputError(
            f"the rotation stopped half-way ({_describe(exc)}); every file is whole; "
            "run the command again to finish it, or rotate --rollback to undo it",
            path=parts[directories[0]].path,
        ) from None


def _same(info: os.stat_result | None, inode: Inode | None) -> bool:
    """The name is a regular file, not a link, with the inode the journal recorded."""
    return (
        info is not None
        and inode is not None
        and stat.S_ISREG(info.st_mode)
        and (info.st_dev, info.st_ino) == inode
    )


def _why_not(info: os.stat_result) -> str:
    if stat.S_ISLNK(info.st_mode):
        return "a symbolic link"
    if not stat.S_ISREG(info.st_mode):
        return kind_of(info.st_mode)
    if info.st_uid != os.geteuid():
        return f"owned by uid {info.st_uid}"
    return "not the copy its journal recorded"


def _finish_set(parts: Sequence[Journal]) -> None:
    folders = {part.folder: Folder(part.folder) for part in parts}
    try:
        for part in parts:
            _finish_renames(folders[part.folder], part)
        _write_journal(parts[0], "done", parts)
        for part in parts:
            _remove_copies(folders[part.folder], part, old=True)
        for part in parts:
            _remove_journal(folders[part.folder], part)
    finally:
        for folder in folders.values():
            folder.close()


def _finish_renames(folder: Folder, journal: Journal) -> None:
    strange: list[tuple[str, str]] = []
    for entry in journal.entries:
        new, _ = _copy_names(entry.name)
        info = folder.lstat(new)
        if info is None:
            continue
        if not _same(info, entry.new):
            strange.append((new, _why_not(info)))
            continue
        folder.rename(new, entry.name)
        failpoint()
    folder.fsync()
    warn_left_alone(folder.path, strange)


def _undo(folder: Folder, journal: Journal) -> None:
    """Put every old file back (only the inode the journal recorded) and remove the new
    copies and the journal."""
    strange: list[tuple[str, str]] = []
    for entry in journal.entries:
        _, old = _copy_names(entry.name)
        info = folder.lstat(old)
        if info is None:
            continue
        if not _same(info, entry.old):
            strange.append((old, _why_not(info)))
            continue
        current = folder.lstat(entry.name)
        if current is not None and (current.st_dev, current.st_ino) == entry.old:
            folder.unlink(old)
        else:
            folder.rename(old, entry.name)
        failpoint()
    warn_left_alone(folder.path, strange)
    _remove_copies(folder, journal, old=False)
    _remove_journal(folder, journal)


def _remove_copies(folder: Folder, journal: Journal, *, old: bool) -> None:
    strange: list[tuple[str, str]] = []
    for entry in journal.entries:
        name = _copy_names(entry.name)[1 if old else 0]
        info = folder.lstat(name)
        if info is None:
            continue
        if not _same(info, entry.old if old else entry.new):
            strange.append((name, _why_not(info)))
            continue
        folder.unlink(name)
        failpoint()
    folder.fsync()
    warn_left_alone(folder.path, strange)


def _remove_journal(folder: Folder, journal: Journal) -> None:
    """The journal and any temp of it this user left (a run killed while writing it)."""
    temps = _journal_temp(journal.id)
    for name in folder.names():
        if name != journal_name(journal.id) and not temps.fullmatch(name):
            continue
        info = folder.lstat(name)
        if info is not None and _own_regular(info):
            with contextlib.suppress(FileNotFoundError):
                folder.unlink(name)
                failpoint()
    folder.fsync()


def recover(directories: Iterable[Path], *, rollback: bool = False) -> list[str]:
    """Finish (or with ``rollback`` undo) every set left by a run that died; what was done.

    Only journals that are the runner's own regular files are read; anything else
    that looks like one is named in a warning and left alone."""
    done: list[str] = []
    for directory in sorted({_normal(d) for d in directories}):
        try:
            folder = Folder(directory)
        except OSError:
            continue
        with folder:
            strange: list[tuple[str, str]] = []
            ids: list[str] = []
            for name in folder.names():
                if name.endswith(LOCK_SUFFIX):
                    _remove_stale_lock(folder, name)
                id = _id_of(name)
                if id is None:
                    continue
                info = folder.lstat(name)
                if info is None:
                    continue
                if not _own_regular(info):
                    strange.append((name, _why_not(info)))
                elif id not in ids:
                    ids.append(id)
            warn_left_alone(directory, strange)
        for id in ids:
            message = _settle_id(directory, id, rollback)
            if message is not None:
                done.append(message)
    return done


def _remove_stale_lock(folder: Folder, name: str) -> None:
    """A lock file a killed run left: removed when it is the runner's own and nobody
    holds it (a run that opened it meanwhile sees it gone once it holds it, and locks
    again, as after any release)."""
    info = folder.lstat(name)
    if info is None or not _own_regular(info):
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


def _id_of(name: str) -> str | None:
    """The set id of a journal name or of a temp file of one."""
    if _is_journal_name(name):
        return name[len(JOURNAL_PREFIX) : -len(JOURNAL_SUFFIX)]
    if name.startswith("." + JOURNAL_PREFIX) and name.endswith(".tmp"):
        middle = name[len(JOURNAL_PREFIX) + 1 : -len(".tmp")]
        id, _, rest = middle.partition(JOURNAL_SUFFIX + ".")
        return id if rest else None
    return None


def _part(folder: Folder, id: str) -> Journal | None:
    """The journal of set ``id`` in ``folder``, or else a temp of it (a run killed while
    writing it: the folder's part was never committed); None when neither is there."""
    try:
        return _read_own(folder, journal_name(id))
    except FileNotFoundError:
        pass
    except _NotOwn:
        return None
    temps = _journal_temp(id)
    for name in folder.names():
        if temps.fullmatch(name):
            with contextlib.suppress(FileNotFoundError, _NotOwn, InputError):
                journal = _read_own(folder, name)
                journal.state = "missing"
                return journal
    return None


def _settle_id(directory: Path, id: str, rollback: bool) -> str | None:
    try:
        with Folder(directory) as folder:
            first = _part(folder, id)
    except OSError:
        return None
    if first is None:
        return None
    folders = sorted({directory, *first.peers})
    with contextlib.ExitStack() as stack:
        opened: dict[Path, Folder] = {}
        for path in folders:
            with contextlib.suppress(OSError):
                opened[path] = stack.enter_context(Folder(path))
        parts = {path: _part(f, id) for path, f in opened.items()}
        targets = {
            lock_path(p / e.name): p / e.name
            for p, part in parts.items()
            if part
            for e in part.entries
        }
        for lock in sorted(targets):
            stack.enter_context(locked(targets[lock]))
        parts = {path: _part(f, id) for path, f in opened.items()}
        if parts.get(directory) is None:
            return None  # a live run finished it meanwhile
        failpoint()
        try:
            message = _settle(opened, parts, folders, rollback)
            for path, folder in opened.items():
                if path != directory:  # this one's are cleared by recover()
                    for name in folder.names():
                        if name.endswith(LOCK_SUFFIX):
                            _remove_stale_lock(folder, name)
            return message
        except OSError as exc:
            raise InputError(
                f"cannot settle the interrupted rotation: {_describe(exc)}",
                path=directory / journal_name(id),
            ) from None


def _settle(
    opened: Mapping[Path, Folder],
    parts: Mapping[Path, Journal | None],
    folders: Sequence[Path],
    rollback: bool,
) -> str:
    states = [
        "missing" if parts.get(f) is None else parts[f].state  # type: ignore[union-attr]
        for f in folders
    ]
    present = [(opened[f], p) for f, p in parts.items() if p is not None]
    files = [os.fspath(f) for _, p in present for f in p.files]
    names = ", ".join(files[:_NAMED_IN_A_WARNING]) + (
        f" and {len(files) - _NAMED_IN_A_WARNING} more" if len(files) > _NAMED_IN_A_WARNING else ""
    )
    if "done" in states or ("missing" not in states and not rollback):
        for folder, part in present:
            _finish_renames(folder, part)
        for folder, part in present:
            if part.state != "done":
                _mark_done(folder, part)
        for folder, part in present:
            _remove_copies(folder, part, old=True)
        for folder, part in present:
            _remove_journal(folder, part)
        late = " (it had completed; too late to roll back)" if rollback and "done" in states else ""
        return f"finished an interrupted rotation of {names}{late}"
    for folder, part in present:
        _undo(folder, part)
    return f"rolled back an interrupted rotation of {names}"


def _mark_done(folder: Folder, journal: Journal) -> None:
    if journal.state == "missing":
        return
    temp = f".{journal_name(journal.id)}.{secrets.token_hex(4)}.tmp"
    write_new(folder.path / temp, _journal_bytes(journal, "done"), NEW_FILE_MODE)
    folder.rename(temp, journal_name(journal.id))
    folder.fsync()
    failpoint()


def clean_leftovers(paths: Iterable[Path]) -> list[Path]:
    """Remove .rotate-new / .rotate-old copies no journal explains, and temp files of a
    rewrite that died before its rename (the caller holds the files' locks, so no live
    run owns them: they are from a run that died, or were left when a journal was
    deleted by hand). Only regular files owned by the runner or by the file's own
    owner are removed; anything else is named in a warning and left alone."""
    removed: list[Path] = []
    for path in paths:
        target = _normal(path)
        try:
            folder = Folder(target.parent)
        except OSError:
            continue
        with folder:
            _clean(folder, target, removed)
    return removed


def _clean(folder: Folder, target: Path, removed: list[Path]) -> None:
    own_temp = re.compile(re.escape(f".{target.name}.") + r"[0-9a-f]{8}\.tmp")
    copies = [n for n in _copy_names(target.name) if folder.lstat(n) is not None]
    names = folder.names()
    copies += [n for n in names if own_temp.fullmatch(n)]
    if not copies:
        return
    explained = False
    for name in names:
        id = _id_of(name)
        if id is None or not _is_journal_name(name):
            continue
        with contextlib.suppress(FileNotFoundError, _NotOwn, InputError):
            if any(e.name == target.name for e in _read_own(folder, name).entries):
                explained = True
    if explained:
        copies = [c for c in copies if c.endswith(".tmp")]
    config = folder.lstat(target.name)
    owners = {os.geteuid(), *([config.st_uid] if config is not None else [])}
    strange: list[tuple[str, str]] = []
    for copy in copies:
        info = folder.lstat(copy)
        if info is None:
            continue
        if not stat.S_ISREG(info.st_mode) or info.st_uid not in owners:
            strange.append((copy, _why_not(info)))
            continue
        log.info("%s: removing %s left by an interrupted run", target, copy)
        with contextlib.suppress(FileNotFoundError):
            folder.unlink(copy)
            removed.append(target.parent / copy)
    warn_left_alone(folder.path, strange)
