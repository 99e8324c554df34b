"""vault.wso2.commands: configure, change and rotate's follow-up on a product home as
library calls, with the home's own keystore and password file and nothing passed through
the process environment."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from tests.conftest import KEYSTORES, VECTOR_PASSWORD
from tests.wso2.test_home import home as home  # the product home fixture
from vault.crypto.ring import KeyEntry, KeyRing
from vault.crypto.transformations import PKCS1
from vault.errors import AliasError, UsageError
from vault.keys.passwords import PasswordOptions
from vault.keys.spec import KeystoreSpec
from vault.keystores import load_keystore
from vault.keystores.create import create_keystore
from vault.secret import Secret
from vault.wso2.commands import (
    change_secret,
    configure,
    encryption_key,
    home_keystore,
    home_stores,
    point_secret_conf,
    store_with,
    write_options,
)
from vault.wso2.home import ProductHome

OAEP = "RSA/ECB/OAEPwithSHA1andMGF1Padding"


@pytest.fixture(autouse=True)
def _nothing_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "CIPHERTOOL_KEYSTORE",
        "CIPHERTOOL_KEYSTORE_TYPE",
        "CIPHERTOOL_KEY_ALIAS",
        "CIPHERTOOL_KEYSTORE_PASSWORD",
        "CIPHERTOOL_KEY_PASSWORD",
        "CIPHERTOOL_HOME",
        "CREDENTIALS_DIRECTORY",
    ):
        monkeypatch.delenv(name, raising=False)


def _keystore(root: Path) -> str:
    return str(root / "repository/resources/security/wso2carbon.jks")


def _spec(root: Path) -> KeystoreSpec:
    """The home's keystore, its password searched in the home's root first."""
    return KeystoreSpec(_keystore(root), "JKS", "wso2carbon", password_home=str(root))


def _password_file(root: Path) -> None:
    persist = root / "password-persist"
    persist.write_text(VECTOR_PASSWORD + "\n")
    persist.chmod(0o600)


def _key() -> KeyRing:
    store = load_keystore(KEYSTORES / "jdk17.jks", Secret(VECTOR_PASSWORD))
    return KeyRing([KeyEntry(store.certificate("wso2carbon"), store.private_key("wso2carbon"))])


def test_the_homes_keystore_unless_one_is_named(home: Path) -> None:
    product = ProductHome(home)
    assert home_keystore(product, environ={}) == (_keystore(home), "JKS", "wso2carbon")
    assert home_keystore(product, "other.p12", environ={}) == ("other.p12", None, None)
    assert home_keystore(product, environ={"CIPHERTOOL_KEYSTORE": "x.p12"}) == (None, None, None)
    assert home_keystore(product, alias="mine", environ={"CIPHERTOOL_KEYSTORE_TYPE": "PKCS12"}) == (
        _keystore(home),
        None,
        "mine",
    )


def test_a_home_without_stores_is_refused(tmp_path: Path) -> None:
    (tmp_path / "repository/conf").mkdir(parents=True)
    with pytest.raises(UsageError, match=r"no deployment\.toml or cipher-text\.properties"):
        home_stores(ProductHome(tmp_path))


def test_write_options_are_plain_pkcs1_unless_asked() -> None:
    options, given = write_options(None, None)
    assert (options.format, options.transformation, given) == ("plain", PKCS1, None)
    options, given = write_options("self-contained", OAEP, new_key=True)
    assert (options.format, options.transformation, given, options.new_key) == (
        "self-contained",
        OAEP,
        OAEP,
        True,
    )


def test_the_encryption_key_and_what_secret_conf_says_of_it(home: Path) -> None:
    _password_file(home)
    ring, facts = encryption_key(_spec(home), PasswordOptions())
    assert (facts.keystore, facts.kind, facts.alias) == (Path(_keystore(home)), "JKS", "wso2carbon")
    assert ring.entries[0].thumbprint == _key().entries[0].thumbprint


def test_configure_reads_the_homes_password_file_and_leaves_the_environment(home: Path) -> None:
    _password_file(home)
    before = dict(os.environ)
    options, given = write_options(None, None)
    report = configure(ProductHome(home), lambda: _spec(home), PasswordOptions(), options, given)
    assert dict(os.environ) == before
    assert sorted(n for names in report.encrypted.values() for n in names) == [
        "Carbon.Security.KeyStore.KeyPassword",
        "Carbon.Security.KeyStore.Password",
        "Server.Service.Connector.keystorePass",
        "admin_password",
        "keystore_password",
    ]
    secrets = tomllib.loads((home / "repository/conf/deployment.toml").read_text())["secrets"]
    assert _key().decrypt(secrets["admin_password"], transformation=PKCS1).reveal() == "admin"


def test_change_finds_the_store_then_asks_for_the_value(home: Path) -> None:
    _password_file(home)
    product = ProductHome(home)
    with pytest.raises(AliasError, match=r"no alias 'nope'.*aliases: .*admin_password"):
        store_with(product, "nope")
    assert store_with(product, "admin_password") == home / "repository/conf/deployment.toml"
    asked: list[str] = []

    def read_value(what: str) -> Secret:
        asked.append(what)
        return Secret("new-admin")

    options, given = write_options(None, None)
    written = change_secret(
        product,
        "admin_password",
        lambda: _spec(home),
        PasswordOptions(),
        options,
        given,
        read_value,
    )
    assert written == home / "repository/conf/deployment.toml"
    assert asked == ["new value of admin_password"]
    secrets = tomllib.loads(written.read_text())["secrets"]
    assert _key().decrypt(secrets["admin_password"]).reveal() == "new-admin"
    assert secrets["keystore_password"] == "[storepass]"  # the others as they were


def test_point_secret_conf_at_a_new_key(home: Path, tmp_path: Path) -> None:
    new = tmp_path / "next.p12"
    create_keystore(new, "next", Secret("next-pass"))
    product = ProductHome(home)
    assert point_secret_conf(product, str(new), "next") is False  # no secret-conf yet
    _password_file(home)
    configure(product, lambda: _spec(home), PasswordOptions(), *write_options(None, None))
    assert f"keystore.identity.location={new}" not in product.secret_conf_properties.read_text()
    assert point_secret_conf(product, str(new), "next") is True
    text = product.secret_conf_properties.read_text()
    assert f"keystore.identity.location={new}" in text
    assert "keystore.identity.alias=next" in text
    assert "keystore.identity.type=PKCS12" in text
    assert point_secret_conf(product, str(new), "next") is False  # already says so
