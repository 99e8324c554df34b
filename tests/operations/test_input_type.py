"""``--input-type`` names a config's format whatever it is called; ``.env.*`` is dotenv.

The files follow public projects' layouts (none copied): Telegraf's ``telegraf.conf``
(TOML under a .conf name), Airflow's ``airflow.cfg`` (INI), a Compose ``env_file`` with
no extension, Laravel's ``.env.example``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.conftest import Run, assert_clean_error, clean_env
from vault import UsageError, load_config
from vault.configs.store import STORE_FILE_NAME, config_format
from vault.keystores.create import create_keystore
from vault.secret import Secret

PASSWORD = "input-type-pass"

# After Telegraf's telegraf.conf: TOML, named .conf.
TELEGRAF = """\
[agent]
  interval = "10s"

[[outputs.influxdb]]
  urls = ["http://influxdb:8086"]
  database = "telegraf"
  username = "telegraf"
  password = "influx-pw-1"

[[inputs.mqtt_consumer]]
  servers = ["tcp://mosquitto:1883"]
  password = "mqtt-pw-2"
"""

# After the env_file of a Compose service, kept as envs/web with no extension.
WEB_ENV = """\
# envs/web
DJANGO_DEBUG=0
POSTGRES_PASSWORD=web-db-pw
SENTRY_DSN=
"""

# After Laravel's .env.example: empty values, "KEY= # note", an interpolation.
LARAVEL_EXAMPLE = """\
APP_NAME=Laravel
APP_ENV=local
APP_DEBUG=true

DB_CONNECTION=mysql
DB_HOST=127.0.0.1
DB_PASSWORD=
REDIS_PASSWORD= # set in production
MAIL_FROM_NAME="${APP_NAME}"
"""


@pytest.fixture(scope="module")
def keystores(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("ks")
    create_keystore(folder / "main.p12", "main", Secret(PASSWORD))
    create_keystore(folder / "next.p12", "next", Secret(PASSWORD))
    return folder / "main.p12", folder / "next.p12"


@pytest.fixture
def env(keystores: tuple[Path, Path]) -> dict[str, str]:
    return clean_env(CIPHERTOOL_KEYSTORE=str(keystores[0]), CIPHERTOOL_KEYSTORE_PASSWORD=PASSWORD)


def test_a_conf_file_needs_its_format_named(run: Run, tmp_path: Path, env: dict[str, str]) -> None:
    (tmp_path / "telegraf.conf").write_text(TELEGRAF)
    for command in ("check", "protect", "list", "resolve"):
        result = run(command, "telegraf.conf", env=env)
        assert_clean_error(result, 2, "telegraf.conf: unknown config format", "--input-type")


def test_every_command_takes_input_type(
    run: Run, tmp_path: Path, env: dict[str, str], keystores: tuple[Path, Path]
) -> None:
    config = tmp_path / "telegraf.conf"
    config.write_text(TELEGRAF)
    checked = run("check", "--input-type", "toml", "telegraf.conf", env=env)
    assert checked.returncode == 1 and checked.stdout.count("plaintext value") == 2
    assert run("protect", "telegraf.conf", "--input-type", "TOML", env=env).returncode == 0
    text = config.read_text()
    assert text.count("$secret{") == 2 and "[secrets]" in text  # TOML: its own [secrets]
    assert not (tmp_path / STORE_FILE_NAME).exists()
    assert run("check", "--input-type=toml", "telegraf.conf", env=env).returncode == 0
    listed = run("list", "--input-type", "toml", "--json", "telegraf.conf", env=env)
    assert sorted(i["alias"] for i in json.loads(listed.stdout)) == [
        "inputs_mqtt_consumer_0_password",
        "outputs_influxdb_0_password",
    ]
    changed = run(
        "change",
        "outputs_influxdb_0_password",
        "--file",
        "telegraf.conf",
        "--input-type",
        "toml",
        input="influx-pw-new",
        env=env,
    )
    assert changed.returncode == 0, changed.stderr
    with config.open("a") as handle:
        handle.write('  extra = "[configure-me]"\n')
    assert run("configure", "--input-type", "toml", "telegraf.conf", env=env).returncode == 0
    rotated = run(
        "rotate",
        "--input-type",
        "toml",
        "telegraf.conf",
        "--to-keystore",
        str(keystores[1]),
        "--to-storepass-env",
        "CIPHERTOOL_KEYSTORE_PASSWORD",
        env=env,
    )
    assert rotated.returncode == 0, rotated.stderr
    new_env = {**env, "CIPHERTOOL_KEYSTORE": str(keystores[1])}
    resolved = run("resolve", "--input-type", "toml", "telegraf.conf", env=new_env)
    assert resolved.returncode == 0, resolved.stderr
    data = json.loads(resolved.stdout)
    assert data["outputs"]["influxdb"][0]["password"] == "influx-pw-new"
    assert data["inputs"]["mqtt_consumer"][0]["password"] == "mqtt-pw-2"
    code = "import os; print(os.environ['EXTRA'])"
    ran = run(
        "exec",
        "--input-type",
        "toml",
        "telegraf.conf",
        "--",
        sys.executable,
        "-c",
        code,
        env=new_env,
    )
    assert (ran.returncode, ran.stdout) == (0, "configure-me\n"), ran.stderr


def test_a_file_with_no_extension_read_as_dotenv(
    run: Run, tmp_path: Path, env: dict[str, str], keystores: tuple[Path, Path]
) -> None:
    (tmp_path / "envs").mkdir()
    config = tmp_path / "envs" / "web"
    config.write_text(WEB_ENV)
    result = run("protect", "--input-type", "dotenv", "envs/web", env=env)
    assert result.returncode == 0, result.stderr
    assert "POSTGRES_PASSWORD='$secret{POSTGRES_PASSWORD}'" in config.read_text()
    assert (tmp_path / "envs" / STORE_FILE_NAME).is_file()
    # exec gives a dotenv file's own variables too, whatever its name.
    code = "import os; print(os.environ['POSTGRES_PASSWORD'], os.environ['DJANGO_DEBUG'])"
    ran = run(
        "exec", "--input-type", "dotenv", "envs/web", "--", sys.executable, "-c", code, env=env
    )
    assert (ran.returncode, ran.stdout) == (0, "web-db-pw 0\n"), ran.stderr
    environ = {"CIPHERTOOL_KEYSTORE_PASSWORD": PASSWORD}
    expected = {"DJANGO_DEBUG": "0", "POSTGRES_PASSWORD": "web-db-pw", "SENTRY_DSN": ""}
    for kwargs in ({"input_type": "dotenv"}, {"format": "dotenv"}):
        loaded = load_config(config, keystore=keystores[0], environ=environ, **kwargs)
        assert loaded == expected
    with pytest.raises(UsageError, match="disagree"):
        load_config(config, keystore=keystores[0], environ=environ, input_type="ini", format="env")
    with pytest.raises(UsageError, match="unknown input type 'conf'"):
        load_config(config, keystore=keystores[0], environ=environ, input_type="conf")


def test_input_type_overrides_the_name(run: Run, tmp_path: Path, env: dict[str, str]) -> None:
    # An Airflow-style airflow.cfg read as INI by its name; named as TOML it does not parse.
    (tmp_path / "airflow.cfg").write_text("[smtp]\nsmtp_password = airflow-mail\n")
    assert run("check", "airflow.cfg", env=env).returncode == 1
    result = run("check", "--input-type", "toml", "airflow.cfg", env=env)
    assert_clean_error(result, 2, "airflow.cfg")
    bad = run("check", "--input-type", "conf", "airflow.cfg", env=env)
    assert_clean_error(bad, 2, "--input-type", "'conf' is not one of")


def test_input_type_goes_with_files_only(run: Run, tmp_path: Path, env: dict[str, str]) -> None:
    home = tmp_path / "wso2is"
    (home / "repository" / "conf").mkdir(parents=True)
    (home / "repository" / "conf" / "deployment.toml").write_text("[server]\n")
    for command in ("check", "list", "configure", "rotate"):
        result = run(command, "--input-type", "toml", "--wso2-home", str(home), env=env)
        assert_clean_error(result, 2, "--input-type names the format of FILES")


@pytest.mark.parametrize(
    "name", [".env.example", ".env.sample", ".env.production", ".env.local", "web.env"]
)
def test_env_star_files_are_dotenv(
    run: Run, tmp_path: Path, env: dict[str, str], name: str
) -> None:
    assert config_format(Path(name)) == "env"
    config = tmp_path / name
    config.write_text(LARAVEL_EXAMPLE + "APP_KEY=base64:c2VjcmV0LWtleS0xMjM=\n")
    # Empty values and "KEY= # note" are no secrets; the one value there is.
    checked = run("check", name, "--key", "APP_KEY", "--json", env=env)
    assert [f["key"] for f in json.loads(checked.stdout)] == ["APP_KEY"], checked.stderr
    assert run("protect", name, "--key", "APP_KEY", env=env).returncode == 0
    code = "import os; print(os.environ['APP_KEY'], repr(os.environ['REDIS_PASSWORD']))"
    ran = run("exec", name, "--", sys.executable, "-c", code, env=env)
    assert (ran.returncode, ran.stdout) == (0, "base64:c2VjcmV0LWtleS0xMjM= ''\n"), ran.stderr
