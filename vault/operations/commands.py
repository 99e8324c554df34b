"""The write paths: configure, protect, change; and list and check, which read.

Each operation reads every file first, computes all edits in memory, and
only then writes: the secret store before the config that refers to it, so
that an interrupted run leaves plaintext where it was (never a reference to
an alias that does not exist yet). Every write is atomic and under a lock.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from vault import atomic
from vault.configs.formats import Scalar, gc_paused
from vault.configs.sensitive import Plaintext, SensitiveKeys, dotted, make_alias
from vault.configs.store import (
    ALIAS,
    ANY_REFERENCE,
    ENV_REFERENCE,
    INLINE_STORE_FORMATS,
    REFERENCE,
    checked_transformation,
    config_format,
    is_plaintext_entry,
    plaintext_of,
    read_toml,
    store_file_for,
)
from vault.crypto.cipher import (
    DEFAULT_TRANSFORMATION,
    KeyRing,
    envelope_alias,
    envelope_kind,
    envelope_thumbprint,
)
from vault.errors import AliasError, InputError, KeyTroubleError, UsageError, VaultError
from vault.operations._files import (
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
            log.debug(
                "configure %s: encrypting [plaintext] entries for key %s (%s, %s)",
                store.path,
                ring.encryption_key.thumbprint,
                options.format,
                options.transformation,
            )
            encrypted = encrypt_entries(store, ring, options)
            if encrypted:
                done[str(store.path)] = encrypted
        space.write()
    return done


def encrypt_entries(store: ConfigFile, ring: KeyRing, options: Options) -> list[str]:
    """Edits encrypting every ``[plaintext]`` entry of ``store``; the aliases encrypted."""
    done: list[str] = []
    for alias, scalar in aliases(store).items():
        if scalar.is_string and is_plaintext_entry(scalar.value):
            if not done:
                check_encryption_key(store, ring, options)
            plaintext = Secret(plaintext_of(scalar.value))
            ciphertext = seal(ring, store, alias, plaintext, options.format, options.transformation)
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
    """The plaintext secrets of a config, outside its store (see :mod:`vault.configs.sensitive`)."""
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
            log.debug("protect %s: secrets go to %s", config.path, store.path)
            by_scalar: dict[tuple[int, int], list[tuple[Plaintext, str]]] = {}
            for part in _candidates(config, sensitive):
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
        check_encryption_key(store, ring, options)
        ciphertext = seal(ring, store, alias, value, options.format, options.transformation)
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
    space = Workspace.read(_paths_of(files), options)
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

    space = Workspace.read(_paths_of(files), options)
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
                if scalar.is_string and not _in_store(config, scalar)
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


def _misplaced_entry(
    config: ConfigFile, scalar: Scalar, store: ConfigFile | None
) -> Finding | None:
    """A ``secrets.ALIAS`` entry (``[plaintext]`` or a ciphertext, as an earlier ciphertool
    wrote them) in a file whose store is beside it: nothing reads it there."""
    schema = config.document.own_schema
    if schema is None or len(scalar.path) != 2 or scalar.path[0] != "secrets":
        return None
    value = scalar.value.strip()
    if not scalar.is_string or not (is_plaintext_entry(value) or _is_ciphertext(value)):
        return None
    alias = str(scalar.path[1])
    return Finding(
        str(config.path),
        scalar.line,
        "misplaced-store",
        f"'secrets.{alias}' is a secret store entry, but {schema} keeps its store in "
        f"{store.path.name if store else 'the file'} beside it: nothing reads it here; "
        "move it there",
        alias=alias,
    )


def _is_ciphertext(value: str) -> bool:
    """Base64 of an RSA block at least (88 characters: RSA-512) or of an envelope."""
    if len(value) < 88:
        return False
    try:
        envelope_kind(value)
    except VaultError:
        return False
    return True


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


def _in_store(config: ConfigFile, scalar: Scalar) -> bool:
    """Inside the config's own store; or a store entry an earlier ciphertool wrote into a
    file that keeps its store beside it (left alone, and reported by check)."""
    store_path = (
        config.document.store_path if config.format_name in ("toml", "yaml", "json") else None
    )
    if store_path is not None:
        return scalar.path[: len(store_path)] == store_path
    return _misplaced_entry(config, scalar, None) is not None
