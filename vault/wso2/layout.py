"""Where a WSO2 product home keeps its configuration and secrets, and which secret stores
WSO2's runtime reads.

A leaf (no import from vault): :mod:`vault.configs.store` asks it, at the moment it
needs to, where an XML file inside a product home keeps its secrets.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "CONF",
    "KEYSTORES",
    "SECRET_REPOSITORY",
    "SECURITY",
    "home_repository",
    "wso2_reads",
]

CONF = Path("repository", "conf")
SECURITY = CONF / "security"
KEYSTORES = Path("repository", "resources", "security")
SECRET_REPOSITORY = SECURITY / "cipher-text.properties"
"""The home's secret repository (``secretRepositories.file.location``), from its root."""


def home_repository(config: Path) -> Path | None:
    """The secret repository of the product home ``config`` lies in, as Secure Vault
    uses it (the nearest folder above holding one), or None."""
    for folder in config.absolute().parents:
        candidate = folder / SECRET_REPOSITORY
        if candidate.is_file():
            return candidate
    return None


def wso2_reads(store: Path, format_name: str) -> bool:
    """Whether WSO2's runtime may read this secret store: a TOML ``[secrets]`` table
    (deployment.toml), or a product home's ``repository/conf/security/cipher-text.properties``.
    Those keep WSO2's envelopes; every other store gets bound ones (see vault.crypto.envelopes)."""
    if format_name == "toml":
        return True
    parts = store.absolute().parts
    wanted = SECRET_REPOSITORY.parts
    return format_name == "properties" and parts[-len(wanted) :] == wanted
