"""Which keystore: flags, then environment, then the config's keystore table."""

from __future__ import annotations

from pathlib import Path

import pytest

from vault.errors import UsageError
from vault.keysource import KeystoreSpec, keystore_spec


def test_flags_then_environment_then_config(tmp_path: Path) -> None:
    config = tmp_path / "conf" / "deployment.toml"
    config.parent.mkdir()
    config.write_text(
        '[keystore.primary]\nfile_name = "primary.jks"\ntype = "JKS"\nalias = "wso2carbon"\n\n'
        '[keystore.internal]\nfile_name = "internal.p12"\ntype = "PKCS12"\nalias = "internal"\n'
    )
    env = {
        "CIPHERTOOL_KEYSTORE": "/env/ks.p12",
        "CIPHERTOOL_KEYSTORE_TYPE": "pkcs12",
        "CIPHERTOOL_KEY_ALIAS": "env",
    }
    assert keystore_spec("/flag.jks", "JKS", "flag", config=config, environ=env) == KeystoreSpec(
        "/flag.jks", "JKS", "flag"
    )
    assert keystore_spec(config=config, environ=env) == KeystoreSpec("/env/ks.p12", "pkcs12", "env")
    # [keystore.internal] wins over [keystore.primary]; file_name is relative to the config.
    assert keystore_spec(config=config, environ={}) == KeystoreSpec(
        str(config.parent / "internal.p12"), "PKCS12", "internal"
    )
    config.write_text('[keystore.primary]\nfile_name = "/abs/primary.jks"\nalias = "wso2carbon"\n')
    assert keystore_spec(config=config, environ={}) == KeystoreSpec(
        "/abs/primary.jks", None, "wso2carbon"
    )


def test_no_keystore_anywhere_names_the_sources(tmp_path: Path) -> None:
    config = tmp_path / "app.toml"
    config.write_text("[server]\nport = 1\n")
    with pytest.raises(UsageError, match=r"--keystore, \$CIPHERTOOL_KEYSTORE"):
        keystore_spec(config=config, environ={})


def test_bad_storetype_in_environment() -> None:
    with pytest.raises(UsageError, match="unknown keystore type 'BKS'"):
        keystore_spec(environ={"CIPHERTOOL_KEYSTORE": "x", "CIPHERTOOL_KEYSTORE_TYPE": "BKS"})
