"""Which keystore: flags, then environment, then the config's keystore table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from vault.errors import UsageError
from vault.keys.spec import KeystoreSpec, keystore_spec


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
        str(config.parent / "internal.p12"), "PKCS12", "internal", str(config)
    )
    config.write_text('[keystore.primary]\nfile_name = "/abs/primary.jks"\nalias = "wso2carbon"\n')
    assert keystore_spec(config=config, environ={}) == KeystoreSpec(
        "/abs/primary.jks", None, "wso2carbon", str(config)
    )


def test_no_keystore_anywhere_names_the_sources(tmp_path: Path) -> None:
    config = tmp_path / "app.toml"
    config.write_text("[server]\nport = 1\n")
    with pytest.raises(UsageError, match=r"argument, \$CIPHERTOOL_KEYSTORE, or the config's") as e:
        keystore_spec(config=config, environ={})
    assert e.value.hint == "keystore"  # the command line names its flags


def test_bad_storetype_in_environment() -> None:
    with pytest.raises(UsageError, match="unknown keystore type 'BKS'"):
        keystore_spec(environ={"CIPHERTOOL_KEYSTORE": "x", "CIPHERTOOL_KEYSTORE_TYPE": "BKS"})


def test_the_configs_alias_belongs_to_the_configs_keystore(tmp_path: Path) -> None:
    config = tmp_path / "deployment.toml"
    config.write_text('[keystore.primary]\nfile_name = "old.p12"\ntype = "PKCS12"\nalias = "old"\n')
    # A keystore named on the command line (the new one, after a rotation) is not
    # given the config's alias or type.
    assert keystore_spec("/new.jks", config=config, environ={}) == KeystoreSpec("/new.jks")
    assert keystore_spec(str(tmp_path / "old.p12"), config=config, environ={}) == KeystoreSpec(
        str(tmp_path / "old.p12"), "PKCS12", "old"
    )


_SPEC_ALONE = """
import importlib.util, sys, types
# The package's folder, without running vault/__init__.py (the public API, which loads
# the key ring): what is measured is vault.keys.spec's own imports.
location = importlib.util.find_spec("vault").submodule_search_locations
package = types.ModuleType("vault")
package.__path__ = list(location)
sys.modules["vault"] = package
from vault.keys.spec import keystore_spec, split_keystores
spec = keystore_spec(config=sys.argv[1], environ={})
assert split_keystores(spec.path) == [spec.path], spec
print(sorted(name for name in sys.modules if name.split(".")[0] in ("cryptography", "jks")))
"""


def test_the_spec_alone_imports_no_cryptography(tmp_path: Path) -> None:
    """Which keystore a command means is decided without cryptography (or pyjks):
    only opening it into a key ring (vault.keys.ring) needs them."""
    config = tmp_path / "app.toml"
    config.write_text('[keystore.internal]\nfile_name = "internal.p12"\nalias = "internal"\n')
    loaded = subprocess.run(
        [sys.executable, "-c", _SPEC_ALONE, str(config)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert loaded == "[]\n"
