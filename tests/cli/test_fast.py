"""vault.cli.fast: resolve and exec without click, exactly as click would run them.

Each command line runs twice, as real processes: through the ``ciphertool``
entry point (which takes the fast path when it can) and through the click
application alone. Output, errors and exit codes must be the same, and the
plain command lines must not have imported click.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import clean_env
from vault.crypto.ring import KeyEntry, KeyRing
from vault.keystores import load_keystore
from vault.keystores.create import create_keystore
from vault.secret import Secret

PASSWORD = "entry-pass"

# Runs a command line, then says (at exit, so also after an error, or just before exec
# replaces the process) whether click was loaded.
ENTRY = (
    "import atexit, os, sys\n"
    "def seen(said=[]):\n"
    "    said or print('click' in sys.modules and '[click]' or '[fast]', file=sys.stderr)\n"
    "    said.append(1)\n"
    "atexit.register(seen)\n"
    "def execvpe(*args, real=os.execvpe): seen(); sys.stderr.flush(); real(*args)\n"
    "os.execvpe = execvpe\n"
    "from vault.cli.fast import main\n"
    "main(sys.argv[1:])\n"
)
CLICK = (
    "import sys\nfrom vault.cli.app import main\nmain(args=sys.argv[1:], prog_name='ciphertool')\n"
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("entry")
    keystore = folder / "service.jks"
    create_keystore(keystore, "service", Secret(PASSWORD), kind="jks")
    store = load_keystore(keystore, Secret(PASSWORD))
    ring = KeyRing([KeyEntry(store.certificate(), store.private_key())])
    red = ring.encrypt("it's \x1b[31mred")
    (folder / "app.toml").write_text(
        '[db]\npassword = "$secret{db.pass}"\nurl = "x:$secret{api-key}@h"\n'
        f'[secrets]\n"db.pass" = "{red}"\napi-key = "{ring.encrypt("k-1")}"\n'
    )
    (folder / "unknown.toml").write_text('a = "$secret{nope}"\n')
    (folder / "app.conf").write_text((folder / "app.toml").read_text())
    (folder / "pw.txt").write_text(PASSWORD + "\n")
    (folder / "sub").mkdir()
    return folder


def both_ways(
    folder: Path, *args: str, prefix: tuple[str, ...] = ()
) -> tuple[tuple[int, str, str], str]:
    """((exit code, stdout, stderr) of both paths, the one seen), "[fast]" or "[click]"."""
    env = clean_env(
        CIPHERTOOL_KEYSTORE="service.jks", CIPHERTOOL_KEYSTORE_PASSWORD=PASSWORD, PW=PASSWORD
    )
    env["COLUMNS"] = "200"
    results = []
    for code in (ENTRY, CLICK):
        proc = subprocess.run(
            [*prefix, sys.executable, "-c", code, *args],
            capture_output=True,
            env=env,
            cwd=folder,
            timeout=60,
        )
        results.append((proc.returncode, proc.stdout.decode(), proc.stderr.decode()))
    (code, out, err), (click_code, click_out, click_err) = results
    lines = err.splitlines(keepends=True)
    path = next((line.strip() for line in lines if line in ("[fast]\n", "[click]\n")), "")
    err = "".join(line for line in lines if line.strip() != path)
    assert (code, out, err) == (click_code, click_out, click_err), args
    return (code, out, err), path


PLAIN = [
    ["resolve", "app.toml"],
    ["resolve", "-o", "env", "app.toml"],
    ["resolve", "--output=env", "--env-prefix", "APP_", "app.toml"],
    ["resolve", "app.toml", "--output", "json", "--env-prefix=X_"],
    ["-v", "resolve", "app.toml"],
    ["--verbose", "resolve", "-k", "service.jks", "--storetype", "JKS", "app.toml"],
    ["resolve", "--keystore=service.jks", "--alias", "service", "app.toml"],
    ["resolve", "--storepass-file", "pw.txt", "app.toml"],
    ["resolve", "--storepass-env", "NOT_SET", "app.toml"],
    ["resolve", "-a", "missing", "app.toml"],
    ["resolve", "unknown.toml"],
    ["resolve", "gone.toml"],
    ["resolve", "--", "app.toml"],
    ["resolve", "-t", "RSA/ECB/OAEPWithSHA-256AndMGF1Padding", "app.toml"],
    ["resolve", "--transformation=RSA/Y", "app.toml"],
    ["resolve", "--output-dir", "out", "app.toml"],
    ["resolve", "app.toml", "--output-dir=out", "-k", "service.jks"],
    ["resolve", "-o", "env", "--output-dir", "out", "app.toml"],
    ["resolve", "unknown.toml", "--output-dir", "out-unknown"],
    ["resolve", "app.toml", "--output-dir", "sub/missing/out"],
    ["exec", "app.toml", "--", "sh", "-c", 'echo "$DB_PASS|$API_KEY|$P_API_KEY"'],
    ["exec", "--env-prefix", "P_", "-k", "service.jks", "app.toml", "--", "env"],
    ["exec", "app.toml", "--", "/nonexistent/cmd"],
    ["exec", "app.toml", "--"],
    # Options anywhere before --, as users put them.
    ["exec", "app.toml", "--keystore", "service.jks", "--storepass-env", "PW", "--", "env"],
    ["exec", "app.toml", "-k", "service.jks", "--env-prefix=P_", "app.toml", "--", "env"],
    ["exec", "app.toml", "-v", "--", "sh", "-c", "echo $API_KEY"],
    ["exec", "app.toml", "--", "sh", "-c", "echo $API_KEY", "--keystore", "x"],
    ["exec", "--", "app.toml", "--", "true"],
    ["resolve", "app.toml", "-v"],
    ["resolve", "app.toml", "--keystore", "service.jks", "--storepass-env", "PW"],
    ["resolve"],
    ["resolve", "--input-type", "toml", "app.conf"],
    ["resolve", "--input-type=TOML", "-o", "env", "app.conf"],
    ["resolve", "app.conf"],
    ["exec", "--input-type", "toml", "app.conf", "--", "sh", "-c", "echo $API_KEY"],
    ["--version"],
]
TO_CLICK = [
    ["resolve", "app.toml", "unknown.toml"],
    ["resolve", "sub"],
    ["resolve", "--storepass-file", "sub", "app.toml"],
    ["resolve", "-o", "xml", "app.toml"],
    ["resolve", "--output=", "app.toml"],
    ["resolve", "app.toml", "-o"],
    ["resolve", "-oenv", "app.toml"],
    ["resolve", "-o=env", "app.toml"],
    ["resolve", "--env-prefix", "-x", "app.toml"],
    ["resolve", "app.toml", "--output-dir"],
    ["exec", "--output-dir", "out", "app.toml", "--", "true"],
    ["resolve", "--bogus", "app.toml"],
    ["resolve", "--help"],
    ["-h"],
    ["exec"],
    ["exec", "app.toml", "app.toml"],
    ["exec", "--env-prefix", "--", "app.toml", "--", "env"],
    ["exec", "--bogus", "app.toml", "--", "true"],
    ["resolve", "--input-type", "conf", "app.conf"],
    ["resolve", "--input-type", "app.conf"],
    ["list", "app.toml"],
]


@pytest.mark.parametrize("args", PLAIN, ids=" ".join)
def test_plain_command_lines_skip_click_and_match_it(folder: Path, args: list[str]) -> None:
    _, path = both_ways(folder, *args)
    if args != ["--version"]:
        assert path == "[fast]"


@pytest.mark.parametrize("args", TO_CLICK, ids=" ".join)
def test_anything_else_goes_to_click(folder: Path, args: list[str]) -> None:
    (_, _, err), path = both_ways(folder, *args)
    assert path == "[click]"
    assert "Traceback" not in err


def test_what_the_fast_path_prints(folder: Path) -> None:
    (code, out, err), _ = both_ways(folder, "resolve", "-o", "env", "app.toml")
    assert (code, err) == (0, "")
    # Printed as they are: an escape sequence in a secret is not stripped on a pipe.
    assert out == "API_KEY=k-1\nDB_PASS='it'\"'\"'s \x1b[31mred'\n"
    (code, out, err), _ = both_ways(folder, "exec", "app.toml", "--", "sh", "-c", "echo $API_KEY")
    assert (code, out) == (0, "k-1\n")
    (code, out, err), _ = both_ways(folder, "resolve", "unknown.toml")
    assert (code, out) == (3, "")
    assert (
        err == "ciphertool: error: unknown.toml: unknown alias 'nope' (not in the secret store)\n"
    )
    (code, out, err), _ = both_ways(folder, "exec", "app.toml", "--", "/nonexistent/cmd")
    assert (code, err) == (
        2,
        "ciphertool: error: cannot run '/nonexistent/cmd': No such file or directory\n",
    )


def test_a_file_that_cannot_be_read_gets_clicks_words(folder: Path) -> None:
    """Mode bits apply (root runs without CAP_DAC_OVERRIDE): click's own message."""
    if os.geteuid() == 0 and not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: mode bits cannot be made to apply")
    prefix = ("setpriv", "--bounding-set", "-dac_override,-dac_read_search")
    closed = folder / "closed.toml"
    closed.write_text('a = "b"\n')
    closed.chmod(0)
    try:
        for args in (
            ["resolve", "closed.toml"],
            ["resolve", "--storepass-file", "closed.toml", "app.toml"],
        ):
            (code, _, err), path = both_ways(
                folder, *args, prefix=prefix if os.geteuid() == 0 else ()
            )
            assert (code, path) == (2, "[click]") and "is not readable" in err, err
    finally:
        closed.chmod(0o600)
