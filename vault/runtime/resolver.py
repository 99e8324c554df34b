"""The runtime path: read a config, decrypt what it refers to, fail closed.

Small on purpose: it reads TOML with ``tomllib``, YAML with PyYAML's safe
loader, JSON with ``json``, and never imports tomlkit, click or the write
paths. Each alias is decrypted at most once per :class:`Resolver`, however
often it is referenced, and a resolver may be shared by threads.

Failing closed: an unknown alias, a ciphertext no key decrypts, a store
entry still in ``[plaintext]`` form, a cycle of aliases or an unset
``$env{NAME}`` raise :class:`ResolveError` naming the alias and the file. A
value is never the alias, ``None`` or an empty string in place of a secret.
"""

from __future__ import annotations

import os
import re
from _thread import LockType, allocate_lock
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from vault import _log
from vault.configs.store import (
    ALIAS,
    REFERENCE,
    STORE_FILE_NAME,
    Documents,
    checked_transformation,
    config_format,
    is_plaintext_entry,
    own_schema,
    read_text,
    read_toml,
    store_file_for,
    yaml_untagged,
)
from vault.crypto.cipher import KeyRing, envelope_kind
from vault.errors import InputError, KeyTroubleError, UsageError, VaultError
from vault.keys.passwords import ENV_KEY, ENV_STORE, PasswordOptions
from vault.secret import Secret

_ANY = re.compile(r"\$(secret|env)\{([^}]*)\}")
#: The variables that hold a keystore password: ``$env{}`` never hands them out.
PASSWORD_VARIABLES = frozenset({ENV_STORE, ENV_KEY})
#: How many aliases of aliases one reference may pass through.
MAX_ALIAS_CHAIN = 32
#: How many nodes YAML aliases (``*name``) may add to a document, all told.
MAX_YAML_EXPANSION = 100_000


class ResolveError(KeyTroubleError):
    """A reference could not be resolved; ``alias`` and ``path`` say which and where."""


class XmlSource(NamedTuple):
    """An XML config as read: resolving it gives its text with every reference replaced."""

    text: str
    path: str


class StoreEntry(NamedTuple):
    value: str
    path: str
    line: int | None = None


class Resolver:
    """Resolves ``$secret{alias}`` and ``$env{NAME}`` against one secret store."""

    def __init__(
        self,
        ring: KeyRing,
        store: Mapping[str, StoreEntry],
        *,
        source: str,
        environ: Mapping[str, str] | None = None,
        transformation: str | None = None,
        transformation_from: str | None = None,
        withheld: frozenset[str] = PASSWORD_VARIABLES,
        shared: bool = False,
    ) -> None:
        self._ring = ring
        self._withheld = withheld
        self.shared = shared
        """The store lies outside the config (a cipher-text.properties that other
        configs beside it may use too): only the aliases the config refers to are its."""
        self._store = dict(store)
        self._transformation_from = transformation_from
        self._source = source
        self._environ = os.environ if environ is None else environ
        self._transformation = transformation
        self._cache: dict[str, Secret] = {}
        self._locks: dict[str, LockType] = {}

    @property
    def aliases(self) -> list[str]:
        return list(self._store)

    def entry(self, alias: str) -> StoreEntry | None:
        """Where ``alias`` is stored, and its (encrypted) value."""
        return self._store.get(alias)

    def check_references(self, data: Any) -> None:
        """Every alias ``data`` refers to is in the store (nothing decrypted); else a
        :class:`ResolveError`, as resolving it would raise."""
        for alias in references_in(data):
            if alias not in self._store:
                raise ResolveError(
                    f"unknown alias '{alias}' (not in the secret store)",
                    path=self._source,
                    alias=alias,
                )

    def exported(self, data: Any) -> list[str]:
        """The aliases that are the config's own: its store's, or of a shared store
        only those ``data`` refers to (what exec and ``--output env`` hand out)."""
        if not self.shared:
            return self.aliases
        wanted = set(references_in(data))
        return [alias for alias in self._store if alias in wanted]

    def secret(self, alias: str) -> Secret:
        """The plaintext of ``alias``, decrypted on first use and then kept."""
        cached = self._cache.get(alias)
        if cached is not None:
            return cached
        # One lock per alias: each is decrypted once, and threads asking for different
        # aliases decrypt at the same time (pyca releases the GIL during RSA).
        with self._locks.setdefault(alias, allocate_lock()):
            if alias not in self._cache:
                self._cache[alias] = self._decrypt(alias, [])
            return self._cache[alias]

    def asked(self) -> dict[str, Secret]:
        """Every alias asked for so far (by :meth:`secret`, :meth:`text`,
        :meth:`resolve`), in order, with its value: after :meth:`resolve` of a config's
        data, the aliases the config refers to (not those they refer to in turn)."""
        return dict(self._cache)

    def _decrypt(self, alias: str, chain: list[str]) -> Secret:
        if len(chain) >= MAX_ALIAS_CHAIN:
            raise InputError(
                f"alias '{alias}': more than {MAX_ALIAS_CHAIN} aliases of aliases in a row",
                path=self._source,
                alias=chain[0],
            )
        if alias in chain:
            cycle = " -> ".join([*chain, alias])
            raise ResolveError(f"alias cycle: {cycle}", path=self._source, alias=alias)
        entry = self._store.get(alias)
        if entry is None:
            raise ResolveError(
                f"unknown alias '{alias}' (not in the secret store)", path=self._source, alias=alias
            )
        value = entry.value.strip()
        if is_plaintext_entry(value):
            raise ResolveError(
                f"alias '{alias}' is still [plaintext]; run ciphertool configure",
                path=entry.path,
                alias=alias,
            )
        if not value:
            raise ResolveError(f"alias '{alias}' is empty", path=entry.path, alias=alias)
        target = REFERENCE.fullmatch(value)
        if target is not None:  # an alias of an alias
            return self._cache.get(target.group(1)) or self._decrypt(
                target.group(1), [*chain, alias]
            )
        try:
            opened = self._ring.open(value, transformation=self._transformation, alias=alias)
        except VaultError as exc:
            why = exc.message
            if self._transformation_from is not None and _is_plain(value):
                why += f" (read as {self._transformation}, from {self._transformation_from})"
            raise ResolveError(
                f"alias '{alias}' cannot be decrypted: {why}", path=entry.path, alias=alias
            ) from None
        _log.debug(
            "vault.runtime.resolver",
            "%s: alias %s decrypted (%s, key %s)",
            entry.path,
            alias,
            opened.envelope,
            opened.key_thumbprint,
        )
        return opened.secret

    def text(self, value: str) -> str:
        """``value`` with every reference replaced."""
        if "$" not in value:
            return value

        def substitute(match: re.Match[str]) -> str:
            kind, name = match.group(1), match.group(2)
            if kind == "secret":
                return self.secret(name).reveal()
            if name in self._withheld:
                raise ResolveError(
                    f"$env{{{name}}} names a keystore password variable: refused",
                    path=self._source,
                    alias=name,
                )
            found = self._environ.get(name)
            if found is None:
                raise ResolveError(
                    f"$env{{{name}}} is not set in the environment", path=self._source, alias=name
                )
            return found

        return _ANY.sub(substitute, value)

    def resolve(self, data: Any, mark: Callable[[str], str] | None = None) -> Any:
        """A copy of ``data`` (dicts, lists, scalars) with every string resolved; for an
        XML config, its text with every reference replaced (see :meth:`xml`). ``mark``,
        when given, is applied to each string that held a ``$secret{}`` reference."""
        if isinstance(data, XmlSource):
            return self.xml(data)
        if isinstance(data, str):
            if mark is not None and "$secret{" in data:
                return mark(self.text(data))
            return self.text(data)
        if isinstance(data, dict):
            return {key: self.resolve(value, mark) for key, value in data.items()}
        if isinstance(data, list):
            return [self.resolve(value, mark) for value in data]
        return data

    def xml(self, source: XmlSource) -> str:
        """The XML text with ``$secret{}`` / ``$env{}`` in text and attribute values replaced,
        and each element WSO2's cipher tool marked ``svns:secretAlias`` given its secret (in
        its attributes valued ``password``, else as its text); escaped, every other byte kept.
        """
        from vault.configs.formats import Edit, apply_edits
        from vault.configs.formats.xml import escape_attribute, parse
        from vault.wso2.svns import secret_mark

        document = parse(source.text, source.path)
        edits = [
            document.replace(scalar, self.text(scalar.value))
            for scalar in document.scalars()
            if "$" in scalar.value
        ]
        for element in document.root.iter():
            mark = secret_mark(element)
            if mark is None:
                continue
            value = self.secret(mark.alias).reveal()
            for attribute in mark.placeholders:
                quote = attribute.quote
                token = quote + escape_attribute(value, quote) + quote
                edits.append(Edit(attribute.start, attribute.end, token))
            if not mark.placeholders:
                if not element.is_leaf:
                    raise ResolveError(
                        f"svns:secretAlias '{mark.alias}' marks <{element.name}>, which has "
                        "child elements",
                        path=source.path,
                        alias=mark.alias,
                    )
                edits.append(document.set_text(element, value))
        return apply_edits(source.text, edits)


class LazySecrets(Mapping[str, Secret]):
    """The aliases of a config (see :meth:`Resolver.exported`), each decrypted on first
    access, once."""

    def __init__(self, resolver: Resolver, aliases: list[str] | None = None) -> None:
        self._resolver = resolver
        self._aliases = resolver.aliases if aliases is None else aliases
        self._known = frozenset(self._aliases)

    def __getitem__(self, alias: str) -> Secret:
        if alias not in self._known:
            raise KeyError(alias)
        return self._resolver.secret(alias)

    def __iter__(self) -> Iterator[str]:
        return iter(self._aliases)

    def __len__(self) -> int:
        return len(self._aliases)

    def __repr__(self) -> str:
        return f"LazySecrets({self._aliases})"


def references_in(data: Any) -> list[str]:
    """Every alias ``data`` refers to, once each, in order: ``$secret{}`` in its strings
    (an XML config: in its text, and its elements marked ``svns:secretAlias``)."""
    found: dict[str, None] = {}

    def walk(value: Any) -> None:
        if isinstance(value, str):
            if "$secret{" in value:
                for match in _ANY.finditer(value):
                    if match.group(1) == "secret":
                        found.setdefault(match.group(2))
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, XmlSource):
            from vault.configs.formats.xml import parse
            from vault.wso2.svns import secret_mark

            document = parse(value.text, value.path)
            for scalar in document.scalars():
                walk(scalar.value)
            for element in document.root.iter():
                mark = secret_mark(element)
                if mark is not None:
                    found.setdefault(mark.alias)

    walk(data)
    return list(found)


# -- reading configs, read-only ------------------------------------------------------


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
    _log.debug("vault.runtime.resolver", "%s: %d alias(es) in its store", config, len(store))
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


def _is_plain(ciphertext: str) -> bool:
    """A bare RSA block, which names no transformation of its own."""
    try:
        return envelope_kind(ciphertext) == "plain"
    except VaultError:
        return False


class Vault:
    """A key ring, and the configs resolved with it.

    >>> vault = Vault.open()                      # keystore and password from the environment
    >>> settings = vault.load("deployment.toml")  # plain data, every reference resolved
    """

    def __init__(
        self,
        ring: KeyRing,
        *,
        environ: Mapping[str, str] | None = None,
        transformation: str | None = None,
        withheld: frozenset[str] = PASSWORD_VARIABLES,
    ) -> None:
        self.ring = ring
        self._environ = environ
        self._transformation = transformation
        self.withheld = withheld
        """Variables holding a keystore password: never handed out by ``$env{}``, and
        removed from ``exec``'s child."""

    @classmethod
    def open(
        cls,
        keystore: str | os.PathLike[str] | None = None,
        *,
        storetype: str | None = None,
        alias: str | None = None,
        passwords: PasswordOptions | None = None,
        config: str | os.PathLike[str] | None = None,
        environ: Mapping[str, str] | None = None,
        transformation: str | None = None,
    ) -> Vault:
        """Open the keystore named by the arguments, else ``CIPHERTOOL_KEYSTORE``..., else
        the ``[keystore.internal]``/``[keystore.primary]`` table of ``config``."""
        from vault.keys.ring import open_key_ring
        from vault.keys.spec import keystore_spec

        spec = keystore_spec(
            os.fspath(keystore) if keystore is not None else None,
            storetype,
            alias,
            config=config,
            environ=environ,
        )
        options = passwords or PasswordOptions()
        ring = open_key_ring(spec, options, environ=environ)
        return cls(
            ring,
            environ=environ,
            transformation=transformation,
            withheld=password_variables(options),
        )

    def resolver(
        self,
        path: str | os.PathLike[str],
        secrets: str | os.PathLike[str] | None = None,
        *,
        input_type: str | None = None,
    ) -> tuple[Any, Resolver]:
        """The config's data (unresolved) and a resolver for its store; ``input_type``
        names the config's format when its name does not (see :func:`read_config`)."""
        data, store, configured, shared = read_config(path, secrets, input_type)
        transformation, where = self._transformation, None
        if transformation is None and configured is not None:
            transformation, where = checked_transformation(configured, path)
        resolver = Resolver(
            self.ring,
            store,
            source=os.fspath(path),
            environ=self._environ,
            transformation=transformation,
            transformation_from=where,
            withheld=self.withheld,
            shared=shared,
        )
        return data, resolver

    def load(
        self,
        path: str | os.PathLike[str],
        secrets: str | os.PathLike[str] | None = None,
        *,
        input_type: str | None = None,
        mark: Callable[[str], str] | None = None,
    ) -> Any:
        """The config as plain data with every ``$secret{}`` and ``$env{}`` resolved; a
        multi-document YAML file gives a list, one element per document (``mark``: see
        :meth:`Resolver.resolve`)."""
        data, resolver = self.resolver(path, secrets, input_type=input_type)
        return resolver.resolve(data, mark)

    def secrets(
        self,
        path: str | os.PathLike[str],
        secrets: str | os.PathLike[str] | None = None,
        *,
        input_type: str | None = None,
    ) -> LazySecrets:
        """The config's aliases as a mapping that decrypts each on first access, once: its
        store's, or of a store beside it (cipher-text.properties) those it refers to.

        Fails closed as :meth:`load` does: a reference to an alias no store holds is a
        :class:`ResolveError` here, before any secret is used."""
        data, resolver = self.resolver(path, secrets, input_type=input_type)
        resolver.check_references(data)
        return LazySecrets(resolver, resolver.exported(data))

    def secret(
        self,
        path: str | os.PathLike[str],
        alias: str,
        secrets: str | os.PathLike[str] | None = None,
        *,
        input_type: str | None = None,
    ) -> Secret:
        """One alias of the config's store."""
        return self.resolver(path, secrets, input_type=input_type)[1].secret(alias)

    def referenced(
        self,
        path: str | os.PathLike[str],
        secrets: str | os.PathLike[str] | None = None,
        *,
        input_type: str | None = None,
    ) -> dict[str, Secret]:
        """Each alias the config refers to, with its value. The whole document is
        resolved first, so anything in it that cannot be fails before a value is
        handed out."""
        data, resolver = self.resolver(path, secrets, input_type=input_type)
        resolver.resolve(data)
        return resolver.asked()

    def write_dir(
        self,
        path: str | os.PathLike[str],
        directory: str | os.PathLike[str],
        secrets: str | os.PathLike[str] | None = None,
        *,
        input_type: str | None = None,
    ) -> list[str]:
        """Write each secret the config refers to as ``directory/ALIAS`` (the value alone,
        0400, the folder 0700), replacing the previous set atomically (see
        :mod:`vault.runtime.secretdir`); the aliases written. Nothing is written when any
        reference fails."""
        from vault.runtime.secretdir import check_file_name, publish

        values = self.referenced(path, secrets, input_type=input_type)
        for alias in values:
            check_file_name(alias, path)
        publish(directory, values)
        return list(values)


def password_variables(options: PasswordOptions) -> frozenset[str]:
    """The variables that hold a keystore password: the standard two, and the ones
    ``--storepass-env`` / ``--keypass-env`` name."""
    named = (options.storepass_env, options.keypass_env)
    return PASSWORD_VARIABLES.union(name for name in named if name)


def load_config(
    path: str | os.PathLike[str] | None = None,
    *,
    secrets: str | os.PathLike[str] | None = None,
    wso2_home: str | os.PathLike[str] | None = None,
    input_type: str | None = None,
    format: str | None = None,
    **open_args: Any,
) -> Any:
    """Open the key ring (see :meth:`Vault.open`; the config's own keystore table counts,
    a product home's as the product reads it) and load ``path`` with every reference
    resolved. ``secrets``: the store of a .properties, .env, .ini or .xml config, as
    ``--secrets``; ``wso2_home``: a product home, whose deployment.toml is the default
    ``path``; ``input_type`` (or ``format``, the same) names the config's format when
    its name does not: ``toml``, ``yaml``, ``json``, ``ini``, ``properties``, ``dotenv``
    or ``xml``."""
    if input_type is not None and format is not None and input_type != format:
        raise UsageError(f"input_type '{input_type}' and format '{format}' disagree")
    if wso2_home is not None:
        from vault.wso2.home import ProductHome

        home = ProductHome.at(wso2_home)
        if path is None:
            path = home.deployment_toml
        open_args.setdefault("config", home.deployment_toml)
    if path is None:
        raise TypeError("load_config() needs a path or wso2_home")
    open_args.setdefault("config", path)
    return Vault.open(**open_args).load(path, secrets, input_type=input_type or format)


def write_secret_dir(
    path: str | os.PathLike[str], directory: str | os.PathLike[str], **open_args: Any
) -> list[str]:
    """Open the key ring as :func:`load_config` does and write the secrets ``path``
    refers to into ``directory``, one file each (see :meth:`Vault.write_dir`)."""
    open_args.setdefault("config", path)
    return Vault.open(**open_args).write_dir(path, directory)


__all__ = [
    "LazySecrets",
    "ResolveError",
    "Resolver",
    "StoreEntry",
    "Vault",
    "XmlSource",
    "load_config",
    "read_config",
    "write_secret_dir",
]
