"""Rotation: every ciphertext of the files' secret stores moved to a new key.

The work is done in memory first: every ciphertext is decrypted with the
ring of old and new keys, re-encrypted for the new key in the same envelope
and transformation, and the new ciphertext decrypted again with the new key
alone and compared. Only when every secret has passed is anything written,
and then all the stores change as one set through
:func:`vault.atomic.replace_all` (new files beside the old, a journal, the
renames), so that a crash at any instant leaves every file whole and every
secret readable by the old key or the new one; the next write command
finishes the set, ``rotate --rollback`` undoes it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from vault import atomic
from vault.configs.formats import Scalar
from vault.configs.store import REFERENCE, is_plaintext_entry
from vault.crypto.envelopes import Opened, envelope_kind
from vault.crypto.ring import KeyRing
from vault.crypto.transformations import PKCS1
from vault.errors import InputError, KeyTroubleError, VaultError
from vault.operations.files import ConfigFile, check_unchanged, locked, prepare
from vault.operations.workspace import (
    Options,
    Workspace,
    aliases,
    plain_transformation,
    session,
    store_candidates,
)
from vault.wso2.layout import wso2_reads

log = logging.getLogger("vault.operations")

__all__ = ["Step", "rollback", "rotate"]

Action = Literal["rotate", "keep", "skip", "unreadable"]


@dataclass(frozen=True)
class Step:
    """What rotation does (or would do) with one alias."""

    file: str
    line: int
    alias: str
    action: Action
    """rotate: re-encrypted for the new key; keep: already under it; skip: not
    encrypted (``[plaintext]``, for ``configure``); unreadable: no key decrypts it."""
    envelope: str | None = None
    from_thumbprint: str | None = None
    to_thumbprint: str | None = None
    reason: str | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def rotate(
    files: Sequence[Path],
    ring: KeyRing,
    new: KeyRing,
    options: Options = Options(),
    *,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> list[Step]:
    """Re-encrypt every secret of the ``files``' stores for ``new``'s first key.

    ``ring`` decrypts (the old keys, and the new one, so that a second run
    keeps what the first rotated). A dry run only plans. A real run with any
    secret no key can read raises :class:`KeyTroubleError` naming them and
    changes nothing.
    """
    to = new.entries[0].thumbprint
    with session([Path(f) for f in files], options, writes=not dry_run) as space:
        work = [
            (store, alias, scalar)
            for store in space.stores.values()
            if store.exists
            for alias, scalar in aliases(store).items()
        ]
        steps: list[Step] = []
        pending: list[tuple[ConfigFile, Scalar, Opened]] = []
        total = 2 * len(work)
        plain = {id(store): plain_transformation(store, options) for store, _, _ in work}
        log.debug(
            "rotate: %d secret(s) in %d store(s) to key %s%s",
            len(work),
            len(space.stores),
            to,
            " (dry run)" if dry_run else "",
        )
        for done, (store, alias, scalar) in enumerate(work, 1):
            where = (str(store.path), scalar.line, alias)
            if progress is not None:
                progress(done, total)
            if not scalar.is_string or is_plaintext_entry(scalar.value):
                steps.append(Step(*where, "skip", reason="not encrypted (run configure)"))
                continue
            if REFERENCE.fullmatch(scalar.value.strip()):
                steps.append(Step(*where, "skip", reason="refers to another alias"))
                continue
            if _symmetric(scalar.value):
                reason = "WSO2 symmetric (AES-GCM): its key is no RSA key; left as it is"
                steps.append(Step(*where, "skip", "symmetric", reason=reason))
                continue
            try:
                opened = ring.open(scalar.value, transformation=plain[id(store)], alias=alias)
            except VaultError as exc:
                steps.append(Step(*where, "unreadable", reason=exc.message))
                continue
            action: Action = "keep" if opened.key_thumbprint == to else "rotate"
            steps.append(Step(*where, action, opened.envelope, opened.key_thumbprint, to))
            if action == "rotate":
                pending.append((store, scalar, _bound(store, alias, opened)))
        if dry_run:
            return steps
        unreadable = [s for s in steps if s.action == "unreadable"]
        if unreadable:
            names = ", ".join(f"{s.file}:{s.line} {s.alias}" for s in unreadable)
            raise KeyTroubleError(
                f"no key in the ring reads {len(unreadable)} secret(s): {names}; nothing changed"
            )
        for done, (store, scalar, opened) in enumerate(pending, total - len(pending) + 1):
            ciphertext = _reseal(new, opened, store.path, scalar.line)
            store.edits.append(store.document.replace(scalar, ciphertext))
            if progress is not None:
                progress(done, total)
        _commit(space)
    return steps


def _bound(store: ConfigFile, alias: str, opened: Opened) -> Opened:
    """An unbound OAEP value of a store WSO2 never reads is bound to its alias as it is
    re-encrypted (its envelope otherwise kept: self-contained stays self-contained,
    hybrid hybrid); values of stores WSO2 may read keep WSO2's envelopes."""
    if (
        opened.bound is None
        and opened.envelope in ("self-contained", "hybrid")
        and opened.transformation != PKCS1
        and not wso2_reads(store.path, store.format_name)
    ):
        return opened._replace(bound=alias)
    return opened


def _symmetric(value: str) -> bool:
    try:
        return envelope_kind(value) == "symmetric"
    except VaultError:
        return False  # malformed: reported as unreadable by the ring


def _reseal(new: KeyRing, opened: Opened, path: Path, line: int) -> str:
    """Encrypt for the new key and prove the new key alone reads it back."""
    ciphertext = new.reseal(opened)
    check = KeyRing(new.entries[:1]).open(
        ciphertext, transformation=opened.transformation, alias=opened.bound
    )
    if (
        check.secret != opened.secret
        or check.envelope != opened.envelope
        or check.bound != opened.bound
    ):
        raise KeyTroubleError(
            "the new ciphertext did not decrypt to the same value; nothing changed",
            path=path,
            line=line,
        )
    return ciphertext


def _commit(space: Workspace) -> None:
    changes: dict[Path, bytes] = {}
    for store in space.stores.values():
        text = prepare(store)  # the new file must read back as the resolver reads it
        if text is None:
            continue
        check_unchanged(store)
        changes[store.path] = text.encode(store.encoding)
    if changes:
        atomic.replace_all(changes)


def rollback(files: Sequence[Path], options: Options = Options()) -> list[str]:
    """Undo a rotation of ``files`` that died before it finished; what was done."""
    paths = [Path(f) for f in files]
    stores = store_candidates(paths, options)
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise InputError("no such file", path=missing[0])
    done = atomic.recover({p.absolute().parent for p in [*paths, *stores]}, rollback=True)
    with locked([*paths, *stores]):
        removed = atomic.clean_leftovers([*paths, *stores])
    if removed:
        names = ", ".join(str(p) for p in removed)
        done.append(f"removed copies left by a rotation that died before it committed: {names}")
    return done
