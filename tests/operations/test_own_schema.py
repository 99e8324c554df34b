"""Files whose own schema forbids a top-level ``secrets`` store keep it beside them.

Docker Compose files (Compose's own ``secrets:`` names files and variables), Kubernetes
objects (the API server refuses an unknown field) and multi-document YAML (Kubernetes
manifests, Spring profiles): after protect each file is still what its tool accepts,
and every command (protect, configure, check, list, resolve, exec, change, rotate, and
``load_config``) works on it. The files are written after public projects' layouts
(none copied); each says which kind it follows.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import Run, clean_env
from vault import load_config
from vault.configs.sensitive import SensitiveKeys
from vault.configs.store import STORE_FILE_NAME
from vault.keystores.create import create_keystore
from vault.operations.inspect import check
from vault.operations.protect import protect
from vault.operations.workspace import Options
from vault.secret import Secret

PASSWORD = "schema-pass"

# After the Docker "awesome-compose" style samples and the Compose specification's
# secrets example: a web app, Postgres reading its password from a Compose secret file,
# a Redis with a password in the environment, secrets of every kind (file, environment,
# external), anchors and a merge key for shared settings.
COMPOSE = """\
# docker-compose.yml for a small web stack
x-logging: &default-logging
  driver: json-file
  options:
    max-size: "10m"

services:
  web:
    build: ./web
    ports:
      - "8000:8000"
    environment:
      DATABASE_HOST: db
      REDIS_PASSWORD: redis-s3cret-pw   # shared with the redis service
      SMTP_PASSWORD: "mail pass 1"
      DJANGO_SETTINGS_MODULE: app.settings.production
    secrets:
      - db-password
      - source: api-key
        target: /run/secrets/api_key
    logging: *default-logging
    depends_on:
      - db
      - redis
  db:
    image: postgres:16-alpine
    environment:
      POSTGRES_USER: app
      POSTGRES_PASSWORD_FILE: /run/secrets/db-password
    secrets:
      - db-password
    volumes:
      - db-data:/var/lib/postgresql/data
    logging:
      <<: *default-logging
  redis:
    image: redis:7
    command: ["redis-server", "--requirepass", "$${REDIS_PASSWORD}"]

secrets:
  db-password:
    file: ./secrets/db-password.txt
  api-key:
    environment: API_KEY
  tls-cert:
    external: true

volumes:
  db-data: {}
"""

# After the Kubernetes documentation's and many applications' deploy/ manifests: a
# ConfigMap, a Secret with stringData, a Deployment taking both, a Service; one file.
MANIFEST = """\
# deploy/app.yaml: kubectl apply -f deploy/app.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: shop-config
  namespace: shop
data:
  LOG_LEVEL: info
  DATABASE_HOST: postgres.shop.svc.cluster.local
---
apiVersion: v1
kind: Secret
metadata:
  name: shop-secrets
  namespace: shop
type: Opaque
stringData:
  db_password: "k8s-db-pass"
  stripe_api_key: sk_live_51abcdef
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
  namespace: shop
  labels: {app: shop}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: shop
  template:
    metadata:
      labels:
        app: shop
    spec:
      containers:
        - name: shop
          image: ghcr.io/example/shop:1.4.2
          envFrom:
            - configMapRef:
                name: shop-config
          env:
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: shop-secrets
                  key: db_password
          ports:
            - containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: shop
  namespace: shop
spec:
  selector:
    app: shop
  ports:
    - port: 80
      targetPort: 8080
"""

# One Kubernetes object per file, as many repositories keep them (k8s/secret.yaml).
SECRET_OBJECT = """\
apiVersion: v1
kind: Secret
metadata:
  name: grafana-admin
type: Opaque
stringData:
  admin-user: admin
  admin-password: grafana-admin-pw
"""

# After Spring Boot applications' application.yml with profile documents (Spring Boot
# 2.4+ spring.config.activate.on-profile): defaults, then dev and prod.
SPRING = """\
spring:
  application:
    name: orders
  datasource:
    url: jdbc:postgresql://localhost:5432/orders
    username: orders
    password: dev-default-pw
server:
  port: 8080
---
spring:
  config:
    activate:
      on-profile: dev
  datasource:
    password: dev-pw
logging:
  level:
    root: DEBUG
---
spring:
  config:
    activate:
      on-profile: prod
  datasource:
    url: jdbc:postgresql://db.prod.internal:5432/orders
    password: 'prod-pw-9f2'
management:
  endpoints:
    web:
      exposure:
        include: health,info
"""

# The same kind of object as `kubectl get secret -o json` prints it.
SECRET_JSON = """\
{
  "apiVersion": "v1",
  "kind": "Secret",
  "metadata": {"name": "registry"},
  "stringData": {"password": "json-k8s-pw"}
}
"""


@pytest.fixture(scope="module")
def keystores(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("ks")
    create_keystore(folder / "main.p12", "main", Secret(PASSWORD))
    create_keystore(folder / "next.p12", "next", Secret(PASSWORD))
    return folder / "main.p12", folder / "next.p12"


@pytest.fixture
def env(keystores: tuple[Path, Path]) -> dict[str, str]:
    return clean_env(CIPHERTOOL_KEYSTORE=str(keystores[0]), CIPHERTOOL_KEYSTORE_PASSWORD=PASSWORD)


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def _documents(text: str) -> list[Any]:
    return list(yaml.safe_load_all(text))


def _load(path: Path, keystore: Path, **kwargs: Any) -> Any:
    environ = {"CIPHERTOOL_KEYSTORE_PASSWORD": PASSWORD}
    return load_config(path, keystore=keystore, environ=environ, **kwargs)


@pytest.mark.parametrize(
    ("name", "text", "protected"),
    [
        ("docker-compose.yml", COMPOSE, 2),
        ("app.yaml", MANIFEST, 2),
        ("secret.yaml", SECRET_OBJECT, 1),
        ("application.yml", SPRING, 3),
    ],
)
def test_protect_keeps_each_file_what_its_tool_accepts(
    run: Run,
    tmp_path: Path,
    env: dict[str, str],
    keystores: tuple[Path, Path],
    name: str,
    text: str,
    protected: int,
) -> None:
    config = _write(tmp_path, name, text)
    result = run("protect", name, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("protected") == protected, result.stdout
    assert "warning" not in result.stderr
    after = config.read_text()
    before_docs, after_docs = _documents(text), _documents(after)
    # The same documents, the same top-level keys (none added: no "secrets" for the API
    # server or Compose to refuse), only values turned into references.
    assert len(after_docs) == len(before_docs)
    for old, new in zip(before_docs, after_docs, strict=True):
        assert list(new) == list(old)
    assert after.count("$secret{") == protected
    # Resolved, every document is what it was.
    loaded = _load(config, keystores[0])
    assert loaded == (before_docs if len(before_docs) > 1 else before_docs[0])
    store = (tmp_path / STORE_FILE_NAME).read_text()
    assert len(store.splitlines()) == protected
    assert not any(secret in store for secret in ("s3cret", "k8s-db-pass", "admin-pw", "prod-pw"))
    # check is clean, a second protect changes nothing.
    assert run("check", name, env=env).returncode == 0
    again = run("protect", name, env=env)
    assert (again.returncode, config.read_text()) == (0, after), again.stderr


def test_compose_secrets_are_compose_s_own(run: Run, tmp_path: Path, env: dict[str, str]) -> None:
    config = _write(tmp_path, "compose.yaml", COMPOSE)
    assert run("protect", "compose.yaml", env=env).returncode == 0
    after = config.read_text()
    block = COMPOSE[COMPOSE.index("\nsecrets:\n") :]
    assert block in after  # byte for byte, and nothing written into it
    assert _documents(after)[0]["secrets"] == _documents(COMPOSE)[0]["secrets"]
    names = [line.split("=", 1)[0] for line in (tmp_path / STORE_FILE_NAME).read_text().split()]
    assert names == [
        "services_web_environment_REDIS_PASSWORD",
        "services_web_environment_SMTP_PASSWORD",
    ]


def test_an_untouched_compose_file_reads_and_is_left_alone(
    run: Run, tmp_path: Path, env: dict[str, str]
) -> None:
    text = (
        "services:\n  db:\n    image: postgres\n    secrets: [db-password]\n"
        "secrets:\n  db-password:\n    file: ./x\n"
    )
    config = _write(tmp_path, "docker-compose.yml", text)
    stat = config.stat()
    assert run("check", "docker-compose.yml", env=env).returncode == 0
    listed = run("list", "docker-compose.yml", "--json", env=env)
    assert (listed.returncode, json.loads(listed.stdout)) == (0, [])
    resolved = run("resolve", "docker-compose.yml", env=env)
    assert resolved.returncode == 0, resolved.stderr
    assert json.loads(resolved.stdout) == yaml.safe_load(text)
    code = "import os; print(os.environ.get('DB_PASSWORD_FILE', 'unset'))"
    ran = run("exec", "docker-compose.yml", "--", sys.executable, "-c", code, env=env)
    assert (ran.returncode, ran.stdout) == (0, "unset\n"), ran.stderr
    assert run("configure", "docker-compose.yml", env=env).returncode == 0
    assert config.read_text() == text and config.stat().st_mtime_ns == stat.st_mtime_ns
    assert not (tmp_path / STORE_FILE_NAME).exists()


def test_resolve_of_a_multi_document_file_is_a_json_array(
    run: Run, tmp_path: Path, env: dict[str, str]
) -> None:
    _write(tmp_path, "app.yaml", MANIFEST)
    assert run("protect", "app.yaml", env=env).returncode == 0
    resolved = run("resolve", "app.yaml", env=env)
    assert resolved.returncode == 0, resolved.stderr
    assert json.loads(resolved.stdout) == _documents(MANIFEST)
    as_env = run("resolve", "app.yaml", "--output", "env", env=env)
    assert "STRINGDATA_DB_PASSWORD=k8s-db-pass" in as_env.stdout.splitlines()


def test_every_command_on_a_multi_document_file(
    run: Run, tmp_path: Path, env: dict[str, str], keystores: tuple[Path, Path]
) -> None:
    config = _write(tmp_path, "application.yml", SPRING.replace("dev-pw", "$secret{dev_pw}"))
    _write(tmp_path, STORE_FILE_NAME, "dev_pw=[dev-pw]\n")
    # check: the [plaintext] entry and the two plaintext passwords.
    checked = run("check", "application.yml", "--json", env=env)
    assert checked.returncode == 1
    kinds = sorted(f["kind"] for f in json.loads(checked.stdout))
    assert kinds == ["not-encrypted", "plaintext-secret", "plaintext-secret"]
    assert run("configure", "application.yml", env=env).returncode == 0
    assert run("protect", "application.yml", env=env).returncode == 0
    assert run("check", "application.yml", env=env).returncode == 0
    listed = json.loads(run("list", "application.yml", "--json", env=env).stdout)
    assert {i["alias"]: i["references"] for i in listed} == {
        "dev_pw": ["application.yml:16"],
        "spring_datasource_password": ["application.yml:7"],
        "spring_datasource_password_2": ["application.yml:27"],
    }
    changed = run("change", "dev_pw", "--file", "application.yml", input="dev-pw-2\n", env=env)
    assert changed.returncode == 0, changed.stderr
    rotated = run(
        "rotate",
        "application.yml",
        "--to-keystore",
        str(keystores[1]),
        "--to-storepass-env",
        "CIPHERTOOL_KEYSTORE_PASSWORD",
        env=env,
    )
    assert rotated.returncode == 0, rotated.stderr
    expected = _documents(SPRING)
    expected[1]["spring"]["datasource"]["password"] = "dev-pw-2"
    assert _load(config, keystores[1]) == expected
    code = "import os; print(os.environ['SPRING_DATASOURCE_PASSWORD_2'])"
    new_env = {**env, "CIPHERTOOL_KEYSTORE": str(keystores[1])}
    ran = run("exec", "application.yml", "--", sys.executable, "-c", code, env=new_env)
    assert (ran.returncode, ran.stdout) == (0, "prod-pw-9f2\n"), ran.stderr


def test_a_kubernetes_object_in_json(tmp_path: Path, keystores: tuple[Path, Path]) -> None:
    from vault.keys.passwords import PasswordOptions
    from vault.keys.ring import open_key_ring
    from vault.keys.spec import KeystoreSpec

    config = _write(tmp_path, "registry-secret.json", SECRET_JSON)
    ring = open_key_ring(
        KeystoreSpec(str(keystores[0])),
        PasswordOptions(),
        need_private=True,
        environ={"CIPHERTOOL_KEYSTORE_PASSWORD": PASSWORD},
    )
    done = protect([config], ring, SensitiveKeys())
    assert [p.alias for p in done] == ["stringData_password"]
    after = json.loads(config.read_text())
    assert list(after) == list(json.loads(SECRET_JSON))
    assert (tmp_path / STORE_FILE_NAME).is_file()
    assert check([config], ring, SensitiveKeys(), Options()) == []
    assert _load(config, keystores[0]) == json.loads(SECRET_JSON)


def test_secrets_option_names_the_store_of_a_compose_file(
    run: Run, tmp_path: Path, env: dict[str, str], keystores: tuple[Path, Path]
) -> None:
    from vault import Vault

    config = _write(tmp_path, "docker-compose.yml", COMPOSE)
    os.mkdir(tmp_path / "vault")
    store = tmp_path / "vault" / "compose.properties"
    result = run("protect", "docker-compose.yml", "--secrets", str(store), env=env)
    assert result.returncode == 0, result.stderr
    assert store.is_file() and not (tmp_path / STORE_FILE_NAME).exists()
    assert run("check", "docker-compose.yml", "--secrets", str(store), env=env).returncode == 0
    vault = Vault.open(keystores[0], environ={"CIPHERTOOL_KEYSTORE_PASSWORD": PASSWORD})
    assert vault.load(config, store) == _documents(COMPOSE)[0]


def test_a_store_an_earlier_version_wrote_into_a_multi_document_file_is_reported(
    run: Run, tmp_path: Path, env: dict[str, str]
) -> None:
    """ciphertool before 0.2 put the store into the first document; nothing reads it now
    (resolve fails closed on the alias), and check says where it must go."""
    ciphertext = run("encrypt", input="prod-pw", env=env).stdout.strip()
    text = (
        "spring:\n  datasource:\n    password: $secret{spring_datasource_password}\n"
        f'secrets:\n  spring_datasource_password: "{ciphertext}"\n  pending: "[later]"\n'
        "---\nspring:\n  config:\n    activate:\n      on-profile: prod\n"
    )
    _write(tmp_path, "application.yml", text)
    checked = run("check", "application.yml", "--json", env=env)
    assert checked.returncode == 1
    found = [(f["line"], f["kind"], f["alias"]) for f in json.loads(checked.stdout)]
    assert found == [
        (3, "unknown-alias", "spring_datasource_password"),
        (5, "misplaced-store", "spring_datasource_password"),
        (6, "misplaced-store", "pending"),
    ]
    assert "keeps its store in cipher-text.properties beside it" in checked.stdout
    resolved = run("resolve", "application.yml", env=env)
    assert resolved.returncode == 3 and "spring_datasource_password" in resolved.stderr
