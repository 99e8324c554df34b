"""The rotation journal's file: its name and its copies' names, its JSON, and reading
one back only when it is the runner's own regular file."""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from vault._bounded import JOURNAL_LIMIT, kind_of, read_bounded
from vault.atomic._folder import Folder
from vault.errors import InputError

JOURNAL_PREFIX = ".ciphertool-rotation."
JOURNAL_SUFFIX = ".json"
_ID = re.compile(r"[0-9a-f]{1,64}")


def new_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.rotate-new")


def old_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.rotate-old")


def copy_names(name: str) -> tuple[str, str]:
    return f".{name}.rotate-new", f".{name}.rotate-old"


def journal_name(id: str) -> str:
    return f"{JOURNAL_PREFIX}{id}{JOURNAL_SUFFIX}"


def journal_temp(id: str) -> re.Pattern[str]:
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


def normal(path: str | os.PathLike[str]) -> Path:
    return Path(os.path.normpath(os.path.abspath(path)))


def journal_bytes(journal: Journal, state: str) -> bytes:
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
    if name != journal_name(id) and not journal_temp(id).fullmatch(name):
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
        peer_folders.append(normal(folder / peer))
    return Journal(folder, id, state, entries, peer_folders)


class NotOwn(Exception):
    """A journal (or journal temp) that is not the runner's own regular file."""

    def __init__(self, why: str) -> None:
        self.why = why


def read_own(folder: Folder, name: str) -> Journal:
    """The journal ``name`` of ``folder``: the runner's own regular file, read with a
    bound, every entry a bare name. FileNotFoundError when absent; NotOwn when it is
    not the runner's; InputError when it is damaged."""
    info = folder.lstat(name)
    if info is None:
        raise FileNotFoundError(name)
    if stat.S_ISLNK(info.st_mode):
        raise NotOwn("a symbolic link")
    if not stat.S_ISREG(info.st_mode):
        raise NotOwn(kind_of(info.st_mode))
    if info.st_uid != os.geteuid():
        raise NotOwn(f"owned by uid {info.st_uid}")
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
    where = normal(path)
    with Folder(where.parent) as folder:
        try:
            return read_own(folder, where.name)
        except NotOwn as exc:
            raise InputError(f"is {exc.why}; not a journal of this user", path=where) from None


def journals_in(directory: Path) -> list[Path]:
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []
    return [directory / n for n in names if is_journal_name(n)]


def is_journal_name(name: str) -> bool:
    return name.startswith(JOURNAL_PREFIX) and name.endswith(JOURNAL_SUFFIX)


def id_of(name: str) -> str | None:
    """The set id of a journal name or of a temp file of one."""
    if is_journal_name(name):
        return name[len(JOURNAL_PREFIX) : -len(JOURNAL_SUFFIX)]
    if name.startswith("." + JOURNAL_PREFIX) and name.endswith(".tmp"):
        middle = name[len(JOURNAL_PREFIX) + 1 : -len(".tmp")]
        id, _, rest = middle.partition(JOURNAL_SUFFIX + ".")
        return id if rest else None
    return None
