"""Where a keystore password comes from, first source that answers wins.

1. ``--storepass-file`` / ``--storepass-env`` (``--keypass-file`` / ``--keypass-env``)
2. ``CIPHERTOOL_KEYSTORE_PASSWORD`` (``CIPHERTOOL_KEY_PASSWORD``)
3. in the home directory (``CIPHERTOOL_HOME``, else the keystore's directory):
   ``password-tmp`` (read, overwritten, deleted), then ``password-persist`` (kept);
   line 1 is the store password, an optional line 2 the key password
4. ``$CREDENTIALS_DIRECTORY/ciphertool-keystore-password`` (systemd ``LoadCredential=``)
5. a hidden prompt, when standard input is a terminal
6. otherwise :class:`~vault.errors.PasswordError` naming these sources

The key password, when no source gives one, is the store password.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import NamedTuple

from vault._bounded import PASSWORD_LIMIT, check_regular, read_bounded, read_open
from vault.errors import InputError, MissingPasswordError, PasswordError, UsageError
from vault.secret import Secret


def _warn(message: str, *args: object) -> None:
    from vault import _log

    _log.logger("vault.keys.passwords").warning(message, *args)


ENV_STORE = "CIPHERTOOL_KEYSTORE_PASSWORD"
ENV_KEY = "CIPHERTOOL_KEY_PASSWORD"
ENV_HOME = "CIPHERTOOL_HOME"
CREDENTIAL_NAME = "ciphertool-keystore-password"
SOURCES_TEXT = (
    "$CIPHERTOOL_KEYSTORE_PASSWORD, "
    "password-tmp or password-persist in $CIPHERTOOL_HOME or the keystore's folder, "
    "$CREDENTIALS_DIRECTORY/ciphertool-keystore-password, a prompt on a terminal"
)


class Passwords(NamedTuple):
    """A store password, the key password when it differs, and where they came from."""

    store: Secret
    key: Secret | None
    source: str


class PasswordOptions(NamedTuple):
    """The command-line password options; all optional."""

    storepass_file: str | None = None
    storepass_env: str | None = None
    keypass_file: str | None = None
    keypass_env: str | None = None


def password(value: str, where: str | os.PathLike[str] | None = None) -> Secret:
    """A password as a Secret; a NUL byte is refused (keystore formats cannot hold it)."""
    if "\0" in value:
        raise PasswordError("the password contains a NUL byte", path=where)
    return Secret(value)


def _lines(text: str) -> list[str]:
    """Lines with one trailing newline (LF or CRLF) stripped from each. Only LF ends a
    line: a password may hold any other character (str.splitlines would also cut at
    \r, \v, \f, \x85 and \u2028)."""
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def _check_mode(path: Path) -> None:
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        _warn(
            "%s: password file is readable by group or others (mode %o); chmod 600 it",
            path,
            stat.S_IMODE(mode),
        )


def read_password_file(path: str | os.PathLike[str]) -> list[Secret]:
    """Line 1 (and 2, if any) of a password file, one trailing newline stripped from each."""
    target = Path(path)
    try:
        data = read_bounded(target, PASSWORD_LIMIT, "password file")
    except FileNotFoundError:
        raise InputError("no such password file", path=target) from None
    _check_mode(target)
    return _password_lines(data, target)


def _password_lines(data: bytes, target: Path) -> list[Secret]:
    try:
        text = data.decode("utf-8")  # no newline translation: \r is kept
    except UnicodeDecodeError:
        raise InputError("cannot read password file: not UTF-8", path=target) from None
    lines = _lines(text)
    if not lines or not lines[0]:
        raise PasswordError("password file is empty", path=target)
    return [password(line, target) for line in lines[:2]]


def _consume_tmp(path: Path, *, wipe: bool = True) -> list[Secret]:
    """Read ``password-tmp``, overwrite its bytes, then delete it, as WSO2 does
    (``wipe=False``: read it, with the same checks, and leave it).

    It is wiped even when it cannot be used: it is meant to be read once. Only the
    runner's own regular file with a single name is read and wiped: a symbolic link,
    a file with another hard link (whose other name would be wiped too) or a file
    someone else owns is refused and left as it is.
    """
    flags = (os.O_RDWR if wipe else os.O_RDONLY) | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise PasswordError("is a symbolic link; refused", path=path) from None
        raise InputError(f"cannot use password-tmp: {exc.strerror}; refused", path=path) from None
    try:
        info = os.fstat(fd)
        check_regular(info, path, "password file")
        if info.st_nlink != 1:
            raise InputError(
                f"has {info.st_nlink} links (another name shares its bytes); refused, "
                "not overwritten",
                path=path,
            )
        if info.st_uid != os.geteuid():
            raise InputError(
                f"is owned by uid {info.st_uid}, not by this user; refused, not overwritten",
                path=path,
            )
        try:
            _check_mode(path)
            return _password_lines(read_open(fd, path, PASSWORD_LIMIT, "password file"), path)
        finally:
            if wipe:
                _wipe(fd, info, path)
    finally:
        os.close(fd)


def _wipe(fd: int, info: os.stat_result, path: Path) -> None:
    try:
        os.pwrite(fd, os.urandom(min(os.fstat(fd).st_size, PASSWORD_LIMIT)), 0)
        os.fsync(fd)
        now = os.lstat(path)
        if (now.st_dev, now.st_ino) == (info.st_dev, info.st_ino):
            path.unlink()
    except OSError as exc:
        _warn("%s: could not overwrite and delete it: %s", path, exc.strerror)


def _present(path: Path) -> bool:
    """Something is there (a FIFO or a device too: it is refused, not skipped)."""
    try:
        os.lstat(path)
    except OSError:
        return False
    return not path.is_dir()


def _env(environ: Mapping[str, str], name: str, flag: str) -> Secret:
    value = environ.get(name)
    if value is None:
        raise UsageError(f"{flag} names ${name}, which is not set")
    if not value:
        raise PasswordError(f"${name} is empty")
    return password(value, f"${name}")


def _explicit_key(options: PasswordOptions, environ: Mapping[str, str]) -> Secret | None:
    if options.keypass_file:
        return read_password_file(options.keypass_file)[0]
    if options.keypass_env:
        return _env(environ, options.keypass_env, "--keypass-env")
    if environ.get(ENV_KEY):
        return password(environ[ENV_KEY], f"${ENV_KEY}")
    return None


def given_passwords(
    file: str | None,
    env_name: str | None,
    *,
    flag: str = "--storepass",
    environ: Mapping[str, str] | None = None,
) -> Passwords | None:
    """The passwords a ``FLAG-file`` (line 1 the store's, line 2 the key's) or a
    ``FLAG-env`` variable gives; None when neither flag was used."""
    if file:
        lines = read_password_file(file)
        return Passwords(lines[0], lines[1] if len(lines) > 1 else None, f"{flag}-file")
    if env_name:
        env = os.environ if environ is None else environ
        return Passwords(_env(env, env_name, f"{flag}-env"), None, f"{flag}-env")
    return None


def find_passwords(
    keystore: str | os.PathLike[str] | None,
    options: PasswordOptions | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    interactive: bool | None = None,
    prompt: Callable[[str], str] | None = None,
    keep_tmp: bool = False,
    home: str | os.PathLike[str] | None = None,
) -> Passwords:
    """The passwords for ``keystore`` from the first source that answers (see module doc).

    ``keep_tmp``: a ``password-tmp`` is read (with the same checks) and left in place:
    a command that only looks, or a write command checking the keystore's integrity,
    leaves it to the service it is meant for. ``home``: a folder searched for
    ``password-tmp`` / ``password-persist`` before the keystore's own when
    ``$CIPHERTOOL_HOME`` is unset (a WSO2 product home's root)."""
    env = os.environ if environ is None else environ
    options = options or PasswordOptions()
    if interactive is None:
        interactive = sys.stdin is not None and sys.stdin.isatty()
    explicit_key = _explicit_key(options, env)

    def found(lines: list[Secret], source: str) -> Passwords:
        key = explicit_key if explicit_key is not None else (lines[1] if len(lines) > 1 else None)
        return Passwords(lines[0], key, source)

    given = given_passwords(options.storepass_file, options.storepass_env, environ=env)
    if given is not None:
        return found([given.store, *([given.key] if given.key else [])], given.source)
    if env.get(ENV_STORE):
        return found([password(env[ENV_STORE], f"${ENV_STORE}")], ENV_STORE)
    folders: list[Path] = []
    # A pkcs11: URI has no folder: its PIN files live in $CIPHERTOOL_HOME only.
    beside = keystore is not None and os.fspath(keystore)[:7].lower() != "pkcs11:"
    if env.get(ENV_HOME):
        folders.append(Path(env[ENV_HOME]))
    else:
        if home is not None:
            folders.append(Path(home))
        if beside and keystore is not None:
            folders.append(Path(keystore).parent)
    for folder in folders:
        tmp = folder / "password-tmp"
        if _present(tmp):
            return found(_consume_tmp(tmp, wipe=not keep_tmp), str(tmp))
        persist = folder / "password-persist"
        if _present(persist):
            return found(read_password_file(persist), str(persist))
    credentials = env.get("CREDENTIALS_DIRECTORY")
    if credentials:
        credential = Path(credentials) / CREDENTIAL_NAME
        if _present(credential):
            return found(read_password_file(credential), str(credential))
    if interactive:
        where = f" for {os.fspath(keystore)}" if keystore is not None else ""
        label = "Keystore password" if beside or keystore is None else "PIN"
        if prompt is None:
            from getpass import getpass

            prompt = getpass
        value = prompt(f"{label}{where}: ")
        if not value:
            raise PasswordError("no password entered")
        return found([password(value)], "prompt")
    where = f" for {os.fspath(keystore)}" if keystore is not None else ""
    raise MissingPasswordError(
        f"no keystore password given{where} (none of: {SOURCES_TEXT})", hint="password"
    )
