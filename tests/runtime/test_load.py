"""Load: two, then eight processes running protect, configure and rotate on the same files
at once. Every run finishes, every secret is present once and reads back, nothing is
interleaved, nothing is left behind."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import CIPHERTOOL, clean_env
from vault import Vault
from vault.configs.sensitive import SensitiveKeys
from vault.crypto.ring import KeyRing
from vault.keys.ring import open_key_ring
from vault.keys.spec import KeystoreSpec
from vault.keystores.create import create_keystore
from vault.operations.inspect import check
from vault.secret import Secret

PASSWORD = "load-pass"
N = 6


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("keys")
    create_keystore(folder / "old.jks", "old", Secret(PASSWORD), kind="JKS")
    create_keystore(folder / "new.jks", "new", Secret(PASSWORD), kind="JKS")
    return {"old": folder / "old.jks", "new": folder / "new.jks"}


def _write_configs(folder: Path) -> list[Path]:
    toml = folder / "deployment.toml"
    toml.write_text(
        "".join(f'[db{i}]\npassword = "toml-{i}"\nurl = "jdbc:{i}"\n\n' for i in range(N))
        + "[secrets]\n"
        + "".join(f'stored{i} = "[stored-{i}]"\n' for i in range(N))
    )
    yaml = folder / "app.yml"
    yaml.write_text("".join(f"svc{i}:\n  token: yaml-{i}  # c\n" for i in range(N)))
    props = folder / "db.properties"
    props.write_text("".join(f"db{i}.password=props-{i}\n" for i in range(N)))
    return [toml, yaml, props]


def _command(n: int, files: list[Path], keys: dict[str, Path]) -> list[str]:
    names = [str(f) for f in files]
    kind = ("protect", "configure", "rotate")[n % 3]
    if kind == "rotate":
        return [*CIPHERTOOL, "rotate", *names, "--to-keystore", str(keys["new"])]
    # Some runs take every file, some one: the lock sets overlap without being equal.
    chosen = names if n % 2 == 0 else [names[n % len(names)]]
    # --new-key: a store a rotation has moved to the new key still gets the old one's
    # ciphertexts here, on purpose (else the run stops: no ciphertext there is for it).
    return [*CIPHERTOOL, kind, "--new-key", *chosen]


@pytest.mark.parametrize("processes", [2, 8])
def test_concurrent_runs_lose_and_interleave_nothing(
    tmp_path: Path, keys: dict[str, Path], processes: int
) -> None:
    files = _write_configs(tmp_path)
    env = clean_env(
        CIPHERTOOL_KEYSTORE=str(keys["old"]),
        CIPHERTOOL_KEYSTORE_PASSWORD=PASSWORD,
        NEWPW=PASSWORD,
    )
    commands = [_command(n, files, keys) for n in range(processes)]
    commands = [[*c, "--to-storepass-env", "NEWPW"] if "rotate" in c else c for c in commands]
    running = [
        subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path)
        for c in commands
    ]
    for proc, command in zip(running, commands, strict=True):
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, (command, err.decode())
    # Whatever order they ran in, one more protect and configure finish the job ...
    for kind in ("protect", "configure"):
        last = subprocess.run(
            [*CIPHERTOOL, kind, "--new-key", *map(str, files)],
            capture_output=True,
            env=env,
            timeout=60,
        )
        assert last.returncode == 0, last.stderr.decode()
    # ... and every secret is there once, readable by the old or the new key.
    environ = {"CIPHERTOOL_KEYSTORE_PASSWORD": PASSWORD}
    old = open_key_ring(KeystoreSpec(str(keys["old"])), environ=environ)
    new = open_key_ring(KeystoreSpec(str(keys["new"])), environ=environ)
    both = KeyRing([*old.entries, *new.entries])
    assert check(files, both, SensitiveKeys(())) == []
    vault = Vault(both)
    toml = vault.load(files[0])
    assert [toml[f"db{i}"]["password"] for i in range(N)] == [f"toml-{i}" for i in range(N)]
    assert [toml[f"db{i}"]["url"] for i in range(N)] == [f"jdbc:{i}" for i in range(N)]
    secrets = vault.secrets(files[0])
    assert sorted(secrets) == sorted(
        [f"stored{i}" for i in range(N)] + [f"db{i}_password" for i in range(N)]
    )
    assert [secrets[f"stored{i}"].reveal() for i in range(N)] == [f"stored-{i}" for i in range(N)]
    yaml = vault.load(files[1])
    assert [yaml[f"svc{i}"]["token"] for i in range(N)] == [f"yaml-{i}" for i in range(N)]
    props = vault.load(files[2])
    assert [props[f"db{i}.password"] for i in range(N)] == [f"props-{i}" for i in range(N)]
    # No key is written twice: each store lists each alias once.
    assert files[0].read_text().count("stored0 =") == 1
    assert (tmp_path / "cipher-text.properties").read_text().count("db0.password=") == 1
    leftovers = {p.name for p in tmp_path.iterdir()} - {
        "deployment.toml",
        "app.yml",
        "db.properties",
        "cipher-text.properties",
    }
    assert leftovers == set()
