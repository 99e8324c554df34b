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
import json
import logging
import os
import re
import secrets
import stat
from collections.abc import Iterable, Iterator, Mapping, Sequence
from glob import escape as glob_escape
from pathlib import Path
from typing import NamedTuple

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


def create(path: str | os.PathLike[str], data: bytes, mode: int = NEW_FILE_MODE) -> None:
    """Atomically create ``path``; refuse when it already exists."""
    target = Path(path)
    temp = _write_temp(target, data, mode)
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


# -- several files at once: the rotation journal ------------------------------------
#
# replace_all() writes every new file beside its original (.NAME.rotate-new),
# hard-links every original (.NAME.rotate-old), then writes a journal in each
# folder involved (.ciphertool-rotation.ID.json, listing every file and every
# journal): once all the journals exist the set is committed. Then it renames
# each new file into place, marks the journals "done", removes the old links,
# and removes the journals. A failpoint sits between every two steps.
#
# recover() reads a journal left by a run that died: "done" anywhere, or all
# journals present, means the set was committed, so it finishes the renames
# (or, asked to roll back and not yet "done", puts each old file back);
# journals missing means the run died before committing, so it undoes.
# At every instant each file is whole: the old one or the new one.

JOURNAL_PREFIX = ".ciphertool-rotation."
JOURNAL_SUFFIX = ".json"


def new_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.rotate-new")


def old_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.rotate-old")


class Journal(NamedTuple):
    path: Path
    id: str
    state: str
    files: list[Path]
    journals: list[Path]


def _normal(path: str | os.PathLike[str]) -> Path:
    return Path(os.path.normpath(os.path.abspath(path)))


def _journal_bytes(journal: Journal, state: str, where: Path) -> bytes:
    """The journal as stored in folder ``where``: paths relative to it, so that a tree
    moved or mounted elsewhere after a crash still settles."""

    def relative(path: Path) -> str:
        return os.path.relpath(path, where)

    document = {
        "tool": "ciphertool",
        "id": journal.id,
        "state": state,
        "files": [relative(f) for f in journal.files],
        "journals": [relative(j) for j in journal.journals],
    }
    return (json.dumps(document, indent=2) + "\n").encode()


def _write_journal(journal: Journal, state: str) -> None:
    for path in journal.journals:
        if state == "done" and not path.exists():
            continue
        temp = temp_path(path)
        write_new(temp, _journal_bytes(journal, state, path.parent), NEW_FILE_MODE)
        os.replace(temp, path)
        _fsync_dir(path.parent)
        failpoint()


def read_journal(path: Path) -> Journal:
    """A journal as written by :func:`replace_all`; InputError when it is damaged."""
    try:
        document = json.loads(path.read_bytes())
        where = _normal(path).parent
        files = [_normal(where / f) for f in document["files"]]
        journals = [_normal(where / j) for j in document["journals"]]
        state, id = document["state"], document["id"]
        if state not in ("prepared", "done") or not isinstance(id, str):
            raise ValueError(state)
    except FileNotFoundError:
        raise
    except (OSError, ValueError, KeyError, TypeError):
        raise InputError(
            "damaged rotation journal; compare each file with its .rotate-old and "
            ".rotate-new copies, keep one, delete the rest and the journal",
            path=path,
        ) from None
    return Journal(path, id, state, files, journals)


def journals_in(directory: Path) -> list[Path]:
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []
    return [
        directory / n for n in names if n.startswith(JOURNAL_PREFIX) and n.endswith(JOURNAL_SUFFIX)
    ]


def replace_all(changes: Mapping[Path, bytes]) -> None:
    """Replace several existing files as one set; the caller holds their locks.

    If this raises before the commit point nothing has changed; after it, the
    files are all new, or a journal is left for :func:`recover` to finish.
    """
    data = {_normal(p): content for p, content in changes.items()}
    targets = sorted(data)
    directories = sorted({t.parent for t in targets})
    id = secrets.token_hex(8)
    journal = Journal(
        directories[0] / f"{JOURNAL_PREFIX}{id}{JOURNAL_SUFFIX}",
        id,
        "prepared",
        targets,
        [d / f"{JOURNAL_PREFIX}{id}{JOURNAL_SUFFIX}" for d in directories],
    )
    current: Path = targets[0]
    try:
        for current in targets:
            mode = stat.S_IMODE(os.stat(current).st_mode)
            write_new(new_name(current), data[current], mode)
            failpoint()
        for current in targets:
            os.link(current, old_name(current))
            failpoint()
        for directory in directories:
            _fsync_dir(directory)
        current = journal.path
        _write_journal(journal, "prepared")
    except BaseException as exc:
        _undo(journal)
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
        _finish(journal)
    except OSError as exc:
        raise InputError(
            f"the rotation stopped half-way ({_describe(exc)}); every file is whole; "
            "run the command again to finish it, or rotate --rollback to undo it",
            path=journal.path,
        ) from None


def _finish(journal: Journal) -> None:
    for target in journal.files:
        new = new_name(target)
        if new.exists():
            os.replace(new, target)
            failpoint()
    for directory in sorted({t.parent for t in journal.files}):
        _fsync_dir(directory)
    _write_journal(journal, "done")
    _remove([old_name(t) for t in journal.files])
    _remove(journal.journals)


def _undo(journal: Journal) -> None:
    """Put every old file back and remove the new ones and the journals."""
    for target in journal.files:
        old = old_name(target)
        if old.exists():
            if target.exists() and os.path.samefile(old, target):
                old.unlink()
            else:
                os.replace(old, target)
            failpoint()
    _remove([new_name(t) for t in journal.files])
    _remove(journal.journals)


def _remove(paths: Sequence[Path]) -> None:
    for path in paths:
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        failpoint()
    for directory in sorted({p.parent for p in paths}):
        _fsync_dir(directory)


def recover(directories: Iterable[Path], *, rollback: bool = False) -> list[str]:
    """Finish (or with ``rollback`` undo) every set left by a run that died; what was done."""
    done: list[str] = []
    for directory in sorted({d.absolute() for d in directories}):
        for path in journals_in(directory):
            try:
                journal = read_journal(path)
            except FileNotFoundError:
                continue
            with contextlib.ExitStack() as stack:
                for target in sorted({t for t in journal.files if t.exists()}):
                    stack.enter_context(locked(target))
                try:
                    journal = read_journal(path)  # a live run may have finished it meanwhile
                except FileNotFoundError:
                    continue
                done.append(_settle(journal, rollback))
    return done


def _settle(journal: Journal, rollback: bool) -> str:
    states = []
    for path in journal.journals:
        try:
            states.append(read_journal(path).state)
        except FileNotFoundError:
            states.append("missing")
    names = ", ".join(os.fspath(f) for f in journal.files)
    try:
        if "done" in states:
            _finish(journal)
            return f"finished an interrupted rotation of {names}" + (
                " (it had completed; too late to roll back)" if rollback else ""
            )
        if "missing" in states or rollback:
            _undo(journal)
            return f"rolled back an interrupted rotation of {names}"
        _finish(journal)
        return f"finished an interrupted rotation of {names}"
    except OSError as exc:
        raise InputError(
            f"cannot settle the interrupted rotation: {_describe(exc)}", path=journal.path
        ) from None


def clean_leftovers(paths: Iterable[Path]) -> list[Path]:
    """Remove .rotate-new / .rotate-old copies no journal explains, and temp files of a
    rewrite that died before its rename (the caller holds the files' locks, or for a
    file not yet created its folder's, so no live run owns them: they are from a run
    that died, or were left when a journal was deleted by hand). Returns them."""
    removed: list[Path] = []
    for path in paths:
        target = _normal(path)
        copies = [c for c in (new_name(target), old_name(target)) if c.exists()]
        own_temp = re.compile(re.escape(f".{target.name}.") + r"[0-9a-f]{8}\.tmp")
        copies += [
            t
            for t in target.parent.glob(f".{glob_escape(target.name)}.*.tmp")
            if own_temp.fullmatch(t.name)
        ]
        if not copies:
            continue
        if any(target in _files_of(j) for j in journals_in(target.parent)):
            copies = [c for c in copies if c.suffix == ".tmp"]
        for copy in copies:
            log.info("%s: removing %s left by an interrupted run", target, copy.name)
            with contextlib.suppress(FileNotFoundError):
                copy.unlink()
                removed.append(copy)
    return removed


def _files_of(path: Path) -> list[Path]:
    try:
        return read_journal(path).files
    except (FileNotFoundError, InputError):
        return []
