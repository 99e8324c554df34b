"""A WSO2 product home, read as WSO2's cipher tool reads it.

* The keystore: ``deployment.toml``'s ``[keystore.internal]``, else
  ``[keystore.primary]`` (``file_name`` under ``repository/resources/security/``,
  ``type``, ``alias``; Carbon's defaults ``wso2carbon.jks`` / ``wso2carbon``
  when neither is set); with no deployment.toml, ``carbon.xml``'s
  ``//Server/Security/InternalKeyStore`` else ``//Server/Security/KeyStore``
  (``Location``, ``Type``, ``KeyAlias``, ``${carbon.home}`` replaced).
* The legacy XPath mode: ``repository/conf/security/cipher-tool.properties``
  (``alias=<file>//<xpath>,<true|false>``) names the XML element (or, with
  ``true`` and a last step ``[@x]``, the attribute ``x``) each alias replaces.
* ``secret-conf.properties``: what ``-Dconfigure`` writes, so that Secure
  Vault finds the secret repository and the keystore at start-up.

The keystore password never comes from a config file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from vault.configs.store import keystore_table, read_text, read_toml
from vault.errors import InputError
from vault.wso2.layout import CONF, KEYSTORES, SECRET_REPOSITORY, SECURITY
from vault.wso2.secret_conf import SECRET_CONF_NAME, read_secret_conf, secret_conf_algorithm

__all__ = ["ProductHome", "Target", "detect_home"]

CARBON_HOME = "${carbon.home}"


class KeystoreSpec(NamedTuple):
    """Where the home's key lives (the same fields as :class:`vault.keys.spec.KeystoreSpec`)."""

    path: str
    storetype: str | None = None
    alias: str | None = None


DEFAULT_KEYSTORE = KeystoreSpec("wso2carbon.jks", "JKS", "wso2carbon")


@dataclass(frozen=True)
class Target:
    """One line of cipher-tool.properties: the XML node an alias replaces."""

    alias: str
    file: Path
    xpath: str
    attribute: str | None
    """The attribute whose value is replaced (``,true`` with a last step ``[@x]``), or None
    when the element's text is."""
    line: int


@dataclass(frozen=True)
class ProductHome:
    root: Path

    @classmethod
    def at(cls, path: str | os.PathLike[str]) -> ProductHome:
        """The product home at ``path``; refuses a folder that is none."""
        home = cls(Path(path).absolute())
        if not home.root.is_dir():
            raise InputError("no such product home folder", path=home.root)
        marks = (home.deployment_toml, home.carbon_xml, home.cipher_tool_properties)
        if not any(p.is_file() for p in marks):
            raise InputError(
                "is not a WSO2 product home (no repository/conf/deployment.toml, "
                "repository/conf/carbon.xml or repository/conf/security/cipher-tool.properties)",
                path=home.root,
            )
        return home

    @property
    def deployment_toml(self) -> Path:
        return self.root / CONF / "deployment.toml"

    @property
    def carbon_xml(self) -> Path:
        return self.root / CONF / "carbon.xml"

    @property
    def cipher_tool_properties(self) -> Path:
        return self.root / SECURITY / "cipher-tool.properties"

    @property
    def cipher_text_properties(self) -> Path:
        return self.root / SECRET_REPOSITORY

    @property
    def secret_conf_properties(self) -> Path:
        return self.root / SECURITY / SECRET_CONF_NAME

    def stores(self) -> list[Path]:
        """The secret stores of the home that exist: deployment.toml, cipher-text.properties."""
        return [p for p in (self.deployment_toml, self.cipher_text_properties) if p.is_file()]

    # -- the keystore ----------------------------------------------------------------

    def keystore(self) -> KeystoreSpec:
        """The keystore Secure Vault decrypts with: the one secret-conf.properties names
        once it names one (``configure`` writes it, ``rotate`` re-points it), else the
        one the cipher tool finds (see the module doc).

        After a rotation the two differ, and deployment.toml's is left as it is (a
        server uses its internal keystore for other data too): using it here would make
        the next ``configure`` point secret-conf.properties back at a key the secrets
        are no longer encrypted for. The difference is said on stderr."""
        configured = self._configured_keystore()
        recorded = self._recorded_keystore(configured)
        if recorded is None:
            return configured
        if Path(recorded.path).resolve() != Path(configured.path).resolve() or (
            (recorded.alias or "").lower() != (configured.alias or "").lower()
        ):
            from vault import _log

            _log.logger("vault.wso2").warning(
                "%s names %s#%s, the key the secrets were last encrypted or rotated for; "
                "using it, not %s#%s, which the product's own configuration names",
                self.secret_conf_properties,
                recorded.path,
                recorded.alias,
                configured.path,
                configured.alias,
            )
        return recorded

    def _configured_keystore(self) -> KeystoreSpec:
        if self.deployment_toml.is_file():
            return self._toml_keystore()
        if self.carbon_xml.is_file():
            return self._carbon_xml_keystore()
        return self._located(DEFAULT_KEYSTORE)

    def _recorded_keystore(self, configured: KeystoreSpec) -> KeystoreSpec | None:
        """``keystore.identity.*`` of secret-conf.properties, when it names a keystore
        that exists. A relative location is relative to the product home (WSO2's own
        examples write ``repository/resources/security/wso2carbon.jks``); a missing
        alias is the configured one's."""
        values = read_secret_conf(self.secret_conf_properties)
        location = values.get("keystore.identity.location", "").replace(CARBON_HOME, str(self.root))
        if not location:
            return None
        keystore = Path(location) if Path(location).is_absolute() else self.root / location
        if not keystore.is_file():
            return None  # nothing Secure Vault could read either: the product's own then
        return KeystoreSpec(
            str(keystore),
            values.get("keystore.identity.type") or None,
            values.get("keystore.identity.alias") or configured.alias,
        )

    def _located(self, spec: KeystoreSpec) -> KeystoreSpec:
        name = spec.path.replace(CARBON_HOME, str(self.root))
        path = Path(name) if Path(name).is_absolute() else self.root / KEYSTORES / name
        if spec is DEFAULT_KEYSTORE and not path.exists():
            p12 = path.with_suffix(".p12")
            if p12.exists():
                return KeystoreSpec(str(p12), "PKCS12", spec.alias)
        return KeystoreSpec(str(path), spec.storetype, spec.alias)

    def _toml_keystore(self) -> KeystoreSpec:
        table = keystore_table(read_toml(self.deployment_toml))
        if table is None:
            return self._located(DEFAULT_KEYSTORE)
        if os.pathsep in table.file_name:
            raise InputError(
                f"[keystore.{table.name}] file_name names several keystores ({os.pathsep!r}); "
                "a product home names one keystore file (a list is for --keystore and "
                "$CIPHERTOOL_KEYSTORE)",
                path=self.deployment_toml,
                line=self._toml_line(("keystore", table.name, "file_name")),
            )
        alias = table.alias if table.alias is not None else DEFAULT_KEYSTORE.alias
        return self._located(KeystoreSpec(table.file_name, table.type, alias))

    def _toml_line(self, wanted: tuple[str, ...]) -> int | None:
        """The line of a key of deployment.toml (read again: only errors need it)."""
        from vault.configs.formats import parse

        document = parse(read_text(self.deployment_toml), "toml", self.deployment_toml)
        return next((s.line for s in document.scalars() if s.path == wanted), None)

    def _carbon_xml_keystore(self) -> KeystoreSpec:
        from vault.configs.formats.xml import parse
        from vault.wso2.xpath import select

        root = parse(read_text(self.carbon_xml), self.carbon_xml).root
        for table in ("InternalKeyStore", "KeyStore"):
            base = f"//Server/Security/{table}"
            location = select(f"{base}/Location", root)
            if location:
                kind = select(f"{base}/Type", root)
                alias = select(f"{base}/KeyAlias", root)
                path = location[0].text.strip().replace(CARBON_HOME, str(self.root))
                if os.pathsep in path:
                    raise InputError(
                        f"{base}/Location names several keystores ({os.pathsep!r}); a product "
                        "home names one keystore file",
                        path=self.carbon_xml,
                    )
                return KeystoreSpec(
                    str(Path(path) if Path(path).is_absolute() else self.root / path),
                    kind[0].text.strip() if kind else None,
                    alias[0].text.strip() if alias else None,
                )
        raise InputError(
            "names no keystore (//Server/Security/KeyStore/Location)", path=self.carbon_xml
        )

    # -- the legacy XPath mode ---------------------------------------------------------

    def targets(self) -> list[Target]:
        """The lines of cipher-tool.properties, read as WSO2 reads them."""
        path = self.cipher_tool_properties
        if not path.is_file():
            return []
        from vault.configs.formats import parse
        from vault.wso2.xpath import compile_xpath

        found: list[Target] = []
        for scalar in parse(read_text(path), "properties", path).scalars():
            alias, value = str(scalar.path[0]), scalar.value

            def bad(message: str, line: int = scalar.line, alias: str = alias) -> InputError:
                return InputError(f"alias '{alias}': {message}", path=path, line=line, alias=alias)

            start = value.find("//")
            if start < 0:
                raise bad(f"no //XPath in '{value}'")
            comma = value.find(",")
            expression = value[start:comma] if comma > 0 else value[start:]
            xpath = compile_xpath(expression)
            attribute = None
            if comma > 0 and value[comma + 1 :].strip() == "true" and value[comma - 1] == "]":
                attribute = xpath.last_attribute
                if attribute is None:
                    raise bad("',true' needs an XPath ending in [@attribute]")
            file_name = value[:start].strip().replace("\\", "/")
            home = str(self.root).replace("\\", "/")
            if file_name.startswith(home):
                file_name = file_name[len(home) :].lstrip("/")
            file = Path(file_name) if Path(file_name).is_absolute() else self.root / file_name
            found.append(Target(alias, file, expression, attribute, scalar.line))
        return found

    def recorded_transformation(self) -> str | None:
        """``secretRepositories.file.algorithm`` of secret-conf.properties, if set."""
        return secret_conf_algorithm(self.secret_conf_properties)


def detect_home(folder: str | os.PathLike[str]) -> ProductHome | None:
    """The product home at ``folder`` when it holds repository/conf/deployment.toml."""
    home = ProductHome(Path(folder).absolute())
    return home if home.deployment_toml.is_file() else None
