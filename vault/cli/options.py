"""The command line's options, defined once: the click decorators of :mod:`vault.cli.app`
and the fast parser of :mod:`vault.cli.fast` are both built from these tables.

No click here: the fast path (``resolve`` and ``exec`` at every service start) reads
the tables without importing it. Adding an option to a command is one entry in its
table; the body reads it from the typed option objects below (:class:`RuntimeOptions`,
:class:`KeyOptions`), which both paths build with the same functions.

The grammar the fast parser takes, the subset of click's that a script writes:
``--name value``, ``--name=value``, ``-k value``, flags, options anywhere before
``--`` (``exec``: everything after ``--`` is the command; ``resolve``: the rest are
FILEs). Anything else (``-kvalue``, a value that looks like an option, an unknown
option, a file click would refuse) is left to click, which gives the same result or
the error.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from vault.keys.passwords import PasswordOptions

if TYPE_CHECKING:
    from vault.keys.spec import KeystoreSpec


class Option(NamedTuple):
    """One command-line option: its names, the parameter it fills, how it is read."""

    names: tuple[str, ...]
    dest: str
    help: str
    metavar: str | None = None
    flag: bool = False
    file: bool = False
    """A file path (click.Path(dir_okay=False))."""
    folder: bool = False
    """A folder path (click.Path(file_okay=False))."""
    choices: tuple[str, ...] = ()
    case_insensitive: bool = False
    """A choice matched case-insensitively (the value is then the choice's own spelling)."""
    default: str | None = None


KEYSTORE = Option(
    ("--keystore", "-k"),
    "keystore",
    "Keystore (JKS, JCEKS, PKCS12, PEM) or a token's pkcs11: URI. Else "
    "$CIPHERTOOL_KEYSTORE, else the config's [keystore.internal]/[keystore.primary].",
    metavar="PATH",
)
STORETYPE = Option(
    ("--storetype",),
    "storetype",
    "JKS, JCEKS, PKCS12 or PEM; read from the file's bytes when not given.",
    metavar="TYPE",
)
ALIAS = Option(
    ("--alias", "-a"),
    "alias",
    "Key entry that encrypts (decryption finds each ciphertext's key by its thumbprint; "
    "optional when the keystore holds one key).",
    metavar="ALIAS",
)
STOREPASS_FILE = Option(
    ("--storepass-file",),
    "storepass_file",
    "File whose line 1 is the store password (line 2: the key password).",
    file=True,
)
STOREPASS_ENV = Option(
    ("--storepass-env",),
    "storepass_env",
    "Environment variable holding the store password.",
    metavar="VAR",
)
KEYPASS_FILE = Option(
    ("--keypass-file",),
    "keypass_file",
    "File holding the key password, when it differs.",
    file=True,
)
KEYPASS_ENV = Option(
    ("--keypass-env",),
    "keypass_env",
    "Environment variable holding the key password.",
    metavar="VAR",
)
READ_TRANSFORMATION = Option(
    ("--transformation", "-t"),
    "transformation",
    "How plain ciphertexts (bare RSA blocks, as WSO2's cipher tool writes) were made: "
    "a Java transformation name. Default: the config's ([system.parameter] "
    '"org.wso2.CipherTransformation", or secret-conf.properties beside the store), '
    "else OAEP-SHA1, then PKCS#1 v1.5. Other ciphertexts name their own.",
    metavar="NAME",
)
SECRETS = Option(
    ("--secrets",),
    "secrets",
    "Secret store for .properties, .env, .ini and .xml files "
    "(default: cipher-text.properties beside each file).",
    file=True,
)
WSO2_HOME = Option(
    ("--wso2-home",),
    "wso2_home",
    "A WSO2 product home: its repository/conf/deployment.toml and security/"
    "cipher-text.properties, with its keystore (repository/resources/security) and its "
    "password-tmp / password-persist, as the product reads them.",
    metavar="DIR",
    folder=True,
)
VERBOSE = Option(
    ("--verbose", "-v"), "verbose", "Log what is done (never a secret) on stderr.", flag=True
)
OUTPUT = Option(
    ("--output", "-o"),
    "output",
    "json: the whole document resolved (an XML config: itself, resolved); "
    "env: the secrets as NAME='value' lines.",
    choices=("json", "env"),
    default="json",
)
OUTPUT_DIR = Option(
    ("--output-dir",),
    "output_dir",
    "Write each secret FILE refers to as DIR/ALIAS instead (the value alone, 0400; "
    "DIR 0700), replacing the previous set atomically.",
    metavar="DIR",
)
INPUT_TYPES = ("toml", "yaml", "json", "ini", "properties", "dotenv", "xml")
"""--input-type's names (vault.configs.store.INPUT_TYPES, not imported at start-up)."""
INPUT_TYPE = Option(
    ("--input-type",),
    "input_type",
    "The FILES' format whatever their names (.conf, .cfg, no extension): "
    "toml, yaml, json, ini, properties, dotenv or xml. Default: from each name.",
    choices=INPUT_TYPES,
    case_insensitive=True,
)
ENV_PREFIX = Option(
    ("--env-prefix",),
    "env_prefix",
    "Prefix for the variables' names.",
    metavar="PREFIX",
    default="",
)

KEYSTORE_OPTIONS = (KEYSTORE, STORETYPE, ALIAS)
PASSWORD_OPTIONS = (STOREPASS_FILE, STOREPASS_ENV, KEYPASS_FILE, KEYPASS_ENV)
_RUNTIME = (
    INPUT_TYPE,
    READ_TRANSFORMATION,
    *KEYSTORE_OPTIONS,
    *PASSWORD_OPTIONS,
    SECRETS,
    WSO2_HOME,
    VERBOSE,
)
RESOLVE = (OUTPUT, ENV_PREFIX, OUTPUT_DIR, *_RUNTIME)
EXEC = (ENV_PREFIX, *_RUNTIME)
RUNTIME_COMMANDS: Mapping[str, Sequence[Option]] = {"resolve": RESOLVE, "exec": EXEC}


class KeystoreOptions(NamedTuple):
    """``--keystore``, ``--storetype``, ``--alias`` (None: not given; the environment or
    the config may still name them, see :func:`vault.keys.spec.keystore_spec`)."""

    keystore: str | None = None
    storetype: str | None = None
    alias: str | None = None

    def spec(
        self, config: str | os.PathLike[str] | None = None, *, password_home: str | None = None
    ) -> KeystoreSpec:
        """The keystore these options, the environment or ``config`` name;
        ``password_home`` searched first for password-tmp (unless the config says one)."""
        from vault.keys.spec import keystore_spec

        spec = keystore_spec(self.keystore, self.storetype, self.alias, config=config)
        if password_home is not None and spec.password_home is None:
            spec = spec._replace(password_home=password_home)
        return spec


class KeyOptions(NamedTuple):
    """The key a command opens: which keystore, and where its passwords come from."""

    keystore: KeystoreOptions = KeystoreOptions()
    passwords: PasswordOptions = PasswordOptions()


class RuntimeOptions(NamedTuple):
    """The options of ``resolve`` and ``exec`` (:data:`RESOLVE`, :data:`EXEC`), as the
    fast parser and click both give them (see :func:`runtime_options`)."""

    key: KeyOptions
    transformation: str | None
    input_type: str | None
    secrets: str | None
    wso2_home: str | None
    env_prefix: str
    output: str | None
    output_dir: str | None
    verbose: bool


def read_transformation(given: str | None) -> str | None:
    """``--transformation`` of a command that reads ciphertexts, checked and in its
    canonical spelling (None: not given)."""
    if given is None:
        return None
    from vault.crypto.transformations import canonical_transformation

    return canonical_transformation(given)


def _text(values: Mapping[str, object], dest: str) -> str | None:
    value = values.get(dest)
    return value if isinstance(value, str) else None


def key_options(values: Mapping[str, object]) -> KeyOptions:
    """The key options among ``values`` (a command's parameters by ``dest``): the
    fields of :class:`KeystoreOptions` and :class:`PasswordOptions` are the ``dest``
    of :data:`KEYSTORE_OPTIONS` and :data:`PASSWORD_OPTIONS`, in their order."""
    return KeyOptions(
        KeystoreOptions(*(_text(values, o.dest) for o in KEYSTORE_OPTIONS)),
        PasswordOptions(*(_text(values, o.dest) for o in PASSWORD_OPTIONS)),
    )


def password_options(values: Mapping[str, object]) -> PasswordOptions:
    """The password options among ``values`` (see :func:`key_options`)."""
    return key_options(values).passwords


def runtime_options(values: Mapping[str, object]) -> RuntimeOptions:
    """``resolve``'s or ``exec``'s options from their values by ``dest``: the fast
    parser's (:attr:`Parsed.values`) or click's parameters; both give the same object."""
    return RuntimeOptions(
        key=key_options(values),
        transformation=_text(values, READ_TRANSFORMATION.dest),
        input_type=_text(values, INPUT_TYPE.dest),
        secrets=_text(values, SECRETS.dest),
        wso2_home=_text(values, WSO2_HOME.dest),
        env_prefix=_text(values, ENV_PREFIX.dest) or "",
        output=_text(values, OUTPUT.dest),
        output_dir=_text(values, OUTPUT_DIR.dest),
        verbose=bool(values.get(VERBOSE.dest)),
    )


class Parsed:
    """A runtime command line as the fast parser read it."""

    def __init__(self, command: str, values: dict[str, object]) -> None:
        self.command = command
        self.values = values
        self.files: list[str] = []
        self.argv: list[str] | None = None
        """exec: the command after ``--``."""


class NotPlain(Exception):
    """A command line the fast parser leaves to click."""


def _plain_file(path: str) -> bool:
    """What click's Path(dir_okay=False) takes without a word: missing, or a readable
    non-directory (for anything else click's own message is the one to give)."""
    return not os.path.exists(path) or (not os.path.isdir(path) and os.access(path, os.R_OK))


def _plain_folder(path: str) -> bool:
    return not os.path.exists(path) or os.path.isdir(path)


def split_command(args: Sequence[str], options: Sequence[Option]) -> tuple[list[str], list[str]]:
    """exec's words before the first ``--`` that is no option's value, and the command
    after it (``[]`` and the words as they are when there is none)."""
    takes_value = {name for o in options if not o.flag for name in o.names}
    i = 0
    while i < len(args):
        token = args[i]
        if token == "--":
            return list(args[:i]), list(args[i + 1 :])
        if token in takes_value:
            i += 1  # its value, even "--"
        i += 1
    return list(args), []


def parse(args: Sequence[str]) -> Parsed:
    """``[-v] resolve|exec ...`` read with the tables; :class:`NotPlain` for the rest."""
    verbose = False
    args = list(args)
    while args and args[0] in VERBOSE.names:
        verbose = True
        args = args[1:]
    if not args or args[0] not in RUNTIME_COMMANDS:
        raise NotPlain
    command, rest = args[0], args[1:]
    options = RUNTIME_COMMANDS[command]
    by_name = {name: o for o in options for name in o.names}
    parsed = Parsed(command, {o.dest: o.default for o in options})
    if command == "exec":
        if "--" not in rest:
            raise NotPlain
        rest, parsed.argv = split_command(rest, options)
    i = 0
    while i < len(rest):
        token = rest[i]
        i += 1
        if token == "-" or not token.startswith("-"):
            parsed.files.append(token)
            continue
        if token == "--":  # resolve: the rest are FILEs
            parsed.files += rest[i:]
            break
        name, equals, value = token.partition("=")
        option = by_name.get(name)
        if option is None or (equals and (option.flag or not name.startswith("--"))):
            raise NotPlain
        if option.flag:
            parsed.values[option.dest] = True
            continue
        if not equals:
            if i == len(rest) or rest[i].startswith("-"):
                raise NotPlain
            value = rest[i]
            i += 1
        if option.case_insensitive:
            value = value.lower()
        if option.choices and value not in option.choices:
            raise NotPlain
        if (option.file and not _plain_file(value)) or (option.folder and not _plain_folder(value)):
            raise NotPlain
        parsed.values[option.dest] = value
    if verbose:
        parsed.values[VERBOSE.dest] = True
    if command == "resolve" and len(parsed.files) > 1:
        raise NotPlain
    if not all(_plain_file(f) for f in parsed.files):
        raise NotPlain
    return parsed
