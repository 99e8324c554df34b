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
from typing import Any

from vault import _log
from vault.configs.readers import StoreEntry, XmlSource
from vault.configs.store import REFERENCE, is_plaintext_entry
from vault.crypto.envelopes import envelope_kind
from vault.crypto.ring import KeyRing
from vault.errors import InputError, ResolveError, VaultError
from vault.keys.passwords import ENV_KEY, ENV_STORE
from vault.secret import Secret

_ANY = re.compile(r"\$(secret|env)\{([^}]*)\}")
#: The variables that hold a keystore password: ``$env{}`` never hands them out.
PASSWORD_VARIABLES = frozenset({ENV_STORE, ENV_KEY})
#: How many aliases of aliases one reference may pass through.
MAX_ALIAS_CHAIN = 32


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


def _is_plain(ciphertext: str) -> bool:
    """A bare RSA block, which names no transformation of its own."""
    try:
        return envelope_kind(ciphertext) == "plain"
    except VaultError:
        return False


__all__ = [
    "MAX_ALIAS_CHAIN",
    "PASSWORD_VARIABLES",
    "LazySecrets",
    "Resolver",
    "references_in",
]
