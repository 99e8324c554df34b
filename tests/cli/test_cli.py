"""The command line as a user meets it: entry points, help, prompts on a terminal."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CIPHERTOOL, Run, clean_env
from vault import __version__
from vault.keystores.create import create_keystore
from vault.secret import Secret


def test_python_dash_m_and_console_script_agree() -> None:
    for command in ([sys.executable, "-m", "vault"], CIPHERTOOL):
        out = subprocess.run([*command, "--version"], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0 and __version__ in out.stdout


@pytest.mark.parametrize(
    "args", [[], ["encrypt"], ["decrypt"], ["keystore", "create"], ["keystore", "list"]]
)
def test_help_explains(run: Run, args: list[str]) -> None:
    result = run(*args, "--help")
    assert result.returncode == 0
    assert "Usage:" in result.stdout and len(result.stdout.splitlines()) > 5


def _on_terminal(
    args: list[str], answers: list[bytes], env: dict[str, str]
) -> tuple[int, bytes, bytes]:
    """Run with stdin and stderr on a pseudo-terminal; answer each prompt in turn."""
    main, child = pty.openpty()
    proc = subprocess.Popen(
        [*CIPHERTOOL, *args],
        stdin=child,
        stdout=subprocess.PIPE,
        stderr=child,
        env=env,
        start_new_session=True,
    )
    os.close(child)
    seen = b""
    for number, answer in enumerate(answers, 1):
        while seen.count(b": ") < number:
            seen += os.read(main, 1024)
        os.write(main, answer + b"\n")
    out, _ = proc.communicate(timeout=60)
    try:
        while chunk := os.read(main, 1024):
            seen += chunk
    except OSError:
        pass
    os.close(main)
    return proc.returncode, out, seen


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tty") / "k.p12"
    create_keystore(path, "k", Secret("tty-password"))
    return path


def test_encrypt_prompts_twice_without_echo(store: Path, run: Run) -> None:
    env = clean_env(CIPHERTOOL_KEYSTORE_PASSWORD="tty-password")
    code, out, screen = _on_terminal(
        ["encrypt", "--keystore", str(store)], [b"typed-secret", b"typed-secret"], env
    )
    assert code == 0, screen
    assert b"typed-secret" not in screen + out  # hidden prompt: nothing echoed
    assert screen.count(b"Enter the value") == 2
    decrypted = run("decrypt", "--keystore", str(store), out.decode().strip(), env=env)
    assert decrypted.stdout == "typed-secret"


def test_encrypt_refuses_two_different_entries(store: Path) -> None:
    env = clean_env(CIPHERTOOL_KEYSTORE_PASSWORD="tty-password")
    code, out, screen = _on_terminal(
        ["encrypt", "--keystore", str(store)], [b"one-value", b"other-value"], env
    )
    assert code == 2 and out == b""
    assert b"the two entries of the value differ" in screen
    assert b"one-value" not in screen and b"other-value" not in screen


def test_keystore_passwd_asks_the_new_password_twice(tmp_path: Path) -> None:
    path = tmp_path / "k.p12"
    create_keystore(path, "k", Secret("tty-password"))
    env = clean_env(CIPHERTOOL_KEYSTORE_PASSWORD="tty-password")
    code, _, screen = _on_terminal(
        ["keystore", "passwd", str(path)], [b"new-tty-pass", b"new-tty-pass"], env
    )
    assert code == 0, screen
    assert f"New password for {path}: ".encode() in screen and b"Again: " in screen
    assert b"new-tty-pass" not in screen  # not echoed
    from vault.keystores import load_keystore

    assert load_keystore(path, Secret("new-tty-pass")).entries[0].alias == "k"
    code, _, screen = _on_terminal(["keystore", "passwd", str(path)], [b"a1", b"b2"], env)
    assert code == 2 and b"the two passwords differ" in screen


def test_warnings_are_one_prefixed_line(run: Run, tmp_path: Path) -> None:
    """Every warning, from the command line's own modules or the library's, reads
    'ciphertool: warning: ...' (the runtime path sets logging up only when it speaks)."""
    config = tmp_path / "app.toml"
    config.write_text('a = "$secret{x}"\n[secrets]\nx = "[y]"\n')
    checked = run("check", str(config))
    assert checked.error_lines == [
        "ciphertool: warning: ciphertexts were not test-decrypted: no keystore given (by "
        "argument, $CIPHERTOOL_KEYSTORE, or the config's [keystore.internal] / "
        "[keystore.primary] table); use --keystore PATH or $CIPHERTOOL_KEYSTORE"
    ]
    keystore = tmp_path / "k.jks"
    created = run("keystore", "create", str(keystore), "--alias", "k", "--type", "jks",
                  env=clean_env(CIPHERTOOL_KEYSTORE_PASSWORD="warn-pass"))  # fmt: skip
    assert created.returncode == 0, created.stderr
    open_file = tmp_path / "pw.txt"
    open_file.write_text("warn-pass\n")
    open_file.chmod(0o644)
    config.write_text('a = "plain"\n')
    resolved = run("resolve", "-k", str(keystore), "--storepass-file", str(open_file), str(config))
    assert resolved.returncode == 0, resolved.stderr
    assert resolved.error_lines and all(
        line.startswith("ciphertool: warning: ") for line in resolved.error_lines
    ), resolved.stderr
