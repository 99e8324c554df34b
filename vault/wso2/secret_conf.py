"""secret-conf.properties, and how a WSO2 product says which transformation made its plain
ciphertexts (bare RSA blocks, which name none).

* deployment.toml's ``[system.parameter] "org.wso2.CipherTransformation"`` (a WSO2 4.x
  product);
* else ``secretRepositories.file.algorithm`` of the secret-conf.properties beside a
  ``cipher-text.properties`` store (a product home, as the cipher tool writes it).

Read-only: the resolver imports it only for a config that may hold such a setting (a
``[system]`` table, a ``cipher-text.properties`` store), so that a service's start-up
does not load it otherwise.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from vault.configs.store import STORE_FILE_NAME, read_text

__all__ = [
    "ALGORITHM_KEY",
    "SECRET_CONF_KEYS",
    "SECRET_CONF_NAME",
    "WSO2_TRANSFORMATION",
    "configured_transformation",
    "read_secret_conf",
    "secret_conf_algorithm",
    "secret_conf_entries",
]

WSO2_TRANSFORMATION = "org.wso2.CipherTransformation"  # deployment.toml [system.parameter]
SECRET_CONF_NAME = "secret-conf.properties"
ALGORITHM_KEY = "secretRepositories.file.algorithm"
SECRET_CONF_KEYS = (
    "secVault.enabled",
    "carbon.secretProvider",
    "secretRepositories",
    "secretRepositories.file.provider",
    "secretRepositories.file.location",
    "keystore.identity.location",
    "keystore.identity.type",
    "keystore.identity.alias",
    "keystore.identity.store.password",
    "keystore.identity.store.secretProvider",
    "keystore.identity.key.password",
    "keystore.identity.key.secretProvider",
    ALGORITHM_KEY,
)
_DEFAULT_HANDLER = "org.wso2.carbon.securevault.DefaultSecretCallbackHandler"


def read_secret_conf(path: Path) -> dict[str, str]:
    """The settings of a secret-conf.properties (none when there is no such file)."""
    if not path.is_file():
        return {}
    from vault.configs.formats import parse

    scalars = parse(read_text(path), "properties", path).scalars()
    return {str(scalar.path[0]): scalar.value.strip() for scalar in scalars}


def secret_conf_algorithm(path: Path) -> str | None:
    """``secretRepositories.file.algorithm`` of a secret-conf.properties, if set."""
    return read_secret_conf(path).get(ALGORITHM_KEY) or None


def configured_transformation(toml_data: Any, store_file: Path | None) -> tuple[str, str] | None:
    """The transformation a config sets for plain ciphertexts, and where it says so (see
    the module doc): ``toml_data`` is a TOML config's data, ``store_file`` its secret
    store. Checked by the caller (:func:`vault.configs.store.checked_transformation`);
    None when unset."""
    if isinstance(toml_data, dict):
        system = toml_data.get("system")
        parameters = system.get("parameter") if isinstance(system, dict) else None
        value = parameters.get(WSO2_TRANSFORMATION) if isinstance(parameters, dict) else None
        if isinstance(value, str) and value.strip():
            return value.strip(), f'[system.parameter] "{WSO2_TRANSFORMATION}"'
    if store_file is not None and store_file.name == STORE_FILE_NAME:
        secret_conf = store_file.parent / SECRET_CONF_NAME
        algorithm = secret_conf_algorithm(secret_conf)
        if algorithm is not None:
            return algorithm, f"{secret_conf}: {ALGORITHM_KEY}"
    return None


def secret_conf_entries(
    keystore: str | os.PathLike[str], kind: str, alias: str, transformation: str | None
) -> list[tuple[str, str]]:
    """What ``-Dconfigure`` writes to secret-conf.properties, in order."""
    from vault.wso2.layout import SECRET_REPOSITORY

    values = [
        "true",
        "org.wso2.securevault.secret.handler.SecretManagerSecretCallbackHandler",
        "file",
        "org.wso2.securevault.secret.repository.FileBaseSecretRepositoryProvider",
        str(SECRET_REPOSITORY),
        str(Path(keystore).absolute()),
        kind,
        alias,
        "identity.store.password",
        _DEFAULT_HANDLER,
        "identity.key.password",
        _DEFAULT_HANDLER,
    ]
    entries = list(zip(SECRET_CONF_KEYS, values, strict=False))
    if transformation is not None:
        entries.append((ALGORITHM_KEY, transformation))
    return entries
