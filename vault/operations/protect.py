"""protect: plaintext under sensitive keys moved, encrypted, into the secret store."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from vault.configs.sensitive import Plaintext, SensitiveKeys, dotted, make_alias
from vault.crypto.ring import KeyRing
from vault.errors import UsageError
from vault.operations.workspace import (
    Options,
    aliases,
    check_encryption_key,
    plaintext_candidates,
    seal,
    session,
)
from vault.secret import Secret

log = logging.getLogger("vault.operations")

__all__ = ["Protected", "protect"]


@dataclass(frozen=True)
class Protected:
    file: str
    line: int
    key: str
    alias: str


def _replaced(found: Sequence[tuple[Plaintext, str]]) -> str:
    """The value of one scalar with each plaintext part replaced by its reference."""
    value = found[0][0].scalar.value
    for part, alias in sorted(found, key=lambda item: item[0].start, reverse=True):
        value = f"{value[: part.start]}$secret{{{alias}}}{value[part.end :]}"
    return value


def protect(
    files: Sequence[Path],
    ring: KeyRing | None,
    sensitive: SensitiveKeys,
    options: Options = Options(),
    *,
    dry_run: bool = False,
) -> list[Protected]:
    """Move plaintext values under sensitive keys, encrypted, into the store; write
    ``$secret{alias}`` in their place. A dry run needs no key ring."""
    if ring is None and not dry_run:
        raise UsageError("protect needs a key ring (only a dry run does without)")
    report: list[Protected] = []
    with session(files, options) as space:
        pending: dict[int, list[tuple[str, str]]] = {}
        for config in space.configs:
            store = space.store(config)
            taken = set(aliases(store)) | {a for a, _ in pending.get(id(store), [])}
            log.debug("protect %s: secrets go to %s", config.path, store.path)
            by_scalar: dict[tuple[int, int], list[tuple[Plaintext, str]]] = {}
            for part in plaintext_candidates(config, sensitive):
                alias = make_alias(part.path, taken, dots=store.format_name != "toml")
                taken.add(alias)
                scalar = part.scalar
                report.append(Protected(str(config.path), scalar.line, dotted(part.path), alias))
                if ring is None:
                    continue
                if id(store) not in pending:
                    check_encryption_key(store, ring, options)
                ciphertext = seal(
                    ring,
                    store,
                    alias,
                    Secret(scalar.value[part.start : part.end]),
                    options.format,
                    options.transformation,
                )
                pending.setdefault(id(store), []).append((alias, ciphertext))
                by_scalar.setdefault((scalar.start, scalar.end), []).append((part, alias))
            for found in by_scalar.values():
                scalar = found[0][0].scalar
                config.edits.append(config.document.replace(scalar, _replaced(found)))
        if not dry_run:
            for store in space.stores.values():
                entries = pending.get(id(store), [])
                if entries:
                    store.edits.extend(store.document.add_entries(entries))
            space.write()
    return report
