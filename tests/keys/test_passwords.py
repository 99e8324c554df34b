"""Every password source of DESIGN.md, in its order."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from tests.conftest import Run, assert_clean_error, clean_env
from vault.errors import InputError, PasswordError, UsageError
from vault.keys.passwords import PasswordOptions, find_passwords
from vault.secret import Secret


def _file(path: Path, text: str, mode: int = 0o600) -> str:
    path.write_text(text)
    path.chmod(mode)
    return str(path)


@pytest.fixture
def all_sources(tmp_path: Path) -> tuple[PasswordOptions, dict[str, str], Path]:
    home = tmp_path / "home"
    creds = tmp_path / "creds"
    home.mkdir()
    creds.mkdir()
    _file(home / "password-tmp", "from-tmp\n")
    _file(home / "password-persist", "from-persist\nkey-from-persist\n")
    _file(creds / "ciphertool-keystore-password", "from-credentials\n")
    options = PasswordOptions(
        storepass_file=_file(tmp_path / "pw.txt", "from-file\n"), storepass_env="MY_PW"
    )
    env = {
        "MY_PW": "from-flag-env",
        "CIPHERTOOL_KEYSTORE_PASSWORD": "from-env",
        "CIPHERTOOL_HOME": str(home),
        "CREDENTIALS_DIRECTORY": str(creds),
    }
    return options, env, home


def test_sources_answer_in_order(all_sources: tuple[PasswordOptions, dict[str, str], Path]) -> None:
    options, env, home = all_sources
    ks = "/nowhere/keystore.p12"

    def store(opts: PasswordOptions) -> str:
        return find_passwords(
            ks, opts, environ=env, interactive=True, prompt=lambda _: "from-prompt"
        ).store.reveal()

    assert store(options) == "from-file"
    assert store(PasswordOptions(storepass_env="MY_PW")) == "from-flag-env"
    no_flags = PasswordOptions()
    assert store(no_flags) == "from-env"
    del env["CIPHERTOOL_KEYSTORE_PASSWORD"]
    assert store(no_flags) == "from-tmp"
    assert not (home / "password-tmp").exists()  # read, overwritten, deleted
    found = find_passwords(ks, no_flags, environ=env, interactive=False)
    assert (found.store.reveal(), found.key.reveal() if found.key else None) == (
        "from-persist",
        "key-from-persist",
    )
    (home / "password-persist").unlink()
    assert store(no_flags) == "from-credentials"
    del env["CREDENTIALS_DIRECTORY"]
    assert store(no_flags) == "from-prompt"
    with pytest.raises(PasswordError, match="no keystore password given"):
        find_passwords(ks, no_flags, environ=env, interactive=False)


def test_home_defaults_to_the_keystores_folder(tmp_path: Path) -> None:
    _file(tmp_path / "password-persist", "beside-the-keystore\n")
    found = find_passwords(tmp_path / "ks.jks", environ={}, interactive=False)
    assert found.store == Secret("beside-the-keystore")
    assert found.key is None


def test_password_tmp_is_overwritten_before_it_is_deleted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp = tmp_path / "password-tmp"
    _file(tmp, "burn-after-reading\n")
    seen: list[bytes] = []
    real_unlink = Path.unlink

    def spy(self: Path, missing_ok: bool = False) -> None:
        seen.append(self.read_bytes())
        real_unlink(self, missing_ok)

    monkeypatch.setattr(Path, "unlink", spy)
    assert (
        find_passwords(tmp_path / "ks.p12", environ={}, interactive=False).store.reveal()
        == "burn-after-reading"
    )
    assert (
        len(seen) == 1
        and b"burn-after-reading" not in seen[0]
        and len(seen[0]) == len("burn-after-reading\n")
    )
    assert not tmp.exists()


def test_key_password_sources(tmp_path: Path) -> None:
    options = PasswordOptions(storepass_env="S", keypass_file=_file(tmp_path / "k", "key-file\n"))
    assert find_passwords(None, options, environ={"S": "s"}).key == Secret("key-file")
    options = PasswordOptions(storepass_env="S", keypass_env="K")
    assert find_passwords(None, options, environ={"S": "s", "K": "key-env"}).key == Secret(
        "key-env"
    )
    env = {"CIPHERTOOL_KEYSTORE_PASSWORD": "s", "CIPHERTOOL_KEY_PASSWORD": "key-var"}
    assert find_passwords(None, environ=env).key == Secret("key-var")


def test_one_trailing_newline_is_stripped_and_no_more(tmp_path: Path) -> None:
    path = _file(tmp_path / "pw", "  spaced pass  \r\n")
    assert (
        find_passwords(None, PasswordOptions(storepass_file=path), environ={}).store.reveal()
        == "  spaced pass  "
    )


def test_group_readable_password_file_warns(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = _file(tmp_path / "pw", "secret-value\n", mode=0o644)
    with caplog.at_level(logging.WARNING, logger="vault"):
        assert (
            find_passwords(None, PasswordOptions(storepass_file=path), environ={}).store.reveal()
            == "secret-value"
        )
    assert "readable by group or others" in caplog.text
    assert "secret-value" not in caplog.text


def test_bad_sources(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"\$UNSET_VAR, which is not set"):
        find_passwords(None, PasswordOptions(storepass_env="UNSET_VAR"), environ={})
    with pytest.raises(InputError, match="no such password file"):
        find_passwords(None, PasswordOptions(storepass_file=str(tmp_path / "none")), environ={})
    with pytest.raises(PasswordError, match="password file is empty"):
        find_passwords(None, PasswordOptions(storepass_file=_file(tmp_path / "e", "")), environ={})


def test_cli_uses_password_tmp_and_deletes_it(run: Run, vectors: Path) -> None:
    _file(vectors / "password-tmp", "storepass\n")
    result = run("keystore", "list", str(vectors / "jdk17-two-keys.p12"), env=clean_env())
    assert result.returncode == 0, result.stderr
    assert "second" in result.stdout
    assert not (vectors / "password-tmp").exists()


def test_cli_warns_on_a_world_readable_file(run: Run, vectors: Path, tmp_path: Path) -> None:
    pw = _file(tmp_path / "pw", "storepass\n", mode=0o644)
    result = run(
        "keystore", "list", str(vectors / "truststore.p12"), "--storepass-file", pw, env=clean_env()
    )
    assert result.returncode == 0
    assert "warning: " in result.stderr and "readable by group or others" in result.stderr


def test_cli_systemd_credentials(run: Run, vectors: Path, tmp_path: Path) -> None:
    _file(tmp_path / "ciphertool-keystore-password", "storepass\n")
    result = run(
        "keystore",
        "list",
        str(vectors / "truststore.p12"),
        env=clean_env(CREDENTIALS_DIRECTORY=str(tmp_path)),
    )
    assert result.returncode == 0, result.stderr


def test_cli_unset_env_var_is_bad_usage(run: Run, vectors: Path) -> None:
    result = run(
        "keystore",
        "list",
        str(vectors / "truststore.p12"),
        "--storepass-env",
        "NOT_SET_HERE",
        env=clean_env(),
    )
    assert_clean_error(result, 2, "NOT_SET_HERE")


def test_prompt_on_a_terminal(vectors: Path) -> None:
    import pty
    import subprocess

    from tests.conftest import CIPHERTOOL

    main, child = pty.openpty()
    proc = subprocess.Popen(
        [*CIPHERTOOL, "keystore", "list", str(vectors / "truststore.p12")],
        stdin=child,
        stdout=subprocess.PIPE,
        stderr=child,
        env=clean_env(),
        start_new_session=True,
    )
    os.close(child)
    prompt = b""
    while b"password" not in prompt.lower():
        prompt += os.read(main, 1024)
    os.write(main, b"storepass\n")
    out, _ = proc.communicate(timeout=60)
    os.close(main)
    assert proc.returncode == 0
    assert b"first" in out and b"storepass" not in out


@pytest.mark.parametrize("char", ["\r", "\x0b", "\x0c", "\x1c", "\x85", "\u2028"])
def test_only_a_line_feed_ends_a_password_line(tmp_path: Path, char: str) -> None:
    """Found by the password-file fuzzer: str.splitlines cut passwords at \\v, \\x85..."""
    from vault.keys.passwords import read_password_file

    path = Path(_file(tmp_path / "pw", f"pass{char}word\r\nkey{char}pass\n"))
    assert [s.reveal() for s in read_password_file(path)] == [f"pass{char}word", f"key{char}pass"]
