"""Golden tests: protect then configure on each sample config touches only what it must.

The expected files under golden/ were reviewed by hand; ciphertexts (random
each run) are replaced by <CIPHERTEXT> before comparing. Set
VAULT_UPDATE_GOLDEN=1 to rewrite them after a deliberate change, then review
the diff.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import Run, clean_env
from vault.crypto.ring import KeyEntry, KeyRing
from vault.keystores import load_keystore
from vault.keystores.create import create_keystore
from vault.secret import Secret

SAMPLES = Path(__file__).parents[2] / "sample-configs"
GOLDEN = Path(__file__).parent / "golden"
PASSWORD = "golden-pass"
CIPHERTEXT = re.compile(r"eyJ[A-Za-z0-9+/]+={0,2}(?:\\=){0,2}")

# file -> the plaintext every alias must decrypt to after protect + configure
CASES: dict[str, dict[str, str]] = {
    "deployment.toml": {
        "admin_password": "admin",
        "identity_db_password": "db-pässword with spaces",
        "database_shared_db_password": "shared-db-pässword",
        "apim_key_manager_client_secret": "km-s3cret",
    },
    "application.yml": {
        "mail_password": "mail-pässword",
        "spring_datasource_password": "S3cr3t: with colon",
        "clients_0_client-secret": "billing-client-s3cret",
        "clients_1_api_key": "sk_live_51H8xQ2",
    },
    "config.json": {
        "smtp_password": "smtp-pass",
        "database_password": "inv-db-päss",
        "oauth_clientSecret": "oauth-s3cret",
    },
    "app.ini": {
        "keystore_password": "wso2carbon",
        "database_password": "ini-db-password",
        "database_passphrase": "spaced value",
        "smtp_secret_key": "abc123",
    },
    "database.properties": {
        "keystore_password": "wso2carbon",
        "db.password": "props-db-päss",
        "ldap.bind.credential": "cn=admin,dc=example",
    },
    ".env": {
        "keystore_password": "wso2carbon",
        "DB_PASSWORD": "env-db-pass",
        "API_TOKEN": "tok_12345",
    },
}


@pytest.fixture(scope="module")
def keystore(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ks") / "wso2carbon.p12"
    create_keystore(path, "wso2carbon", Secret(PASSWORD))
    return path


def normalise(text: str) -> str:
    return CIPHERTEXT.sub("<CIPHERTEXT>", text)


def compare(actual: Path, golden: Path) -> None:
    text = normalise(actual.read_text("utf-8"))
    if os.environ.get("VAULT_UPDATE_GOLDEN"):
        golden.write_text(text, "utf-8")
    assert text == golden.read_text("utf-8")


@pytest.mark.parametrize("name", list(CASES))
def test_protect_then_configure(run: Run, tmp_path: Path, keystore: Path, name: str) -> None:
    work = tmp_path / "conf"
    work.mkdir()
    shutil.copy(SAMPLES / name, work / name)
    shutil.copy(SAMPLES / "cipher-text.properties", work / "cipher-text.properties")
    shutil.copy(keystore, work / "wso2carbon.p12")
    env = clean_env(
        CIPHERTOOL_KEYSTORE=str(work / "wso2carbon.p12"), CIPHERTOOL_KEYSTORE_PASSWORD=PASSWORD
    )
    config = work / name
    for command in ("protect", "configure"):
        result = run(command, str(config), env=env)
        assert result.returncode == 0, result.stderr
    compare(config, GOLDEN / f"{name}.expected")
    store = work / "cipher-text.properties"
    compare(store, GOLDEN / f"{name}.cipher-text.properties.expected")

    before = (config.read_bytes(), store.read_bytes())
    for command in ("protect", "configure"):
        assert run(command, str(config), env=env).returncode == 0
    assert (config.read_bytes(), store.read_bytes()) == before, "a second run changed something"

    listed = run("list", str(config), "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    import json

    states = {i["alias"]: i["state"] for i in json.loads(listed.stdout)}
    # keystore_password lies in the shared cipher-text.properties, which app.ini,
    # database.properties and .env do not refer to: not theirs to list.
    assert set(states) >= set(CASES[name]) - {"keystore_password"}
    assert "keystore_password" not in states and set(states.values()) == {"encrypted"}
    store_ks = load_keystore(work / "wso2carbon.p12", Secret(PASSWORD))
    ring = KeyRing([KeyEntry(store_ks.certificate(), store_ks.private_key())])
    from vault.operations.workspace import Options, Workspace, aliases

    space = Workspace.read([config], Options())
    entries = aliases(space.store(space.configs[0]))
    for alias, plaintext in CASES[name].items():
        assert ring.decrypt(entries[alias].value).reveal() == plaintext, alias
    assert run("check", str(config), env=env).returncode == 0
