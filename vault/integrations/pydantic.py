"""A pydantic-settings source: a ``BaseSettings`` filled from a protected config.

Install with the extra: ``pip install 'secure-vault[pydantic]'``. Nothing else in
:mod:`vault` imports pydantic.

>>> class Settings(BaseSettings):
...     database: Database            # a nested model: the config's [database] table
...     api_key: SecretStr
...
...     @classmethod
...     def settings_customise_sources(cls, settings_cls, init_settings, env_settings,
...                                    dotenv_settings, file_secret_settings):
...         return (init_settings, env_settings, VaultSettingsSource(settings_cls, "app.toml"))

The config is read with every reference resolved when the settings are built, as
:func:`vault.load_config` reads it; anything that cannot be resolved raises a
:class:`vault.VaultError` naming the alias and the file, and the settings are not
built. A string that held a ``$secret{}`` reference is handed to pydantic as a
``str`` whose ``repr`` is ``'***'``, so a validation error (a secret where an
``int`` is expected) or pydantic-settings' debug log does not print it; give such
fields the type ``SecretStr`` so that the settings' own ``repr`` hides them too.
"""

from __future__ import annotations

import os
from typing import Any

from vault.errors import InputError
from vault.runtime.load import Vault

try:
    from pydantic_settings import BaseSettings, InitSettingsSource
except ImportError as exc:  # pragma: no cover - the extra is installed in the tests
    raise ImportError(
        "vault.integrations.pydantic needs pydantic-settings: pip install 'secure-vault[pydantic]'"
    ) from exc

__all__ = ["VaultSettingsSource"]


class _Hidden(str):
    """A resolved secret on its way into pydantic: ``repr`` does not show it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'***'"


class VaultSettingsSource(InitSettingsSource):
    """The settings in ``path`` (TOML, YAML, JSON, INI, .properties or .env), every
    reference resolved. Top-level keys match fields as pydantic-settings' own file
    sources match them (aliases, ``case_sensitive``); nested tables fill nested models.

    ``keystore_args`` are :meth:`vault.Vault.open`'s (``keystore``, ``storetype``,
    ``alias``, ``passwords``, ``environ``, ``transformation``); without them the
    keystore comes from ``CIPHERTOOL_KEYSTORE``... or the config's own keystore table,
    and its password from the usual sources, as for :func:`vault.load_config`.
    ``secrets`` names a store file other than the one beside the config.
    """

    def __init__(
        self,
        settings_cls: type[BaseSettings],
        path: str | os.PathLike[str],
        *,
        secrets: str | os.PathLike[str] | None = None,
        **keystore_args: Any,
    ) -> None:
        self.path = os.fspath(path)
        keystore_args.setdefault("config", path)
        data = Vault.open(**keystore_args).load(path, secrets, mark=_Hidden)
        if not isinstance(data, dict):
            raise InputError(
                "does not hold a table of settings (XML, or a list at the top)", path=path
            )
        super().__init__(settings_cls, data)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(path={self.path!r})"
