"""SoftHSM2 tokens for the tests: each test its own token directory (SOFTHSM2_CONF).

A token with one RSA-2048 key pair ("app", made by ``ciphertool keystore create``
inside the token) is made once per session and copied for each test: key
generation in SoftHSM takes a second or two. Tests that cannot get SoftHSM2 (or
python-pkcs11) skip, saying why.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import CIPHERTOOL, clean_env

LABEL = "vault-hsm"
PIN = "hsm-pin-4711"
SO_PIN = "so-pin-0815"

SOFTHSM_MODULE = next(
    (
        p
        for p in (
            "/usr/lib/softhsm/libsofthsm2.so",
            "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
            "/usr/lib64/softhsm/libsofthsm2.so",
        )
        if Path(p).is_file()
    ),
    None,
)
P11KIT_CLIENT = next(
    (
        p
        for p in (
            "/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so",
            "/usr/lib64/pkcs11/p11-kit-client.so",
        )
        if Path(p).is_file()
    ),
    None,
)

HSM_MISSING = (
    "SoftHSM2's module (libsofthsm2.so) is not installed (apt-get install softhsm2)"
    if SOFTHSM_MODULE is None
    else "softhsm2-util is not on PATH"
    if shutil.which("softhsm2-util") is None
    else "python-pkcs11 is not installed (pip install 'secure-vault[pkcs11]')"
    if importlib.util.find_spec("pkcs11") is None
    else None
)
needs_hsm = pytest.mark.skipif(HSM_MISSING is not None, reason=HSM_MISSING or "")
P11KIT_MISSING = (
    "p11-kit's server or client module is missing (apt-get install p11-kit)"
    if P11KIT_CLIENT is None or shutil.which("p11-kit") is None
    else None
)


@dataclass
class Token:
    """One test's SoftHSM2 token: its folder, config, label, PIN and PIN file."""

    root: Path
    conf: Path
    pin_file: Path
    label: str = LABEL
    pin: str = PIN
    module: str = SOFTHSM_MODULE or ""

    def uri(self, obj: str | None = "app", *, module: bool = False) -> str:
        text = f"pkcs11:token={self.label}" + (f";object={obj}" if obj else "")
        return text + (f"?module-path={self.module}" if module else "")

    def env(self, **extra: str) -> dict[str, str]:
        """The environment a ciphertool subprocess gets: this token, the module named."""
        env = {"SOFTHSM2_CONF": str(self.conf), "CIPHERTOOL_PKCS11_MODULE": self.module}
        return clean_env(**{**env, **extra})


def write_conf(root: Path) -> Path:
    tokens = root / "tokens"
    tokens.mkdir(parents=True, exist_ok=True)
    conf = root / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    return conf


def init_token(conf: Path, label: str = LABEL, pin: str = PIN) -> None:
    subprocess.run(
        [
            *("softhsm2-util", "--init-token", "--free", "--label", label),
            *("--pin", pin, "--so-pin", SO_PIN),
        ],
        env=clean_env(SOFTHSM2_CONF=str(conf)),
        check=True,
        capture_output=True,
        timeout=60,
    )


def _make_template(root: Path) -> Path:
    conf = write_conf(root)
    init_token(conf)
    pin_file = root / "pin"
    pin_file.write_text(PIN + "\n")
    pin_file.chmod(0o600)
    token = Token(root, conf, pin_file)
    done = subprocess.run(
        [
            *(*CIPHERTOOL, "keystore", "create", token.uri(None), "--alias", "app"),
            *("--dname", "CN=vault-hsm app, O=Test", "--storepass-file", str(pin_file)),
        ],
        env=token.env(),
        capture_output=True,
        timeout=120,
        cwd=root,
    )
    assert done.returncode == 0, done.stderr
    return root


@pytest.fixture(scope="session")
def _token_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if HSM_MISSING is not None:
        pytest.skip(HSM_MISSING)
    return _make_template(tmp_path_factory.mktemp("hsm-template"))


@pytest.fixture
def token(_token_template: Path, tmp_path: Path) -> Token:
    """A token of this test's own, holding the key pair 'app'."""
    root = tmp_path / "hsm"
    root.mkdir()
    shutil.copytree(_token_template / "tokens", root / "tokens")
    conf = write_conf(root)
    pin_file = root / "pin"
    pin_file.write_text(PIN + "\n")
    pin_file.chmod(0o600)
    return Token(root, conf, pin_file)


def reset_binding() -> None:
    """Forget this process's sessions and finalise the modules, so that the next token
    opened in-process reads the SOFTHSM2_CONF of its own test."""
    from vault.keystores import _pkcs11_session as sessions

    with sessions.LOCK:
        sessions.SESSIONS.clear()
        sessions.OLD_SESSIONS.clear()
        import pkcs11

        for so in list(pkcs11._loaded):
            lib = pkcs11._loaded[so]
            if lib.initialized:
                lib.finalize()


@pytest.fixture
def in_process(token: Token, monkeypatch: pytest.MonkeyPatch) -> Iterator[Token]:
    """The token, opened in this test process (SOFTHSM2_CONF and the module set)."""
    monkeypatch.setenv("SOFTHSM2_CONF", str(token.conf))
    monkeypatch.setenv("CIPHERTOOL_PKCS11_MODULE", token.module)
    for name in ("CIPHERTOOL_KEYSTORE", "CIPHERTOOL_KEYSTORE_PASSWORD", "CIPHERTOOL_HOME"):
        monkeypatch.delenv(name, raising=False)
    reset_binding()
    yield token
    reset_binding()
