"""click's side of :mod:`vault.cli.options`: each table entry as a click option, the
options every command group shares, and the decorators that hand a command its typed
option objects instead of a bag of keyword arguments.

A decorator such as :func:`key_options` adds the options of its table and gives the
command one parameter (``key: KeyOptions``) built by the same function the fast path
uses (:func:`vault.cli.options.key_options`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar, cast

import click
from click.core import ParameterSource

from vault.cli.base import start
from vault.cli.options import (
    INPUT_TYPE,
    KEYSTORE_OPTIONS,
    PASSWORD_OPTIONS,
    READ_TRANSFORMATION,
    VERBOSE,
    Option,
    key_options,
    password_options,
    read_transformation,
)

if TYPE_CHECKING:
    from vault.operations.workspace import EnvelopeChoice, Options

F = TypeVar("F", bound=Callable[..., Any])


class WriteOptions(NamedTuple):
    """How configure, protect and change write: ``--secrets``, ``--format``,
    ``--transformation`` (None: not given, the default then applies), ``--new-key``,
    ``--input-type``."""

    secrets: Path | None = None
    format: EnvelopeChoice | None = None
    transformation: str | None = None
    new_key: bool = False
    input_type: str | None = None

    def options(self) -> Options:
        """The library's options for FILES (the default transformation OAEP-SHA1)."""
        from vault.crypto.transformations import canonical_transformation
        from vault.operations.workspace import Options

        return Options(
            self.secrets,
            self.format,
            canonical_transformation(self.transformation or DEFAULT_TRANSFORMATION),
            new_key=self.new_key,
            input_type=self.input_type,
        )


DEFAULT_TRANSFORMATION = "RSA/ECB/OAEPwithSHA1andMGF1Padding"


def read_options(
    secrets: Path | None, transformation: str | None, input_type: str | None
) -> Options:
    """The library's options of a command that reads ciphertexts (list, check, rotate)."""
    from vault.operations.workspace import Options

    read = read_transformation(transformation)
    return Options(secrets, read_transformation=read, input_type=input_type)


def click_option(option: Option) -> Callable[[F], F]:
    """The click decorator of one entry of :mod:`vault.cli.options`."""
    extra: dict[str, object] = {}
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
    decorator: Callable[[F], F] = click.option(
        *option.names,
        option.dest,
        metavar=option.metavar,
        help=option.help,
        **extra,  # type: ignore[arg-type]
    )
    return decorator


def _verbose_now(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        start(True)


def options_of(table: Sequence[Option]) -> Callable[[F], F]:
    """Decorate a command with the options of ``table``, in its order."""

    def decorate(function: F) -> F:
        for option in reversed(table):
            function = click_option(option)(function)
        return function

    return decorate


def gathered(
    table: Sequence[Option], into: str, build: Callable[[Mapping[str, object]], object]
) -> Callable[[F], F]:
    """Decorate a command with the options of ``table``, handed to it as one parameter
    ``into``: ``build`` of their values by ``dest``."""
    dests = [o.dest for o in table]

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def command(*args: object, **params: object) -> object:
            values = {dest: params.pop(dest, None) for dest in dests}
            return function(*args, **params, **{into: build(values)})

        return options_of(table)(cast(F, command))

    return decorate


key_option_group = gathered((*KEYSTORE_OPTIONS, *PASSWORD_OPTIONS), "key", key_options)
"""``--keystore``, ``--storetype``, ``--alias`` and the password options, as ``key``."""
password_option_group = gathered(PASSWORD_OPTIONS, "passwords", password_options)
"""The password options, as ``passwords``."""
read_transformation_option = click_option(READ_TRANSFORMATION)
input_type_option = click_option(INPUT_TYPE)
verbose_option = click_option(VERBOSE)


def _set_lock_timeout(_ctx: click.Context, _param: click.Parameter, value: float | None) -> None:
    if value is not None:
        from vault.atomic import lock

        lock.lock_timeout = value


def lock_option(function: F) -> F:
    """``--lock-timeout``: how long a command waits for another run's lock on a file."""
    decorator: Callable[[F], F] = click.option(
        "--lock-timeout",
        type=click.FloatRange(min=0),
        metavar="SECONDS",
        expose_value=False,
        callback=_set_lock_timeout,
        help="How long to wait for another run's lock on a file before giving up "
        "(default 60; waiting is said on stderr after a second).",
    )
    return decorator(function)


def wso2_home_option(function: F) -> F:
    """``--wso2-home DIR`` of the write commands."""
    decorator: Callable[[F], F] = click.option(
        "--wso2-home",
        "wso2_home",
        metavar="DIR",
        type=click.Path(file_okay=False),
        help=(
            "A WSO2 product home: work on its deployment.toml and legacy cipher-text.properties "
            "with its keystore, as ciphertool.sh does (the current folder when no FILES are "
            "given and it holds repository/conf/deployment.toml)."
        ),
    )
    return decorator(function)


def secrets_option(function: F) -> F:
    """``--secrets FILE`` of list, check and rotate."""
    decorator: Callable[[F], F] = click.option(
        "--secrets",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Secret store for .properties, .env, .ini and XML files, Compose files, Kubernetes "
        "objects and multi-document YAML (default: cipher-text.properties beside each).",
    )
    return decorator(function)


def _given(name: str) -> bool:
    """Whether the command line gave the parameter ``name`` (not its default)."""
    source = click.get_current_context().get_parameter_source(name)
    return source not in (None, ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP)


def _write_options(values: Mapping[str, object]) -> WriteOptions:
    secrets, fmt, transformation = values["secrets"], values["fmt"], values["transformation"]
    input_type = values["input_type"]
    return WriteOptions(
        secrets if isinstance(secrets, Path) else None,
        cast("EnvelopeChoice | None", fmt),
        transformation if isinstance(transformation, str) and _given("transformation") else None,
        bool(values["new_key"]),
        input_type if isinstance(input_type, str) else None,
    )


_WRITE_DESTS = ("secrets", "fmt", "new_key", "transformation", "input_type")


def write_option_group(function: F) -> F:
    """The options of configure, protect and change, as ``write: WriteOptions``; then
    ``--lock-timeout`` and the key options (``key``)."""

    @functools.wraps(function)
    def command(*args: object, **params: object) -> object:
        values = {dest: params.pop(dest) for dest in _WRITE_DESTS}
        return function(*args, **params, write=_write_options(values))

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
        input_type_option,
    ]
    decorated = cast(F, command)
    for option in reversed(options):
        decorated = option(decorated)
    return lock_option(key_option_group(decorated))
