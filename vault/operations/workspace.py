"""The shared workspace of the write commands: the run's files locked and read once.

Each command reads every file first, computes all edits in memory, and only
then writes: the secret store before the config that refers to it, so that an
interrupted run leaves plaintext where it was (never a reference to an alias
that does not exist yet). Every write is atomic and under a lock.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from vault import atomic
from vault.configs.formats import Scalar, gc_paused
from vault.configs.sensitive import Plaintext, SensitiveKeys, dotted
from vault.configs.store import (
    ALIAS,
    INLINE_STORE_FORMATS,
    REFERENCE,
    checked_transformation,
    config_format,
    is_plaintext_entry,
    read_toml,
    store_file_for,
)
from vault.crypto.envelopes import envelope_kind, envelope_thumbprint
from vault.crypto.ring import KeyRing
from vault.crypto.transformations import DEFAULT_TRANSFORMATION
from vault.errors import InputError, KeyTroubleError, VaultError
from vault.operations.files import (
    ConfigFile,
    check_writable,
    locked,
    read_config,
    read_store,
    write_all,
)
from vault.secret import Secret
from vault.wso2.layout import wso2_reads
from vault.wso2.secret_conf import configured_transformation

log = logging.getLogger("vault.operations")

__all__ = [
    "EnvelopeChoice",
    "Options",
    "Workspace",
    "aliases",
    "check_encryption_key",
    "in_store",
    "misplaced_alias",
    "plain_transformation",
    "plaintext_candidates",
    "seal",
    "session",
    "settle",
    "store_candidates",
]


EnvelopeChoice = Literal["self-contained", "plain", "bound"]


@dataclass(frozen=True)
class Options:
    """How new ciphertexts are written, how plain ones already there are read, and where
    secrets of non-TOML/YAML/JSON files go."""

    secrets: Path | None = None
    format: EnvelopeChoice | None = None
    """None: bound where WSO2 never reads the store, self-contained where it may
    (see :func:`vault.wso2.layout.wso2_reads`)."""
    transformation: str = DEFAULT_TRANSFORMATION
    read_transformation: str | None = None
    """How plain ciphertexts (which name none) were made; None: as the store's config
    says (see :func:`plain_transformation`), else OAEP-SHA1, then PKCS#1 v1.5."""
    input_type: str | None = None
    """The configs' format (``--input-type``), whatever their names; None: from each name."""
    new_key: bool = False
    """Encrypt for a key none of a store's existing ciphertexts is for (see
    :func:`check_encryption_key`)."""


def seal(
    ring: KeyRing,
    store: ConfigFile,
    alias: str,
    plaintext: Secret,
    format: EnvelopeChoice | None,
    transformation: str,
) -> str:
    """``plaintext`` encrypted for ``store``'s entry ``alias``: bound to the alias unless
    WSO2 may read the store (or another envelope was asked for)."""
    if format is None:
        format = "self-contained" if wso2_reads(store.path, store.format_name) else "bound"
    return ring.encrypt(
        plaintext,
        format="plain" if format == "plain" else "self-contained",
        transformation=transformation,
        bind=alias if format == "bound" else None,
    )


def check_encryption_key(store: ConfigFile, ring: KeyRing, options: Options) -> None:
    """Stop (exit 3) before ``store`` gets a ciphertext for a key none of its existing
    ciphertexts is for, when the ring reads none of them either: a keystore swapped
    under its name, or a config naming someone else's, would otherwise receive every
    new secret. ``options.new_key`` (the operator's ``--new-key``) lets it through."""
    if options.new_key or not store.exists:
        return
    key = ring.encryption_key
    held = {entry.thumbprint for entry in ring.entries}
    carried: list[str] = []
    for scalar in aliases(store).values():
        value = scalar.value.strip()
        if not scalar.is_string or not value or is_plaintext_entry(value):
            continue
        if REFERENCE.fullmatch(value):
            continue
        try:
            kind = envelope_kind(value)
            thumbprint = envelope_thumbprint(value)
        except VaultError:
            continue
        if kind == "symmetric":
            continue
        if thumbprint is None:
            if _decrypts(ring, value):
                return  # a plain block the ring's private key reads
            continue
        if thumbprint in held or _decrypts(ring, value):
            return
        carried.append(thumbprint)
    if carried:
        others = ", ".join(sorted(set(carried)))
        raise KeyTroubleError(
            f"none of the {len(carried)} ciphertext(s) already here is for key "
            f"{key.thumbprint} ({key.label or 'the key given'}), which would encrypt; they "
            f"are for {others}. If this is the keystore meant, give --new-key (or rotate "
            "the store to it); else check the keystore the config or environment names",
            path=store.path,
        )


def _decrypts(ring: KeyRing, value: str) -> bool:
    if not any(entry.private_key is not None for entry in ring.entries):
        return False
    try:
        ring.decrypt(value)
    except VaultError:
        return False
    return True


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
        configs = [read_config(Path(p), config_format(Path(p), options.input_type)) for p in paths]
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
def session(paths: Sequence[Path], options: Options, *, writes: bool = True) -> Iterator[Workspace]:
    """Lock every config and store file, then read them: nothing changes under the run.
    A run that ``writes`` first settles any interrupted rotation and clears what a dead
    run left; a run that only reads (a dry run) changes nothing, not even that."""
    paths = [Path(p) for p in paths]
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


def aliases(store: ConfigFile, *, checked: bool = True) -> dict[str, Scalar]:
    """Store entries by alias (nested TOML keys joined with '.'). An entry whose name
    is no alias is an InputError naming file and line (``checked=False``: kept, for
    ``check`` to report)."""
    doc = store.document
    n = len(doc.store_path or ())
    found = {dotted(s.path[n:]): s for s in doc.store_entries()}
    if checked:
        for alias, scalar in found.items():
            if ALIAS.fullmatch(alias) is None:
                raise InputError(
                    f"the secret store entry {alias!r} is no alias "
                    "(letters, digits, '_', '.', '-')",
                    path=store.path,
                    line=scalar.line,
                )
    return found


def plaintext_candidates(config: ConfigFile, sensitive: SensitiveKeys) -> list[Plaintext]:
    """The plaintext secrets of a config, outside its store (see :mod:`vault.configs.sensitive`)."""
    scalars = [s for s in config.document.scalars() if not in_store(config, s)]
    return sensitive.plaintext(config.document, scalars)


def in_store(config: ConfigFile, scalar: Scalar) -> bool:
    """Inside the config's own store; or a store entry an earlier ciphertool wrote into a
    file that keeps its store beside it (left alone, and reported by check)."""
    store_path = (
        config.document.store_path if config.format_name in ("toml", "yaml", "json") else None
    )
    if store_path is not None:
        return scalar.path[: len(store_path)] == store_path
    return misplaced_alias(config, scalar) is not None


def misplaced_alias(config: ConfigFile, scalar: Scalar) -> str | None:
    """The alias of a ``secrets.ALIAS`` entry (``[plaintext]`` or a ciphertext, as an
    earlier ciphertool wrote them) in a file whose store is beside it: nothing reads it
    there."""
    if config.document.own_schema is None or len(scalar.path) != 2:
        return None
    if scalar.path[0] != "secrets":
        return None
    value = scalar.value.strip()
    if not scalar.is_string or not (is_plaintext_entry(value) or _is_ciphertext(value)):
        return None
    return str(scalar.path[1])


def _is_ciphertext(value: str) -> bool:
    """Base64 of an RSA block at least (88 characters: RSA-512) or of an envelope."""
    if len(value) < 88:
        return False
    try:
        envelope_kind(value)
    except VaultError:
        return False
    return True
