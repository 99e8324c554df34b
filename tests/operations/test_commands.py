"""configure, protect, change, list and check as a user runs them, and their bad inputs."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import CIPHERTOOL, Run, assert_clean_error, clean_env
from vault import atomic
from vault.keystores.create import create_keystore
from vault.secret import Secret

PASSWORD = "commands-pass"

CONFIG = """[database]
url = "jdbc:h2:mem"
password = "plain-db-pass"
ref = "$secret{known}"
broken = "jdbc:$secret{missing}@host"

[secrets]
known = "[to-encrypt]"
"""


@pytest.fixture(scope="module")
def keystores(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("ks")
    create_keystore(folder / "main.p12", "main", Secret(PASSWORD))
    create_keystore(folder / "other.p12", "other", Secret(PASSWORD))
    return folder / "main.p12", folder / "other.p12"


@pytest.fixture
def env(keystores: tuple[Path, Path]) -> dict[str, str]:
    return clean_env(CIPHERTOOL_KEYSTORE=str(keystores[0]), CIPHERTOOL_KEYSTORE_PASSWORD=PASSWORD)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "app.toml"
    path.write_text(CONFIG)
    return path


def test_check_names_file_and_line_for_each_problem(
    run: Run, config: Path, env: dict[str, str], keystores: tuple[Path, Path]
) -> None:
    # A ciphertext for another key: no key in the ring decrypts it.
    other = run("encrypt", "--keystore", str(keystores[1]), input="x", env=env).stdout.strip()
    config.write_text(CONFIG + f'foreign = "{other}"\n')
    result = run("check", str(config), env=env)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert f"{config}:3: plaintext value under sensitive key 'database.password'" in lines
    assert f"{config}:5: $secret{{missing}} has no alias in app.toml" in lines
    assert f"{config}:8: alias 'known' is not encrypted yet (run ciphertool configure)" in lines
    assert f"{config}:9: alias 'foreign': no key in the key ring decrypts it" in lines
    assert len(lines) == 4
    as_json = json.loads(run("check", str(config), "--json", env=env).stdout)
    assert [(f["line"], f["kind"]) for f in as_json] == [
        (3, "plaintext-secret"),
        (5, "unknown-alias"),
        (8, "not-encrypted"),
        (9, "undecryptable"),
    ]
    assert "plain-db-pass" not in result.stdout + result.stderr + json.dumps(as_json)


def test_check_passes_a_clean_set(run: Run, config: Path, env: dict[str, str]) -> None:
    config.write_text(CONFIG.replace('broken = "jdbc:$secret{missing}@host"\n', ""))
    assert run("protect", str(config), env=env).returncode == 0
    assert run("configure", str(config), env=env).returncode == 0
    result = run("check", str(config), env=env)
    assert (result.returncode, result.stdout) == (0, "")


def test_check_without_a_password_still_checks_the_rest(
    run: Run, config: Path, keystores: tuple[Path, Path]
) -> None:
    result = run("check", str(config), env=clean_env())
    assert result.returncode == 1
    assert "not test-decrypted" in result.stderr
    assert len(result.stdout.splitlines()) == 3


def test_protect_dry_run_changes_nothing(run: Run, config: Path) -> None:
    result = run("protect", "--dry-run", str(config), env=clean_env())
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout
        == f"{config}:3: would protect database.password as $secret{{database_password}}\n"
    )
    assert config.read_text() == CONFIG


def test_protect_key_patterns_and_alias_clashes(
    run: Run, tmp_path: Path, env: dict[str, str]
) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[a]\nb_password = "one"\nurl = "jdbc:x"\n'
        '[a_b]\npassword = "two"\n[secrets]\na_b_password = "[taken]"\n'
    )
    assert run("protect", str(path), "--key", r"^a\.url$", env=env).returncode == 0
    text = path.read_text()
    assert 'b_password = "$secret{a_b_password_2}"' in text
    assert 'password = "$secret{a_b_password_3}"' in text
    assert 'url = "$secret{a_url}"' in text


def test_change_gives_one_alias_a_new_value(run: Run, config: Path, env: dict[str, str]) -> None:
    assert run("configure", str(config), env=env).returncode == 0
    before = config.read_text()
    result = run("change", "known", "--file", str(config), input="brand-new\n", env=env)
    assert result.returncode == 0, result.stderr
    after = config.read_text()
    assert before.splitlines()[:7] == after.splitlines()[:7] and before != after
    listed = json.loads(run("list", str(config), "--json", env=env).stdout)
    assert listed[0]["state"] == "encrypted"
    missing = run("change", "nope", "--file", str(config), input="x", env=env)
    assert_clean_error(missing, 3, "no alias 'nope'")


def test_a_file_that_does_not_parse_is_left_untouched(
    run: Run, tmp_path: Path, env: dict[str, str]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[a]\npassword = "x"\nbroken = \n')
    before = path.read_bytes()
    result = run("protect", str(path), env=env)
    assert_clean_error(result, 2, f"{path}: line 3, column 10:")
    assert path.read_bytes() == before


def test_unknown_format(run: Run, tmp_path: Path, env: dict[str, str]) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("password=x\n")
    assert_clean_error(run("protect", str(path), env=env), 2, "unknown config format")


def test_read_only_file_is_refused_and_untouched(
    run: Run, config: Path, env: dict[str, str]
) -> None:
    config.chmod(0o444)
    result = run("configure", str(config), env=env)
    assert_clean_error(result, 2, "is read-only")
    assert config.read_text() == CONFIG
    assert [p.name for p in config.parent.iterdir()] == ["app.toml"]


def test_mode_is_kept_and_no_temp_file_is_left(run: Run, config: Path, env: dict[str, str]) -> None:
    config.chmod(0o640)
    assert run("configure", str(config), env=env).returncode == 0
    assert config.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in config.parent.iterdir()] == ["app.toml"]


def test_a_second_run_waits_for_the_first(config: Path, env: dict[str, str]) -> None:
    with atomic.locked(config):
        proc = subprocess.Popen(
            [*CIPHERTOOL, "configure", str(config)], env=env, stderr=subprocess.DEVNULL
        )
        time.sleep(1.5)
        assert proc.poll() is None, "configure did not wait for the lock"
        assert config.read_text() == CONFIG
    assert proc.wait(timeout=60) == 0
    assert "[to-encrypt]" not in config.read_text()


def test_a_file_that_vanishes_mid_run(config: Path, env: dict[str, str]) -> None:
    """The file is deleted while the run waits for its lock: nothing is written, no file appears."""
    with atomic.locked(config):
        proc = subprocess.Popen(
            [*CIPHERTOOL, "configure", str(config)], env=env, stderr=subprocess.PIPE, text=True
        )
        assert proc.stderr is not None
        waiting = proc.stderr.readline()  # said after a second of waiting for the lock
        assert "waiting for another run" in waiting, waiting
        os.unlink(config)
    err = waiting + proc.communicate(timeout=60)[1]
    assert proc.returncode == 2 and "vanished" in err and "Traceback" not in err
    assert not config.exists() and list(config.parent.iterdir()) == []
