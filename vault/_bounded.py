"""Bounded reads of files that come from outside: keystores, journals, password files,
certificates and configs.

Anyone who can write a config's folder can put a FIFO, a device or a huge file where a
keystore or config is expected. Each is opened without blocking, checked to be a regular
file, and read up to a stated size: a FIFO or ``/dev/zero`` is refused at once (exit 2),
never waited on or read until memory runs out.

Imported by the resolver at every service start: only ``os`` and ``stat``.
"""

from __future__ import annotations

import os
import stat

from vault.errors import InputError

KEYSTORE_LIMIT = 1 << 20
"""A keystore or certificate: real ones are a few kB (a truststore of every public CA,
Java's cacerts, is about 200 kB)."""
PASSWORD_LIMIT = 64 << 10
JOURNAL_LIMIT = 4 << 20
CONFIG_LIMIT = 256 << 20
"""A config or secret store (the benchmarks read 50 MB ones)."""

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _size(limit: int) -> str:
    return f"{limit >> 20} MB" if limit >= 1 << 20 else f"{limit >> 10} kB"


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def check_regular(info: os.stat_result, path: str | os.PathLike[str], what: str) -> None:
    """InputError unless ``info`` is a regular file's."""
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"is {kind_of(info.st_mode)}, not a {what}; refused", path=path)


def read_bounded(
    path: str | os.PathLike[str],
    limit: int,
    what: str = "file",
    *,
    dir_fd: int | None = None,
    follow: bool = True,
) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    A FIFO, device, socket or directory, or a file larger than ``limit``, is an
    :class:`InputError` naming ``path`` and ``what`` it should have been.
    ``FileNotFoundError`` passes through (callers say what was missing); any other
    ``OSError`` is an InputError. ``follow=False`` refuses a symbolic link (ELOOP).
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags, dir_fd=dir_fd)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise InputError(f"cannot read {what}: {_reason(exc)}", path=path) from None
    try:
        return read_open(fd, path, limit, what)
    finally:
        os.close(fd)


def read_open(fd: int, path: str | os.PathLike[str], limit: int, what: str) -> bytes:
    """:func:`read_bounded` of a file already open (``path`` names it in errors)."""
    try:
        info = os.fstat(fd)
        check_regular(info, path, what)
        if info.st_size > limit:
            raise InputError(f"is larger than {_size(limit)}, too large for a {what}", path=path)
        # One read of the size fstat gave, plus one byte to see whether it grew since.
        data = os.pread(fd, info.st_size + 1, 0)
        if len(data) <= info.st_size:
            return data
        chunks = [data]
        read = len(data)
        while read <= limit:
            chunk = os.pread(fd, min(limit + 1 - read, 1 << 20), read)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            read += len(chunk)
        raise InputError(f"grew past {_size(limit)} while read; refused", path=path)
    except OSError as exc:
        raise InputError(f"cannot read {what}: {_reason(exc)}", path=path) from None


def _reason(exc: OSError) -> str:
    import errno

    if exc.errno == errno.ELOOP:
        return "is a symbolic link"
    return exc.strerror or type(exc).__name__
