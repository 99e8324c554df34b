"""The write paths: configure, protect, change; and list and check, which read.

Each operation reads every file first, computes all edits in memory, and
only then writes: the secret store before the config that refers to it, so
that an interrupted run leaves plaintext where it was (never a reference to
an alias that does not exist yet). Every write is atomic and under a lock.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .. import atomic
from ..cipher import (
    DEFAULT_TRANSFORMATION,
    Format,
    KeyRing,
    envelope_kind,
    envelope_thumbprint,
)
from ..errors import AliasError, UsageError, VaultError
from ..formats import Scalar, gc_paused
from ..secret import Secret
from ..sensitive import Plaintext, SensitiveKeys, dotted, make_alias
from ..store import (
    ANY_REFERENCE,
    INLINE_STORE_FORMATS,
    REFERENCE,
    checked_transformation,
    config_format,
    configured_transformation,
    is_plaintext_entry,
    plaintext_of,
    read_toml,
    store_file_for,
)
from ._files import ConfigFile, check_writable, locked, read_config, read_store, write_all

log = logging.getLogger("vault.operations")

__all__ = [
    "Finding",
    "Options",
    "Workspace",
    "change",
    "check",
    "configure",
    "encrypt_entries",
    "list_aliases",
    "protect",
    "settle",
]


@dataclass(frozen=True)
class Options:
    """How new ciphertexts are written, how plain ones already there are read, and where
    secrets of non-TOML/YAML/JSON files go."""

    secrets: Path | None = None
    format: Format = "self-contained"
    transformation: str = DEFAULT_TRANSFORMATION
    read_transformation: str | None = None
    """How plain ciphertexts (which name none) were made; None: as the store's config
    says (see :func:`plain_transformation`), else OAEP-SHA1, then PKCS#1 v1.5."""
    input_type: str | None = None
    """The configs' format (``--input-type``), whatever their names; None: from each name."""


def plain_transformation(store: ConfigFile, options: Options) -> str | None:
    """The transformation plain ciphertexts of ``store`` are read with: the option, else
    the config's (checked; an unknown name is an error naming where it is written)."""
    if options.read_transformation is not None:
        return options.read_transformation
    toml = read_toml(store.path) if store.exists and store.format_name == "toml" else None
    configured = configured_transformation(toml, store.path if store.exists else None)
    return None if configured is None else checked_transformation(configured, store.path)[0]


@dataclass
class Workspace:
    """The config files of one run and their secret stores, read once."""

    configs: list[ConfigFile]
    stores: dict[Path, ConfigFile] = field(default_factory=dict)
    store_of: dict[Path, Path] = field(default_factory=dict)

    @classmethod
    def read(cls, paths: Sequence[Path], options: Options) -> Workspace:
        configs = [read_config(p, config_format(p, options.input_type)) for p in paths]
        space = cls(configs)
        for config in configs:
            store = read_store(config, options.secrets)
            key = store.path.resolve() if store.exists else store.path.absolute()
            space.stores.setdefault(key, store)
            space.store_of[config.path] = key
        return space

    def store(self, config: ConfigFile) -> ConfigFile:
        return self.stores[self.store_of[config.path]]

    def all_files(self) -> list[ConfigFile]:
        seen: dict[int, ConfigFile] = {}
        for file in [*self.stores.values(), *self.configs]:
            seen.setdefault(id(file), file)
        return list(seen.values())

    def write(self) -> list[Path]:
        """Stores first, then configs; returns the files that changed."""
        files = self.all_files()
        check_writable(files)
        stores = [f for f in files if any(f is s for s in self.stores.values())]
        rest = [f for f in files if not any(f is s for s in stores)]
        return [file.path for file in write_all([*stores, *rest])]


def settle(paths: Sequence[Path]) -> list[str]:
    """Finish any rotation of files in these folders that a dead run left half-done."""
    done = atomic.recover({p.absolute().parent for p in paths})
    for message in done:
        log.warning("%s", message)
    return done


@contextlib.contextmanager
def _session(
    paths: Sequence[Path], options: Options, *, writes: bool = True
) -> Iterator[Workspace]:
    """Lock every config and store file, then read them: nothing changes under the run.
    A run that ``writes`` first settles any interrupted rotation and clears what a dead
    run left; a run that only reads (a dry run) changes nothing, not even that."""
    stores = store_candidates(paths, options)
    if writes:
        settle([*paths, *stores])
    with locked([*paths, *stores]), gc_paused():
        if writes:
            atomic.clean_leftovers([*paths, *stores])
        yield Workspace.read(paths, options)


def store_candidates(paths: Sequence[Path], options: Options) -> list[Path]:
    """Every file that may be the store of one of ``paths``, known before they are read:
    a YAML or JSON file keeps its store inside, or (a Compose file, a Kubernetes object,
    multi-document YAML) beside it, which only its content says; both are locked."""
    found = []
    for path in paths:
        format_name = config_format(path, options.input_type)
        found.append(store_file_for(path, format_name, options.secrets))
        if options.secrets is None and format_name in INLINE_STORE_FORMATS:
            found.append(store_file_for(path, format_name, inline=False))
    return found


def aliases(store: ConfigFile) -> dict[str, Scalar]:
    """Store entries by alias (nested TOML keys joined with '.')."""
    doc = store.document
    n = len(doc.store_path or ())
    return {dotted(s.path[n:]): s for s in doc.store_entries()}


def _paths_of(files: Sequence[Path]) -> list[Path]:
    return [Path(f) for f in files]


# -- configure ------------------------------------------------------------------


def configure(
    files: Sequence[Path], ring: KeyRing, options: Options = Options()
) -> dict[str, list[str]]:
    """Encrypt every ``[plaintext]`` store entry; returns {store file: aliases encrypted}."""
    done: dict[str, list[str]] = {}
    with _session(_paths_of(files), options) as space:
        for store in space.stores.values():
            encrypted = encrypt_entries(store, ring, options.format, options.transformation)
            if encrypted:
                done[str(store.path)] = encrypted
        space.write()
    return done


def encrypt_entries(
    store: ConfigFile, ring: KeyRing, format: Format, transformation: str
) -> list[str]:
    """Edits encrypting every ``[plaintext]`` entry of ``store``; the aliases encrypted."""
    done = []
    for alias, scalar in aliases(store).items():
        if scalar.is_string and is_plaintext_entry(scalar.value):
            plaintext = Secret(plaintext_of(scalar.value))
            ciphertext = ring.encrypt(plaintext, format=format, transformation=transformation)
            store.edits.append(store.document.replace(scalar, ciphertext))
            done.append(alias)
    return done


# -- protect --------------------------------------------------------------------


@dataclass(frozen=True)
class Protected:
    file: str
    line: int
    key: str
    alias: str


def _candidates(config: ConfigFile, sensitive: SensitiveKeys) -> list[Plaintext]:
    """The plaintext secrets of a config, outside its store (see :mod:`vault.sensitive`)."""
    scalars = [s for s in config.document.scalars() if not _in_store(config, s)]
    return sensitive.plaintext(config.document, scalars)


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
    with _session(_paths_of(files), options) as space:
        pending: dict[int, list[tuple[str, str]]] = {}
        for config in space.configs:
            store = space.store(config)
            taken = set(aliases(store)) | {a for a, _ in pending.get(id(store), [])}
            by_scalar: dict[tuple[int, int], list[tuple[Plaintext, str]]] = {}
            for part in _candidates(config, sensitive):
                alias = make_alias(part.path, taken, dots=store.format_name != "toml")
                taken.add(alias)
                scalar = part.scalar
                report.append(Protected(str(config.path), scalar.line, dotted(part.path), alias))
                if ring is None:
                    continue
                ciphertext = ring.encrypt(
                    Secret(scalar.value[part.start : part.end]),
                    format=options.format,
                    transformation=options.transformation,
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


# -- change ---------------------------------------------------------------------


def change(
    file: Path, alias: str, value: Secret, ring: KeyRing, options: Options = Options()
) -> Path:
    """A new value for one alias (WSO2 ``-Dchange``); returns the store file rewritten."""
    with _session([Path(file)], options) as space:
        store = space.store(space.configs[0])
        entries = aliases(store)
        if alias not in entries:
            known = ", ".join(sorted(entries)) or "none"
            raise AliasError(
                f"no alias '{alias}' in the secret store (aliases: {known})",
                path=store.path,
                alias=alias,
            )
        ciphertext = ring.encrypt(
            value, format=options.format, transformation=options.transformation
        )
        store.edits.append(store.document.replace(entries[alias], ciphertext))
        space.write()
    return store.path


# -- list and check ---------------------------------------------------------------

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
    value: str, ring: KeyRing | None, transformation: str | None
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
        ring.decrypt(value, transformation=transformation)
    except VaultError:
        return "unreadable", kind, thumbprint
    return "encrypted", kind, thumbprint


def list_aliases(
    files: Sequence[Path], ring: KeyRing | None, options: Options = Options()
) -> list[AliasInfo]:
    """Every alias of the files' stores: state, key thumbprint, where it is referenced."""
    space = Workspace.read(_paths_of(files), options)
    infos: dict[tuple[Path, str], AliasInfo] = {}
    for key, store in space.stores.items():
        transformation = plain_transformation(store, options) if ring is not None else None
        for alias, scalar in aliases(store).items():
            state, kind, thumbprint = _state(scalar.value, ring, transformation)
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
    return list(infos.values())


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
    ring: KeyRing | None,
    sensitive: SensitiveKeys,
    options: Options = Options(),
) -> list[Finding]:
    """Problems that must fail CI: plaintext under sensitive keys, references with no
    alias, entries not yet encrypted, ciphertexts no key decrypts (when a ring is given)."""
    space = Workspace.read(_paths_of(files), options)
    findings: list[Finding] = []
    for config in space.configs:
        store = space.store(config)
        known = aliases(store)
        if config is store and config.format_name not in INLINE_STORE_FORMATS:
            continue  # cipher-text.properties given as a file: its entries are checked
            # below, as a store's, not as plaintext values under sensitive keys
        for part in _candidates(config, sensitive):
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
            if _in_store(config, scalar):
                continue
            for alias in ANY_REFERENCE.findall(scalar.value) if scalar.is_string else ():
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
    for store in space.stores.values():
        transformation = plain_transformation(store, options) if ring is not None else None
        for alias, scalar in aliases(store).items():
            state, _, _ = _state(scalar.value, ring, transformation)
            message = {
                "plaintext": f"alias '{alias}' is not encrypted yet (run ciphertool configure)",
                "unreadable": f"alias '{alias}': no key in the key ring decrypts it",
                "malformed": f"alias '{alias}' holds neither [plaintext] nor a ciphertext",
            }.get(state)
            if message is not None:
                kind = {
                    "plaintext": "not-encrypted",
                    "unreadable": "undecryptable",
                    "malformed": "malformed",
                }[state]
                findings.append(Finding(str(store.path), scalar.line, kind, message, alias=alias))
    findings.sort(key=lambda f: (f.file, f.line, f.kind))
    return findings


def _in_store(config: ConfigFile, scalar: Scalar) -> bool:
    store_path = (
        config.document.store_path if config.format_name in ("toml", "yaml", "json") else None
    )
    return store_path is not None and scalar.path[: len(store_path)] == store_path
