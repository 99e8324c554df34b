"""vault.runtime.secretdir and ``resolve --output-dir``: one file per secret, one set at a time.

Real folders, real processes (a reader in a loop beside the writer, ``ciphertool``
killed at each failpoint), and a second real user (``setpriv``) planting things in
a shared folder.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Run, assert_clean_error, clean_env
from vault.crypto.ring import KeyEntry, KeyRing
from vault.errors import InputError, ResolveError
from vault.keystores import load_keystore
from vault.keystores.create import create_keystore
from vault.runtime.load import Vault, write_secret_dir
from vault.runtime.secretdir import DATA_LINK, publish
from vault.secret import Secret

PASSWORD = "outdir-pass"
NOBODY = ("setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups")


@pytest.fixture(scope="module")
def keystore(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ks") / "service.p12"
    create_keystore(path, "service", Secret(PASSWORD))
    return path


@pytest.fixture(scope="module")
def ring(keystore: Path) -> KeyRing:
    store = load_keystore(keystore, Secret(PASSWORD))
    return KeyRing([KeyEntry(store.certificate(), store.private_key())])


def env_for(keystore: Path, **extra: str) -> dict[str, str]:
    return clean_env(
        CIPHERTOOL_KEYSTORE=str(keystore), CIPHERTOOL_KEYSTORE_PASSWORD=PASSWORD, **extra
    )


def secrets_of(**values: str) -> dict[str, Secret]:
    return {alias: Secret(value) for alias, value in values.items()}


def read_set(folder: Path) -> dict[str, bytes]:
    """The published set as a reader by name sees it: NAME -> bytes."""
    return {
        entry.name: entry.read_bytes()
        for entry in folder.iterdir()
        if not entry.name.startswith("..")
    }


def snapshot(path: Path) -> dict[str, tuple[int, bytes | str]]:
    """Everything under ``path`` (links not followed): mode and content or link target."""
    out: dict[str, tuple[int, bytes | str]] = {}
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            full = Path(root, name)
            info = full.lstat()
            if stat.S_ISLNK(info.st_mode):
                out[str(full.relative_to(path))] = (info.st_mode, os.readlink(full))
            elif stat.S_ISREG(info.st_mode):
                out[str(full.relative_to(path))] = (info.st_mode, full.read_bytes())
            else:
                out[str(full.relative_to(path))] = (info.st_mode, "")
    return out


def versions(folder: Path) -> list[str]:
    return sorted(e.name for e in folder.iterdir() if e.name.startswith("..2"))


# -- the library: vault.runtime.secretdir.publish ----------------------------------------------


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o077])
def test_each_value_alone_in_a_0400_file_in_a_0700_folder(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        publish(tmp_path / "out", secrets_of(db="pä$$ wörd", api_key="k-1\n", empty_not="x"))
    finally:
        os.umask(old)
    out = tmp_path / "out"
    assert stat.S_IMODE(out.lstat().st_mode) == 0o700
    assert read_set(out) == {
        "db": "pä$$ wörd".encode(),
        "api_key": b"k-1\n",  # the value as it is: nothing added, nothing stripped
        "empty_not": b"x",
    }
    for name in ("db", "api_key", "empty_not"):
        info = (out / name).stat()
        assert stat.S_ISREG(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o400
        assert info.st_uid == os.geteuid()
        assert os.readlink(out / name) == f"{DATA_LINK}/{name}"
    (version,) = versions(out)
    assert os.readlink(out / DATA_LINK) == version
    assert stat.S_IMODE((out / version).lstat().st_mode) == 0o700


def test_a_new_set_replaces_the_old_and_its_stale_files_go(tmp_path: Path) -> None:
    out = tmp_path / "out"
    publish(out, secrets_of(a="1", b="2"))
    first = versions(out)
    publish(out, secrets_of(b="3", c="4"))
    assert read_set(out) == {"b": b"3", "c": b"4"}
    assert sorted(os.listdir(out)) == sorted([DATA_LINK, *versions(out), "b", "c"])
    assert len(versions(out)) == 1 and versions(out) != first
    publish(out, {})
    assert read_set(out) == {} and len(versions(out)) == 1


def test_an_empty_existing_folder_is_taken_and_closed(tmp_path: Path) -> None:
    """An emptyDir mount point is an empty folder, mode 0777: it is used, made 0700."""
    out = tmp_path / "mount"
    out.mkdir()
    out.chmod(0o777)
    publish(out, secrets_of(db="x"))
    assert stat.S_IMODE(out.lstat().st_mode) == 0o700
    assert read_set(out) == {"db": b"x"}


@pytest.mark.parametrize("name", ["..data", "..", ".", "..2026_01_01_00_00_00.0badcafe", "..x"])
def test_a_name_of_the_folders_own_is_refused_and_nothing_written(
    tmp_path: Path, name: str
) -> None:
    with pytest.raises(InputError, match="cannot name a file of --output-dir") as info:
        publish(tmp_path / "out", secrets_of(**{name: "x", "ok": "y"}))
    assert info.value.alias == name
    assert not (tmp_path / "out").exists()


def _foreign(tmp_path: Path, kind: str) -> Path:
    """An existing --output-dir that is not the tool's own."""
    out = tmp_path / "out"
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep").write_text("keep me")
    if kind == "link to a folder":
        out.symlink_to(victim)
    elif kind == "link to an own set":
        publish(victim / "set", secrets_of(a="old"))
        out.symlink_to(victim / "set")
    elif kind == "dangling link":
        out.symlink_to(tmp_path / "nowhere")
    elif kind == "file":
        out.write_text("a file")
    elif kind == "folder with files":
        out.mkdir()
        (out / "data.txt").write_text("someone's")
    elif kind == "folder of another user":
        out.mkdir()
        os.chown(out, 65534, 65534)
    return out


@pytest.mark.parametrize(
    "kind",
    [
        "link to a folder",
        "link to an own set",
        "dangling link",
        "file",
        "folder with files",
        "folder of another user",
    ],
)
def test_an_existing_folder_not_the_tools_own_is_refused_untouched(
    tmp_path: Path, kind: str
) -> None:
    out = _foreign(tmp_path, kind)
    before = snapshot(tmp_path)
    with pytest.raises(InputError, match="not touched") as info:
        publish(out, secrets_of(a="new"))
    assert info.value.path == str(out)
    assert snapshot(tmp_path) == before
    assert not (tmp_path / "nowhere").exists()


def test_a_store_entry_named_to_lead_out_of_the_folder_writes_nothing(
    run: Run, tmp_path: Path, ring: KeyRing, keystore: Path
) -> None:
    """Someone who can write the config and its store holds the certificate, so can
    encrypt under any name the reader accepts: none leads outside DIR."""
    (tmp_path / "app.properties").write_text("a=$secret{../victim}\n")
    (tmp_path / "cipher-text.properties").write_text(f"../victim={ring.encrypt('evil')}\n")
    result = run("resolve", "app.properties", "--output-dir", "out", env=env_for(keystore))
    assert_clean_error(result, 2, "'../victim'")  # refused by the store's reader, else here
    assert sorted(os.listdir(tmp_path)) == ["app.properties", "cipher-text.properties"]


def test_links_planted_in_an_own_folder_are_replaced_not_followed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    publish(out, secrets_of(a="1"))
    victim = tmp_path / "victim"
    victim.write_text("victim")
    (out / "b").symlink_to(victim)  # by the same user: the folder is 0700
    publish(out, secrets_of(a="2", b="3"))
    assert victim.read_text() == "victim"
    assert read_set(out) == {"a": b"2", "b": b"3"}
    assert os.readlink(out / "b") == f"{DATA_LINK}/b"


def test_leftovers_of_a_stopped_run_are_removed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    publish(out, secrets_of(a="1"))
    stale = out / "..2020_01_01_00_00_00.deadbeef"
    stale.mkdir(mode=0o700)
    (stale / "a").write_text("old secret")
    (out / "..data.0123abcd.tmp").symlink_to(stale.name)
    (out / "gone").symlink_to(f"{DATA_LINK}/gone")
    (out / "notes.txt").write_text("the operator's")  # not ours: left alone
    publish(out, secrets_of(a="2"))
    assert sorted(os.listdir(out)) == sorted([DATA_LINK, *versions(out), "a", "notes.txt"])


needs_setpriv = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None,
    reason="needs root and setpriv to act as a second user",
)


@pytest.fixture
def open_tmp() -> Iterator[Path]:
    """A folder another user can reach (pytest's tmp_path sits under a 0700 folder)."""
    path = Path(tempfile.mkdtemp(prefix="ciphertool-secretdir-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path)


@needs_setpriv
@pytest.mark.parametrize("plant", ["symlink", "folder"])
def test_another_user_planting_the_name_in_a_shared_folder_is_refused(
    open_tmp: Path, plant: str
) -> None:
    """/tmp-like: mode 1777. The other user gets there first, with a link to a folder
    of root's, or a folder of their own; neither is written into."""
    tmp_path = open_tmp
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    victim = tmp_path / "root-only"
    victim.mkdir(mode=0o755)
    (victim / "keep").write_text("keep")
    out = shared / "secrets"
    command = ["ln", "-s", str(victim), str(out)] if plant == "symlink" else ["mkdir", str(out)]
    subprocess.run([*NOBODY, *command], check=True)
    before = snapshot(tmp_path)
    with pytest.raises(InputError, match="not touched"):
        publish(out, secrets_of(a="secret"))
    assert snapshot(tmp_path) == before
    # In its own folder, the name not taken, it works, and the other user reads nothing.
    mine = shared / "mine"
    publish(mine, secrets_of(a="secret"))
    peek = subprocess.run([*NOBODY, "cat", str(mine / "a")], capture_output=True)
    assert peek.returncode != 0 and b"secret" not in peek.stdout


# -- a reader in a loop never sees a mix -------------------------------------------------

READER = r"""
import json, os, sys
folder, stop, sets = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
common = set.intersection(*(set(s) for s in sets))
seen = {"sets": [0] * len(sets), "started_again": 0, "mixed": [], "by_name": 0, "bad_by_name": []}
while not os.path.exists(stop):
    # The reader's protocol for a whole set: where ..data points, the files there,
    # ..data again; another version name means read again.
    link = os.path.join(folder, "..data")
    try:
        version = os.readlink(link)
        got = {}
        for name in os.listdir(os.path.join(folder, version)):
            with open(os.path.join(folder, version, name), "rb") as handle:
                got[name] = handle.read().decode()
    except FileNotFoundError:  # nothing published yet, or removed after a switch
        seen["started_again"] += 1
        continue
    if os.readlink(link) != version:
        seen["started_again"] += 1
        continue
    if got in sets:
        seen["sets"][sets.index(got)] += 1
    else:
        seen["mixed"].append(got)
    for name in common:  # a reader by name, as a *_FILE consumer: whole values only
        with open(os.path.join(folder, name), "rb") as handle:
            value = handle.read().decode()
        seen["by_name"] += 1
        if value not in {s[name] for s in sets}:
            seen["bad_by_name"].append(value)
print(json.dumps(seen))
"""


class Reader:
    """The READER loop in a process of its own, beside the writer."""

    def __init__(self, tmp_path: Path, folder: Path, sets: list[dict[str, str]]) -> None:
        self.stop = tmp_path / "stop"
        self.sets = sets
        self.proc = subprocess.Popen(
            [sys.executable, "-c", READER, str(folder), str(self.stop), json.dumps(sets)],
            stdout=subprocess.PIPE,
        )

    def result(self) -> dict[str, object]:
        self.stop.touch()
        out, _ = self.proc.communicate(timeout=60)
        assert self.proc.returncode == 0
        seen: dict[str, object] = json.loads(out)
        assert seen["mixed"] == [] and seen["bad_by_name"] == [], seen
        return seen


@pytest.fixture
def memory_tmp(tmp_path: Path) -> Iterator[Path]:
    """A folder in memory (/dev/shm) where there is one, as /run/secrets or an emptyDir
    of medium Memory would be: the loops then time the tool, not the disk's fsync."""
    if not os.path.isdir("/dev/shm"):
        yield tmp_path
        return
    path = Path(tempfile.mkdtemp(prefix="ciphertool-secretdir-", dir="/dev/shm"))
    yield path
    shutil.rmtree(path)


def test_a_reader_in_a_loop_never_sees_a_mix_of_two_sets(memory_tmp: Path) -> None:
    tmp_path = memory_tmp
    out = tmp_path / "out"
    sets = [
        {"db": "A" * 3000, "api": "a-api", "only_a": "a"},
        {"db": "B" * 50, "api": "b-api", "only_b": "b"},
    ]
    publish(out, secrets_of(**sets[0]))
    reader = Reader(tmp_path, out, sets)
    for i in range(300):
        publish(out, secrets_of(**sets[i % 2]))
    seen = reader.result()
    assert all(isinstance(n, int) and n > 0 for n in seen["sets"]), seen  # type: ignore[attr-defined]
    assert len(versions(out)) == 1


def test_two_writers_at_once_take_turns(memory_tmp: Path) -> None:
    out = memory_tmp / "out"
    sets = [{"x": "1", "y": "one"}, {"x": "2", "z": "two"}]
    code = (
        "import sys\nfrom vault.runtime.secretdir import publish\nfrom vault.secret import Secret\n"
        "for _ in range(60):\n"
        "    publish(sys.argv[1], {k: Secret(v) for k, v in dict(a.split('=') for a in "
        "sys.argv[2:]).items()})\n"
    )
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(out), *(f"{k}={v}" for k, v in s.items())]
        )
        for s in sets
    ]
    assert [w.wait(timeout=120) for w in writers] == [0, 0]
    assert {k: v.decode() for k, v in read_set(out).items()} in sets
    assert len(versions(out)) == 1


# -- the library over configs, and the command line ------------------------------------


def write_toml(folder: Path, ring: KeyRing) -> Path:
    config = folder / "app.toml"
    config.write_text(
        '[db]\npassword = "$secret{db_password}"\nurl = "pg://u:$secret{db_password}@h"\n'
        '[api]\nkey = "$secret{api.key}"\n'
        f'[secrets]\ndb_password = "{ring.encrypt("pä$$ word")}"\n'
        f'"api.key" = "{ring.encrypt("k-1")}"\nunused = "{ring.encrypt("not referenced")}"\n'
    )
    return config


def test_write_dir_writes_what_the_config_refers_to(tmp_path: Path, ring: KeyRing) -> None:
    config = write_toml(tmp_path, ring)
    written = Vault(ring).write_dir(config, tmp_path / "out")
    assert written == ["db_password", "api.key"]
    assert read_set(tmp_path / "out") == {"db_password": "pä$$ word".encode(), "api.key": b"k-1"}


def test_write_secret_dir_opens_the_keystore_as_load_config(
    tmp_path: Path, ring: KeyRing, keystore: Path
) -> None:
    config = tmp_path / "app.properties"
    config.write_text("db.password=$secret{db}\n")
    (tmp_path / "cipher-text.properties").write_text(f"db={ring.encrypt('s3')}\nother=x\n")
    env = {"CIPHERTOOL_KEYSTORE": str(keystore), "CIPHERTOOL_KEYSTORE_PASSWORD": PASSWORD}
    assert write_secret_dir(config, tmp_path / "out", environ=env) == ["db"]
    assert read_set(tmp_path / "out") == {"db": b"s3"}


def test_a_dangling_reference_writes_nothing(tmp_path: Path, ring: KeyRing) -> None:
    config = write_toml(tmp_path, ring)
    out = tmp_path / "out"
    Vault(ring).write_dir(config, out)
    before = snapshot(out)
    config.write_text(config.read_text().replace("$secret{api.key}", "$secret{nope}"))
    with pytest.raises(ResolveError, match="nope") as info:
        Vault(ring).write_dir(config, out)
    assert info.value.alias == "nope"
    assert snapshot(out) == before
    with pytest.raises(ResolveError):
        Vault(ring).write_dir(config, tmp_path / "fresh")
    assert not (tmp_path / "fresh").exists()


def test_cli_writes_the_set_and_prints_nothing(
    run: Run, tmp_path: Path, ring: KeyRing, keystore: Path
) -> None:
    write_toml(tmp_path, ring)
    result = run("resolve", "app.toml", "--output-dir", "run/secrets", env=env_for(keystore))
    assert_clean_error(result, 2, "run/secrets: cannot create the folder: No such file")
    (tmp_path / "run").mkdir()
    result = run("resolve", "app.toml", "--output-dir", "run/secrets", env=env_for(keystore))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    out = tmp_path / "run" / "secrets"
    assert read_set(out) == {"db_password": "pä$$ word".encode(), "api.key": b"k-1"}
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    assert stat.S_IMODE((out / "api.key").stat().st_mode) == 0o400


def test_cli_dangling_reference_exit_3_and_nothing_written(
    run: Run, tmp_path: Path, ring: KeyRing, keystore: Path
) -> None:
    config = write_toml(tmp_path, ring)
    assert run("resolve", "app.toml", "--output-dir", "out", env=env_for(keystore)).returncode == 0
    before = snapshot(tmp_path / "out")
    config.write_text(config.read_text().replace("$secret{api.key}", "$secret{nope}"))
    result = run("resolve", "--output-dir=out", "app.toml", env=env_for(keystore))
    assert_clean_error(result, 3, "app.toml", "nope")
    assert snapshot(tmp_path / "out") == before
    result = run("resolve", "app.toml", "--output-dir", "fresh", env=env_for(keystore))
    assert_clean_error(result, 3, "nope")
    assert not (tmp_path / "fresh").exists()


def test_cli_refusals_are_one_line_exit_2(
    run: Run, tmp_path: Path, ring: KeyRing, keystore: Path
) -> None:
    write_toml(tmp_path, ring)
    result = run("resolve", "app.toml", "-o", "env", "--output-dir", "out", env=env_for(keystore))
    assert_clean_error(result, 2, "--output-dir")
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "x").write_text("x")
    result = run("resolve", "app.toml", "--output-dir", "taken", env=env_for(keystore))
    assert_clean_error(result, 2, "taken: is not empty", "not touched")
    (tmp_path / "link").symlink_to(tmp_path / "taken")
    result = run("resolve", "app.toml", "--output-dir", "link", env=env_for(keystore))
    assert_clean_error(result, 2, "link: exists and is not a folder")
    assert os.listdir(tmp_path / "taken") == ["x"]


def _iter_failpoints(
    tmp_path: Path, keystore: Path, run: Run, args: list[str]
) -> Iterator[tuple[int, int]]:
    for point in range(1, 10):
        killed = run(*args, env=env_for(keystore, CIPHERTOOL_FAILPOINT=str(point)))
        yield point, killed.returncode
        if killed.returncode == 0:
            return


def test_killed_at_each_failpoint_the_old_set_or_the_new_one_reads_whole(
    run: Run, tmp_path: Path, ring: KeyRing, keystore: Path
) -> None:
    config = write_toml(tmp_path, ring)
    old_text = config.read_text()
    new_text = old_text.replace("$secret{api.key}", "$secret{unused}")
    old = {"db_password": "pä$$ word".encode(), "api.key": b"k-1"}
    new = {"db_password": "pä$$ word".encode(), "unused": b"not referenced"}
    args = ["resolve", "app.toml", "--output-dir", "out"]
    killed = 0
    for point in range(1, 10):
        config.write_text(old_text)
        shutil.rmtree(tmp_path / "out", ignore_errors=True)
        assert run(*args, env=env_for(keystore)).returncode == 0
        config.write_text(new_text)
        result = run(*args, env=env_for(keystore, CIPHERTOOL_FAILPOINT=str(point)))
        if result.returncode == 0:
            break
        assert result.returncode == -9, result.stderr
        killed += 1
        # what a *_FILE reader finds: every name of the published set, whole
        published = read_set(tmp_path / "out" / DATA_LINK)
        assert published in (old, new)
        assert {n: (tmp_path / "out" / n).read_bytes() for n in published} == published
        assert run(*args, env=env_for(keystore)).returncode == 0
        assert read_set(tmp_path / "out") == new
        assert len(versions(tmp_path / "out")) == 1
    assert killed == 3


def test_a_first_run_killed_before_its_switch_is_finished_by_the_next(
    run: Run, tmp_path: Path, ring: KeyRing, keystore: Path
) -> None:
    write_toml(tmp_path, ring)
    args = ["resolve", "app.toml", "--output-dir", "out"]
    for point in (1, 2):
        shutil.rmtree(tmp_path / "out", ignore_errors=True)
        killed = run(*args, env=env_for(keystore, CIPHERTOOL_FAILPOINT=str(point)))
        assert killed.returncode == -9
        assert not (tmp_path / "out" / DATA_LINK).exists()  # nothing published yet
        assert run(*args, env=env_for(keystore)).returncode == 0
        assert read_set(tmp_path / "out") == {
            "db_password": "pä$$ word".encode(),
            "api.key": b"k-1",
        }
        assert len(versions(tmp_path / "out")) == 1


def test_cli_reader_in_a_loop_while_the_config_changes(
    run: Run, tmp_path: Path, ring: KeyRing, keystore: Path
) -> None:
    config = write_toml(tmp_path, ring)
    texts = [config.read_text(), config.read_text().replace("$secret{api.key}", "$secret{unused}")]
    sets = [
        {"db_password": "pä$$ word", "api.key": "k-1"},
        {"db_password": "pä$$ word", "unused": "not referenced"},
    ]
    args = ["resolve", "app.toml", "--output-dir", "out"]
    assert run(*args, env=env_for(keystore)).returncode == 0
    reader = Reader(tmp_path, tmp_path / "out", sets)
    for i in range(1, 4):
        config.write_text(texts[i % 2])
        assert run(*args, env=env_for(keystore)).returncode == 0
    reader.result()
    assert {k: v.decode() for k, v in read_set(tmp_path / "out").items()} == sets[1]
