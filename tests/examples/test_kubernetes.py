"""examples/kubernetes: every document parsed and the fields the recipe relies on
checked (no cluster runs here), then the pod's two containers run as kubelet would
start them: the init container resolving into a tmpfs emptyDir, the service reading
its *_FILE."""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.examples import container
from tests.examples.container import Step, parse_dockerfile
from tests.examples.test_docker import DB_PASSWORD, context, read_line
from tests.examples.test_docker import EXAMPLE as DOCKER

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "kubernetes"
needs_namespaces = pytest.mark.skipif(container.WHY_NOT is not None, reason=container.WHY_NOT or "")


def documents() -> list[dict[str, Any]]:
    found = []
    for path in sorted(EXAMPLE.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            assert isinstance(document, dict), path
            for key in ("apiVersion", "kind"):
                assert isinstance(document.get(key), str), (path, key)
            assert document["metadata"]["name"], path
            found.append(document)
    return found


def deployment() -> dict[str, Any]:
    (found,) = [d for d in documents() if d["kind"] == "Deployment"]
    assert found["apiVersion"] == "apps/v1"
    return found


def mount_of(
    spec: dict[str, Any], item: dict[str, Any], path: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The volume and mount of ``item`` (a container) that ``path`` lies under."""
    volumes = {v["name"]: v for v in spec["volumes"]}
    for mount in item.get("volumeMounts", []):
        if path == mount["mountPath"] or path.startswith(mount["mountPath"].rstrip("/") + "/"):
            return volumes[mount["name"]], mount
    raise AssertionError(f"{item['name']}: nothing mounted at {path}")


def env_of(item: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in item.get("env", [])}


def test_the_deployment_holds_what_the_recipe_relies_on() -> None:
    found = deployment()
    pod = found["spec"]["template"]
    assert found["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
    spec = pod["spec"]
    (init,) = spec["initContainers"]
    (app,) = spec["containers"]
    # The init container: ciphertool resolve FILE --output-dir DIR, DIR in a tmpfs emptyDir.
    command = init["command"]
    assert command[:2] == ["ciphertool", "resolve"]
    folder = command[command.index("--output-dir") + 1]
    volume, mount = mount_of(spec, init, folder)
    assert volume["emptyDir"]["medium"] == "Memory"
    assert folder != mount["mountPath"]  # the mount point is root's 0777: a folder inside it
    config = next(a for a in command[2:] if a.endswith(".toml"))
    assert "configMap" in mount_of(spec, init, config)[0]
    # The keystore from one Secret, its password from another, both the init container's.
    env = env_of(init)
    keystore_volume = mount_of(spec, init, env["CIPHERTOOL_KEYSTORE"])[0]
    password_ref = env["CIPHERTOOL_KEYSTORE_PASSWORD"]["secretKeyRef"]
    assert password_ref["name"] != keystore_volume["secret"]["secretName"]
    assert keystore_volume["secret"]["defaultMode"] & 0o040  # fsGroup reads it (non-root)
    app_env = env_of(app)
    assert not any(name.startswith("CIPHERTOOL_") for name in app_env)
    assert all(m["name"] != "keystore" for m in app["volumeMounts"])
    # The service: the same emptyDir, read-only, and *_FILE names under DIR.
    app_volume, app_mount = mount_of(spec, app, folder)
    assert app_volume is volume and app_mount["readOnly"] is True
    files = [v for k, v in app_env.items() if k.endswith("_FILE")]
    assert files and all(f.startswith(folder + "/") for f in files)
    # One user for both (the files are 0400, their folder 0700), and not root.
    security = spec["securityContext"]
    assert security["runAsNonRoot"] is True and security["runAsUser"] != 0
    for item in (init, app):
        assert "runAsUser" not in item.get("securityContext", {})


@needs_namespaces
def test_the_pod_starts_as_kubelet_would_start_it(tmp_path: Path) -> None:
    found = deployment()
    spec = found["spec"]["template"]["spec"]
    (init,) = spec["initContainers"]
    (app,) = spec["containers"]
    image = parse_dockerfile(DOCKER / "Dockerfile")
    srv, secrets = context(tmp_path)
    user = str(spec["securityContext"]["runAsUser"])
    group = spec["securityContext"]["fsGroup"]
    # kubelet's volumes: the ConfigMap, the keystore Secret (root, group fsGroup, its
    # defaultMode), the Secret's value as a variable, the emptyDir a 0777 tmpfs.
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    shutil.copy(srv / "app" / "app.toml", config_dir)
    keystore_dir = tmp_path / "keystore"
    keystore_dir.mkdir()
    shutil.copy(secrets / "vault.p12", keystore_dir)
    os.chown(keystore_dir / "vault.p12", 0, group)
    keystore_volume = mount_of(spec, init, env_of(init)["CIPHERTOOL_KEYSTORE"])[0]
    (keystore_dir / "vault.p12").chmod(keystore_volume["secret"]["defaultMode"])
    password = (secrets / "keystore-password").read_text().strip()
    mounts = {m["name"]: m["mountPath"] for m in init["volumeMounts"]}
    binds = {"/srv": srv, mounts["config"]: config_dir, mounts["keystore"]: keystore_dir}
    tmpfs = {mounts["app-secrets"]: "mode=0777,size=1m"}

    def environment(item: dict[str, Any]) -> dict[str, str]:
        env = container.image_env(image)
        for name, value in env_of(item).items():
            env[name] = value if isinstance(value, str) else password
        return env

    folder = init["command"][init["command"].index("--output-dir") + 1]
    look = (
        f'stat -L -c "%a %u" {folder} {folder}/db_password; '
        f'printf "[%s]\\n" "$(cat {folder}/db_password)"'
    )
    steps = [
        Step(init["command"], environment(init), user=user, workdir=image.workdir),
        Step(["sh", "-c", look], environment(app), user=user),
        Step(app["command"], environment(app), user=user, workdir=image.workdir),
    ]
    proc = container.start(steps, binds=binds, tmpfs=tmpfs)
    try:
        lines = [read_line(proc) for _ in range(4)]
        assert lines == [
            f"700 {user}\n",
            f"400 {user}\n",
            f"[{DB_PASSWORD}]\n",
            f"ready: pid 1, database password of {len(DB_PASSWORD)} characters\n",
        ], proc.stderr.read().decode() if proc.stderr and not all(lines) else lines
        pid = container.container_pid(proc)
        environ = Path(f"/proc/{pid}/environ").read_bytes()
        assert b"CIPHERTOOL_KEYSTORE_PASSWORD" not in environ and password.encode() not in environ
        os.kill(pid, signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert (out, proc.returncode) == (b"stopping on SIGTERM\n", 0), err
