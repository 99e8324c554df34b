"""examples/docker: the image's entrypoint (``ciphertool exec``) run as the container
would run it, PID 1 in namespaces of its own, and the Compose file's ``*_FILE`` set-up
(``resolve --output-dir`` into a tmpfs volume) run the same way."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from tests.conftest import CIPHERTOOL, clean_env
from tests.examples import container
from tests.examples.container import Step, parse_dockerfile

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "docker"
REPO = EXAMPLE.parent.parent
PASSWORD = "docker-store-pass"
DB_PASSWORD = "db pä$$word 'quoted'"
UID = "10001"

needs_namespaces = pytest.mark.skipif(container.WHY_NOT is not None, reason=container.WHY_NOT or "")


def test_the_dockerfile_starts_the_service_through_ciphertool_exec() -> None:
    image = parse_dockerfile(EXAMPLE / "Dockerfile")
    assert image.entrypoint[:2] == ["ciphertool", "exec"] and image.entrypoint[-1] == "--"
    assert image.cmd and image.user == UID and image.stopsignal == "SIGTERM"
    assert image.env["CIPHERTOOL_KEYSTORE"].startswith("/run/secrets/")
    assert not any("PASSWORD" in name for name in image.env)  # never in the image
    for sources, _ in image.copies:
        for source in sources:
            assert (REPO / source).exists(), source


def context(tmp_path: Path) -> tuple[Path, Path]:
    """What the operator has before `docker build` and `up`: the keystore, its password
    file and app.toml configured; then the image's files and the secrets as mounted."""
    work = tmp_path / "work"
    shutil.copytree(EXAMPLE, work)
    config = work / "app.toml"
    config.write_text(config.read_text().replace('"[change-me]"', '"[' + DB_PASSWORD + ']"'))
    (work / "keystore-password").write_text(PASSWORD + "\n")
    env = clean_env(CIPHERTOOL_KEYSTORE="vault.p12")
    for args in (
        [
            "keystore",
            "create",
            "vault.p12",
            "--alias",
            "app",
            "--storepass-file",
            "keystore-password",
        ],
        ["configure", "app.toml", "--storepass-file", "keystore-password"],
    ):
        subprocess.run([*CIPHERTOOL, *args], cwd=work, env=env, check=True, capture_output=True)
    assert DB_PASSWORD not in config.read_text()
    # The image: COPY ... /srv/app; the secrets: /run/secrets/NAME, uid 10001, mode 0400.
    srv = tmp_path / "srv"
    image = parse_dockerfile(EXAMPLE / "Dockerfile")
    for sources, target in image.copies:
        if target.startswith("/src/"):
            continue  # the package: the tests' own install stands in for it
        folder = srv / Path(image.workdir, target).relative_to("/srv")
        folder.mkdir(parents=True, exist_ok=True)
        for source in sources:
            shutil.copy(work / Path(source).name, folder)
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    for name in ("vault.p12", "keystore-password"):
        shutil.copy(work / name, secrets / name)
        os.chown(secrets / name, int(UID), int(UID))
        (secrets / name).chmod(0o400)
    return srv, secrets


def run_image(tmp_path: Path, cmd: list[str] | None = None) -> subprocess.Popen[bytes]:
    srv, secrets = context(tmp_path)
    image = parse_dockerfile(EXAMPLE / "Dockerfile")
    step = Step(
        [*image.entrypoint, *(cmd or image.cmd)],
        container.image_env(image),
        user=image.user,
        workdir=image.workdir,
    )
    return container.start([step], binds={"/srv": srv, "/run/secrets": secrets})


def read_line(proc: subprocess.Popen[bytes]) -> str:
    """The next line the container prints ('' once it has ended)."""
    assert proc.stdout is not None
    return proc.stdout.readline().decode()


@needs_namespaces
def test_the_service_runs_as_pid_1_with_its_secret_and_sigterm_reaches_it(tmp_path: Path) -> None:
    proc = run_image(tmp_path)
    try:
        line = read_line(proc)
        assert line == f"ready: pid 1, database password of {len(DB_PASSWORD)} characters\n", (
            line + proc.stderr.read().decode() if proc.stderr else ""
        )
        pid = container.container_pid(proc)
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        assert f"DB_PASSWORD={DB_PASSWORD}".encode() in environ
        assert not any(v.startswith(b"CIPHERTOOL_KEYSTORE_PASSWORD") for v in environ)
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        assert cmdline.split(b"\0")[:2] == [b"python", b"service.py"]  # ciphertool replaced itself
        assert Path(f"/proc/{pid}/status").read_text().count(f"Uid:\t{UID}") == 1
        os.kill(pid, signal.SIGTERM)  # what `docker stop` sends
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert out.decode() == "stopping on SIGTERM\n", err
    assert proc.returncode == 0
    assert DB_PASSWORD.encode() not in out + err


@needs_namespaces
def test_the_exit_code_is_the_containers(tmp_path: Path) -> None:
    proc = run_image(tmp_path, ["sh", "-c", 'test -n "$DB_PASSWORD" && exit 7'])
    proc.communicate(timeout=60)
    assert proc.returncode == 7


@needs_namespaces
def test_a_pid_1_without_a_sigterm_handler_ignores_it(tmp_path: Path) -> None:
    """Why the Dockerfile asks for a handler or `init: true`: the kernel gives PID 1 no
    default action, so an unhandled SIGTERM does nothing (docker stop then SIGKILLs)."""
    sleeper = ["python", "-c", "import time; print('up', flush=True); time.sleep(120)"]
    proc = run_image(tmp_path, sleeper)
    try:
        assert read_line(proc) == "up\n"
        pid = container.container_pid(proc)
        os.kill(pid, signal.SIGTERM)
        time.sleep(1.0)
        assert proc.poll() is None and Path(f"/proc/{pid}").exists()
        os.kill(pid, signal.SIGKILL)  # docker stop, after its timeout
        proc.communicate(timeout=30)
        assert proc.returncode != 0
    finally:
        proc.kill()


def test_the_compose_file_uses_output_dir_with_file_variables() -> None:
    compose = yaml.safe_load((EXAMPLE / "compose.yaml").read_text())
    services, volumes = compose["services"], compose["volumes"]
    resolve = services["secrets"]["entrypoint"]
    assert resolve[:2] == ["ciphertool", "resolve"] and "--output-dir" in resolve
    folder = resolve[resolve.index("--output-dir") + 1]
    (volume,) = [
        v.split(":")[0] for v in services["secrets"]["volumes"] if v.split(":")[1] == folder
    ]
    assert volumes[volume]["driver_opts"]["type"] == "tmpfs"
    db = services["db"]
    assert db["environment"]["POSTGRES_PASSWORD_FILE"].startswith(folder + "/")
    assert f"{volume}:{folder}:ro" in db["volumes"]
    assert db["depends_on"]["secrets"]["condition"] == "service_completed_successfully"
    assert services["app"]["init"] is True
    for name in ("secrets", "app"):
        for secret in services[name]["secrets"]:
            assert secret["source"] in compose["secrets"] and secret["mode"] == 0o400


@needs_namespaces
def test_the_compose_secrets_job_then_postgres_reading_its_file(tmp_path: Path) -> None:
    """The `secrets` service as Compose runs it (image, user, its secrets, the tmpfs
    volume with its driver options), then what postgres' entrypoint does as root:
    read the file POSTGRES_PASSWORD_FILE names."""
    compose = yaml.safe_load((EXAMPLE / "compose.yaml").read_text())
    job, db = compose["services"]["secrets"], compose["services"]["db"]
    image = parse_dockerfile(EXAMPLE / "Dockerfile")
    srv, secrets = context(tmp_path)
    (volume_path,) = [v.split(":")[1] for v in job["volumes"]]
    options = compose["volumes"]["app-secrets"]["driver_opts"]["o"]
    check = (
        'f="$POSTGRES_PASSWORD_FILE"; stat -L -c "%a %u" "$(dirname "$f")" "$f"; '
        'printf "[%s]\\n" "$(cat "$f")"; ls -A "$(dirname "$f")" | grep -v "^\\.\\." '
    )
    steps = [
        Step(job["entrypoint"], container.image_env(image), user=image.user, workdir=image.workdir),
        Step(
            ["sh", "-c", check],
            {"PATH": container.PATH, **db["environment"]},
            workdir="/",
        ),
    ]
    proc = container.start(
        steps, binds={"/srv": srv, "/run/secrets": secrets}, tmpfs={volume_path: options}
    )
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode()
    assert out.decode().splitlines() == [
        f"700 {UID}",
        f"400 {UID}",
        f"[{DB_PASSWORD}]",
        "db_password",
    ]
