"""The library's front door: :class:`Vault` (a key ring and the configs resolved with
it), :func:`load_config` and :func:`write_secret_dir`."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from vault.configs.readers import read_config
from vault.configs.store import checked_transformation
from vault.crypto.ring import KeyRing
from vault.errors import UsageError
from vault.keys.passwords import PasswordOptions
from vault.runtime.resolver import PASSWORD_VARIABLES, LazySecrets, Resolver
from vault.secret import Secret

__all__ = ["Vault", "load_config", "password_variables", "write_secret_dir"]


class Vault:
    """A key ring, and the configs resolved with it.

    >>> vault = Vault.open()                      # keystore and password from the environment
    >>> settings = vault.load("deployment.toml")  # plain data, every reference resolved
    """

    def __init__(
        self,
        ring: KeyRing,
        *,
        environ: Mapping[str, str] | None = None,
        transformation: str | None = None,
        withheld: frozenset[str] = PASSWORD_VARIABLES,
    ) -> None:
        self.ring = ring
        self._environ = environ
        self._transformation = transformation
        self.withheld = withheld
        """Variables holding a keystore password: never handed out by ``$env{}``, and
        removed from ``exec``'s child."""

    @classmethod
    def open(
        cls,
        keystore: str | os.PathLike[str] | None = None,
        *,
        storetype: str | None = None,
        alias: str | None = None,
        passwords: PasswordOptions | None = None,
        config: str | os.PathLike[str] | None = None,
        environ: Mapping[str, str] | None = None,
        transformation: str | None = None,
    ) -> Vault:
        """Open the keystore named by the arguments, else ``CIPHERTOOL_KEYSTORE``..., else
        the ``[keystore.internal]``/``[keystore.primary]`` table of ``config``."""
        from vault.keys.ring import open_key_ring
        from vault.keys.spec import keystore_spec

        spec = keystore_spec(
            os.fspath(keystore) if keystore is not None else None,
            storetype,
            alias,
            config=config,
            environ=environ,
        )
        options = passwords or PasswordOptions()
        ring = open_key_ring(spec, options, environ=environ)
        return cls(
            ring,
            environ=environ,
            transformation=transformation,
            withheld=password_variables(options),
        )

    def resolver(
        self,
        path: str | os.PathLike[str],
        secrets: str | os.PathLike[str] | None = None,
        *,
        input_type: str | None = None,
    ) -> tuple[Any, Resolver]:
        """The config's data (unresolved) and a resolver for its store; ``input_type``
        names the config's format when its name does not (see :func:`read_config`)."""
        data, store, configured, shared = read_config(path, secrets, input_type)
        transformation, where = self._transformation, None
        if transformation is None and configured is not None:
            transformation, where = checked_transformation(configured, path)
        resolver = Resolver(
            self.ring,
            store,
            source=os.fspath(path),
            environ=self._environ,
            transformation=transformation,
            transformation_from=where,
            withheld=self.withheld,
            shared=shared,
        )
        return data, resolver

    def load(
        self,
        path: str | os.PathLike[str],
        secrets: str | os.PathLike[str] | None = None,
        *,
        input_type: str | None = None,
        mark: Callable[[str], str] | None = None,
    ) -> Any:
        """The config as plain data with every ``$secret{}`` and ``$env{}`` resolved; a
        multi-document YAML file gives a list, one element per document (``mark``: see
        :meth:`Resolver.resolve`)."""
        data, resolver = self.resolver(path, secrets, input_type=input_type)
        return resolver.resolve(data, mark)

    def secrets(
        self,
        path: str | os.PathLike[str],
        secrets: str | os.PathLike[str] | None = None,
        *,
        input_type: str | None = None,
    ) -> LazySecrets:
        """The config's aliases as a mapping that decrypts each on first access, once: its
        store's, or of a store beside it (cipher-text.properties) those it refers to.

        Fails closed as :meth:`load` does: a reference to an alias no store holds is a
        :class:`ResolveError` here, before any secret is used."""
        data, resolver = self.resolver(path, secrets, input_type=input_type)
        resolver.check_references(data)
        return LazySecrets(resolver, resolver.exported(data))

    def secret(
        self,
        path: str | os.PathLike[str],
        alias: str,
        secrets: str | os.PathLike[str] | None = None,
        *,
        input_type: str | None = None,
    ) -> Secret:
        """One alias of the config's store."""
        return self.resolver(path, secrets, input_type=input_type)[1].secret(alias)

    def referenced(
        self,
        path: str | os.PathLike[str],
        secrets: str | os.PathLike[str] | None = None,
        *,
        input_type: str | None = None,
    ) -> dict[str, Secret]:
        """Each alias the config refers to, with its value. The whole document is
        resolved first, so anything in it that cannot be fails before a value is
        handed out."""
        data, resolver = self.resolver(path, secrets, input_type=input_type)
        resolver.resolve(data)
        return resolver.asked()

    def write_dir(
        self,
        path: str | os.PathLike[str],
        directory: str | os.PathLike[str],
        secrets: str | os.PathLike[str] | None = None,
        *,
        input_type: str | None = None,
    ) -> list[str]:
        """Write each secret the config refers to as ``directory/ALIAS`` (the value alone,
        0400, the folder 0700), replacing the previous set atomically (see
        :mod:`vault.runtime.secretdir`); the aliases written. Nothing is written when any
        reference fails."""
        from vault.runtime.secretdir import check_file_name, publish

        values = self.referenced(path, secrets, input_type=input_type)
        for alias in values:
            check_file_name(alias, path)
        publish(directory, values)
        return list(values)


def password_variables(options: PasswordOptions) -> frozenset[str]:
    """The variables that hold a keystore password: the standard two, and the ones
    ``--storepass-env`` / ``--keypass-env`` name."""
    named = (options.storepass_env, options.keypass_env)
    return PASSWORD_VARIABLES.union(name for name in named if name)


def load_config(
    path: str | os.PathLike[str] | None = None,
    *,
    secrets: str | os.PathLike[str] | None = None,
    wso2_home: str | os.PathLike[str] | None = None,
    input_type: str | None = None,
    format: str | None = None,
    **open_args: Any,
) -> Any:
    """Open the key ring (see :meth:`Vault.open`; the config's own keystore table counts,
    a product home's as the product reads it) and load ``path`` with every reference
    resolved. ``secrets``: the store of a .properties, .env, .ini or .xml config, as
    ``--secrets``; ``wso2_home``: a product home, whose deployment.toml is the default
    ``path``; ``input_type`` (or ``format``, the same) names the config's format when
    its name does not: ``toml``, ``yaml``, ``json``, ``ini``, ``properties``, ``dotenv``
    or ``xml``."""
    if input_type is not None and format is not None and input_type != format:
        raise UsageError(f"input_type '{input_type}' and format '{format}' disagree")
    if wso2_home is not None:
        from vault.wso2.home import ProductHome

        home = ProductHome.at(wso2_home)
        if path is None:
            path = home.deployment_toml
        open_args.setdefault("config", home.deployment_toml)
    if path is None:
        raise TypeError("load_config() needs a path or wso2_home")
    open_args.setdefault("config", path)
    return Vault.open(**open_args).load(path, secrets, input_type=input_type or format)


def write_secret_dir(
    path: str | os.PathLike[str], directory: str | os.PathLike[str], **open_args: Any
) -> list[str]:
    """Open the key ring as :func:`load_config` does and write the secrets ``path``
    refers to into ``directory``, one file each (see :meth:`Vault.write_dir`)."""
    open_args.setdefault("config", path)
    return Vault.open(**open_args).write_dir(path, directory)
