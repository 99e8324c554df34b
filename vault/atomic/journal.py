"""Several files replaced as one set (a rotation), and settling a set a dead run left."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from vault._bounded import kind_of
from vault.atomic._folder import (
    NAMED_IN_A_WARNING,
    NEW_FILE_MODE,
    Folder,
    describe,
    failpoint,
    fsync_dir,
    log,
    own_regular,
    warn_left_alone,
)
from vault.atomic._journal_file import (
    Entry,
    Inode,
    Journal,
    NotOwn,
    copy_names,
    id_of,
    is_journal_name,
    journal_bytes,
    journal_name,
    journal_temp,
    new_name,
    normal,
    old_name,
    read_own,
)
from vault.atomic.lock import LOCK_SUFFIX, lock_path, locked, remove_stale_lock
from vault.atomic.rewrite import temp_path, write_new
from vault.errors import InputError

__all__ = ["clean_leftovers", "recover", "replace_all"]

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


def _write_journal(journal: Journal, state: str, set_: Sequence[Journal]) -> None:
    for part in set_:
        if state == "done" and not part.path.exists():
            continue
        temp = temp_path(part.path)
        write_new(temp, journal_bytes(part, state), NEW_FILE_MODE)
        os.replace(temp, part.path)
        fsync_dir(part.folder)
        failpoint()
    journal.state = state


def replace_all(changes: Mapping[Path, bytes]) -> None:
    """Replace several existing files as one set; the caller holds their locks.

    If this raises before the commit point nothing has changed; after it, the
    files are all new, or a journal is left for :func:`recover` to finish.
    """
    data = {normal(p): content for p, content in changes.items()}
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
            fsync_dir(directory)
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
                f"cannot write: {describe(exc)}; nothing changed", path=current
            ) from None
        raise
    try:
        _finish_set(list(parts.values()))
    except OSError as exc:
        raise InputError(
            f"the rotation stopped half-way ({describe(exc)}); every file is whole; "
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


def _recorded_copies(
    folder: Folder, journal: Journal, strange: list[tuple[str, str]], *, old: bool
) -> Iterator[tuple[Entry, str]]:
    """Each entry's ``.rotate-old`` (else ``.rotate-new``) copy that is there with the
    inode the journal recorded; any other file under that name goes to ``strange``. A
    failpoint follows what the caller does with each copy."""
    for entry in journal.entries:
        name = copy_names(entry.name)[1 if old else 0]
        info = folder.lstat(name)
        if info is None:
            continue
        if not _same(info, entry.old if old else entry.new):
            strange.append((name, _why_not(info)))
            continue
        yield entry, name
        failpoint()


def _finish_renames(folder: Folder, journal: Journal) -> None:
    strange: list[tuple[str, str]] = []
    for entry, new in _recorded_copies(folder, journal, strange, old=False):
        folder.rename(new, entry.name)
    folder.fsync()
    warn_left_alone(folder.path, strange)


def _undo(folder: Folder, journal: Journal) -> None:
    """Put every old file back (only the inode the journal recorded) and remove the new
    copies and the journal."""
    strange: list[tuple[str, str]] = []
    for entry, old in _recorded_copies(folder, journal, strange, old=True):
        current = folder.lstat(entry.name)
        if current is not None and (current.st_dev, current.st_ino) == entry.old:
            folder.unlink(old)
        else:
            folder.rename(old, entry.name)
    warn_left_alone(folder.path, strange)
    _remove_copies(folder, journal, old=False)
    _remove_journal(folder, journal)


def _remove_copies(folder: Folder, journal: Journal, *, old: bool) -> None:
    strange: list[tuple[str, str]] = []
    for _, name in _recorded_copies(folder, journal, strange, old=old):
        folder.unlink(name)
    folder.fsync()
    warn_left_alone(folder.path, strange)


def _remove_journal(folder: Folder, journal: Journal) -> None:
    """The journal and any temp of it this user left (a run killed while writing it)."""
    temps = journal_temp(journal.id)
    for name in folder.names():
        if name != journal_name(journal.id) and not temps.fullmatch(name):
            continue
        info = folder.lstat(name)
        if info is not None and own_regular(info):
            with contextlib.suppress(FileNotFoundError):
                folder.unlink(name)
                failpoint()
    folder.fsync()


def recover(directories: Iterable[Path], *, rollback: bool = False) -> list[str]:
    """Finish (or with ``rollback`` undo) every set left by a run that died; what was done.

    Only journals that are the runner's own regular files are read; anything else
    that looks like one is named in a warning and left alone."""
    done: list[str] = []
    for directory in sorted({normal(d) for d in directories}):
        try:
            folder = Folder(directory)
        except OSError:
            continue
        with folder:
            strange: list[tuple[str, str]] = []
            ids: list[str] = []
            for name in folder.names():
                if name.endswith(LOCK_SUFFIX):
                    remove_stale_lock(folder, name)
                id = id_of(name)
                if id is None:
                    continue
                info = folder.lstat(name)
                if info is None:
                    continue
                if not own_regular(info):
                    strange.append((name, _why_not(info)))
                elif id not in ids:
                    ids.append(id)
            warn_left_alone(directory, strange)
        for id in ids:
            message = _settle_id(directory, id, rollback)
            if message is not None:
                done.append(message)
    return done


def _part(folder: Folder, id: str) -> Journal | None:
    """The journal of set ``id`` in ``folder``, or else a temp of it (a run killed while
    writing it: the folder's part was never committed); None when neither is there."""
    try:
        return read_own(folder, journal_name(id))
    except FileNotFoundError:
        pass
    except NotOwn:
        return None
    temps = journal_temp(id)
    for name in folder.names():
        if temps.fullmatch(name):
            with contextlib.suppress(FileNotFoundError, NotOwn, InputError):
                journal = read_own(folder, name)
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
                            remove_stale_lock(folder, name)
            return message
        except OSError as exc:
            raise InputError(
                f"cannot settle the interrupted rotation: {describe(exc)}",
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
    names = ", ".join(files[:NAMED_IN_A_WARNING]) + (
        f" and {len(files) - NAMED_IN_A_WARNING} more" if len(files) > NAMED_IN_A_WARNING else ""
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
    write_new(folder.path / temp, journal_bytes(journal, "done"), NEW_FILE_MODE)
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
        target = normal(path)
        try:
            folder = Folder(target.parent)
        except OSError:
            continue
        with folder:
            _clean(folder, target, removed)
    return removed


def _clean(folder: Folder, target: Path, removed: list[Path]) -> None:
    own_temp = re.compile(re.escape(f".{target.name}.") + r"[0-9a-f]{8}\.tmp")
    copies = [n for n in copy_names(target.name) if folder.lstat(n) is not None]
    names = folder.names()
    copies += [n for n in names if own_temp.fullmatch(n)]
    if not copies:
        return
    explained = False
    for name in names:
        id = id_of(name)
        if id is None or not is_journal_name(name):
            continue
        with contextlib.suppress(FileNotFoundError, NotOwn, InputError):
            if any(e.name == target.name for e in read_own(folder, name).entries):
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
