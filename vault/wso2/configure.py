"""``configure`` on a WSO2 product home: what ``ciphertool.sh -Dconfigure`` does, minus its bugs.

In one locked run, read in full before anything is written:

1. every ``[plaintext]`` entry of ``deployment.toml``'s ``[secrets]`` and of
   ``repository/conf/security/cipher-text.properties`` is encrypted (Java
   Properties escaping in the latter);
2. each cipher-tool.properties target whose alias has a secret gets WSO2's
   marks: its text (or attribute) becomes ``password``, the element
   ``svns:secretAlias="alias"``, the root ``xmlns:svns``; every other byte of
   the XML stays;
3. ``secret-conf.properties`` names the repository, the keystore and, when
   one was given or recorded before, the transformation.

Writes go stores first, then secret-conf.properties, then the XML files, so
an interrupted run never leaves an XML pointing at a secret that is not
there. Unlike WSO2's tool, an alias with no secret leaves its XML alone, a
target that matches nothing fails the run before any write, a run never
mixes transformations a WSO2 server would read with one setting, and a
second run changes nothing.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from pathlib import Path

from vault.configs.formats import Edit, parse
from vault.configs.formats.xml import XmlDocument
from vault.configs.store import is_plaintext_entry
from vault.crypto.envelopes import envelope_kind
from vault.crypto.ring import KeyRing
from vault.crypto.transformations import PKCS1, canonical_transformation
from vault.errors import InputError, UsageError, VaultError
from vault.operations.configure import encrypt_entries
from vault.operations.files import (
    ConfigFile,
    check_writable,
    locked,
    read_config,
    write,
    write_all,
)
from vault.operations.workspace import Options, Workspace, aliases, session
from vault.wso2.home import ProductHome, Target
from vault.wso2.secret_conf import secret_conf_entries
from vault.wso2.svns import ALIASED_VALUE, SECRET_ALIAS, SVNS_DECLARATION, SVNS_NAMESPACE

log = logging.getLogger("vault.wso2.configure")

__all__ = ["HomeReport", "KeyFacts", "configure_home", "home_transformation", "write_secret_conf"]


@dataclass(frozen=True)
class KeyFacts:
    """What secret-conf.properties says of the key: keystore file, type, alias."""

    keystore: Path
    kind: str
    alias: str


@dataclass
class HomeReport:
    transformation: str
    encrypted: dict[str, list[str]] = field(default_factory=dict)
    aliased: dict[str, list[str]] = field(default_factory=dict)
    without_secret: list[str] = field(default_factory=list)
    secret_conf: Path | None = None
    """secret-conf.properties when it was written (None: it already said the same)."""


def home_transformation(
    home: ProductHome, given: str | None, existing_plain: int
) -> tuple[str, bool]:
    """The transformation for new ciphertexts and whether secret-conf.properties records it.

    A WSO2 server decrypts every plain ciphertext of its repository with one
    transformation (``secretRepositories.file.algorithm``, default ``RSA``, i.e.
    PKCS#1 v1.5). So: the one given, else the one recorded, else PKCS#1; and a
    given one that differs from what the ``existing_plain`` ciphertexts were
    made with is refused rather than leaving some of them unreadable.
    """
    recorded = home.recorded_transformation()
    current = canonical_transformation(recorded) if recorded else PKCS1
    if given is None:
        return current, recorded is not None
    wanted = canonical_transformation(given)
    if wanted != current and existing_plain:
        raise UsageError(
            f"{existing_plain} secret(s) of this product home are encrypted with {current} "
            "(secret-conf.properties' secretRepositories.file.algorithm, RSA when unset), and a "
            f"WSO2 server reads them all with one transformation: give --transformation "
            f"{current}, or re-encrypt them all first"
        )
    return wanted, True


def _plain_ciphertexts(stores: list[ConfigFile], skip: str | None = None) -> int:
    count = 0
    for store in stores:
        for alias, scalar in aliases(store).items():
            value = scalar.value.strip()
            if alias == skip or not value or is_plaintext_entry(value):
                continue
            try:
                count += envelope_kind(value) == "plain"
            except VaultError:
                continue
    return count


def count_plain(home: ProductHome, skip: str | None = None) -> int:
    """Plain ciphertexts in the home's stores (``skip``: an alias about to be replaced)."""
    return _plain_ciphertexts([read_config(p) for p in home.stores()], skip)


def configure_home(
    home: ProductHome,
    ring: KeyRing,
    key: KeyFacts,
    options: Options,
    *,
    transformation: str | None = None,
) -> HomeReport:
    """Encrypt the home's secrets, mark the XML targets, write secret-conf.properties."""
    targets = home.targets()
    xml_files = list(dict.fromkeys(t.file for t in targets if t.file.is_file()))
    paths = [*home.stores(), *xml_files]
    secret_conf = home.secret_conf_properties
    with session(paths, Options(None, options.format, options.transformation)) as space:
        with locked([secret_conf]):
            stores = [space.stores[space.store_of[p]] for p in home.stores()]
            effective, record = home_transformation(
                home, transformation, _plain_ciphertexts(stores)
            )
            report = HomeReport(effective)
            secrets = {alias for store in stores for alias in aliases(store)}
            configs = {c.path: c for c in space.configs}
            claimed: dict[int, str] = {}
            for target in targets:
                if target.alias not in secrets:
                    report.without_secret.append(target.alias)
                    continue
                if target.file not in configs:
                    raise InputError(
                        f"alias '{target.alias}': no such file {target.file}",
                        path=home.cipher_tool_properties,
                        line=target.line,
                        alias=target.alias,
                    )
                if _mark(configs[target.file], target, home, claimed):
                    report.aliased.setdefault(str(target.file), []).append(target.alias)
            _mark_roots([configs[f] for f in xml_files])
            for store in stores:
                encrypted = encrypt_entries(
                    store, ring, dataclasses.replace(options, transformation=effective)
                )
                if encrypted:
                    report.encrypted[str(store.path)] = encrypted
            conf = _secret_conf_file(secret_conf, key, effective if record else None)
            if report.without_secret:
                log.warning(
                    "%s: no secret in the repository for %d alias(es), their XML left alone: %s",
                    home.cipher_tool_properties,
                    len(report.without_secret),
                    ", ".join(report.without_secret),
                )
            if _write_in_order(space, conf):
                report.secret_conf = conf.path
    return report


def _write_in_order(space: Workspace, conf: ConfigFile) -> bool:
    """Stores, then secret-conf.properties, then the XML files; True if secret-conf changed.
    Every new text is checked, and every file found as this run read it, before the
    first is written."""
    files = space.all_files()
    check_writable([*files, conf])
    stores = list(space.stores.values())
    ordered = [*stores, conf, *(f for f in files if not any(f is s for s in stores))]
    return any(file is conf for file in write_all(ordered))


def _document(config: ConfigFile) -> XmlDocument:
    document = config.document
    if not isinstance(document, XmlDocument):
        raise InputError("is not an XML file", path=config.path)
    return document


def _mark(config: ConfigFile, target: Target, home: ProductHome, claimed: dict[int, str]) -> bool:
    """WSO2's marks on every node the target's XPath selects; True when any was missing."""
    from vault.wso2.xpath import compile_xpath

    document = _document(config)

    def bad(message: str) -> InputError:
        return InputError(
            f"alias '{target.alias}': {target.xpath} {message}",
            path=home.cipher_tool_properties,
            line=target.line,
            alias=target.alias,
        )

    elements = compile_xpath(target.xpath).select(document.root)
    if not elements:
        raise bad(f"matches nothing in {target.file}")
    before = len(config.edits)
    for element in elements:
        other = claimed.setdefault(id(element), target.alias)
        if other != target.alias:
            raise bad(f"selects an element alias '{other}' also selects")
        edits: list[Edit | None] = []
        if target.attribute is not None:
            edits.append(document.set_attribute(element, target.attribute, ALIASED_VALUE))
        elif element.children:
            raise bad("selects an element with child elements (WSO2's tool would delete them)")
        elif element.text != ALIASED_VALUE or element.other_content:
            edits.append(document.set_text(element, ALIASED_VALUE))
        edits.append(document.set_attribute(element, SECRET_ALIAS, target.alias))
        config.edits.extend(e for e in edits if e is not None)
    return len(config.edits) > before


def _mark_roots(configs: list[ConfigFile]) -> None:
    """``xmlns:svns`` on the root of every XML file that got a mark."""
    for config in configs:
        if not config.edits:
            continue
        document = _document(config)
        edit = document.set_attribute(document.root, SVNS_DECLARATION, SVNS_NAMESPACE)
        if edit is not None:
            config.edits.append(edit)


def _secret_conf_file(path: Path, key: KeyFacts, transformation: str | None) -> ConfigFile:
    """secret-conf.properties with WSO2's keys set; every other line of an existing one kept."""
    entries = secret_conf_entries(key.keystore, key.kind, key.alias, transformation)
    if not path.exists():
        empty = parse("", "properties", path)
        file = ConfigFile(path, "properties", "utf-8", empty, exists=False)
        header = "# Secure Vault configuration, written by ciphertool configure\n"
        file.edits = [Edit(0, 0, header), *empty.add_entries(entries)]
        return file
    file = read_config(path, "properties")
    present = {str(s.path[0]): s for s in file.document.scalars()}
    missing: list[tuple[str, str]] = []
    for name, value in entries:
        scalar = present.get(name)
        if scalar is None:
            missing.append((name, value))
        elif scalar.value != value:
            file.edits.append(file.document.replace(scalar, value))
    file.edits.extend(file.document.add_entries(missing))
    return file


def write_secret_conf(home: ProductHome, key: KeyFacts, transformation: str | None) -> bool:
    """Point an existing secret-conf.properties at ``key`` (after a rotation); True if changed."""
    path = home.secret_conf_properties
    if not path.exists():
        return False
    with locked([path]):
        return write(_secret_conf_file(path, key, transformation))
