"""list and check: what the files' secret stores hold, and what must fail CI. Both only
read: they lock nothing and write nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from vault.configs.formats import Scalar
from vault.configs.sensitive import SensitiveKeys, dotted
from vault.configs.store import (
    ALIAS,
    ANY_REFERENCE,
    ENV_REFERENCE,
    INLINE_STORE_FORMATS,
    REFERENCE,
    is_plaintext_entry,
)
from vault.crypto.envelopes import envelope_alias, envelope_kind, envelope_thumbprint
from vault.crypto.ring import KeyRing
from vault.errors import VaultError
from vault.operations.files import ConfigFile
from vault.operations.workspace import (
    Options,
    Workspace,
    aliases,
    in_store,
    misplaced_alias,
    plain_transformation,
    plaintext_candidates,
)
from vault.wso2.layout import wso2_reads

log = logging.getLogger("vault.operations")

__all__ = ["AliasInfo", "Finding", "RingSource", "check", "list_aliases"]


State = Literal["plaintext", "encrypted", "unreadable", "malformed"]


@dataclass
class AliasInfo:
    alias: str
    store: str
    line: int
    state: State
    envelope: str | None
    thumbprint: str | None
    references: list[str] = field(default_factory=list)


def _state(
    value: str, ring: KeyRing | None, transformation: str | None, alias: str
) -> tuple[State, str | None, str | None]:
    if is_plaintext_entry(value):
        return "plaintext", None, None
    if REFERENCE.fullmatch(value.strip()):
        return "encrypted", "alias", None  # an alias of an alias: its target is checked
    try:
        kind = envelope_kind(value)
        thumbprint = envelope_thumbprint(value)
    except VaultError:
        return "malformed", None, None
    if ring is None:
        return "encrypted", kind, thumbprint
    try:
        ring.decrypt(value, transformation=transformation, alias=alias)
    except VaultError:
        return "unreadable", kind, thumbprint
    return "encrypted", kind, thumbprint


RingSource = KeyRing | None | Callable[[], KeyRing | None]
"""A key ring, or what opens one once the files have been read (so that a missing or
broken file is said before a missing password)."""


def _ring_now(ring: RingSource) -> KeyRing | None:
    return ring() if callable(ring) else ring


def list_aliases(
    files: Sequence[Path], ring: RingSource, options: Options = Options()
) -> list[AliasInfo]:
    """The aliases of the files' stores: state, key thumbprint, where it is referenced.

    Of a store beside the files (a cipher-text.properties other configs may share),
    only the aliases the files refer to, unless the store is one of the files."""
    space = Workspace.read(files, options)
    ring = _ring_now(ring)
    log.debug("list: %s test-decrypted", "ciphertexts" if ring else "nothing")
    infos: dict[tuple[Path, str], AliasInfo] = {}
    for key, store in space.stores.items():
        transformation = plain_transformation(store, options) if ring is not None else None
        for alias, scalar in aliases(store).items():
            state, kind, thumbprint = _state(scalar.value, ring, transformation, alias)
            infos[(key, alias)] = AliasInfo(
                alias, str(store.path), scalar.line, state, kind, thumbprint
            )
    for config in space.configs:
        key = space.store_of[config.path]
        for scalar in config.document.scalars():
            for alias in ANY_REFERENCE.findall(scalar.value) if scalar.is_string else []:
                info = infos.get((key, alias))
                if info is not None:
                    info.references.append(f"{config.path}:{scalar.line}")
    given = {id(config) for config in space.configs}
    own = {key for key, store in space.stores.items() if id(store) in given}
    return [info for (key, _), info in infos.items() if key in own or info.references]


@dataclass(frozen=True)
class Finding:
    file: str
    line: int
    kind: str
    message: str
    alias: str | None = None
    key: str | None = None


def check(
    files: Sequence[Path],
    ring: RingSource,
    sensitive: SensitiveKeys,
    options: Options = Options(),
    *,
    strict: bool = False,
) -> list[Finding]:
    """Problems that must fail CI: plaintext under sensitive keys, references with no
    alias, entries not yet encrypted, ciphertexts no key decrypts (when a ring is
    given), and everything ``resolve`` and ``exec`` would refuse: store entries whose
    name is no alias, cycles and dangling or too long chains of aliases, variable names
    that collide or are reserved, ciphertexts bound to another alias, ``$env{}`` of a
    password variable. ``strict``: also ciphertexts not bound to their alias in stores
    WSO2 never reads."""
    from vault.runtime.exports import Export, export_problems, variable_name
    from vault.runtime.resolver import PASSWORD_VARIABLES

    space = Workspace.read(files, options)
    ring = _ring_now(ring)
    log.debug("check: %s test-decrypted", "ciphertexts" if ring else "nothing")
    findings: list[Finding] = []
    for config in space.configs:
        store = space.store(config)
        known = aliases(store, checked=False)
        # As exec: a store beside the file gives only the aliases the file refers to.
        referenced = (
            None
            if store is config
            else {
                alias
                for scalar in config.document.scalars()
                if scalar.is_string and not in_store(config, scalar)
                for alias in ANY_REFERENCE.findall(scalar.value)
            }
        )
        exported = [
            Export(variable_name(alias), alias, str(store.path), scalar.line)
            for alias, scalar in known.items()
            if ALIAS.fullmatch(alias) and (referenced is None or alias in referenced)
        ]
        if config.format_name == "env":
            exported += [
                Export(str(s.path[0]), None, str(config.path), s.line)
                for s in config.document.scalars()
            ]
        for problem in export_problems(exported, PASSWORD_VARIABLES):
            findings.append(
                Finding(
                    problem.path or str(store.path),
                    problem.line or 0,
                    "variable-name",
                    f"{problem.message} (by exec and resolve --output env)",
                    alias=problem.alias,
                )
            )
        if config is store and config.format_name not in INLINE_STORE_FORMATS:
            continue  # cipher-text.properties given as a file: its entries are checked
            # below, as a store's, not as plaintext values under sensitive keys
        for part in plaintext_candidates(config, sensitive):
            key = dotted(part.path)
            text = (
                f"plaintext value under sensitive key '{key}'"
                if part.whole
                else f"plaintext secret '{key}' inside the value of '{dotted(part.scalar.path)}'"
            )
            findings.append(
                Finding(str(config.path), part.scalar.line, "plaintext-secret", text, key=key)
            )
        for scalar in config.document.scalars():
            if in_store(config, scalar):
                misplaced = _misplaced_entry(config, scalar, store)
                if misplaced is not None:
                    findings.append(misplaced)
                continue
            if not scalar.is_string:
                continue
            for alias in ANY_REFERENCE.findall(scalar.value):
                if alias not in known:
                    findings.append(
                        Finding(
                            str(config.path),
                            scalar.line,
                            "unknown-alias",
                            f"$secret{{{alias}}} has no alias in {store.path.name}",
                            alias=alias,
                        )
                    )
            for name in ENV_REFERENCE.findall(scalar.value):
                if name in PASSWORD_VARIABLES:
                    findings.append(
                        Finding(
                            str(config.path),
                            scalar.line,
                            "password-variable",
                            f"$env{{{name}}} names a keystore password variable "
                            "(resolve refuses it)",
                        )
                    )
    for store in space.stores.values():
        transformation = plain_transformation(store, options) if ring is not None else None
        entries = aliases(store, checked=False)
        bindable = not wso2_reads(store.path, store.format_name)
        for alias, scalar in entries.items():
            where = (str(store.path), scalar.line)
            if ALIAS.fullmatch(alias) is None:
                message = f"the store entry {alias!r} is no alias (letters, digits, '_', '.', '-')"
                findings.append(Finding(*where, "bad-alias", message))
                continue
            chain = _chain_problem(alias, entries)
            if chain is not None:
                findings.append(Finding(*where, chain[0], chain[1], alias=alias))
                continue
            bound = _bound_alias(scalar)
            if bound is not None and bound != alias:
                message = (
                    f"alias '{alias}' holds a ciphertext bound to alias '{bound}' "
                    "(copied from there?): it does not decrypt here"
                )
                findings.append(Finding(*where, "moved-ciphertext", message, alias=alias))
                continue
            state, envelope, _ = _state(scalar.value, ring, transformation, alias)
            trouble = {
                "plaintext": f"alias '{alias}' is not encrypted yet (run ciphertool configure)",
                "unreadable": f"alias '{alias}': no key in the key ring decrypts it",
                "malformed": f"alias '{alias}' holds neither [plaintext] nor a ciphertext",
            }.get(state)
            if trouble is not None:
                kind = {
                    "plaintext": "not-encrypted",
                    "unreadable": "undecryptable",
                    "malformed": "malformed",
                }[state]
                findings.append(Finding(*where, kind, trouble, alias=alias))
            elif strict and bindable and bound is None and envelope not in ("alias", "symmetric"):
                message = (
                    f"alias '{alias}' is not bound to its alias (a copy of it under another "
                    "alias would decrypt there); rotate or change it to bind it"
                )
                findings.append(Finding(*where, "unbound", message, alias=alias))
    findings.sort(key=lambda f: (f.file, f.line, f.kind))
    return findings


def _misplaced_entry(config: ConfigFile, scalar: Scalar, store: ConfigFile) -> Finding | None:
    """A ``secrets.ALIAS`` entry in a file whose store is beside it (see
    :func:`vault.operations.workspace.misplaced_alias`)."""
    alias = misplaced_alias(config, scalar)
    if alias is None:
        return None
    return Finding(
        str(config.path),
        scalar.line,
        "misplaced-store",
        f"'secrets.{alias}' is a secret store entry, but {config.document.own_schema} keeps "
        f"its store in {store.path.name} beside it: nothing reads it here; move it there",
        alias=alias,
    )


def _bound_alias(scalar: Scalar) -> str | None:
    if not scalar.is_string or is_plaintext_entry(scalar.value):
        return None
    try:
        return envelope_alias(scalar.value)
    except VaultError:
        return None


def _chain_problem(alias: str, entries: dict[str, Scalar]) -> tuple[str, str] | None:
    """What the resolver would refuse in the chain of aliases of aliases from ``alias``:
    (kind, message), or None."""
    from vault.runtime.resolver import MAX_ALIAS_CHAIN

    chain = [alias]
    while True:
        scalar = entries.get(chain[-1])
        target = REFERENCE.fullmatch(scalar.value.strip()) if scalar is not None else None
        if scalar is None or not scalar.is_string or target is None:
            break
        name = target.group(1)
        if name in chain:
            return "alias-cycle", f"alias cycle: {' -> '.join([*chain, name])}"
        if name not in entries:
            return "unknown-alias", f"alias '{chain[-1]}' refers to '{name}', which no entry holds"
        chain.append(name)
        if len(chain) > MAX_ALIAS_CHAIN:
            return (
                "alias-chain",
                f"alias '{alias}': more than {MAX_ALIAS_CHAIN} aliases of aliases in a row",
            )
    return None
