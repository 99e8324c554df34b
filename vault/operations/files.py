"""Reading config files into documents and writing them back, locked and atomic."""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path

from vault import atomic
from vault.configs.formats import Document, Edit, apply_edits, parse
from vault.configs.readers import read_text_as_runtime
from vault.configs.store import detect_format, read_config_bytes, store_file_for
from vault.errors import InputError

log = logging.getLogger("vault.operations")


class ConfigFile:
    """A config file as read: its text, encoding and parsed document (parsed
    again on first use once let go, see :func:`write`)."""

    def __init__(
        self,
        path: Path,
        format_name: str,
        encoding: str,
        document: Document,
        exists: bool = True,
        owner_like: Path | None = None,
    ) -> None:
        self.path = path
        self.owner_like = owner_like
        """For a file not yet created: the config whose owner and group it gets."""
        self.format_name = format_name
        self.encoding = encoding
        self.exists = exists
        self.edits: list[Edit] = []
        self._document: Document | None = document
        self._text = document.text

    @property
    def text(self) -> str:
        return self._text

    @property
    def document(self) -> Document:
        if self._document is None:
            self._document = parse(self._text, self.format_name, self.path)
        return self._document

    def new_text(self) -> str:
        return apply_edits(self.text, self.edits)

    def forget_document(self) -> None:
        """Let the parsed document go (it is parsed again if used again)."""
        self._document = None

    def written(self, text: str) -> None:
        """The file now holds ``text`` (parsed again if used again)."""
        self._document = None
        self._text = text
        self.edits = []


def read_config(path: Path, format_name: str | None = None) -> ConfigFile:
    """Read and parse ``path``; the format comes from its name unless given."""
    name = format_name or detect_format(path)
    data = read_config_bytes(path)
    try:
        text, encoding = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        if name != "properties":
            raise InputError("is not UTF-8 text", path=path) from None
        text, encoding = data.decode("latin-1"), "latin-1"  # Java reads .properties as ISO-8859-1
    return ConfigFile(path, name, encoding, parse(text, name, path))


def empty_store(path: Path, config: Path | None = None) -> ConfigFile:
    """A store file that does not exist yet (created on the first write, with the owner
    and group of ``config`` when run as root)."""
    document = parse("", "properties", path)
    return ConfigFile(path, "properties", "utf-8", document, exists=False, owner_like=config)


def read_store(config: ConfigFile, secrets: Path | None) -> ConfigFile:
    """The store of ``config``: itself, or the properties file beside it / named."""
    inline = config.document.own_schema is None
    where = store_file_for(config.path, config.format_name, secrets, inline=inline)
    if where == config.path:
        return config
    if not where.exists():
        return empty_store(where, config.path)
    return read_config(where, "properties")


def _check_writable(path: Path) -> None:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise InputError(
            "vanished before it could be rewritten; nothing written", path=path
        ) from None
    if not mode & stat.S_IWUSR:
        raise InputError("is read-only; not rewritten", path=path)
    if path.is_symlink():
        raise InputError("is a symbolic link; rewrite its target instead", path=path)


@contextlib.contextmanager
def locked(paths: Sequence[Path]) -> Iterator[None]:
    """Lock every file of ``paths``, existing or not (two runs creating one secret store
    take turns); in the order of their lock files, so that no two runs deadlock. A file
    that was there and is gone once its lock is held is an error."""
    targets = {p.resolve() if p.exists() else p.absolute().parent.resolve() / p.name for p in paths}
    existed = {t for t in targets if t.exists()}
    with contextlib.ExitStack() as stack:
        for path in sorted(targets, key=atomic.lock_path):
            stack.enter_context(atomic.locked(path))
        gone = sorted(t for t in existed if not t.exists())
        if gone:
            raise InputError("vanished while waiting for its lock", path=gone[0])
        yield


def prepare(file: ConfigFile) -> str | None:
    """The text ``file``'s edits make, checked; None when they change nothing.

    The text is read as the resolver will read the file at service start before
    anything is written: an edit that would leave a file unreadable is refused with
    every file untouched. The old document is let go first, and the new one is parsed
    only if it is used again (most runs never do), so that a large file's parse trees
    are never held twice."""
    if not file.edits:
        return None
    new = file.new_text()
    file.edits = []
    if new == file.text and file.exists:
        return None
    old = file.text
    file.forget_document()
    try:
        read_text_as_runtime(file.path, file.format_name, new)
    except InputError as exc:
        try:
            read_text_as_runtime(file.path, file.format_name, old)
        except InputError:
            # Already so before the edit (this tool's reader is more lenient, e.g. with an
            # INI key given twice): the edit breaks nothing that worked; said, not refused.
            log.warning(
                "%s: the resolver cannot read this file (%s), before or after this edit",
                file.path,
                exc.message,
            )
            return new
        raise InputError(
            f"the edited text would not parse ({exc.message}); nothing written", path=file.path
        ) from None
    return new


def commit(file: ConfigFile, text: str) -> None:
    """Write a prepared text atomically."""
    data = text.encode(file.encoding)
    if not file.exists:
        atomic.create(file.path, data, like=file.owner_like)
        file.exists = True
    else:
        check_unchanged(file)
        atomic.replace(file.path, data)
    file.written(text)


def write_all(files: Sequence[ConfigFile]) -> list[ConfigFile]:
    """Write the edits of ``files``, in order, as one: every new text is checked, and
    every file found as this run read it, before the first is written. The files that
    changed."""
    prepared = [(file, prepare(file)) for file in files]
    changed = [(file, text) for file, text in prepared if text is not None]
    for file, _ in changed:
        if file.exists:
            check_unchanged(file)
    for file, text in changed:
        commit(file, text)
    return [file for file, _ in changed]


def write(file: ConfigFile) -> bool:
    """Write ``file``'s edits, if any, atomically; True when the file changed."""
    text = prepare(file)
    if text is not None:
        commit(file, text)
    return text is not None


def check_unchanged(file: ConfigFile) -> None:
    """Refuse to rewrite a file that is read-only, a symbolic link, gone, or no longer
    the text this run read (someone else's edit is never overwritten)."""
    _check_writable(file.path)
    if read_config_bytes(file.path) != file.text.encode(file.encoding):
        raise InputError(
            "changed while this run was working on it; nothing written", path=file.path
        )


def check_writable(files: Sequence[ConfigFile]) -> None:
    """Refuse up front when a file to be rewritten is read-only, before anything is written."""
    for file in files:
        if file.edits and file.exists:
            _check_writable(file.path)
        elif file.edits and not os.access(file.path.parent, os.W_OK):
            raise InputError("its folder is not writable", path=file.path)
