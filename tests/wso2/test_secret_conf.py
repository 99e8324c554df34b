"""vault.wso2.secret_conf and vault.wso2.layout: where a WSO2 product says how its plain
ciphertexts were made, and which stores its runtime reads; a service's start-up loads
neither unless its config may say so."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import KEYSTORES, VECTOR_PASSWORD
from vault.configs.store import store_file_for
from vault.wso2.layout import home_repository, wso2_reads
from vault.wso2.secret_conf import (
    ALGORITHM_KEY,
    SECRET_CONF_KEYS,
    configured_transformation,
    read_secret_conf,
    secret_conf_algorithm,
    secret_conf_entries,
)

SHA256 = "RSA/ECB/OAEPWithSHA-256AndMGF1Padding"


def test_deployment_toml_sets_it_in_system_parameter() -> None:
    data = {"system": {"parameter": {"org.wso2.CipherTransformation": f" {SHA256} "}}}
    assert configured_transformation(data, None) == (
        SHA256,
        '[system.parameter] "org.wso2.CipherTransformation"',
    )
    for unset in ({}, {"system": []}, {"system": {"parameter": {"x": "y"}}}, None):
        assert configured_transformation(unset, None) is None


def test_secret_conf_beside_a_cipher_text_properties_sets_it(tmp_path: Path) -> None:
    store = tmp_path / "cipher-text.properties"
    conf = tmp_path / "secret-conf.properties"
    assert configured_transformation(None, store) is None  # no secret-conf.properties
    conf.write_text(f"secVault.enabled=true\n{ALGORITHM_KEY} = {SHA256}\n")
    assert read_secret_conf(conf) == {"secVault.enabled": "true", ALGORITHM_KEY: SHA256}
    assert secret_conf_algorithm(conf) == SHA256
    assert configured_transformation(None, store) == (SHA256, f"{conf}: {ALGORITHM_KEY}")
    # Only beside WSO2's store file name; deployment.toml's setting comes first.
    assert configured_transformation(None, tmp_path / "secrets.properties") is None
    toml = {"system": {"parameter": {"org.wso2.CipherTransformation": "RSA"}}}
    assert configured_transformation(toml, store) == (
        "RSA",
        '[system.parameter] "org.wso2.CipherTransformation"',
    )


def test_secret_conf_entries_follow_wso2s_order(tmp_path: Path) -> None:
    entries = secret_conf_entries(tmp_path / "k.jks", "JKS", "wso2carbon", None)
    assert [name for name, _ in entries] == list(SECRET_CONF_KEYS[:-1])
    assert dict(entries)["keystore.identity.location"] == str(tmp_path / "k.jks")
    assert dict(entries)["secretRepositories.file.location"] == (
        "repository/conf/security/cipher-text.properties"
    )
    with_algorithm = secret_conf_entries(tmp_path / "k.jks", "JKS", "a", SHA256)
    assert with_algorithm[-1] == (ALGORITHM_KEY, SHA256)


def test_an_xml_file_in_a_product_home_uses_the_homes_repository(tmp_path: Path) -> None:
    security = tmp_path / "repository/conf/security"
    security.mkdir(parents=True)
    xml = tmp_path / "repository/conf/tomcat/catalina-server.xml"
    xml.parent.mkdir()
    assert home_repository(xml) is None
    assert store_file_for(xml, "xml") == xml.parent / "cipher-text.properties"
    (security / "cipher-text.properties").write_text("")
    assert home_repository(xml) == security / "cipher-text.properties"
    assert store_file_for(xml, "xml") == security / "cipher-text.properties"
    # A store beside the file comes first; other formats never look for the home's.
    (xml.parent / "cipher-text.properties").write_text("")
    assert store_file_for(xml, "xml") == xml.parent / "cipher-text.properties"
    props = tmp_path / "repository/conf/app/app.properties"
    assert store_file_for(props, "properties") == props.parent / "cipher-text.properties"


@pytest.mark.parametrize(
    ("store", "format_name", "reads"),
    [
        ("deployment.toml", "toml", True),
        ("any/app.toml", "toml", True),
        ("home/repository/conf/security/cipher-text.properties", "properties", True),
        ("app/cipher-text.properties", "properties", False),
        ("home/repository/conf/security/cipher-text.properties", "env", False),
        ("app.yaml", "yaml", False),
    ],
)
def test_which_stores_wso2_reads(store: str, format_name: str, reads: bool) -> None:
    assert wso2_reads(Path(store), format_name) is reads


def test_the_runtime_reader_looks_for_the_same_file_before_it_loads_this_module() -> None:
    from vault.configs import readers
    from vault.wso2 import secret_conf

    assert readers.SECRET_CONF_NAME == secret_conf.SECRET_CONF_NAME


_LOADED = """
import json, sys
import vault
vault.load_config(sys.argv[1])
watched = ("vault.wso2", "vault.configs.formats")
print(json.dumps(sorted(m for m in sys.modules if m.startswith(watched))))
"""


WSO2 = ["vault.wso2", "vault.wso2.secret_conf"]
PROPERTIES = [
    "vault.configs.formats",
    "vault.configs.formats._base",
    "vault.configs.formats.properties",
]


@pytest.mark.parametrize(
    ("name", "text", "beside", "loaded"),
    [
        ("app.toml", "", {}, []),
        ("app.toml", '[system.parameter]\n"org.wso2.CipherTransformation" = "RSA"\n', {}, WSO2),
        ("app.properties", "", {}, PROPERTIES),
        ("app.properties", "", {"secret-conf.properties": "x=y\n"}, sorted(PROPERTIES + WSO2)),
    ],
)
def test_a_service_start_loads_no_wso2_module_unless_its_config_may_name_one(
    tmp_path: Path, name: str, text: str, beside: dict[str, str], loaded: list[str]
) -> None:
    """The resolver reads WSO2's settings through vault.wso2.secret_conf, and imports it
    only for a config with a [system] table, or a cipher-text.properties store with a
    secret-conf.properties beside it."""
    config = tmp_path / name
    if name.endswith(".toml"):
        config.write_text(
            f'{text}[keystore.internal]\nfile_name = "{KEYSTORES / "jdk17.jks"}"\n'
            'alias = "wso2carbon"\n\n[db]\nuser = "u"\n'
        )
    else:
        config.write_text("db.user=u\n")
        (tmp_path / "cipher-text.properties").write_text("")
    for file, content in beside.items():
        (tmp_path / file).write_text(content)
    env = {**os.environ, "CIPHERTOOL_KEYSTORE_PASSWORD": VECTOR_PASSWORD}
    env["CIPHERTOOL_KEYSTORE"] = str(KEYSTORES / "jdk17.jks")
    env["CIPHERTOOL_KEY_ALIAS"] = "wso2carbon"
    env.pop("CIPHERTOOL_KEYSTORE_TYPE", None)
    result = subprocess.run(
        [sys.executable, "-c", _LOADED, str(config)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == loaded
