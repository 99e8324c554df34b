"""Secret stores and ``$secret{alias}`` references: the rules both paths share.

Read-only and small: the resolver imports it too.

* A reference is ``$secret{alias}``, alone or inside a longer string;
  aliases are ``[A-Za-z0-9_.-]+``. ``$env{NAME}`` reads the environment.
* A store value ``[text]`` is plaintext waiting for ``configure`` (the text
  between the first ``[`` and the last ``]``, as WSO2 reads it); anything
  else is a ciphertext.
* TOML keeps its store in its own ``[secrets]`` table, YAML and JSON in the
  top-level ``secrets`` mapping; every other format in
  ``cipher-text.properties`` beside it (or the file ``--secrets`` names). An
  XML file with none beside it, inside a WSO2 product home, uses the home's
  repository (see :func:`vault.wso2.layout.home_repository`).
* A YAML or JSON file whose own schema gives ``secrets`` another meaning, or
  allows no extra key, keeps its store beside it too (see :func:`own_schema`):
  Docker Compose files, Kubernetes objects, multi-document YAML.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from vault._bounded import CONFIG_LIMIT, read_bounded
from vault.errors import InputError, UsageError

REFERENCE = re.compile(r"\$secret\{([A-Za-z0-9_.-]+)\}")
ANY_REFERENCE = re.compile(r"\$secret\{([^}]*)\}")
ENV_REFERENCE = re.compile(r"\$env\{([^}]*)\}")
ALIAS = re.compile(r"[A-Za-z0-9_.-]+")
STORE_FILE_NAME = "cipher-text.properties"
INLINE_STORE_FORMATS = frozenset({"toml", "yaml", "json"})


def checked_transformation(
    configured: tuple[str, str], path: str | os.PathLike[str]
) -> tuple[str, str]:
    """A transformation a config sets (see
    :func:`vault.wso2.secret_conf.configured_transformation`), by its canonical name; an
    unknown one is an InputError naming ``path`` and where it is set."""
    from vault.crypto.transformations import canonical_transformation

    name, where = configured
    try:
        return canonical_transformation(name), where
    except UsageError:
        raise InputError(f"unknown transformation '{name}' ({where})", path=path) from None


def is_plaintext_entry(value: str) -> bool:
    """``[text]``: plaintext waiting to be encrypted."""
    stripped = value.strip()
    return len(stripped) >= 2 and stripped[0] == "[" and stripped[-1] == "]"


def plaintext_of(value: str) -> str:
    """The text between the first ``[`` and the last ``]``."""
    return value[value.index("[") + 1 : value.rindex("]")]


def references(value: str) -> list[str]:
    """Every alias a value refers to, in order."""
    return REFERENCE.findall(value)


def holds_reference(value: str) -> bool:
    return "$secret{" in value or "$env{" in value


def yaml_untagged(loader: Any, _suffix: str, node: Any) -> Any:
    """A YAML node under a local tag no safe loader knows (Ansible's ``!vault``,
    CloudFormation's ``!Ref``, Home Assistant's ``!secret``) read as the same node
    untagged: a multi-constructor for ``"!"``, shared by the resolver and the rewriter."""
    if node.id == "scalar":
        return loader.construct_scalar(node)
    if node.id == "sequence":
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)


class Documents(list[Any]):
    """The documents of a multi-document YAML file (``---``), in order."""


def own_schema(data: Any) -> str | None:
    """What a YAML or JSON config is, when its own schema forbids a top-level ``secrets``
    store: a multi-document file (:class:`Documents`), a Kubernetes object (``apiVersion``
    and ``kind``: the API server refuses an unknown field), a Docker Compose file (top-level
    ``services``: Compose's own ``secrets`` names files and variables). None otherwise."""
    if isinstance(data, Documents):
        return "a multi-document YAML file"
    if isinstance(data, dict):
        if "apiVersion" in data and "kind" in data:
            return "a Kubernetes object"
        if "services" in data and isinstance(data["services"], dict | None):
            return "a Docker Compose file"
    return None


def store_file_for(
    config: Path, format_name: str, secrets: Path | None = None, *, inline: bool = True
) -> Path:
    """Where the aliases of ``config`` live: itself (TOML/YAML/JSON, unless ``inline`` is
    False: see :func:`own_schema`) or a properties file."""
    if secrets is not None:
        return secrets
    if format_name in INLINE_STORE_FORMATS and inline:
        return config
    beside = config.parent / STORE_FILE_NAME
    if format_name == "xml" and not beside.exists():
        from vault.wso2.layout import home_repository

        return home_repository(config) or beside
    return beside


class KeystoreTable(NamedTuple):
    """What a TOML config's keystore table says, unchecked (see :func:`keystore_table`)."""

    name: str
    """``internal`` or ``primary``: the table is ``[keystore.NAME]``."""
    file_name: str
    type: str | None
    alias: str | None


def keystore_table(data: Mapping[str, Any]) -> KeystoreTable | None:
    """``[keystore.internal]``, else ``[keystore.primary]``: the first that names a
    ``file_name``, as WSO2 reads them. Where the file is, and whether it may be used,
    is the reader's to say (:mod:`vault.keys.spec` for a config, relative to it;
    :class:`vault.wso2.home.ProductHome` for a product home)."""
    tables = data.get("keystore")
    if not isinstance(tables, dict):
        return None
    for name in ("internal", "primary"):
        table = tables.get(name)
        if isinstance(table, dict) and isinstance(table.get("file_name"), str):
            kind, alias = table.get("type"), table.get("alias")
            return KeystoreTable(
                name,
                table["file_name"],
                kind if isinstance(kind, str) else None,
                alias if isinstance(alias, str) else None,
            )
    return None


def read_toml(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A TOML file parsed with ``tomllib``, once per version of the file.

    The keystore lookup and the resolver both read a service's
    deployment.toml at start-up; this parses it once. Callers must not
    modify what it returns. Errors are :class:`~vault.errors.InputError` (a
    :class:`~vault.configs.formats.ParseError` naming line and column for bad TOML).
    """
    import tomllib

    from vault.errors import InputError

    try:
        info = os.stat(path)
        return _parse_toml(os.fspath(path), info.st_ino, info.st_mtime_ns, info.st_size)
    except FileNotFoundError:
        raise InputError("no such file", path=path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=path) from None
    except tomllib.TOMLDecodeError as exc:
        from vault.configs.formats.toml import parse_error

        raise parse_error(exc, path) from None
    except RecursionError:
        from vault.configs.formats.toml import TOO_DEEP

        raise InputError(TOO_DEEP, path=path) from None
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise InputError("not UTF-8 (a TOML file must be)", path=path, line=line) from None


@functools.lru_cache(maxsize=8)
def _parse_toml(path: str, inode: int, mtime_ns: int, size: int) -> dict[str, Any]:
    """Keyed on inode, mtime and size too: an atomic rewrite (a new inode) is never missed."""
    import tomllib

    text = read_config_bytes(path).decode()
    try:
        return tomllib.loads(literal_base64_strings(text))
    except tomllib.TOMLDecodeError:
        return tomllib.loads(text)  # the error as the text has it (see below)


# A key/value line whose value is a "basic string" of Base64, as every ciphertext is.
_KEY = r"""(?:[A-Za-z0-9_-]+|"[A-Za-z0-9_.-]*"|'[A-Za-z0-9_.-]*')"""
_BASE64_VALUE = re.compile(
    rf'^([ \t]*{_KEY}(?:[ \t]*\.[ \t]*{_KEY})*[ \t]*=[ \t]*)"([A-Za-z0-9+/=]{{16,}})"',
    re.MULTILINE,
)


def literal_base64_strings(text: str) -> str:
    """The same TOML document, its Base64 values written as 'literal strings'.

    ``tomllib`` reads a "basic string" one character at a time in Python, and
    a 50-secret deployment.toml is mostly ciphertext: that loop was the
    largest cost of a service start after the RSA work itself. A literal
    string is read with one ``str.find``. The value is the same, since Base64
    holds no quote, backslash or control character.

    Only when the document has no multi-line strings does every line begin
    outside any string or comment; only then is the quote after ``key =`` at
    the start of a line sure to open a string. Otherwise the text is kept.
    A document that does not parse still does not parse, but the message may
    differ (a string left open on an earlier line meets the new quote), so
    callers parse the text as it is again for the error.
    """
    if '"""' in text or "'''" in text:
        return text
    return _BASE64_VALUE.sub(r"\1'\2'", text)


# The format of a config from its name. Here, not in vault.configs.formats, so that the
# runtime path (the resolver) knows a file's format without importing the rewriting code.
_SUFFIXES = {
    ".toml": "toml",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".json": "json",
    ".ini": "ini",
    ".cfg": "ini",
    ".properties": "properties",
    ".env": "env",
    ".xml": "xml",
}


#: ``--input-type`` / ``input_type=`` names, and the format each means.
INPUT_TYPES = {
    "toml": "toml",
    "yaml": "yaml",
    "json": "json",
    "ini": "ini",
    "properties": "properties",
    "dotenv": "env",
    "xml": "xml",
}


def config_format(path: str | os.PathLike[str], input_type: str | None = None) -> str:
    """The format of a config: ``input_type`` (a name of :data:`INPUT_TYPES`) when given,
    whatever the file is called, else from its name (see :func:`detect_format`)."""
    if input_type is None:
        return detect_format(path)
    try:
        return INPUT_TYPES[input_type.lower()]
    except KeyError:
        raise UsageError(
            f"unknown input type '{input_type}' (expected {', '.join(INPUT_TYPES)})"
        ) from None


def detect_format(path: str | os.PathLike[str]) -> str:
    """The format of a file from its name: ``.env`` and ``.env.*`` / ``*.env`` are dotenv."""
    name = Path(path).name
    if name == ".env" or name.startswith(".env."):
        return "env"
    suffix = Path(name).suffix.lower()
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    raise UsageError(
        "unknown config format (expected .toml, .yaml/.yml, .json, .ini/.cfg, .properties, "
        ".env or .xml): name it with --input-type "
        "toml|yaml|json|ini|properties|dotenv|xml (input_type= in the library)",
        path=path,
    )


def read_config_bytes(path: str | os.PathLike[str]) -> bytes:
    """A config's bytes: a regular file, read up to a bound (a FIFO or device is refused)."""
    try:
        return read_bounded(path, CONFIG_LIMIT, "config file")
    except FileNotFoundError:
        raise InputError("no such file", path=path) from None


def read_text(path: Path) -> str:
    """A config's text: UTF-8, else latin-1 (as Java reads .properties)."""
    data = read_config_bytes(path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")
