"""The runtime readers: a config and its secret store read as the resolver reads them.

Read-only and small on purpose: TOML with ``tomllib``, YAML with PyYAML's safe
loader (its aliases' expansion bounded), JSON with ``json``, INI with
``configparser``, .properties and .env through their format adapter's reader. The
write paths check every text they are about to write with :func:`read_text_as_runtime`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from vault import _log
from vault.configs.store import (
    ALIAS,
    STORE_FILE_NAME,
    Documents,
    config_format,
    own_schema,
    read_text,
    read_toml,
    store_file_for,
    yaml_untagged,
)
from vault.errors import InputError, VaultError

__all__ = [
    "MAX_YAML_EXPANSION",
    "ConfigRead",
    "StoreEntry",
    "XmlSource",
    "read_config",
    "read_text_as_runtime",
    "store_line",
]

#: How many nodes YAML aliases (``*name``) may add to a document, all told.
MAX_YAML_EXPANSION = 100_000


class XmlSource(NamedTuple):
    """An XML config as read: resolving it gives its text with every reference replaced."""

    text: str
    path: str


class StoreEntry(NamedTuple):
    value: str
    path: str
    line: int | None = None


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested TOML store tables as dotted aliases (``a.b = ...`` is a nested table)."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def _key_values(path: Path, text: str, format_name: str) -> dict[str, str]:
    """Flat key/value files (.properties, .env) through their format adapter's reader."""
    from vault.configs.formats import parse

    return {str(s.path[0]): s.value for s in parse(text, format_name, path).scalars()}


def read_text_as_runtime(path: Path, format_name: str, text: str) -> Any:
    """``text`` read as the resolver reads a file of ``format_name`` at service start
    (TOML with ``tomllib``, YAML with PyYAML's safe loader, ...); InputError if it does
    not parse. The write paths check every text they are about to write with it."""
    if format_name == "toml":
        import tomllib

        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            from vault.configs.formats.toml import parse_error

            raise parse_error(exc, path) from None
        except RecursionError:
            from vault.configs.formats.toml import TOO_DEEP

            raise InputError(TOO_DEEP, path=path) from None
    if format_name == "xml":
        from vault.configs.formats import parse

        return parse(text, "xml", path)
    return _read_other(path, format_name, text)


def _read_other(config: Path, format_name: str, text: str) -> Any:
    """YAML, JSON, INI, .properties or .env as plain data. A YAML file of several
    documents is their :class:`~vault.configs.store.Documents` list."""
    try:
        if format_name == "yaml":
            return _load_yaml(config, text)
        if format_name == "json":
            import json

            return json.loads(text)
        if format_name == "ini":
            import configparser

            parser = configparser.ConfigParser(interpolation=None)
            parser.optionxform = str  # type: ignore[assignment,method-assign]
            parser.read_string(text, source=str(config))
            data = {name: dict(parser.items(name, raw=True)) for name in parser.sections()}
            if parser.defaults():
                data["DEFAULT"] = dict(parser.defaults())
            return data
        return _key_values(config, text, format_name)
    except VaultError:
        raise
    except Exception as exc:  # each reader's own error type
        raise _parse_error(config, format_name, text, exc) from None


def _parse_error(config: Path, format_name: str, text: str, exc: Exception) -> VaultError:
    """The error ``check`` gives for the same text (the format adapter's, with line and
    column); when the adapter reads what the runtime reader refused, the reader's own
    line and column, counted from 1."""
    from vault.configs.formats import parse

    try:
        parse(text, format_name, config)
    except VaultError as error:
        return error
    except Exception:  # an adapter's own bug: the reader's words below
        pass
    mark = getattr(exc, "problem_mark", None)  # PyYAML's marks count lines from 0
    line = getattr(exc, "lineno", None) or (mark.line + 1 if mark is not None else None)
    column = getattr(exc, "colno", None) or (mark.column + 1 if mark is not None else None)
    problem = getattr(exc, "problem", None) or getattr(exc, "msg", None)
    where = f"column {column}: " if column else ""
    why = f"does not parse ({type(exc).__name__})"
    if isinstance(problem, str):
        why = f"{where}{problem}"
    return InputError(why, path=config, line=line)


_YAML_LOADER: list[Any] = []


def _yaml_loader() -> Any:
    """PyYAML's safe loader (the C one when there) that reads a node under a local tag it
    does not know (``!vault |``, ``!Ref``) as the same node untagged, as the rewriter does."""
    if not _YAML_LOADER:
        import yaml

        base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        loader: Any = type("_VaultYamlLoader", (base,), {})
        loader.add_multi_constructor("!", yaml_untagged)
        _YAML_LOADER.append(loader)
    return _YAML_LOADER[0]


def _load_yaml(config: Path, text: str) -> Any:
    """``yaml.safe_load_all`` (a file of several documents is their
    :class:`~vault.configs.store.Documents` list), except that aliases (``*name``) may add at most
    :data:`MAX_YAML_EXPANSION` nodes, and none may hold itself: a 0.5 KB "billion
    laughs" would otherwise cost minutes and gigabytes wherever the data is walked."""
    import yaml

    loader_class = _yaml_loader()
    if "*" not in text:  # no alias, nothing to expand
        documents = list(yaml.load_all(text, Loader=loader_class))
    else:
        loader = loader_class(text)
        try:
            documents = []
            while loader.check_node():
                node = loader.get_node()
                _check_expansion(config, node)
                documents.append(loader.construct_document(node))
        finally:
            loader.dispose()
    if len(documents) > 1:
        return Documents(documents)
    return documents[0] if documents else None


def _check_expansion(config: Path, root: Any) -> None:
    """The nodes ``root`` stands for once every alias is expanded, counted without
    expanding: each node's size once, by identity."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        value = node.value
        children = (
            [part for pair in value for part in pair]
            if isinstance(value, list) and value and isinstance(value[0], tuple)
            else value
            if isinstance(value, list)
            else []
        )
        if children_done:
            open_nodes.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in children)
            continue
        if key in sizes:
            continue
        open_nodes.add(key)
        stack.append((node, True))
        for child in children:
            if id(child) in open_nodes:
                line = child.start_mark.line + 1 if child.start_mark else None
                raise InputError("a YAML alias refers to a node holding it", path=config, line=line)
            if id(child) not in sizes:
                stack.append((child, False))
    if sizes[id(root)] - len(sizes) > MAX_YAML_EXPANSION:
        raise InputError(
            f"YAML aliases expand to more than {MAX_YAML_EXPANSION} further nodes; refused",
            path=config,
        )


class ConfigRead(NamedTuple):
    data: Any
    """The config's data, its inline store removed."""
    store: dict[str, StoreEntry]
    """Its secret store's entries."""
    transformation: tuple[str, str] | None
    """The transformation it sets for plain ciphertexts, and where (unchecked)."""
    shared: bool = False
    """Its store is a file of its own (cipher-text.properties, ``--secrets``), not itself."""


def read_config(
    path: str | os.PathLike[str],
    secrets: str | os.PathLike[str] | None = None,
    input_type: str | None = None,
) -> ConfigRead:
    """The config's data, its secret store, and the transformation it sets, if any.
    The format comes from the file's name, or from ``input_type`` (``toml``, ``yaml``,
    ``json``, ``ini``, ``properties``, ``dotenv``, ``xml``) when given."""
    config = Path(path)
    format_name = config_format(config, input_type)
    store: dict[str, StoreEntry] = {}
    shared = False
    data: Any
    if format_name == "toml":
        data = read_toml(config)
    elif format_name == "xml":
        data = XmlSource(read_text(config), str(config))
    else:
        data = _read_other(config, format_name, read_text(config))
    configured = _configured_transformation(data if format_name == "toml" else None, None)
    inline = format_name in ("toml", "yaml", "json") and secrets is None
    inline = inline and own_schema(data) is None
    if inline and isinstance(data, dict) and isinstance(data.get("secrets"), dict):
        table = data["secrets"]
        data = {key: value for key, value in data.items() if key != "secrets"}
        for alias, value in _flatten(table).items():
            _check_alias(alias, config, format_name)
            if isinstance(value, str):
                store[alias] = StoreEntry(value, str(config))
    elif not inline:
        store_file = store_file_for(
            config, format_name, Path(secrets) if secrets else None, inline=False
        )
        shared = not _same_file(store_file, config)
        if secrets is not None and not store_file.is_file():
            raise InputError("no such secret store file", path=store_file)
        if store_file.exists():
            for alias, value in _key_values(
                store_file, read_text(store_file), "properties"
            ).items():
                _check_alias(alias, store_file, "properties")
                store[alias] = StoreEntry(value, str(store_file))
        configured = configured or _configured_transformation(None, store_file)
    _log.debug("vault.configs.readers", "%s: %d alias(es) in its store", config, len(store))
    return ConfigRead(data, store, configured, shared)


#: vault.wso2.secret_conf.SECRET_CONF_NAME, here so that a config with no such file beside
#: its store does not load that module at start-up (tests/wso2/test_secret_conf.py: the same).
SECRET_CONF_NAME = "secret-conf.properties"


def _configured_transformation(toml_data: Any, store_file: Path | None) -> tuple[str, str] | None:
    """What a WSO2 product sets for plain ciphertexts (see
    :func:`vault.wso2.secret_conf.configured_transformation`). Its module is loaded only
    for a config that may set it (a ``[system]`` table; a cipher-text.properties store
    with a secret-conf.properties beside it), not at every service's start."""
    if not (isinstance(toml_data, dict) and "system" in toml_data) and (
        store_file is None
        or store_file.name != STORE_FILE_NAME
        or not (store_file.parent / SECRET_CONF_NAME).is_file()
    ):
        return None
    from vault.wso2.secret_conf import configured_transformation

    return configured_transformation(toml_data, store_file)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _check_alias(alias: str, store: Path, format_name: str) -> None:
    """A store entry whose name is no alias (``[A-Za-z0-9_.-]+``) is refused, naming
    its file and line: its name may become a variable, a file name, a shell word."""
    if ALIAS.fullmatch(alias) is None:
        raise InputError(
            f"the secret store entry {alias!r} is no alias (letters, digits, '_', '.', '-')",
            path=store,
            line=store_line(store, format_name, alias),
        )


def store_line(store: str | os.PathLike[str], format_name: str, alias: str) -> int | None:
    """The line of ``alias``'s entry in a store file (read again: only errors need it)."""
    from vault.configs.formats import parse
    from vault.configs.sensitive import dotted

    try:
        document = parse(read_text(Path(store)), format_name, store)
    except VaultError:
        return None
    skip = len(document.store_path or ())
    entries = document.store_entries() if document.store_path else document.scalars()
    for scalar in entries:
        if dotted(scalar.path[skip:]) == alias or str(scalar.path[-1]) == alias:
            return scalar.line
    return None
