"""rotate: every secret moved to the new key, a plan first, and crash-safe.

The crash test kills a real ``ciphertool rotate`` with SIGKILL at failpoints of its
write sequence (CIPHERTOOL_FAILPOINT=N) over TOML, YAML, JSON and .properties stores in
three folders, and checks what is left. The suite kills at every failpoint (issue 17:
the same crash tests as before the layout); for a quick local run,
``CIPHERTOOL_CRASH_SAMPLE=1`` kills only at a sample that covers every failpoint site
(the first and last time each is reached) and, per step of the sequence, each way of
settling::

    CIPHERTOOL_CRASH_SAMPLE=1 .venv/bin/pytest -q tests/operations/test_rotate.py -k sigkill
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import Run, assert_clean_error, clean_env
from vault import atomic
from vault.crypto.ring import KeyRing
from vault.keys.passwords import PasswordOptions
from vault.keys.ring import open_key_ring
from vault.keys.spec import KeystoreSpec
from vault.keystores.create import create_keystore
from vault.operations.files import read_config
from vault.operations.workspace import aliases
from vault.secret import Secret

OLD_PASSWORD = "old-store-pass"
NEW_PASSWORD = "new-store-pass"
LONG = "long-secret-" + "x" * 400  # over one RSA block: hybrid
FOLDERS = ("alpha", "beta", "gamma")
FULL = os.environ.get("CIPHERTOOL_CRASH_SAMPLE") != "1"
# Runs ciphertool with every failpoint counted, none fired, and writes where each one sits
# (function:line, in the order reached) to $FAILPOINT_TRACE.
TRACE_FAILPOINTS = """
import atexit, json, os, sys
from vault.atomic import failpoint
sites = []
def called(frame, event, arg):
    if event == "call" and frame.f_code is failpoint.__code__:
        sites.append(f"{frame.f_back.f_code.co_name}:{frame.f_back.f_lineno}")
sys.setprofile(called)
atexit.register(lambda: open(os.environ["FAILPOINT_TRACE"], "w").write(json.dumps(sites)))
from vault.cli.fast import main
main(sys.argv[1:])
"""


def _ring(path: Path, password: str) -> KeyRing:
    env = {"CIPHERTOOL_KEYSTORE_PASSWORD": password}
    return open_key_ring(KeystoreSpec(str(path)), PasswordOptions(), environ=env)


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("keys")
    create_keystore(folder / "old.p12", "old", Secret(OLD_PASSWORD))
    create_keystore(folder / "old.jks", "old", Secret(OLD_PASSWORD), kind="JKS")
    create_keystore(folder / "new.jks", "new", Secret(NEW_PASSWORD), kind="JKS")
    (folder / "old.pass").write_text(OLD_PASSWORD + "\n")
    (folder / "new.pass").write_text(NEW_PASSWORD + "\n")
    for name in ("old.pass", "new.pass"):
        (folder / name).chmod(0o600)
    return {
        "old": folder / "old.p12",
        "old.jks": folder / "old.jks",
        "new": folder / "new.jks",
        "old.pass": folder / "old.pass",
        "new.pass": folder / "new.pass",
    }


def _values(folder: str, lean: bool) -> dict[str, dict[str, str]]:
    """Plaintexts by store file name and alias; each store has all three envelopes
    (lean: one each, the three envelopes spread over the stores)."""
    full = {
        name: {
            f"{stem}_self": f"{folder}-{stem}-self-contained-pässword",
            f"{stem}_plain": f"{folder}-{stem}-plain",
            f"{stem}_hybrid": f"{LONG}-{folder}-{stem}",
        }
        for name, stem in (
            ("deployment.toml", "toml"),
            ("application.yml", "yaml"),
            ("config.json", "json"),
            ("cipher-text.properties", "props"),
        )
    }
    if not lean:
        return full
    keep = {"toml_self", "yaml_hybrid", "json_plain", "props_self"}
    return {name: {a: v for a, v in e.items() if a in keep} for name, e in full.items()}


def _encrypted(ring: KeyRing, alias: str, value: str) -> str:
    if alias.endswith("_plain"):
        return ring.encrypt(value, format="plain", transformation="RSA/ECB/PKCS1Padding")
    return ring.encrypt(value)


def _write_set(root: Path, ring: KeyRing, lean: bool) -> dict[tuple[str, str, str], str]:
    """Three folders of configs whose stores hold secrets under the old key."""
    originals: dict[tuple[str, str, str], str] = {}
    for folder in FOLDERS:
        where = root / folder
        where.mkdir()
        values = _values(folder, lean)
        ct = {
            name: {a: _encrypted(ring, a, v) for a, v in entries.items()}
            for name, entries in values.items()
        }
        for name, entries in values.items():
            for alias, value in entries.items():
                originals[(folder, name, alias)] = value
        toml = ct["deployment.toml"]
        (where / "deployment.toml").write_text(
            "# deployment\n[server]\nhostname = 'localhost'  # kept\n\n"
            '[database]\npassword = "$secret{toml_self}"\n\n[secrets]\n'
            + "".join(f'{a} = "{c}"\n' for a, c in toml.items())
            + "\n[after]\nkept = true\n"
        )
        yaml = ct["application.yml"]
        (where / "application.yml").write_text(
            "spring:\n  datasource:\n    password: $secret{yaml_self}  # ref\n"
            "secrets:\n" + "".join(f"  {a}: {c}\n" for a, c in yaml.items())
        )
        js = ct["config.json"]
        entries = ",\n".join(f'    "{a}": "{c}"' for a, c in js.items())
        (where / "config.json").write_text(
            '{\n  "db": {"password": "$secret{json_self}"},\n  "secrets": {\n'
            + entries
            + "\n  }\n}\n"
        )
        (where / "app.properties").write_text("db.password=$secret{props_self}\n")
        props = ct["cipher-text.properties"]
        (where / "cipher-text.properties").write_text(
            "# stores\n" + "".join(f"{a}={c}\n" for a, c in props.items())
        )
        (where / "deployment.toml").chmod(0o640)
    return originals


@pytest.fixture(scope="module")
def template(
    tmp_path_factory: pytest.TempPathFactory, keys: dict[str, Path]
) -> tuple[Path, dict[tuple[str, str, str], str]]:
    root = tmp_path_factory.mktemp("template")
    return root, _write_set(root, _ring(keys["old"], OLD_PASSWORD), lean=False)


@pytest.fixture(scope="module")
def lean_template(
    tmp_path_factory: pytest.TempPathFactory, keys: dict[str, Path]
) -> tuple[Path, dict[tuple[str, str, str], str]]:
    """One secret per store and JKS keystores: the crash test runs the tool ~150 times."""
    root = tmp_path_factory.mktemp("lean")
    return root, _write_set(root, _ring(keys["old.jks"], OLD_PASSWORD), lean=True)


@pytest.fixture
def setup(
    tmp_path: Path, template: tuple[Path, dict[tuple[str, str, str], str]]
) -> tuple[Path, dict[tuple[str, str, str], str]]:
    root = tmp_path / "configs"
    shutil.copytree(template[0], root)
    return root, template[1]


CONFIG_NAMES = ("deployment.toml", "application.yml", "config.json", "app.properties")


def _configs(root: Path) -> list[str]:
    return [str(root / f / n) for f in FOLDERS for n in CONFIG_NAMES]


def _rotate_args(root: Path, keys: dict[str, Path], *extra: str, old: str = "old") -> list[str]:
    return [
        "rotate",
        *_configs(root),
        "--keystore",
        str(keys[old]),
        "--storepass-file",
        str(keys["old.pass"]),
        "--to-keystore",
        str(keys["new"]),
        "--to-storepass-file",
        str(keys["new.pass"]),
        *extra,
    ]


def _store_format(name: str) -> str:
    return {"toml": "toml", "yml": "yaml", "json": "json"}.get(name.rsplit(".", 1)[1], "properties")


def _read_secrets(root: Path, ring: KeyRing) -> dict[tuple[str, str, str], tuple[str, str, str]]:
    """(plaintext, envelope, key thumbprint) of every store entry; every file must parse."""
    found = {}
    for folder in FOLDERS:
        for name in ("deployment.toml", "application.yml", "config.json", "cipher-text.properties"):
            path = root / folder / name
            store = read_config(path, _store_format(name))
            for alias, scalar in aliases(store).items():
                opened = ring.open(scalar.value)
                found[(folder, name, alias)] = (
                    opened.secret.reveal(),
                    opened.envelope,
                    opened.key_thumbprint,
                )
        read_config(root / folder / "app.properties", "properties")
    return found


def _leftovers(root: Path) -> list[str]:
    expected = {*CONFIG_NAMES, "cipher-text.properties"}
    return sorted(
        str(p.relative_to(root))
        for folder in FOLDERS
        for p in (root / folder).iterdir()
        if p.name not in expected
    )


def _explained(name: str) -> bool:
    stores = ("deployment.toml", "application.yml", "config.json", "cipher-text.properties")
    if name.startswith(atomic.JOURNAL_PREFIX) and name.endswith(atomic.JOURNAL_SUFFIX):
        return True
    if name.endswith(atomic.LOCK_SUFFIX):
        return True  # a lock file of a killed run: the next run uses it, then removes it
    return any(name in (f".{s}.rotate-new", f".{s}.rotate-old") for s in stores)


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.endswith(atomic.LOCK_SUFFIX)
    }


def test_rotate_moves_every_secret_and_keeps_each_envelope(
    run: Run, keys: dict[str, Path], setup: tuple[Path, dict[tuple[str, str, str], str]]
) -> None:
    root, originals = setup
    old_ring = _ring(keys["old"], OLD_PASSWORD)
    new_ring = _ring(keys["new"], NEW_PASSWORD)
    before = _read_secrets(root, old_ring)
    original_bytes = _snapshot(root)
    result = run(*_rotate_args(root, keys))
    assert result.returncode == 0, result.stderr
    assert "rotated 36 secret(s)" in result.stderr
    after = _read_secrets(root, new_ring)  # the new key alone reads everything
    assert {k: v[0] for k, v in after.items()} == originals
    assert {k: v[1] for k, v in after.items()} == {k: v[1] for k, v in before.items()}
    new_tp = new_ring.entries[0].thumbprint
    assert {v[2] for v in after.values()} == {new_tp}
    assert _leftovers(root) == []
    # Only ciphertext lines changed; the mode was kept.
    for rel, data in _snapshot(root).items():
        old_lines = original_bytes[rel].decode().splitlines()
        new_lines = data.decode().splitlines()
        assert len(old_lines) == len(new_lines), rel
        for a, b in zip(old_lines, new_lines, strict=True):
            assert a == b or ("_self" in a or "_plain" in a or "_hybrid" in a), (rel, a)
    for folder in FOLDERS:
        assert (root / folder / "deployment.toml").stat().st_mode & 0o777 == 0o640
    # A second run keeps everything and touches no byte.
    rotated = _snapshot(root)
    again = run(*_rotate_args(root, keys))
    assert again.returncode == 0, again.stderr
    assert "rotated 0 secret(s)" in again.stderr and "36 already under it" in again.stderr
    assert _snapshot(root) == rotated


def test_dry_run_prints_the_plan_and_changes_nothing(
    run: Run, keys: dict[str, Path], setup: tuple[Path, dict[tuple[str, str, str], str]]
) -> None:
    root, _ = setup
    before = _snapshot(root)
    result = run(*_rotate_args(root, keys, "--dry-run"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 36
    old_tp = _ring(keys["old"], OLD_PASSWORD).entries[0].thumbprint
    new_tp = _ring(keys["new"], NEW_PASSWORD).entries[0].thumbprint
    assert (
        f"{root / 'alpha' / 'deployment.toml'}:9  toml_self  {old_tp} -> {new_tp}  rotate" in lines
    )
    plan = json.loads(run(*_rotate_args(root, keys, "--dry-run", "--json")).stdout)
    assert {(p["action"], p["from_thumbprint"], p["to_thumbprint"]) for p in plan} == {
        ("rotate", old_tp, new_tp)
    }
    assert {p["envelope"] for p in plan} == {"self-contained", "plain", "hybrid"}
    assert _snapshot(root) == before


def _foreign_ciphertext(tmp_path: Path) -> str:
    create_keystore(tmp_path / "foreign.p12", "foreign", Secret("foreign-pass"))
    return _ring(tmp_path / "foreign.p12", "foreign-pass").encrypt("not ours")


def test_a_secret_no_key_reads_stops_the_run_and_names_it(
    run: Run,
    keys: dict[str, Path],
    setup: tuple[Path, dict[tuple[str, str, str], str]],
    tmp_path: Path,
) -> None:
    root, _ = setup
    props = root / "beta" / "cipher-text.properties"
    props.write_text(props.read_text() + f"stranger={_foreign_ciphertext(tmp_path)}\n")
    before = _snapshot(root)
    plan = run(*_rotate_args(root, keys, "--dry-run"))
    assert plan.returncode == 1, plan.stderr
    assert f"{props}:5  stranger  - -> " in plan.stdout and "unreadable" in plan.stdout
    result = run(*_rotate_args(root, keys))
    assert_clean_error(result, 3, f"{props}:5 stranger", "nothing changed")
    assert _snapshot(root) == before


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"--to-storepass-file": "wrong"}, "password"),
        ({"--to-alias": "no-such-key"}, "no-such-key"),
        ({"--to-keystore": "missing.p12"}, "missing.p12"),
    ],
)
def test_a_bad_new_key_changes_no_file(
    run: Run,
    keys: dict[str, Path],
    setup: tuple[Path, dict[tuple[str, str, str], str]],
    tmp_path: Path,
    change: dict[str, str],
    needle: str,
) -> None:
    root, _ = setup
    (tmp_path / "wrong").write_text("not-the-password\n")
    (tmp_path / "wrong").chmod(0o600)
    args = _rotate_args(root, keys)
    for flag, value in change.items():
        value = str(tmp_path / value)
        if flag in args:
            args[args.index(flag) + 1] = value
        else:
            args += [flag, value]
    before = _snapshot(root)
    result = run(*args)
    assert result.returncode in (2, 3), result.stderr
    assert_clean_error(result, result.returncode, needle)
    assert _snapshot(root) == before


def test_rotate_needs_somewhere_to_go(
    run: Run, keys: dict[str, Path], setup: tuple[Path, dict[tuple[str, str, str], str]]
) -> None:
    root, _ = setup
    args = _rotate_args(root, keys)[:-4]
    assert_clean_error(run(*args), 2, "--to-keystore")


def test_to_alias_alone_rotates_within_the_keystore(run: Run, tmp_path: Path) -> None:
    """WSO2's -Drotate -Dold.alias: a second key in the same (keytool-made) keystore."""
    from tests.conftest import KEYSTORES, VECTOR_PASSWORD

    keystore = tmp_path / "multi.p12"
    shutil.copy(KEYSTORES / "jdk17-two-keys.p12", keystore)
    env = clean_env(CIPHERTOOL_KEYSTORE=str(keystore), CIPHERTOOL_KEYSTORE_PASSWORD=VECTOR_PASSWORD)
    listing = json.loads(run("keystore", "list", str(keystore), "--json", env=env).stdout)[
        "entries"
    ]
    key_aliases = [e["alias"] for e in listing if e["kind"] == "private-key"]
    assert len(key_aliases) >= 2, listing
    first, second = key_aliases[:2]
    ciphertext = run("encrypt", "--alias", first, input="pw-1", env=env).stdout.strip()
    config = tmp_path / "app.toml"
    config.write_text(f'[secrets]\ndb = "{ciphertext}"\n')
    result = run("rotate", str(config), "--alias", first, "--to-alias", second, env=env)
    assert result.returncode == 0, result.stderr
    listed = json.loads(run("list", str(config), "--alias", second, "--json", env=env).stdout)
    second_tp = next(e["thumbprint"] for e in listing if e["alias"] == second)
    assert [(i["alias"], i["state"], i["thumbprint"]) for i in listed] == [
        ("db", "encrypted", second_tp)
    ]
    decrypted = run("decrypt", "--alias", second, input=_store_value(config), env=env)
    assert decrypted.stdout == "pw-1", decrypted.stderr


def _store_value(config: Path) -> str:
    return config.read_text().split('"')[1]


# -- crash safety ------------------------------------------------------------------


def _check_whole(root: Path, both: KeyRing, originals: dict[tuple[str, str, str], str]) -> None:
    """Every file parses and every secret decrypts, with the old key or the new, to its value."""
    found = _read_secrets(root, both)
    assert {k: v[0] for k, v in found.items()} == originals
    for name in _leftovers(root):
        assert _explained(Path(name).name), name
    plaintexts = [v.encode() for v in originals.values()]
    for data in _snapshot(root).values():
        assert not any(p in data for p in plaintexts)


def test_sigkill_at_every_failpoint_leaves_every_secret_readable_and_the_next_run_finishes(
    run: Run,
    keys: dict[str, Path],
    lean_template: tuple[Path, dict[tuple[str, str, str], str]],
    tmp_path: Path,
) -> None:
    old_ring = _ring(keys["old.jks"], OLD_PASSWORD)
    new_ring = _ring(keys["new"], NEW_PASSWORD)
    both = KeyRing([*old_ring.entries, *new_ring.entries])
    new_tp = new_ring.entries[0].thumbprint
    originals = lean_template[1]
    original_bytes = _snapshot(lean_template[0])

    def kill_at(point: int) -> bool:
        """Kill the run at ``point``; check what is left; settle it. False: not reached."""
        root = tmp_path / f"run{point}"
        shutil.copytree(lean_template[0], root)
        env = clean_env(CIPHERTOOL_FAILPOINT=str(point))
        result = run(*_rotate_args(root, keys, old="old.jks"), env=env)
        if result.returncode == 0:
            assert _leftovers(root) == []
            return False
        assert result.returncode == -signal.SIGKILL, (point, result.stderr)
        _check_whole(root, both, originals)
        if point % 3 == 0:
            # Roll back: every file exactly as it was, unless the set was already done.
            done = any(
                json.loads((root / n).read_text())["state"] == "done"
                for n in _leftovers(root)
                if "rotation" in n
            )
            # killed after the last journal was removed (a killed run's lock files stay)
            settled = all(n.endswith(atomic.LOCK_SUFFIX) for n in _leftovers(root))
            before = _snapshot(root)
            back = run("rotate", "--rollback", *_configs(root))
            assert back.returncode == 0, back.stderr
            assert _leftovers(root) == []
            if settled:
                assert _snapshot(root) == before
            elif done:
                assert {v[2] for v in _read_secrets(root, new_ring).values()} == {new_tp}
            else:
                assert _snapshot(root) == original_bytes, point
        elif point % 3 == 1:
            # Any write command settles the set first.
            env_old = clean_env(
                CIPHERTOOL_KEYSTORE=str(keys["old.jks"]), CIPHERTOOL_KEYSTORE_PASSWORD=OLD_PASSWORD
            )
            configured = run("configure", *_configs(root), env=env_old)
            assert configured.returncode == 0, configured.stderr
            assert [n for n in _leftovers(root) if "rotation" in n] == []
            _check_whole(root, both, originals)
        finish = run(*_rotate_args(root, keys, old="old.jks"))
        assert finish.returncode == 0, (point, finish.stderr)
        assert _leftovers(root) == []
        found = _read_secrets(root, new_ring)
        assert {k: v[0] for k, v in found.items()} == originals
        assert {v[2] for v in found.values()} == {new_tp}
        shutil.rmtree(root)
        return True

    sites = _failpoint_sites(lean_template[0], keys, tmp_path / "trace")
    assert len(sites) >= 50, sites
    points = list(range(1, len(sites) + 1)) if FULL else _sample(sites)
    # The point after the last is not reached: the trace counted what a real run reaches.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = list(pool.map(kill_at, [*points, len(sites) + 1]))
    assert results == [True] * len(points) + [False], points


def _failpoint_sites(template: Path, keys: dict[str, Path], root: Path) -> list[str]:
    """Where each failpoint a full rotation of ``template`` reaches sits, in order."""
    shutil.copytree(template, root)
    trace = root / "failpoints.json"
    env = clean_env(CIPHERTOOL_FAILPOINT="1000000", FAILPOINT_TRACE=str(trace))
    done = subprocess.run(
        [sys.executable, "-c", TRACE_FAILPOINTS, *_rotate_args(root, keys, old="old.jks")],
        capture_output=True,
        env=env,
        cwd=root,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    sites: list[str] = json.loads(trace.read_text())
    shutil.rmtree(root)
    return sites


def _sample(sites: list[str]) -> list[int]:
    """Failpoints (1-based) to kill at, in each step of the sequence (a run of points at the
    same site: the new files, the links, the journals prepared, the renames, the journals
    done, the copies removed, the journals removed): its first and its last point, and one
    point of each way the test settles a killed run (point % 3) it has."""
    steps: list[list[int]] = []
    for point, site in enumerate(sites, 1):
        if point == 1 or site != sites[point - 2]:
            steps.append([])
        steps[-1].append(point)
    chosen: set[int] = set()
    for points in steps:
        chosen |= {points[0], points[-1]}
        for mode in range(3):
            candidates = [p for p in points if p % 3 == mode]
            if candidates and not any(p % 3 == mode for p in chosen.intersection(points)):
                chosen.add(candidates[len(candidates) // 2])
    return sorted(chosen)


def test_a_run_killed_after_commit_is_finished_by_the_next_write_command(
    run: Run,
    keys: dict[str, Path],
    setup: tuple[Path, dict[tuple[str, str, str], str]],
) -> None:
    """Kill right after the journals are written (12 new files + 12 links + 3 journals):
    the set is committed, so a configure on one file of one folder finishes the set."""
    root, originals = setup
    result = run(*_rotate_args(root, keys), env=clean_env(CIPHERTOOL_FAILPOINT="27"))
    assert result.returncode == -signal.SIGKILL
    journals = [n for n in _leftovers(root) if "rotation" in n]
    assert len(journals) == 3
    document = json.loads((root / journals[0]).read_text())
    # Each journal names the 4 files of its own folder, by bare name, and the 2 other folders.
    assert document["state"] == "prepared" and len(document["files"]) == 4
    assert all("/" not in f["name"] for f in document["files"])
    assert len(document["peers"]) == 2
    env_old = clean_env(
        CIPHERTOOL_KEYSTORE=str(keys["old"]), CIPHERTOOL_KEYSTORE_PASSWORD=OLD_PASSWORD
    )
    settled = run("configure", str(root / "alpha" / "config.json"), env=env_old)
    assert settled.returncode == 0, settled.stderr
    assert "finished an interrupted rotation" in settled.stderr
    assert _leftovers(root) == []
    new_ring = _ring(keys["new"], NEW_PASSWORD)
    assert {k: v[0] for k, v in _read_secrets(root, new_ring).items()} == originals


def test_a_damaged_journal_is_reported_not_guessed(
    run: Run, keys: dict[str, Path], setup: tuple[Path, dict[tuple[str, str, str], str]]
) -> None:
    root, _ = setup
    journal = root / "alpha" / f"{atomic.JOURNAL_PREFIX}0123{atomic.JOURNAL_SUFFIX}"
    journal.write_text("{not json")
    result = run(*_rotate_args(root, keys))
    assert_clean_error(result, 2, str(journal), "damaged rotation journal")
    assert journal.exists()


def test_failpoint_is_inert_without_the_variable() -> None:
    assert "CIPHERTOOL_FAILPOINT" not in os.environ
    atomic.failpoint()


def test_plaintext_entries_and_aliases_of_aliases_are_left_as_they_are(
    run: Run, keys: dict[str, Path], tmp_path: Path
) -> None:
    ciphertext = _ring(keys["old"], OLD_PASSWORD).encrypt("real")
    config = tmp_path / "app.toml"
    config.write_text(
        f'[secrets]\nreal = "{ciphertext}"\nsame = "$secret{{real}}"\nlater = "[not yet]"\n'
    )
    args = _rotate_args(tmp_path, keys)
    args = [args[0], str(config), *args[1 + len(_configs(tmp_path)) :]]
    plan = json.loads(run(*args, "--dry-run", "--json").stdout)
    assert [(p["alias"], p["action"]) for p in plan] == [
        ("real", "rotate"),
        ("same", "skip"),
        ("later", "skip"),
    ]
    assert run(*args).returncode == 0
    text = config.read_text()
    assert 'same = "$secret{real}"' in text and 'later = "[not yet]"' in text
    listed = json.loads(
        run(
            "list",
            str(config),
            "--keystore",
            str(keys["new"]),
            "--json",
            env=clean_env(CIPHERTOOL_KEYSTORE_PASSWORD=NEW_PASSWORD),
        ).stdout
    )
    assert [(i["alias"], i["state"]) for i in listed] == [
        ("real", "encrypted"),
        ("same", "encrypted"),
        ("later", "plaintext"),
    ]


def _stderr_on_a_terminal(args: list[str]) -> tuple[int, bytes]:
    """(exit code, what stderr showed) of ciphertool ARGS with stderr a terminal."""
    import pty
    import subprocess

    from tests.conftest import CIPHERTOOL

    main, child = pty.openpty()
    proc = subprocess.run(
        [*CIPHERTOOL, *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=child,
        env=clean_env(),
        timeout=120,
    )
    os.close(child)
    shown = b""
    with contextlib.suppress(OSError):
        while chunk := os.read(main, 65536):
            shown += chunk
    os.close(main)
    return proc.returncode, shown


def _many_secrets(
    tmp_path: Path, keys: dict[str, Path], unreadable: int | None = None
) -> list[str]:
    """rotate arguments for one config of 120 secrets (one of them, if asked, for a key
    neither ring holds)."""
    ring = _ring(keys["old.jks"], OLD_PASSWORD)
    if unreadable is not None:
        create_keystore(tmp_path / "other.p12", "other", Secret(OLD_PASSWORD))
        other = _ring(tmp_path / "other.p12", OLD_PASSWORD)
    config = tmp_path / "app.toml"
    config.write_text(
        "[secrets]\n"
        + "".join(
            f's{i} = "{(other if i == unreadable else ring).encrypt(str(i))}"\n' for i in range(120)
        )
    )
    args = _rotate_args(tmp_path, keys, old="old.jks")
    return [args[0], str(config), *args[1 + len(_configs(tmp_path)) :]]


def test_a_progress_bar_on_a_terminal_and_quiet_otherwise(
    run: Run, keys: dict[str, Path], tmp_path: Path
) -> None:
    args = _many_secrets(tmp_path, keys)
    code, shown = _stderr_on_a_terminal(args)
    assert code == 0
    assert b"re-encrypting" in shown and b"100%" in shown
    quiet = run(*args)  # stderr a pipe: the summary line only
    assert quiet.returncode == 0 and quiet.error_lines == [
        f"rotated 0 secret(s) to key {_ring(keys['new'], NEW_PASSWORD).entries[0].thumbprint}; "
        "120 already under it; 0 not encrypted"
    ]


def test_a_failure_ends_the_progress_bar_before_its_error(
    keys: dict[str, Path], tmp_path: Path
) -> None:
    code, shown = _stderr_on_a_terminal(_many_secrets(tmp_path, keys, unreadable=60))
    assert code == 3
    assert b"re-encrypting" in shown
    assert re.search(rb"\nciphertool: error: no key in the ring reads 1 secret", shown), shown


def test_a_tree_moved_after_a_crash_still_settles(
    run: Run,
    keys: dict[str, Path],
    setup: tuple[Path, dict[tuple[str, str, str], str]],
    tmp_path: Path,
) -> None:
    """The journal names files relative to its folder: a restored or remounted copy of
    the tree finishes the rotation where it now is."""
    root, originals = setup
    killed = run(*_rotate_args(root, keys), env=clean_env(CIPHERTOOL_FAILPOINT="30"))
    assert killed.returncode == -signal.SIGKILL
    moved = tmp_path / "restored"
    shutil.move(root, moved)
    journal = next(p for p in (moved / "alpha").iterdir() if "rotation" in p.name)
    assert str(root) not in journal.read_text()
    finish = run(*_rotate_args(moved, keys))
    assert finish.returncode == 0, finish.stderr
    assert _leftovers(moved) == []
    new_ring = _ring(keys["new"], NEW_PASSWORD)
    assert {k: v[0] for k, v in _read_secrets(moved, new_ring).items()} == originals


def test_wso2_symmetric_ciphertexts_are_left_as_they_are(
    run: Run, keys: dict[str, Path], tmp_path: Path
) -> None:
    """Their key is an AES secret key, not the RSA key being rotated: skipped, said so."""
    import base64

    envelope = {
        "cipherText": base64.b64encode(os.urandom(40)).decode(),
        "iv": base64.b64encode(os.urandom(128)).decode(),
    }
    symmetric = base64.b64encode(json.dumps(envelope).encode()).decode()
    ciphertext = _ring(keys["old"], OLD_PASSWORD).encrypt("real")
    config = tmp_path / "app.toml"
    config.write_text(f'[secrets]\nreal = "{ciphertext}"\nsym = "{symmetric}"\n')
    args = _rotate_args(tmp_path, keys)
    args = [args[0], str(config), *args[1 + len(_configs(tmp_path)) :]]
    plan = json.loads(run(*args, "--dry-run", "--json").stdout)
    assert [(p["alias"], p["action"], p["envelope"]) for p in plan] == [
        ("real", "rotate", "self-contained"),
        ("sym", "skip", "symmetric"),
    ]
    assert run(*args).returncode == 0
    assert f'sym = "{symmetric}"' in config.read_text()


SHA256 = "RSA/ECB/OAEPWithSHA-256AndMGF1Padding"


def test_plain_oaep_sha256_blocks_rotate_list_and_check_when_told(
    run: Run, keys: dict[str, Path], tmp_path: Path
) -> None:
    """A bare block names no transformation: --transformation, or the config, says it."""
    old = _ring(keys["old"], OLD_PASSWORD)
    config = tmp_path / "app.toml"
    block = old.encrypt("sha-256", format="plain", transformation=SHA256)
    config.write_text(f'db = "$secret{{s}}"\n[secrets]\ns = "{block}"\n')
    reads = ["--keystore", str(keys["old"]), "--storepass-file", str(keys["old.pass"])]
    assert run("check", str(config), *reads).returncode == 1  # undecryptable
    assert run("check", str(config), *reads, "-t", SHA256).returncode == 0
    listed = run("list", str(config), *reads, "--transformation", SHA256, "--json")
    assert [i["state"] for i in json.loads(listed.stdout)] == ["encrypted"]
    args = [
        "rotate",
        str(config),
        *reads,
        "--to-keystore",
        str(keys["new"]),
        "--to-storepass-file",
        str(keys["new.pass"]),
    ]
    assert_clean_error(run(*args), 3, "no key in the ring reads 1 secret")
    assert config.read_text().endswith(f'"{block}"\n')
    # Said by the config, as a WSO2 product says it: rotate keeps plain and SHA-256.
    config.write_text(
        config.read_text() + f'[system.parameter]\n"org.wso2.CipherTransformation" = "{SHA256}"\n'
    )
    done = run(*args)
    assert done.returncode == 0, done.stderr
    new = _ring(keys["new"], NEW_PASSWORD)
    rotated = read_config(config).document
    value = next(s.value for s in rotated.scalars() if s.path == ("secrets", "s"))
    assert new.open(value, transformation=SHA256)[1:3] == ("plain", SHA256)
    assert new.decrypt(value, transformation=SHA256).reveal() == "sha-256"
    assert_clean_error(run("check", str(config), *reads, "-t", "RSA/NO"), 2, "'RSA/NO'")
