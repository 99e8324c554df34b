"""examples/django: a settings module that calls vault.load_config once, run by the
real Django (django.setup(), then settings.DATABASES), each in a process of its own so
Django's global settings never reach another test."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CIPHERTOOL, clean_env

pytest.importorskip("django", reason="Django is in the test extra")

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "django"
PASSWORD = "django-store-pass"
DB_PASSWORD = 'pg pä$$word"\\x'
SECRET_KEY = "k" * 20 + "-django-secret-key-" + "z" * 20

# What a service's start does, plus a count of load_config calls.
START = """
import json, sys
import vault
calls = []
real = vault.load_config
def counting(*args, **kwargs):
    calls.append(1)
    return real(*args, **kwargs)
vault.load_config = counting
import django
django.setup()
from django.conf import settings
seen = [settings.DATABASES["default"], settings.SECRET_KEY, settings.DATABASES["default"]]
if sys.argv[1:] == ["query"]:
    from django.core.management import call_command
    call_command("check", "--fail-level", "WARNING", stdout=sys.stderr)
    from django.db import connection
    with connection.cursor() as cursor:
        cursor.execute("select 1")
        assert cursor.fetchone() == (1,)
print(json.dumps({"db": seen[0], "secret_key": seen[1], "load_config_calls": len(calls)}))
"""


def site(tmp_path: Path, **replace: str) -> tuple[Path, dict[str, str]]:
    """The example copied as a user would, its placeholders given values, configured."""
    folder = tmp_path / "site"
    shutil.copytree(EXAMPLE, folder)
    config = folder / "deployment.toml"
    text = config.read_text()
    text = text.replace("[replace-with-50-random-characters-before-configure]", f"[{SECRET_KEY}]")
    text = text.replace('"[replace-me]"', "'[" + DB_PASSWORD + "]'")
    for old, new in replace.items():
        text = text.replace(old, new)
    config.write_text(text)
    env = clean_env(CIPHERTOOL_KEYSTORE=str(folder / "vault.p12"))
    env["CIPHERTOOL_KEYSTORE_PASSWORD"] = PASSWORD
    for args in (["keystore", "create", "vault.p12", "--alias", "app"], ["configure", str(config)]):
        subprocess.run([*CIPHERTOOL, *args], cwd=folder, env=env, check=True, capture_output=True)
    assert DB_PASSWORD not in config.read_text() and SECRET_KEY not in config.read_text()
    env["DJANGO_SETTINGS_MODULE"] = "mysite.settings"
    env["PYTHONPATH"] = str(folder)
    return folder, env


def start(folder: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", START, *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def configured(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The example as shipped, configured once for the tests that do not change it."""
    return site(tmp_path_factory.mktemp("django"))


def test_databases_from_the_protected_config(configured: tuple[Path, dict[str, str]]) -> None:
    folder, env = configured
    result = start(folder, env)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen == {
        "db": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "app",
            "USER": "app",
            "PASSWORD": DB_PASSWORD,
            "HOST": "db.internal",
            "PORT": 5432,
        }
        | {
            k: v
            for k, v in seen["db"].items()
            if k not in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT")
        },
        "secret_key": SECRET_KEY,
        "load_config_calls": 1,
    }


def test_a_real_database_connection_with_the_settings(tmp_path: Path) -> None:
    """sqlite3 here (no PostgreSQL server): Django's checks pass and a query runs."""
    folder, env = site(
        tmp_path,
        **{
            'engine = "django.db.backends.postgresql"': 'engine = "django.db.backends.sqlite3"',
            'name = "app"': f'name = "{tmp_path / "app.sqlite3"}"',
        },
    )
    result = start(folder, env, "query")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["db"]["ENGINE"] == "django.db.backends.sqlite3"
    assert "System check identified no issues" in result.stderr


def test_a_dangling_reference_stops_the_start_naming_alias_and_file(tmp_path: Path) -> None:
    folder, env = site(tmp_path, **{"$secret{db_password}": "$secret{db_pasword}"})
    result = start(folder, env)
    assert result.returncode != 0 and result.stdout == ""
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("vault.errors.ResolveError: ")
    assert "db_pasword" in last and str(folder / "deployment.toml") in last
    assert DB_PASSWORD not in result.stderr and SECRET_KEY not in result.stderr


def test_a_wrong_keystore_password_stops_the_start(
    configured: tuple[Path, dict[str, str]],
) -> None:
    folder, env = configured
    env = dict(env, CIPHERTOOL_KEYSTORE_PASSWORD="not-the-password")
    result = start(folder, env)
    assert result.returncode != 0 and "PasswordError" in result.stderr
    assert "not-the-password" not in result.stderr
