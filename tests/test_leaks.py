"""Leak hunting: a canary secret pushed through every command and error path.

Each run gets a fresh canary. After every command its stdout (unless the
plaintext is what the command is for: ``decrypt``, ``resolve``), its stderr
(with ``--verbose`` logging at DEBUG), every file left in the working folder
and in the subprocesses' TMPDIR, and the rotation journal and its copies are
searched for it. So are process argument lists, read from ``/proc``.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import signal
import stat
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import CIPHERTOOL, Result, Run, clean_env
from tests.hsm import SOFTHSM_MODULE, needs_hsm
from vault.keystores.create import create_keystore
from vault.secret import Secret

CANARY = f"CANARY-{secrets.token_hex(8)}"
PASSWORD = "leak-test-pass"


@pytest.fixture
def world(tmp_path: Path) -> dict[str, Path]:
    keys = tmp_path / "keys"
    keys.mkdir()
    create_keystore(keys / "vault.p12", "main", Secret(PASSWORD))
    create_keystore(keys / "next.p12", "next", Secret(PASSWORD))
    (keys / "pass").write_text(PASSWORD + "\n")
    (keys / "pass").chmod(0o600)
    work = tmp_path / "work"
    work.mkdir()
    (work / "deployment.toml").write_text(
        f'[db]\npassword = "{CANARY}-toml"\nref = "$secret{{admin}}"\n\n'
        f'[secrets]\nadmin = "[{CANARY}-store]"\n'
    )
    (work / "application.yml").write_text(f"spring:\n  password: {CANARY}-yaml\n")
    (work / "config.json").write_text(f'{{"api": {{"token": "{CANARY}-json"}}}}\n')
    (work / "app.ini").write_text(f"[ldap]\nbind_password = {CANARY}-ini\n")
    (work / "db.properties").write_text(f"db.password={CANARY}-props\n")
    (work / ".env").write_text(f'API_SECRET="{CANARY}-env"\n')
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    return {"keys": keys, "work": work, "tmp": tmp}


CONFIGS = ["deployment.toml", "application.yml", "config.json", "app.ini", "db.properties", ".env"]


def _env(world: dict[str, Path], **extra: str) -> dict[str, str]:
    return clean_env(
        CIPHERTOOL_KEYSTORE=str(world["keys"] / "vault.p12"),
        CIPHERTOOL_KEYSTORE_PASSWORD=PASSWORD,
        TMPDIR=str(world["tmp"]),
        **extra,
    )


def _no_canary(result: Result, *, stdout_may_hold_it: bool = False) -> None:
    assert CANARY not in result.stderr, result.stderr
    if not stdout_may_hold_it:
        assert CANARY not in result.stdout, result.stdout


def _tree_holds_canary(*roots: Path) -> list[str]:
    return [
        str(p)
        for root in roots
        for p in root.rglob("*")
        if p.is_file() and CANARY.encode() in p.read_bytes()
    ]


def test_no_command_and_no_error_path_shows_the_canary(run: Run, world: dict[str, Path]) -> None:
    work, env = world["work"], _env(world)

    def cmd(*args: str, input: str = "", may: bool = False, code: int | None = 0) -> Result:
        for verbose in ((), ("--verbose",)):
            result = run(*verbose, *args, input=input, env=env, cwd=work)
            _no_canary(result, stdout_may_hold_it=may)
            if code is not None:
                assert result.returncode == code, (args, result.stderr)
        return result

    assert len(_tree_holds_canary(work)) == len(CONFIGS)  # the search finds what is there
    # Before protect: the plaintexts are in the configs; nothing the tool says holds them.
    cmd("protect", "--dry-run", *CONFIGS)
    cmd("check", *CONFIGS, code=1)
    cmd("list", *CONFIGS)
    cmd("resolve", "deployment.toml", code=3)  # a [plaintext] store entry fails closed
    # Parse errors: the broken line holds the canary.
    broken = work / "broken.yml"
    broken.write_text(f'a:\n  password: "{CANARY}\n  b: [\n')
    cmd("protect", "broken.yml", code=2)
    (work / "broken.toml").write_text(f'password = "{CANARY}\nx = 1\n')
    cmd("check", "broken.toml", code=2)
    (work / "broken.json").write_text(f'{{"password": "{CANARY}", }}')
    cmd("protect", "broken.json", code=2)
    for name in ("broken.yml", "broken.toml", "broken.json"):
        (work / name).unlink()
    # A wrong keystore password.
    wrong = dict(env, CIPHERTOOL_KEYSTORE_PASSWORD="wrong")
    for verbose in ((), ("--verbose",)):
        result = run(*verbose, "configure", "deployment.toml", env=wrong, cwd=work)
        assert result.returncode == 3
        _no_canary(result)
    # A plaintext given where a ciphertext belongs is not echoed back.
    cmd("decrypt", input=CANARY, code=2)
    cmd("decrypt", CANARY + "==", code=2)

    # protect (once: a second protect has nothing left) and configure: afterwards no
    # file in the folder holds the canary, and nothing was left in TMPDIR.
    result = run("--verbose", "protect", *CONFIGS, env=env, cwd=work)
    assert result.returncode == 0, result.stderr
    _no_canary(result)
    cmd("configure", *CONFIGS)
    assert _tree_holds_canary(work, world["tmp"]) == []

    cmd("check", *CONFIGS)
    cmd("list", *CONFIGS, "--json")
    cmd("resolve", "deployment.toml", may=True)
    cmd("resolve", "deployment.toml", "--output", "env", may=True)
    cmd("change", "admin", "-f", "deployment.toml", input=f"{CANARY}-changed")
    ciphertext = cmd("encrypt", input=f"{CANARY}-single").stdout.strip()
    assert cmd("decrypt", ciphertext, may=True).stdout == f"{CANARY}-single"
    assert _tree_holds_canary(work, world["tmp"]) == []

    # A rotation killed half-way: its journal and copies hold no plaintext either.
    rotate = [
        "rotate",
        *CONFIGS,
        "--to-keystore",
        str(world["keys"] / "next.p12"),
        "--to-storepass-file",
        str(world["keys"] / "pass"),
    ]
    killed = run(*rotate, env=dict(env, CIPHERTOOL_FAILPOINT="12"), cwd=work)
    assert killed.returncode == -signal.SIGKILL
    assert any("rotation" in p.name for p in work.iterdir())
    assert _tree_holds_canary(work, world["tmp"]) == []
    cmd(*rotate)
    cmd(*rotate, "--dry-run", "--json")
    assert _tree_holds_canary(work, world["tmp"]) == []


def test_exec_puts_secrets_in_the_environment_never_in_an_argument_list(
    run: Run, world: dict[str, Path]
) -> None:
    work, env = world["work"], _env(world)
    assert run("protect", *CONFIGS, env=env, cwd=work).returncode == 0
    assert run("configure", *CONFIGS, env=env, cwd=work).returncode == 0
    script = 'tr "\\0" " " < /proc/$$/cmdline; echo; echo "${#ADMIN} ${ADMIN%%-*}"'
    result = run("exec", "deployment.toml", "--", "sh", "-c", script, env=env, cwd=work)
    assert result.returncode == 0, result.stderr
    cmdline, lengths = result.stdout.splitlines()
    assert CANARY not in cmdline and "sh -c" in cmdline
    assert lengths == f"{len(CANARY) + len('-store')} CANARY"  # the value is there, in env


def test_the_tools_own_argument_list_never_holds_a_value(world: dict[str, Path]) -> None:
    """A value reaches ciphertool on stdin; read its /proc cmdline while it waits for it."""
    work, env = world["work"], _env(world)
    for args in (["encrypt"], ["change", "admin", "-f", "deployment.toml"]):
        if args[0] == "change":
            (work / "deployment.toml").write_text('[secrets]\nadmin = "[x]"\n')
        proc = subprocess.Popen(
            [*CIPHERTOOL, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=work,
        )
        time.sleep(0.3)
        cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes()
        _out, err = proc.communicate(CANARY.encode(), timeout=60)
        assert proc.returncode == 0, err
        assert CANARY.encode() not in cmdline + err
        assert b"ciphertool" in cmdline or b"vault" in cmdline


def test_library_logging_at_debug_never_holds_the_canary(
    world: dict[str, Path], caplog: pytest.LogCaptureFixture
) -> None:
    from vault import Vault, open_key_ring
    from vault.configs.sensitive import SensitiveKeys
    from vault.keys.spec import KeystoreSpec
    from vault.operations.configure import configure
    from vault.operations.protect import protect
    from vault.operations.rotate import rotate
    from vault.operations.workspace import Options

    work = world["work"]
    env = {"CIPHERTOOL_KEYSTORE_PASSWORD": PASSWORD}
    ring = open_key_ring(KeystoreSpec(str(world["keys"] / "vault.p12")), environ=env)
    new = open_key_ring(KeystoreSpec(str(world["keys"] / "next.p12")), environ=env)
    paths = [work / name for name in CONFIGS]
    with caplog.at_level(logging.DEBUG, logger="vault"):
        protect(paths, ring, SensitiveKeys(()), Options())
        configure(paths, ring, Options())
        rotate(paths, type(ring)([*ring.entries, *new.entries]), new, Options())
        data = Vault(new).load(work / "deployment.toml")
    assert json.dumps(data).count(CANARY) == 2  # resolved, as asked
    assert CANARY not in caplog.text
    assert _tree_holds_canary(work) == []


def test_files_the_tool_creates_are_0600_whatever_the_umask(
    world: dict[str, Path], tmp_path: Path
) -> None:
    work, env = world["work"], _env(world)
    out = tmp_path / "made"
    out.mkdir()

    def loose(*args: str) -> None:
        proc = subprocess.run(
            [*CIPHERTOOL, *args],
            capture_output=True,
            env=env,
            cwd=work,
            preexec_fn=lambda: os.umask(0),
            timeout=60,
        )
        assert proc.returncode == 0, proc.stderr.decode()

    for kind in ("pkcs12", "jks", "pem"):
        loose("keystore", "create", str(out / f"ks.{kind}"), "--alias", "a", "--type", kind)
    loose("keystore", "export-cert", str(out / "ks.pkcs12"), "-o", str(out / "cert.pem"))
    loose("keystore", "import-cert", str(out / "trust.p12"), str(out / "cert.pem"), "--alias", "a")
    loose("protect", "db.properties", ".env")
    made = [*out.iterdir(), work / "cipher-text.properties"]
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in made}
    # An exported certificate is public: only it may be readable by others.
    assert modes == {**{name: 0o600 for name in modes}, "cert.pem": modes["cert.pem"]}
    # Rewrites keep the mode the file had.
    assert stat.S_IMODE((work / "db.properties").stat().st_mode) == 0o644


@needs_hsm
def test_a_token_pin_never_shows(
    run: Run, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The PIN of a token (a canary) through every command that opens it, its errors,
    the child of exec and the library's DEBUG log: never in an output, an argument list,
    a file left behind or the child's environment."""
    from tests.hsm import init_token, write_conf

    pin = f"{CANARY}-pin"
    root = tmp_path / "hsm"
    conf = write_conf(root)
    init_token(conf, "leak-hsm", pin)
    pin_file = tmp_path / "pin"
    pin_file.write_text(pin + "\n")
    pin_file.chmod(0o600)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    (work / "app.toml").write_text('[db]\npassword = "$secret{db}"\n\n[secrets]\ndb = "[v-1]"\n')
    uri = "pkcs11:token=leak-hsm;object=app"
    base = clean_env(SOFTHSM2_CONF=str(conf), TMPDIR=str(tmp))
    base["CIPHERTOOL_PKCS11_MODULE"] = SOFTHSM_MODULE or ""
    by_env = {**base, "CIPHERTOOL_KEYSTORE": uri, "CIPHERTOOL_KEYSTORE_PASSWORD": pin}

    def cmd(*args: str, env: dict[str, str] = by_env, code: int = 0) -> Result:
        result = run("--verbose", *args, env=env, cwd=work)
        assert result.returncode == code, (args, result.stderr)
        _no_canary(result, stdout_may_hold_it=False)
        return result

    cmd("keystore", "create", uri, "--alias", "app", "--storepass-file", str(pin_file), env=base)
    cmd("keystore", "export-cert", uri, env=base)
    cmd("configure", "app.toml")
    cmd("resolve", "app.toml")
    cmd("check", "app.toml")
    # (The PIN from a file here: that exec's child still gets $CIPHERTOOL_KEYSTORE_PASSWORD
    # is issue 13's to fix.)
    by_file = ["-k", uri, "--storepass-file", str(pin_file)]
    show = "env; tr '\\0' ' ' < /proc/$$/cmdline"
    child = cmd("exec", *by_file, "app.toml", "--", "sh", "-c", show, env=base)
    assert "DB=v-1" in child.stdout
    # Wrong PINs that hold the canary, and a PIN put in the URI: refused, never repeated.
    cmd("resolve", "app.toml", env={**by_env, "CIPHERTOOL_KEYSTORE_PASSWORD": pin + "x"}, code=3)
    cmd("resolve", "-k", f"{uri}?pin-value={pin}", "app.toml", env=base, code=2)
    proc = subprocess.Popen(
        [*CIPHERTOOL, "encrypt", "-k", uri], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, env=by_env, cwd=work,
    )  # fmt: skip
    time.sleep(0.3)
    cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes()
    out, err = proc.communicate(b"value", timeout=60)
    assert proc.returncode == 0, err
    assert CANARY.encode() not in cmdline + out + err
    assert _tree_holds_canary(work, tmp) == []
    # The library at DEBUG, a wrong PIN's exception and its traceback.
    import traceback

    from tests.hsm import reset_binding
    from vault.errors import PasswordError
    from vault.keys.ring import load_store
    from vault.secret import Secret

    os.environ["SOFTHSM2_CONF"] = str(conf)
    os.environ["CIPHERTOOL_PKCS11_MODULE"] = SOFTHSM_MODULE or ""
    try:
        reset_binding()
        with caplog.at_level(logging.DEBUG, logger="vault"):
            with pytest.raises(PasswordError) as caught:
                load_store(uri, Secret(pin + "x"))
            store = load_store(uri, Secret(pin))
        text = "".join(traceback.format_exception(caught.value)) + repr(store) + str(store.entries)
        assert CANARY not in text + caplog.text
    finally:
        reset_binding()
        del os.environ["SOFTHSM2_CONF"], os.environ["CIPHERTOOL_PKCS11_MODULE"]


STORE_PW = f"store-{CANARY}"
KEY_PW = f"key-{CANARY}"
SOURCES = [
    "CIPHERTOOL_KEYSTORE_PASSWORD",
    "--storepass-env",
    "--storepass-file",
    "password-tmp",
    "password-persist",
    "CREDENTIALS_DIRECTORY",
]


def _child_environ(args: list[str], env: dict[str, str], cwd: Path) -> bytes:
    """/proc/PID/environ of exec's child, read from outside while it runs (exec
    replaces ciphertool: the child has its PID)."""
    proc = subprocess.Popen(
        [*CIPHERTOOL, *args, "--", "sleep", "30"],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError(proc.stderr.read() if proc.stderr else b"")
            if Path(f"/proc/{proc.pid}/cmdline").read_bytes().startswith(b"sleep\0"):
                return Path(f"/proc/{proc.pid}/environ").read_bytes()
            time.sleep(0.05)
        raise AssertionError("exec's child did not start")
    finally:
        proc.kill()
        proc.communicate(timeout=30)


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("key_source", ["same", "CIPHERTOOL_KEY_PASSWORD", "--keypass-env"])
def test_execs_child_never_holds_a_keystore_password(
    tmp_path: Path, source: str, key_source: str
) -> None:
    folder = tmp_path / "svc"
    folder.mkdir()
    key_pw = STORE_PW if key_source == "same" else KEY_PW
    keystore = folder / "svc.jks"
    create_keystore(keystore, "svc", Secret(STORE_PW), kind="jks", key_password=Secret(key_pw))
    from vault.crypto.ring import KeyEntry, KeyRing
    from vault.keystores import load_keystore

    cert = load_keystore(keystore, Secret(STORE_PW)).certificate_der()
    value = KeyRing([KeyEntry(cert)]).encrypt(f"{CANARY}-value")
    (folder / "app.yml").write_text(f"secrets:\n  db_password: {value}\n")
    env = clean_env(CIPHERTOOL_KEYSTORE=str(keystore), TMPDIR=str(tmp_path))
    args = ["exec"]
    lines = STORE_PW + "\n"
    if key_source == "CIPHERTOOL_KEY_PASSWORD":
        env["CIPHERTOOL_KEY_PASSWORD"] = KEY_PW
    elif key_source == "--keypass-env":
        env["SVC_KEY_PW"] = KEY_PW
        args += ["--keypass-env", "SVC_KEY_PW"]
    if source == "CIPHERTOOL_KEYSTORE_PASSWORD":
        env[source] = STORE_PW
    elif source == "--storepass-env":
        env["SVC_STORE_PW"] = STORE_PW
        args += ["--storepass-env", "SVC_STORE_PW"]
    else:
        name = {
            "--storepass-file": "pw.txt",
            "password-tmp": "password-tmp",
            "password-persist": "password-persist",
            "CREDENTIALS_DIRECTORY": "ciphertool-keystore-password",
        }[source]
        (folder / name).write_text(lines)
        (folder / name).chmod(0o600)
        if source == "--storepass-file":
            args += ["--storepass-file", str(folder / name)]
        if source == "CREDENTIALS_DIRECTORY":
            env[source] = str(folder)
    environ = _child_environ([*args, "app.yml"], env, folder)
    assert f"DB_PASSWORD={CANARY}-value".encode() in environ.split(b"\0")  # the search works
    assert STORE_PW.encode() not in environ
    assert KEY_PW.encode() not in environ
    for name in ("CIPHERTOOL_KEYSTORE_PASSWORD", "CIPHERTOOL_KEY_PASSWORD", "SVC_STORE_PW"):
        assert not any(v.startswith(name.encode() + b"=") for v in environ.split(b"\0"))
