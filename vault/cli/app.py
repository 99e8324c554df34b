"""The ``ciphertool`` command line: parse, call the library, print.

Errors are one line on stderr and the exit code of DESIGN.md: 2 bad usage or
bad input, 3 key trouble. No traceback reaches the user, and no error text
is built from a secret.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC
from pathlib import Path
from typing import Any, TypeVar

import click

from vault import __version__
from vault.cli import fast as _entry
from vault.cli import wso2 as _wso2
from vault.cli.options import (
    EXEC,
    INPUT_TYPE,
    KEYSTORE_OPTIONS,
    PASSWORD_OPTIONS,
    READ_TRANSFORMATION,
    RESOLVE,
    VERBOSE,
    Given,
    Option,
    split_command,
)
from vault.errors import (
    EXIT_BAD_INPUT,
    InputError,
    MissingPasswordError,
    PasswordError,
    UsageError,
)
from vault.keys.passwords import PasswordOptions, Passwords, find_passwords
from vault.secret import Secret

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("vault.cli")


def _click_option(option: Option) -> Callable[[F], F]:
    """The click decorator of one entry of :mod:`vault.cli.options`."""
    extra: dict[str, Any] = {}
    if option.flag:
        extra["is_flag"] = True
    if option is VERBOSE:
        extra.update(expose_value=False, callback=_verbose_now)
    if option.file:
        extra["type"] = click.Path(dir_okay=False)
    elif option.folder:
        extra["type"] = click.Path(file_okay=False)
    elif option.choices:
        extra["type"] = click.Choice(option.choices, case_sensitive=not option.case_insensitive)
    if option.default is not None:
        extra.update(default=option.default, show_default=bool(option.default))
    return click.option(
        *option.names, option.dest, metavar=option.metavar, help=option.help, **extra
    )


def _set_lock_timeout(_ctx: click.Context, _param: click.Parameter, value: float | None) -> None:
    if value is not None:
        from vault.atomic import lock

        lock.lock_timeout = value


def _lock_option(function: F) -> F:
    """``--lock-timeout``: how long a command waits for another run's lock on a file."""
    return click.option(
        "--lock-timeout",
        type=click.FloatRange(min=0),
        metavar="SECONDS",
        expose_value=False,
        callback=_set_lock_timeout,
        help="How long to wait for another run's lock on a file before giving up "
        "(default 60; waiting is said on stderr after a second).",
    )(function)


def _verbose_now(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        _entry.start(True)


def options_of(table: Sequence[Option]) -> Callable[[F], F]:
    """Decorate a command with the options of ``table``, in its order."""

    def decorate(function: F) -> F:
        for option in reversed(table):
            function = _click_option(option)(function)
        return function

    return decorate


_password_options = options_of(PASSWORD_OPTIONS)
_keystore_options = options_of((*KEYSTORE_OPTIONS, *PASSWORD_OPTIONS))
_read_transformation_option = _click_option(READ_TRANSFORMATION)


_input_type_option = _click_option(INPUT_TYPE)


def _read_transformation(kwargs: dict[str, Any]) -> str | None:
    """--transformation of a command that reads ciphertexts, checked (None: not given)."""
    from vault.crypto.transformations import canonical_transformation

    given: str | None = kwargs.pop("transformation", None)
    return canonical_transformation(given) if given is not None else None


def _pw(kwargs: dict[str, Any]) -> PasswordOptions:
    return PasswordOptions(
        kwargs.pop("storepass_file", None),
        kwargs.pop("storepass_env", None),
        kwargs.pop("keypass_file", None),
        kwargs.pop("keypass_env", None),
    )


def _echo(text: str, nl: bool = True) -> None:
    """Write to standard output as it is. (click.echo strips escape sequences when
    stdout is not a terminal, which would change a decrypted value on its way to a
    pipe.)"""
    sys.stdout.write(text + "\n" if nl else text)
    sys.stdout.flush()


def _stdin_is_terminal() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def _read_value(what: str = "value") -> Secret:
    """A hidden prompt asked twice on a terminal; else stdin, one trailing newline stripped."""
    if _stdin_is_terminal():
        first = getpass.getpass(f"Enter the {what}: ")
        second = getpass.getpass(f"Enter the {what} again: ")
        if first != second:
            raise UsageError(f"the two entries of the {what} differ")
        if not first:
            raise UsageError(f"no {what} entered")
        return Secret(first)
    if sys.stdin is None:
        raise InputError(f"no standard input to read the {what} from")
    try:
        text = sys.stdin.buffer.read().decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"the {what} on standard input is not UTF-8") from None
    if text.endswith("\r\n"):
        text = text[:-2]
    elif text.endswith("\n"):
        text = text[:-1]
    if not text:
        raise InputError(f"no {what} on standard input (it was empty)")
    return Secret(text)


def _usage_error(ctx: click.Context, exc: click.UsageError) -> None:
    """One line, as every other error: what is wrong and where to look."""
    command = exc.ctx.command_path if exc.ctx is not None else "ciphertool"
    click.echo(f"ciphertool: error: {exc.format_message()} (see '{command} --help')", err=True)
    ctx.exit(EXIT_BAD_INPUT)


class _Group(click.Group):
    """Turns every VaultError into one line on stderr and its exit code; with no
    arguments, prints its help (on stdout, exit 0), as ``--help`` does."""

    group_class = type  # subgroups (``keystore``) are _Groups too

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args:
            click.echo(ctx.get_help())
            ctx.exit(0)
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            _usage_error(ctx, exc)
            raise  # not reached: ctx.exit raises

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            _usage_error(ctx, exc)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except BaseException as exc:  # pyo3's PanicException is not an Exception
            ctx.exit(_entry.exit_code_for(exc))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ciphertool")
@click.option("--verbose", "-v", is_flag=True, help="Log what is done (never a secret) on stderr.")
def main(verbose: bool) -> None:
    """Encrypt the passwords in deployment configs with a keystore key.

    A secure-vault tool compatible with WSO2's cipher tool: plaintexts are
    encrypted with the public key of a keystore entry, and decrypted with its
    private key. Exit codes: 0 done, 1 problems found, 2 bad usage or input,
    3 key trouble (password, alias, no key, decryption failed).
    """
    _entry.start(verbose)


# -- encrypt / decrypt -----------------------------------------------------


@main.command()
@_keystore_options
@click.option(
    "--cert",
    "cert_file",
    type=click.Path(dir_okay=False),
    help="Encrypt with this certificate (PEM or DER) alone; no keystore, no password.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["self-contained", "plain"]),
    default="self-contained",
    show_default=True,
    help=(
        "self-contained names key and transformation (WSO2 CryptoUtil); "
        "plain is the bare RSA block (WSO2 cipher tool)."
    ),
)
@click.option(
    "--transformation",
    "-t",
    default="RSA/ECB/OAEPwithSHA1andMGF1Padding",
    show_default=True,
    help=(
        "Java transformation name: RSA/ECB/OAEPwithSHA1andMGF1Padding, "
        "RSA/ECB/OAEPWithSHA-256AndMGF1Padding, or RSA/ECB/PKCS1Padding "
        "(WSO2's old default; warns)."
    ),
)
def encrypt(cert_file: str | None, fmt: str, transformation: str, **kwargs: Any) -> None:
    """Encrypt one value read from a hidden prompt (asked twice) or standard input.

    Prints the ciphertext alone on stdout. Only the public key is used, so a
    JKS or PEM keystore or a certificate needs no password.

    \b
    Examples:
      printf %s 's3cret' | ciphertool encrypt --keystore wso2carbon.jks
      ciphertool encrypt --cert server.pem --format plain < value.txt
    """
    from vault.crypto.ring import KeyEntry, KeyRing
    from vault.crypto.transformations import canonical_transformation
    from vault.keys.ring import open_key_ring
    from vault.keys.spec import keystore_spec

    options = _pw(kwargs)
    canonical_transformation(transformation)
    if cert_file:
        from vault.keystores.create import read_certificate

        ring = KeyRing([KeyEntry(read_certificate(cert_file), None, cert_file)])
    else:
        spec = keystore_spec(kwargs["keystore"], kwargs["storetype"], kwargs["alias"])
        ring = open_key_ring(spec, options, need_private=False)
    value = _read_value()
    _echo(ring.encrypt(value, format=fmt, transformation=transformation))  # type: ignore[arg-type]


@main.command()
@_keystore_options
@click.argument("ciphertext", required=False)
@click.option(
    "--transformation",
    "-t",
    help="For plain ciphertexts only; without it OAEP-SHA1 is tried, then PKCS#1 v1.5.",
)
def decrypt(ciphertext: str | None, transformation: str | None, **kwargs: Any) -> None:
    """Print the plaintext of CIPHERTEXT (or of the ciphertext on standard input).

    Self-contained ciphertexts name their key by thumbprint; plain ones are
    tried with the key given.
    """
    from vault.keys.ring import open_key_ring
    from vault.keys.spec import keystore_spec

    options = _pw(kwargs)
    if ciphertext is None:
        ciphertext = sys.stdin.read() if sys.stdin is not None else ""
    if not ciphertext.strip():
        raise InputError("no ciphertext given (argument or standard input)")
    spec = keystore_spec(kwargs["keystore"], kwargs["storetype"], kwargs["alias"])
    ring = open_key_ring(spec, options, need_private=True)
    plaintext = ring.decrypt(ciphertext, transformation=transformation).reveal()
    end = "\n" if sys.stdout.isatty() else ""
    _echo(plaintext + end, nl=False)


# -- keystore ---------------------------------------------------------------


@main.group()
def keystore() -> None:
    """Create keystores, list them, and move certificates in and out."""


@keystore.command("create")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--alias", "-a", required=True, help="Alias of the new key entry.")
@click.option(
    "--type",
    "kind",
    type=click.Choice(["pkcs12", "jks", "pem", "pkcs11"], case_sensitive=False),
    default="pkcs12",
    show_default=True,
)
@click.option(
    "--key-size", type=click.Choice(["2048", "3072", "4096"]), default="2048", show_default=True
)
@click.option(
    "--dname",
    default="CN=ciphertool",
    show_default=True,
    help="Subject, keytool style: 'CN=app, OU=Ops, O=Org, C=LK'.",
)
@click.option(
    "--validity",
    type=click.IntRange(min=1),
    default=365,
    show_default=True,
    help="Days the certificate is valid.",
)
@_password_options
def keystore_create(
    path: str, alias: str, kind: str, key_size: str, dname: str, validity: int, **kwargs: Any
) -> None:
    """Make PATH: a new RSA key pair and a self-signed SHA256withRSA certificate.

    The password comes from the usual sources (--storepass-file, ...); on a
    terminal it is asked for twice. The file is created mode 0600 and never
    overwrites an existing one.

    \b
    Example:
      ciphertool keystore create vault.p12 --alias app --storepass-env VAULT_PW
    """
    from vault.keys.spec import is_pkcs11
    from vault.keystores.create import create_keystore

    options = _pw(kwargs)
    if is_pkcs11(path):
        _create_in_token(path, alias, kind, int(key_size), dname, validity, options)
        return
    passwords = _new_password(path, options)
    cert = create_keystore(
        path,
        alias,
        passwords.store,
        kind=kind,
        key_size=int(key_size),
        dname=dname,
        validity_days=validity,
        key_password=passwords.key,
    )
    from vault.keystores import thumbprint

    click.echo(
        f"created {path}: alias {alias}, RSA-{key_size}, thumbprint {thumbprint(cert)}", err=True
    )


def _create_in_token(
    uri_text: str,
    alias: str,
    kind: str,
    key_size: int,
    dname: str,
    validity: int,
    options: PasswordOptions,
) -> None:
    """``keystore create pkcs11:...``: the pair is made inside the token, under the URI's
    object label (or --alias); the PIN is the token's, from the password sources."""
    from vault.keys.spec import parse_pkcs11_uri
    from vault.keystores import pkcs11, thumbprint
    from vault.keystores.create import parse_dname

    if kind.lower() not in ("pkcs12", "pkcs11"):  # pkcs12 is the option's default
        raise UsageError(f"--type {kind} does not apply to a pkcs11: URI")
    uri = parse_pkcs11_uri(uri_text)
    if uri.object is not None and uri.object != alias:
        raise UsageError(f"--alias '{alias}' and the URI's object '{uri.object}' differ")
    uri = uri.with_object(alias)
    subject = parse_dname(dname)
    pin = find_passwords(uri_text, options).store
    cert = pkcs11.create_key_pair(
        uri, uri.module(), pin, key_size=key_size, subject=subject, validity_days=validity
    )
    click.echo(
        f"created in token '{uri.token or '?'}': label {alias}, RSA-{key_size}, "
        f"thumbprint {thumbprint(cert)} (private key sensitive, never extractable)",
        err=True,
    )


def _new_password(path: str, options: PasswordOptions) -> Passwords:
    """The usual sources in their order; on a terminal with none, a new password asked twice."""
    try:
        return find_passwords(path, options, interactive=False)
    except MissingPasswordError:
        if not _stdin_is_terminal():
            raise
    return _prompt_password(path, "New password", confirm=True)


def _open_listing(path: str, storetype: str | None, options: PasswordOptions) -> Any:
    from vault.keys.ring import open_keystore
    from vault.keys.spec import KeystoreSpec

    spec = KeystoreSpec(path, storetype)
    try:
        store, _ = open_keystore(spec, options, need_private=True, interactive=False)
        return store
    except MissingPasswordError:
        if _stdin_is_terminal():
            store, _ = open_keystore(spec, options, need_private=True, interactive=True)
            return store
        store, _ = open_keystore(spec, options, need_private=False)
        if store.kind in ("JKS", "JCEKS"):
            log.warning("%s: no password given: entries listed, integrity not checked", path)
        if store.kind == "PKCS11":
            log.warning("%s: no PIN given: the token's public objects only", path)
        return store


@keystore.command("list")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option(
    "--storetype",
    metavar="TYPE",
    help="JKS, JCEKS, PKCS12 or PEM; read from the bytes when not given.",
)
@click.option("--json", "as_json", is_flag=True, help="A JSON list of entries.")
@_password_options
def keystore_list(path: str, storetype: str | None, as_json: bool, **kwargs: Any) -> None:
    """List the entries: alias, kind, key size, subject, expiry, SHA-1 thumbprint.

    JKS, JCEKS and PEM list without a password (unverified); PKCS12 needs it.
    """
    store = _open_listing(path, storetype, _pw(kwargs))
    rows = [_entry_row(e) for e in store.entries]
    if as_json:
        _echo(json.dumps({"path": path, "type": store.kind, "entries": rows}, indent=2))
        return
    _echo(f"{path}: {store.kind}, {len(rows)} entr{'y' if len(rows) == 1 else 'ies'}")
    for row in rows:
        size = (
            f"{row['algorithm'] or ''}-{row['key_size']}"
            if row["key_size"]
            else (row["algorithm"] or "")
        )
        _echo(f"  {row['alias']}  {row['kind']}  {size}".rstrip())
        if row["thumbprint"]:
            _echo(f"    subject:    {row['subject']}")
            _echo(f"    expires:    {row['expires']}")
            _echo(f"    thumbprint: {row['thumbprint']}")


def _entry_row(entry: Any) -> dict[str, Any]:
    cert = entry.certificate
    return {
        "alias": entry.alias,
        "kind": entry.kind,
        "algorithm": entry.algorithm or ("RSA" if cert is not None else None),
        "key_size": entry.key_size,
        "subject": cert.subject.rfc4514_string() if cert is not None else None,
        "expires": cert.not_valid_after_utc.astimezone(UTC).isoformat()
        if cert is not None
        else None,
        "thumbprint": entry.thumbprint,
    }


@keystore.command("export-cert")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option(
    "--alias", "-a", help="Entry whose certificate to export (optional when there is one key)."
)
@click.option("--storetype", metavar="TYPE")
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False), help="Write the PEM here instead of stdout."
)
@_password_options
def keystore_export_cert(
    path: str, alias: str | None, storetype: str | None, output: str | None, **kwargs: Any
) -> None:
    """Print the certificate of an entry as PEM (for encrypting elsewhere with --cert)."""
    from cryptography.hazmat.primitives import serialization

    store = _open_listing(path, storetype, _pw(kwargs))
    pem = store.certificate(alias).public_bytes(serialization.Encoding.PEM)
    if output:
        from vault import atomic

        atomic.create(output, pem, mode=0o644)
    else:
        _echo(pem.decode("ascii"), nl=False)


@keystore.command("import-cert")
@click.argument("truststore", type=click.Path(dir_okay=False))
@click.argument("cert", type=click.Path(dir_okay=False))
@click.option("--alias", "-a", required=True, help="Alias of the new trusted-certificate entry.")
@click.option(
    "--storetype",
    metavar="TYPE",
    help="Type of a new truststore (default from the extension: .jks JKS, .pem PEM, else PKCS12).",
)
@_lock_option
@_password_options
def keystore_import_cert(
    truststore: str, cert: str, alias: str, storetype: str | None, **kwargs: Any
) -> None:
    """Add CERT (PEM or DER) to TRUSTSTORE under ALIAS, creating it if missing."""
    from pathlib import Path

    from vault.keys.spec import is_pkcs11
    from vault.keystores.create import import_certificate, read_certificate

    if is_pkcs11(truststore):
        raise UsageError("import-cert writes truststore files; a token's objects are its own")
    options = _pw(kwargs)
    certificate = read_certificate(cert)
    if Path(truststore).exists():
        passwords = find_passwords(truststore, options)
    else:
        passwords = _new_password(truststore, options)
    import_certificate(truststore, certificate, alias, passwords.store, storetype)
    click.echo(f"imported {cert} into {truststore} as '{alias}'", err=True)


@keystore.command("passwd")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--storetype", metavar="TYPE", help="JKS, PKCS12 or PEM (default: from the bytes).")
@click.option(
    "--new-storepass-file",
    type=click.Path(dir_okay=False),
    help="File whose line 1 is the new password (line 2: a new key password, JKS only).",
)
@click.option("--new-storepass-env", metavar="VAR", help="Variable holding the new password.")
@_lock_option
@_password_options
def keystore_passwd(
    path: str,
    storetype: str | None,
    new_storepass_file: str | None,
    new_storepass_env: str | None,
    **kwargs: Any,
) -> None:
    """Change the store password (and key passwords) of the keystore at PATH.

    The current password comes from the usual sources; the new one from
    --new-storepass-file, --new-storepass-env or a prompt asked twice. Every
    entry is kept; the new file is read back with the new password and
    compared key by key before it atomically replaces the old one.

    \b
    Example:
      ciphertool keystore passwd wso2carbon.jks --new-storepass-file new.pass
    """
    from vault.keys.spec import is_pkcs11
    from vault.keystores.passwd import change_password

    if is_pkcs11(path):
        raise UsageError(
            "a token's PIN is changed with the token's own tools (e.g. pkcs11-tool --change-pin)"
        )
    current = find_passwords(path, _pw(kwargs))
    new = _given_passwords(path, new_storepass_file, new_storepass_env, "new", confirm=True)
    store = change_password(path, current.store, current.key, new.store, new.key, storetype)
    kept = len(store.entries)
    click.echo(
        f"{path}: password changed ({kept} entr{'y' if kept == 1 else 'ies'} kept)", err=True
    )


# -- config files -----------------------------------------------------------------


def _config_paths(files: tuple[str, ...]) -> list[Path]:
    return [Path(f) for f in files]


def _spec_for(files: list[Path], kwargs: dict[str, Any]) -> Any:
    from vault.keys.spec import keystore_spec

    config = next((f for f in files if f.suffix == ".toml"), None)
    return keystore_spec(kwargs["keystore"], kwargs["storetype"], kwargs["alias"], config=config)


def _public_ring(files: list[Path], kwargs: dict[str, Any]) -> Any:
    from vault.keys.ring import open_key_ring

    return open_key_ring(_spec_for(files, kwargs), _pw(kwargs), need_private=False)


def _read_paths(
    files: tuple[str, ...], wso2_home: str | None, kwargs: dict[str, Any]
) -> tuple[list[Path], bool, Any]:
    """The files list and check read: FILES, or a product home's stores (its keystore
    then used unless one is named); whether a keystore was named; the product home."""
    explicit = bool(kwargs["keystore"] or os.environ.get("CIPHERTOOL_KEYSTORE"))
    home = _wso2.home_for(files, wso2_home, input_type=kwargs.get("input_type"))
    paths = _wso2.home_stores(home, kwargs) if home is not None else _config_paths(files)
    return paths, explicit, home


def _private_ring_if_any(files: list[Path], kwargs: dict[str, Any], explicit: bool) -> Any:
    """The key ring for test decryption, or None (with a note) when no key is at hand and
    none was named (a product home's own keystore is not named: its password may be
    missing where check runs)."""
    from vault.keys.ring import open_key_ring

    try:
        # A look at the configs leaves a product home's password-tmp for its start.
        return open_key_ring(
            _spec_for(files, kwargs), _pw(kwargs), need_private=True, keep_tmp=True
        )
    except (MissingPasswordError, UsageError, InputError) as exc:
        if explicit:
            raise
        log.warning("ciphertexts were not test-decrypted: %s%s", exc.message, _entry.hint_for(exc))
        return None


def _write_options(function: F) -> F:
    options = [
        click.option(
            "--secrets",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Secret store for .properties, .env, .ini and XML files, Compose files, "
            "Kubernetes objects and multi-document YAML (default: cipher-text.properties "
            "beside each file).",
        ),
        click.option(
            "--format",
            "fmt",
            type=click.Choice(["bound", "self-contained", "plain"]),
            default=None,
            help="Ciphertext envelope. Default: bound to its alias (a copy under another "
            "alias does not decrypt) in stores WSO2 never reads (YAML/JSON secrets, "
            "cipher-text.properties outside a product home); self-contained (WSO2 "
            "CryptoUtil) in TOML [secrets] and product homes; plain: WSO2 cipher tool's "
            "bare RSA block.",
        ),
        click.option(
            "--new-key",
            is_flag=True,
            help="Encrypt even though none of a store's ciphertexts is for this key (a "
            "new keystore on purpose; else the run stops, exit 3).",
        ),
        click.option(
            "--transformation",
            "-t",
            default="RSA/ECB/OAEPwithSHA1andMGF1Padding",
            show_default=True,
            help="Java transformation name for new ciphertexts.",
        ),
        _input_type_option,
    ]
    for option in reversed(options):
        function = option(function)
    return _lock_option(_keystore_options(function))


def _options(kwargs: dict[str, Any]) -> Any:
    from vault.crypto.transformations import canonical_transformation
    from vault.operations.workspace import Options

    return Options(
        kwargs.pop("secrets", None),
        kwargs.pop("fmt", None),
        canonical_transformation(
            kwargs.pop("transformation", "RSA/ECB/OAEPwithSHA1andMGF1Padding")
        ),
        new_key=kwargs.pop("new_key", False),
        input_type=kwargs.pop("input_type", None),
    )


@main.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@_write_options
@_wso2.wso2_home_option
def configure(files: tuple[str, ...], wso2_home: str | None, **kwargs: Any) -> None:
    """Encrypt every [plaintext] entry of the FILES' secret stores (WSO2 -Dconfigure).

    TOML keeps its store in [secrets], YAML and JSON in the top-level `secrets`
    mapping; other formats in cipher-text.properties beside them. Values
    already encrypted are left alone, so a second run changes nothing. Only
    the public key is used.

    With --wso2-home (or no FILES, in a product home): the home's
    deployment.toml and legacy XPath mode, and secret-conf.properties, as
    ciphertool.sh -Dconfigure.

    \b
    Example:
      ciphertool configure repository/conf/deployment.toml
      ciphertool configure --wso2-home /opt/wso2is-7.0.0
    """
    from vault.operations.configure import configure as run_configure

    home = _wso2.home_for(files, wso2_home, input_type=kwargs["input_type"])
    if home is not None:
        return _wso2.configure(home, kwargs, _pw(kwargs))
    paths = _config_paths(files)
    options = _options(kwargs)
    done = run_configure(paths, _public_ring(paths, kwargs), options)
    for store, names in done.items():
        click.echo(f"{store}: encrypted {len(names)} alias(es): {', '.join(names)}", err=True)
    if not done:
        click.echo("nothing to encrypt", err=True)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--key",
    "keys",
    multiple=True,
    metavar="REGEX",
    help="Also protect keys whose dotted path matches (repeatable).",
)
@click.option("--dry-run", is_flag=True, help="Say what would be protected; change nothing.")
@_write_options
def protect(files: tuple[str, ...], keys: tuple[str, ...], dry_run: bool, **kwargs: Any) -> None:
    """Encrypt plaintext values under sensitive keys into the store; write $secret{alias}.

    Sensitive keys: the last key segment ends in password, passwd, pwd,
    passphrase, secret, token, api key, private key, client secret, secret
    key or credential(s), plus --key patterns. The alias is the key path
    joined with `_`. Every other byte of each file stays as it was.

    \b
    Example:
      ciphertool protect --dry-run application.yml .env
    """
    from vault.configs.sensitive import SensitiveKeys
    from vault.operations.protect import protect as run_protect

    paths = _config_paths(files)
    options = _options(kwargs)
    ring = None if dry_run else _public_ring(paths, kwargs)
    done = run_protect(paths, ring, SensitiveKeys(keys), options, dry_run=dry_run)
    verb = "would protect" if dry_run else "protected"
    for item in done:
        _echo(f"{item.file}:{item.line}: {verb} {item.key} as $secret{{{item.alias}}}")
    if not done:
        click.echo("no plaintext under sensitive keys", err=True)


@main.command()
@click.argument("secret_alias", metavar="ALIAS")
@click.option(
    "--file",
    "-f",
    "file",
    type=click.Path(dir_okay=False),
    help="The config whose store holds ALIAS.",
)
@_write_options
@_wso2.wso2_home_option
def change(secret_alias: str, file: str | None, wso2_home: str | None, **kwargs: Any) -> None:
    """Give ALIAS a new value, read from a hidden prompt (asked twice) or stdin (WSO2 -Dchange)."""
    from vault.operations.change import change as run_change

    home = _wso2.home_for(
        (file,) if file else (), wso2_home, "--file", input_type=kwargs["input_type"]
    )
    if home is not None:
        store = _wso2.change(home, secret_alias, kwargs, _pw(kwargs), _read_value)
        click.echo(f"{store}: changed {secret_alias}", err=True)
        return
    assert file is not None
    paths = _config_paths((file,))
    options = _options(kwargs)
    ring = _public_ring(paths, kwargs)
    value = _read_value(f"new value of {secret_alias}")
    store = run_change(paths[0], secret_alias, value, ring, options)
    click.echo(f"{store}: changed {secret_alias}", err=True)


@main.command("list")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option(
    "--secrets",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Secret store for .properties, .env, .ini and XML files, Compose files, Kubernetes "
    "objects and multi-document YAML (default: cipher-text.properties beside each).",
)
@click.option("--json", "as_json", is_flag=True, help="A JSON list.")
@_input_type_option
@_read_transformation_option
@_keystore_options
@_wso2.wso2_home_option
def list_command(
    files: tuple[str, ...],
    secrets: Path | None,
    as_json: bool,
    wso2_home: str | None,
    **kwargs: Any,
) -> None:
    """Each alias: state (plaintext, encrypted, unreadable), key thumbprint, where it is used.

    With a keystore and its password at hand, each ciphertext is test-decrypted.
    """
    from dataclasses import asdict

    from vault.operations.inspect import list_aliases
    from vault.operations.workspace import Options

    paths, explicit, home = _read_paths(files, wso2_home, kwargs)
    options = Options(
        secrets, read_transformation=_read_transformation(kwargs), input_type=kwargs["input_type"]
    )
    infos = list_aliases(paths, lambda: _private_ring_if_any(paths, kwargs, explicit), options)
    if home is not None:
        from vault.wso2.xml_secrets import xml_references

        marks = xml_references(home)
        for info in infos:
            info.references.extend(marks.get(info.alias, []))
    if as_json:
        _echo(json.dumps([asdict(i) for i in infos], indent=2))
        return
    for info in infos:
        used = ", ".join(info.references) or "not referenced in the files given"
        key = info.thumbprint or "-"
        _echo(f"{info.alias}  {info.state}  {info.envelope or '-'}  {key}  ({used})")


@main.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option(
    "--key",
    "keys",
    multiple=True,
    metavar="REGEX",
    help="Also treat keys whose dotted path matches as sensitive.",
)
@click.option(
    "--secrets",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Secret store for .properties, .env, .ini and XML files, Compose files, Kubernetes "
    "objects and multi-document YAML (default: cipher-text.properties beside each).",
)
@click.option("--json", "as_json", is_flag=True, help="The findings as a JSON list.")
@click.option(
    "--strict",
    is_flag=True,
    help="Also report ciphertexts not bound to their alias in stores WSO2 never reads.",
)
@_input_type_option
@_read_transformation_option
@_keystore_options
@_wso2.wso2_home_option
def check(
    files: tuple[str, ...],
    keys: tuple[str, ...],
    secrets: Path | None,
    as_json: bool,
    strict: bool,
    wso2_home: str | None,
    **kwargs: Any,
) -> None:
    """Fail (exit 1) on plaintext under sensitive keys, $secret{} with no alias,
    [plaintext] entries not yet encrypted, and ciphertexts no key decrypts.

    For CI and pre-commit. Without a keystore password, ciphertexts are not
    test-decrypted (said on stderr); everything else is checked. With
    --wso2-home, also the product's XML (repository/conf/**/*.xml): password-like
    values that cipher-tool.properties does not cover, with the line to add.
    """
    from dataclasses import asdict

    from vault.configs.sensitive import SensitiveKeys
    from vault.errors import EXIT_PROBLEMS
    from vault.operations.inspect import check as run_check
    from vault.operations.workspace import Options

    paths, explicit, home = _read_paths(files, wso2_home, kwargs)
    options = Options(
        secrets, read_transformation=_read_transformation(kwargs), input_type=kwargs["input_type"]
    )
    sensitive = SensitiveKeys(keys)
    findings = run_check(
        paths,
        lambda: _private_ring_if_any(paths, kwargs, explicit),
        sensitive,
        options,
        strict=strict,
    )
    if home is not None:
        from vault.wso2.xml_secrets import check_xml

        findings = sorted(
            [*findings, *check_xml(home, sensitive)], key=lambda f: (f.file, f.line, f.kind)
        )
    if as_json:
        _echo(json.dumps([asdict(f) for f in findings], indent=2))
    else:
        for finding in findings:
            _echo(f"{finding.file}:{finding.line}: {finding.message}")
    if findings:
        sys.exit(EXIT_PROBLEMS)


# -- rotation -----------------------------------------------------------------------


def _given_passwords(
    path: str, file: str | None, env: str | None, flag: str, *, confirm: bool = False
) -> Passwords:
    """Passwords from ``--FLAG-storepass-file`` / ``--FLAG-storepass-env``, else a prompt
    (asked twice with ``confirm``). Line 2 of the file is the key password.

    The current keystore's sources (environment, password files) are not
    consulted: they hold the current keystore's password.
    """
    from vault.keys.passwords import given_passwords

    given = given_passwords(file, env, flag=f"--{flag}-storepass")
    if given is not None:
        return given
    if _stdin_is_terminal():
        return _prompt_password(path, "New password" if flag == "new" else "Password", confirm)
    raise MissingPasswordError(
        f"no password for {path}; use --{flag}-storepass-file or --{flag}-storepass-env"
    )


def _prompt_password(path: str, label: str, confirm: bool) -> Passwords:
    """A hidden prompt on the terminal; a new password is asked twice."""
    from vault.keys.passwords import password

    first = getpass.getpass(f"{label} for {path}: ")
    if confirm and getpass.getpass("Again: ") != first:
        raise UsageError("the two passwords differ")
    if not first:
        raise PasswordError("no password entered")
    return Passwords(password(first), None, "prompt")


def _rotation_rings(paths: list[Path], kwargs: dict[str, Any]) -> tuple[Any, Any]:
    """(ring of old and new keys, ring of the new key alone)."""
    from vault.crypto.ring import KeyRing
    from vault.keys.ring import decrypting_entry, key_entry, load_store, open_keystores, ring_of
    from vault.keys.spec import is_pkcs11

    to_keystore = kwargs.pop("to_keystore")
    to_alias = kwargs.pop("to_alias")
    to_storetype = kwargs.pop("to_storetype")
    to_file, to_env = kwargs.pop("to_storepass_file"), kwargs.pop("to_storepass_env")
    if not to_keystore and not to_alias:
        raise UsageError("say where to rotate to: --to-keystore PATH and/or --to-alias ALIAS")
    if to_keystore and not is_pkcs11(to_keystore):
        from vault.keystores import read_keystore_bytes

        read_keystore_bytes(to_keystore)  # a missing file is said before any password
    spec = _spec_for(paths, kwargs)
    stores = open_keystores(spec, _pw(kwargs))
    store, key_password = stores[0]
    old = decrypting_entry(store, spec.alias, key_password)
    same_file = not to_keystore or (
        to_keystore == store.path
        if is_pkcs11(to_keystore) or is_pkcs11(store.path)
        else Path(to_keystore).exists() and os.path.samefile(to_keystore, store.path)
    )
    if same_file and not to_storetype and not (to_file or to_env):
        new = key_entry(store, to_alias, key_password, True)
    else:
        target = to_keystore or store.path
        new_passwords = _given_passwords(target, to_file, to_env, "to")
        new_store = load_store(target, new_passwords.store, to_storetype)
        new = key_entry(new_store, to_alias, new_passwords.key or new_passwords.store, True)
    # The old keystores' other keys read what an earlier, unfinished rotation left (and,
    # with no alias, every ciphertext finds its key among them by thumbprint).
    return ring_of(stores, None, *([old] if old else []), new), KeyRing([new])


@contextlib.contextmanager
def _progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A callback drawing a progress bar on stderr when it is a terminal and the work
    long; the bar is ended on the way out, so an error starts a line of its own."""
    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if total < 100 or not sys.stderr.isatty():
            return
        bar = state.get("bar")
        if bar is None:
            bar = state["bar"] = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)
        if done >= total:
            state.pop("bar").__exit__(None, None, None)

    try:
        yield update
    finally:
        if "bar" in state:
            state.pop("bar").__exit__(None, None, None)


@main.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option(
    "--to-keystore",
    metavar="PATH",
    help="Keystore holding the new key (default: the current keystore, with --to-alias).",
)
@click.option("--to-alias", metavar="ALIAS", help="Alias of the new key (WSO2 -Drotate).")
@click.option("--to-storetype", metavar="TYPE", help="Type of the new keystore.")
@click.option(
    "--to-storepass-file",
    type=click.Path(dir_okay=False),
    help="File whose line 1 is the new keystore's password (line 2: its key password).",
)
@click.option("--to-storepass-env", metavar="VAR", help="Variable holding the new password.")
@click.option("--dry-run", is_flag=True, help="Print the plan; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="The plan (or what was done) as JSON.")
@click.option(
    "--rollback",
    is_flag=True,
    help="Undo a rotation of FILES that was interrupted; needs no keystore.",
)
@click.option(
    "--secrets",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Secret store for .properties, .env, .ini and XML files, Compose files, Kubernetes "
    "objects and multi-document YAML (default: cipher-text.properties beside each).",
)
@_input_type_option
@_read_transformation_option
@_lock_option
@_keystore_options
@_wso2.wso2_home_option
def rotate(
    files: tuple[str, ...],
    dry_run: bool,
    as_json: bool,
    rollback: bool,
    secrets: Path | None,
    wso2_home: str | None,
    **kwargs: Any,
) -> None:
    """Re-encrypt every secret of the FILES' stores for a new key, crash-safe.

    The current key (the usual keystore options) decrypts; the new key
    (--to-keystore, --to-alias) encrypts. Each value keeps its envelope and
    transformation. Every new ciphertext is checked against the new key
    before any file is written, and all files change as one set: a run that
    dies part-way is finished by the next write command on them, or undone
    by --rollback. A secret no key reads stops the run; nothing changes.

    \b
    Examples:
      ciphertool rotate deployment.toml --to-keystore new.p12 \\
          --to-storepass-file new.pass --dry-run
      ciphertool rotate deployment.toml --to-alias wso2carbon-2027
    """
    from vault.errors import EXIT_PROBLEMS
    from vault.operations.rotate import rollback as run_rollback
    from vault.operations.rotate import rotate as run_rotate
    from vault.operations.workspace import Options

    home = _wso2.home_for(files, wso2_home, input_type=kwargs["input_type"])
    paths = _wso2.home_stores(home, kwargs) if home is not None else _config_paths(files)
    options = Options(
        secrets, read_transformation=_read_transformation(kwargs), input_type=kwargs["input_type"]
    )
    if rollback:
        done = run_rollback(paths, options)
        if as_json:
            _echo(json.dumps(done, indent=2))
        for message in done:
            click.echo(message, err=True)
        if not done:
            click.echo("no interrupted rotation to roll back", err=True)
        return
    ring, new = _rotation_rings(paths, kwargs)
    with _progress_bar("re-encrypting") as progress:
        steps = run_rotate(paths, ring, new, options, dry_run=dry_run, progress=progress)
    if as_json:
        _echo(json.dumps([s.as_json() for s in steps], indent=2))
    elif dry_run:
        for s in steps:
            keys = f"{s.from_thumbprint or '-'} -> {s.to_thumbprint or '-'}"
            why = f" ({s.reason})" if s.reason else ""
            _echo(f"{s.file}:{s.line}  {s.alias}  {keys}  {s.action}{why}")
    if dry_run:
        if any(s.action == "unreadable" for s in steps):
            sys.exit(EXIT_PROBLEMS)
        return
    if home is not None:
        _wso2.after_rotate(home, new)
    counts = {a: sum(s.action == a for s in steps) for a in ("rotate", "keep", "skip")}
    click.echo(
        f"rotated {counts['rotate']} secret(s) to key {new.entries[0].thumbprint}; "
        f"{counts['keep']} already under it; {counts['skip']} not encrypted",
        err=True,
    )


# -- runtime ------------------------------------------------------------------------


class _ExecCommand(click.Command):
    """exec's words after the first ``--`` are the command's: click parses the options
    and FILEs before it (anywhere), never what follows."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        front, argv = split_command(args, EXEC)
        ctx.meta["exec_argv"] = argv if len(front) < len(args) else None
        return super().parse_args(ctx, front)


@main.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@options_of(RESOLVE)
def resolve(files: tuple[str, ...], **kwargs: Any) -> None:
    """Print FILE with every $secret{alias} and $env{NAME} resolved.

    Fails (exit 3) naming the alias and the file when anything cannot be
    resolved: an unknown alias, a ciphertext no key decrypts, a store entry
    still [plaintext], an unset $env{}. Never prints the alias in its place.
    With --wso2-home and no FILE: the product home's deployment.toml, with
    its keystore.

    \b
    Examples:
      ciphertool resolve deployment.toml --output env
      ciphertool resolve --wso2-home /opt/wso2is-7.0.0
    """
    _entry.resolve(files, Given(kwargs))


@main.command(cls=_ExecCommand)
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@options_of(EXEC)
def exec(files: tuple[str, ...], **kwargs: Any) -> None:
    """Run CMD with the FILES' secrets in its environment: exec FILE... -- CMD ARGS...

    Options may stand anywhere before --. Exported: the aliases the FILES refer
    to, every alias of a store inside one of them (TOML [secrets], a YAML/JSON
    secrets mapping), upper-cased with '.' and '-' as '_'; a .env file also
    gives its own variables, resolved. A reference no store answers fails the
    run (exit 3) before CMD starts. CMD replaces ciphertool, so signals and the
    exit code pass straight through. Secrets travel in the environment, never
    in the argument list.

    \b
    Example:
      ciphertool exec deployment.toml --keystore vault.p12 -- java -jar app.jar
    """
    argv = click.get_current_context().meta.get("exec_argv")
    _entry.exec_command(files, argv, Given(kwargs))


def _commands(group: click.Group) -> Iterator[click.Command]:
    for command in group.commands.values():
        yield command
        if isinstance(command, click.Group):
            yield from _commands(command)


# -v/--verbose after any command's name too (``ciphertool check -v ...``).
for _command in _commands(main):
    if not any(param.name == VERBOSE.dest for param in _command.params):
        _click_option(VERBOSE)(_command)
