"""vault.integrations.pydantic: a real pydantic-settings ``BaseSettings`` filled from
protected configs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, SecretStr, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from tests.conftest import clean_env
from vault import PasswordOptions
from vault.crypto.ring import KeyEntry, KeyRing
from vault.errors import KeyTroubleError, PasswordError, ResolveError, VaultError
from vault.integrations.pydantic import VaultSettingsSource
from vault.keystores import load_keystore
from vault.keystores.create import create_keystore
from vault.secret import Secret

PASSWORD = "pydantic-pass"
DB_PASSWORD = "pä$$ wörd"


@pytest.fixture(scope="module")
def keystore(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ks") / "service.p12"
    create_keystore(path, "service", Secret(PASSWORD))
    return path


@pytest.fixture(scope="module")
def ring(keystore: Path) -> KeyRing:
    store = load_keystore(keystore, Secret(PASSWORD))
    return KeyRing([KeyEntry(store.certificate(), store.private_key())])


@pytest.fixture
def environ(keystore: Path) -> dict[str, str]:
    return {"CIPHERTOOL_KEYSTORE": str(keystore), "CIPHERTOOL_KEYSTORE_PASSWORD": PASSWORD}


class Pool(BaseModel):
    size: int
    token: SecretStr


class Database(BaseModel):
    host: str
    port: int
    password: SecretStr
    url: SecretStr
    pool: Pool


def settings_class(path: Path, extra: str = "forbid", **keystore_args: Any) -> type[BaseSettings]:
    """A service's settings: the vault config after the environment, as a service wires it."""

    class Settings(BaseSettings):
        model_config = SettingsConfigDict(
            env_prefix="APP_",
            env_nested_delimiter="__",
            extra=extra,  # type: ignore[typeddict-item]
        )
        database: Database
        api_key: SecretStr
        name: str = "default-name"

        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            vault = VaultSettingsSource(settings_cls, path, **keystore_args)
            return (init_settings, env_settings, vault)

    return Settings


TOML = """name = "billing"
api_key = "$secret{api_key}"
[database]
host = "db.internal"
port = 5432
password = "$secret{db_password}"
url = "postgres://billing:$secret{db_password}@db.internal/billing"
[database.pool]
size = 8
token = "$secret{pool.token}"
[server]
api_key = "not this one: only top-level keys are fields"
[secrets]
db_password = "{db}"
"pool.token" = "{pool}"
api_key = "{api}"
"""


def write_toml(folder: Path, ring: KeyRing, text: str = TOML) -> Path:
    path = folder / "app.toml"
    path.write_text(
        text.replace("{db}", ring.encrypt(DB_PASSWORD))
        .replace("{pool}", ring.encrypt("tok-9"))
        .replace("{api}", ring.encrypt("k-1"))
    )
    return path


def settings_config_with_extra_ignored(path: Path, **keystore_args: Any) -> BaseSettings:
    return settings_class(path, "ignore", **keystore_args)()


def test_secret_fields_filled_and_hidden(
    tmp_path: Path, ring: KeyRing, environ: dict[str, str]
) -> None:
    path = write_toml(tmp_path, ring)
    settings: Any = settings_config_with_extra_ignored(path, environ=environ)
    assert settings.name == "billing"
    assert settings.api_key.get_secret_value() == "k-1"
    db = settings.database
    assert (db.host, db.port, db.pool.size) == ("db.internal", 5432, 8)
    assert db.password.get_secret_value() == DB_PASSWORD
    assert db.url.get_secret_value() == f"postgres://billing:{DB_PASSWORD}@db.internal/billing"
    assert db.pool.token.get_secret_value() == "tok-9"
    for shown in (repr(settings), str(settings), repr(settings.model_dump()), repr(db)):
        for secret in (DB_PASSWORD, "k-1", "tok-9"):
            assert secret not in shown, shown
    assert "SecretStr('**********')" in repr(settings)


def test_the_environment_before_the_vault_as_wired(
    tmp_path: Path, ring: KeyRing, environ: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_toml(tmp_path, ring)
    monkeypatch.setenv("APP_DATABASE__HOST", "db.override")
    settings: Any = settings_config_with_extra_ignored(path, environ=environ)
    assert settings.database.host == "db.override"
    assert settings.database.password.get_secret_value() == DB_PASSWORD


@pytest.mark.parametrize("kind", ["yaml", "json", "env"])
def test_other_formats(tmp_path: Path, ring: KeyRing, environ: dict[str, str], kind: str) -> None:
    db, api = ring.encrypt(DB_PASSWORD), ring.encrypt("k-1")
    nested = {
        "host": "h",
        "port": 1,
        "password": "$secret{db}",
        "url": "u:$secret{db}",
        "pool": {"size": 2, "token": "$secret{api}"},
    }
    if kind == "yaml":
        path = tmp_path / "app.yaml"
        path.write_text(
            "database:\n"
            + "".join(f"  {k}: {json.dumps(v)}\n" for k, v in nested.items())
            + f"api_key: $secret{{api}}\nsecrets:\n  db: {db}\n  api: {api}\n"
        )
    elif kind == "json":
        path = tmp_path / "app.json"
        document = {
            "database": nested,
            "api_key": "$secret{api}",
            "secrets": {"db": db, "api": api},
        }
        path.write_text(json.dumps(document))
    else:
        path = tmp_path / "app.env"
        path.write_text("API_KEY=$secret{api}\nNAME=from-env-file\n")
        (tmp_path / "cipher-text.properties").write_text(f"api={api}\n")

    class Flat(BaseSettings):
        api_key: SecretStr
        name: str = "unset"

        @classmethod
        def settings_customise_sources(
            cls, settings_cls: type[BaseSettings], **sources: PydanticBaseSettingsSource
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            return (VaultSettingsSource(settings_cls, path, environ=environ),)

    if kind == "env":  # flat keys, matched case-insensitively as pydantic-settings does
        settings: Any = Flat()
        assert (settings.api_key.get_secret_value(), settings.name) == ("k-1", "from-env-file")
        return
    settings = settings_config_with_extra_ignored(path, environ=environ)
    assert settings.database.password.get_secret_value() == DB_PASSWORD
    assert settings.database.pool.token.get_secret_value() == "k-1"


def test_keystore_from_the_arguments(tmp_path: Path, ring: KeyRing, keystore: Path) -> None:
    path = write_toml(tmp_path, ring)
    settings: Any = settings_config_with_extra_ignored(
        path,
        keystore=keystore,
        passwords=PasswordOptions(storepass_env="MY_PW"),
        environ={"MY_PW": PASSWORD},
    )
    assert settings.api_key.get_secret_value() == "k-1"


def test_keystore_from_the_configs_own_table(tmp_path: Path, ring: KeyRing, keystore: Path) -> None:
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "service.p12").write_bytes(keystore.read_bytes())
    table = '[keystore.internal]\nfile_name = "keys/service.p12"\n[secrets]\n'
    path = write_toml(tmp_path, ring, TOML.replace("[secrets]\n", table))
    settings: Any = settings_config_with_extra_ignored(
        path, environ={"CIPHERTOOL_KEYSTORE_PASSWORD": PASSWORD}
    )
    assert settings.database.pool.token.get_secret_value() == "tok-9"


def test_fails_closed_at_construction_naming_alias_and_file(
    tmp_path: Path, ring: KeyRing, environ: dict[str, str], keystore: Path
) -> None:
    path = write_toml(tmp_path, ring, TOML.replace("$secret{pool.token}", "$secret{nope}"))
    cls = settings_class(path, environ=environ)  # defining the class reads nothing
    with pytest.raises(ResolveError) as info:
        cls()
    assert (info.value.alias, info.value.path) == ("nope", str(path))
    assert "nope" in str(info.value) and str(path) in str(info.value)

    # A ciphertext made for another key: the alias and the file, never a value.
    other = tmp_path / "other.p12"
    create_keystore(other, "other", Secret(PASSWORD))
    store = load_keystore(other, Secret(PASSWORD))
    foreign = KeyRing([KeyEntry(store.certificate(), store.private_key())]).encrypt("x")
    path.write_text(path.read_text().replace("$secret{nope}", "$secret{pool.token}"))
    lines = path.read_text().splitlines()
    path.write_text(
        "\n".join(
            f'"pool.token" = "{foreign}"' if ln.startswith('"pool.token"') else ln for ln in lines
        )
        + "\n"
    )
    with pytest.raises(KeyTroubleError) as trouble:
        cls()
    assert trouble.value.alias == "pool.token" and trouble.value.path == str(path)

    # No keystore anywhere: the error says where one may come from.
    nowhere = settings_class(path, environ={"CIPHERTOOL_KEYSTORE_PASSWORD": PASSWORD})
    with pytest.raises(VaultError, match="no keystore given"):
        nowhere()

    # A wrong password: the keystore is named; the password is not.
    wrong = settings_class(path, environ=dict(environ, CIPHERTOOL_KEYSTORE_PASSWORD="wrong-pw"))
    with pytest.raises(PasswordError) as bad:
        wrong()
    assert str(keystore) in str(bad.value) and "wrong-pw" not in str(bad.value)


def test_a_secret_that_fails_validation_is_not_printed(
    tmp_path: Path, ring: KeyRing, environ: dict[str, str]
) -> None:
    """A secret where an int is expected: pydantic's error says '***', not the value."""
    path = write_toml(tmp_path, ring, TOML.replace("port = 5432", 'port = "$secret{db_password}"'))
    with pytest.raises(ValidationError) as info:
        settings_config_with_extra_ignored(path, environ=environ)
    text = str(info.value) + repr(info.value) + json.dumps(info.value.errors(), default=repr)
    assert "database.port" in text and "'***'" in text
    assert DB_PASSWORD not in text


def test_extra_keys_follow_the_settings_own_rule(
    tmp_path: Path, ring: KeyRing, environ: dict[str, str]
) -> None:
    """As pydantic-settings' file sources: a key no field takes is an extra (forbidden
    by default) and the message shows no secret."""
    path = write_toml(
        tmp_path, ring, TOML.replace('name = "billing"', 'stray = "$secret{api_key}"')
    )
    with pytest.raises(ValidationError, match="stray") as info:
        settings_class(path, environ=environ)()
    assert "k-1" not in str(info.value)


def test_the_source_shows_no_value(tmp_path: Path, ring: KeyRing, environ: dict[str, str]) -> None:
    path = write_toml(tmp_path, ring)
    source = VaultSettingsSource(settings_class(path), path, environ=environ)
    assert repr(source) == f"VaultSettingsSource(path={str(path)!r})"
    assert DB_PASSWORD not in repr(source()) and "tok-9" not in repr(source())


def test_no_pydantic_import_anywhere_else(
    tmp_path: Path, ring: KeyRing, environ: dict[str, str]
) -> None:
    """Importing vault and running resolve (the library and the command line) leaves
    pydantic out; and no module but vault/integrations/pydantic.py names it."""
    package = Path(__file__).resolve().parents[2] / "vault"
    naming = [
        str(p.relative_to(package))
        for p in package.rglob("*.py")
        if p.name != "pydantic.py" and "pydantic" in p.read_text()
    ]
    assert naming == []
    path = write_toml(tmp_path, ring)
    code = (
        "import json, sys, vault\n"
        "assert vault.load_config(sys.argv[1])['database']['pool']['token'] == 'tok-9'\n"
        "vault.write_secret_dir(sys.argv[1], sys.argv[2])\n"
        "import vault.cli.app\n"
        "from vault.cli.fast import main\n"
        "try:\n"
        "    main(['resolve', sys.argv[1]])\n"
        "except SystemExit as done:\n"
        "    assert done.code == 0\n"
        "print(json.dumps(sorted(m for m in sys.modules if 'pydantic' in m)), file=sys.stderr)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env=clean_env(**environ),
    )
    assert out.returncode == 0, out.stderr
    assert '"tok-9"' in out.stdout
    assert json.loads(out.stderr) == []
