"""A network HSM, as far as this machine allows: the token served by another process.

``p11-kit server`` loads SoftHSM2 and serves its token on a Unix socket; the
resolver loads only p11-kit's client module. The resolver runs as root without
CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH, so the token's files (owned by another user,
mode 0700) are closed to it: it decrypts through the socket and holds no key
material. Then the server is killed in the middle of a rotation: a clean error,
and nothing written.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import clean_env
from tests.hsm import P11KIT_CLIENT, P11KIT_MISSING, PIN, Token, needs_hsm, reset_binding

pytestmark = [
    needs_hsm,
    pytest.mark.skipif(P11KIT_MISSING is not None, reason=P11KIT_MISSING or ""),
]
NO_DAC = ("setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--inh-caps", "-all")


class Served:
    def __init__(self, token: Token, socket: Path, process: subprocess.Popen[bytes]) -> None:
        self.token = token
        self.socket = socket
        self.process = process

    @property
    def address(self) -> str:
        return f"unix:path={self.socket}"

    def env(self, **extra: str) -> dict[str, str]:
        """A client's environment: no SOFTHSM2_CONF, the client module, the address."""
        env = clean_env(
            P11_KIT_SERVER_ADDRESS=self.address,
            CIPHERTOOL_PKCS11_MODULE=P11KIT_CLIENT or "",
            **extra,
        )
        env.pop("SOFTHSM2_CONF", None)
        return env

    def stop(self) -> None:
        """The server and the children it forked for its clients (its process group)."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(10)
        if self.process.stderr is not None:
            self.process.stderr.close()


@pytest.fixture
def served(token: Token, tmp_path: Path) -> Iterator[Served]:
    """The test's token served by ``p11-kit server``; its files closed to the resolver."""
    if os.geteuid() == 0 and not shutil.which("setpriv"):
        pytest.skip("setpriv is missing: the token's files cannot be closed to the resolver")
    if os.geteuid() == 0:
        shutil.chown(token.root / "tokens", "nobody")
        for path in (token.root / "tokens").rglob("*"):
            shutil.chown(path, "nobody")
        (token.root / "tokens").chmod(0o700)
    socket = tmp_path / "p11kit.sock"
    process = subprocess.Popen(
        [
            *("p11-kit", "server", "-f", "-n", str(socket)),
            *("--provider", token.module, f"pkcs11:token={token.label}"),
        ],
        env=clean_env(SOFTHSM2_CONF=str(token.conf)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # a process group: the children it forks go with it
    )
    deadline = time.monotonic() + 20
    while not socket.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            err = process.stderr.read().decode() if process.stderr else ""
            process.kill()
            process.wait(10)
            if process.stderr is not None:
                process.stderr.close()
            pytest.skip(f"p11-kit server did not start: {err.strip()}")
        time.sleep(0.05)
    server = Served(token, socket, process)
    yield server
    server.stop()


def test_the_resolver_decrypts_through_the_server_and_holds_no_key(
    served: Served, tmp_path: Path
) -> None:
    token = served.token
    config = tmp_path / "app.toml"
    uri = token.uri()
    pin = tmp_path / "pin"
    pin.write_text(PIN + "\n")
    pin.chmod(0o600)
    probe = (
        "import sys\n"
        "from vault import load_config\n"
        "from vault.keys.passwords import PasswordOptions\n"
        f"data = load_config({str(config)!r}, keystore={uri!r}, "
        f"passwords=PasswordOptions(storepass_file={str(pin)!r}))\n"
        "maps = open('/proc/self/maps').read()\n"
        "print(data['db']['password'], 'softhsm' in maps, 'p11-kit-client' in maps)\n"
        "try:\n"
        f"    open({str(next((token.root / 'tokens').rglob('*.object')))!r}, 'rb')\n"
        "    print('token file readable')\n"
        "except PermissionError:\n"
        "    print('token file closed')\n"
    )
    ciphertool = [sys.executable, "-m", "vault"]
    config.write_text('[db]\npassword = "$secret{db}"\n\n[secrets]\ndb = "[through-the-socket]"\n')
    configured = subprocess.run(
        [*ciphertool, "configure", str(config), "-k", uri, "--storepass-file", str(pin)],
        env=served.env(),
        capture_output=True,
        timeout=60,
    )
    assert configured.returncode == 0, configured.stderr
    done = subprocess.run(
        [*NO_DAC, sys.executable, "-c", probe]
        if os.geteuid() == 0
        else [sys.executable, "-c", probe],
        env=served.env(),
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.decode().splitlines()
    assert lines[0] == "through-the-socket False True"  # SoftHSM2 never loaded here
    if os.geteuid() == 0:
        assert lines[1] == "token file closed"
    # The server gone: one line, exit 3.
    served.stop()
    gone = subprocess.run(
        [*ciphertool, "resolve", str(config), "-k", uri, "--storepass-file", str(pin)],
        env=served.env(),
        capture_output=True,
        timeout=60,
    )
    assert gone.returncode == 3, gone.stderr
    assert gone.stderr.decode().count("\n") == 1 and b"Traceback" not in gone.stderr
    assert b"no token matches token=vault-hsm" in gone.stderr


def test_a_token_that_goes_away_mid_rotation_leaves_every_file_as_it_was(
    served: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vault.crypto.ring import KeyRing
    from vault.errors import KeyTroubleError
    from vault.keys.passwords import PasswordOptions
    from vault.keys.ring import open_key_ring
    from vault.keys.spec import keystore_spec
    from vault.keystores.create import create_keystore
    from vault.operations.rotate import rotate
    from vault.secret import Secret

    monkeypatch.setenv("P11_KIT_SERVER_ADDRESS", served.address)
    monkeypatch.setenv("CIPHERTOOL_PKCS11_MODULE", P11KIT_CLIENT or "")
    monkeypatch.delenv("SOFTHSM2_CONF", raising=False)
    reset_binding()
    try:
        old_cert = create_keystore(tmp_path / "old.p12", "old", Secret("file-pass-1"))
        del old_cert
        old = open_key_ring(
            keystore_spec(str(tmp_path / "old.p12"), environ={}),
            environ={"CIPHERTOOL_KEYSTORE_PASSWORD": "file-pass-1"},
        )
        config = tmp_path / "app.toml"
        lines = "".join(f'k{n} = "{old.encrypt(f"v{n}")}"\n' for n in range(6))
        config.write_text(f"[secrets]\n{lines}")
        before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
        new = open_key_ring(
            keystore_spec(served.token.uri(), environ=os.environ),
            PasswordOptions(storepass_file=str(served.token.pin_file)),
        )
        ring = KeyRing.joined([old, new])

        def pull_the_plug(done: int, total: int) -> None:
            if done == total - 3:  # while new ciphertexts are checked with the token
                served.stop()

        with pytest.raises(KeyTroubleError) as caught:
            rotate([config], ring, KeyRing(new.entries[:1]), progress=pull_the_plug)
        message = str(caught.value)
        assert "token 'vault-hsm' failed" in message and "\n" not in message
        assert PIN not in message
        after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
        assert after == before  # nothing half-written, no leftovers
    finally:
        reset_binding()
