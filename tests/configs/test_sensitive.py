"""Detection rules (vault.configs.sensitive), each shown on a snippet modelled on a public file.

The comment above each case names the public file whose layout it follows (found with
the code search of this project; the values are made up).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from vault.configs.formats import Scalar, parse
from vault.configs.sensitive import SensitiveKeys, dotted, is_reference, make_alias, words
from vault.crypto.ring import KeyRing
from vault.errors import InputError
from vault.keys.ring import open_key_ring
from vault.keys.spec import KeystoreSpec
from vault.keystores.create import create_keystore
from vault.operations.inspect import check
from vault.operations.protect import protect
from vault.runtime.load import Vault
from vault.secret import Secret


def taken(format_name: str, text: str, *patterns: str) -> dict[str, str]:
    """{dotted key path: the plaintext taken} of a snippet."""
    document = parse(text, format_name)
    found = SensitiveKeys(patterns).plaintext(document, document.scalars())
    return {dotted(p.path): p.scalar.value[p.start : p.end] for p in found}


class _NoIteration(set[str]):
    """A set that refuses to be copied: make_alias must only ask membership."""

    def __iter__(self):  # type: ignore[no-untyped-def]
        raise AssertionError("make_alias copied the taken set (quadratic over many secrets)")


def test_make_alias_asks_membership_only() -> None:
    taken_aliases = _NoIteration({"db_password", "db_password_2"})
    assert make_alias(("db", "password"), taken_aliases) == "db_password_3"


@pytest.mark.parametrize(
    ("path", "dots", "alias"),
    [
        (("database", "shared_db", "password"), True, "database_shared_db_password"),
        (("clients", 0, "client-secret"), True, "clients_0_client-secret"),
        (("db.password",), True, "db.password"),
        (("db.password",), False, "db_password"),  # TOML: a dot would make a nested table
        (("a b", "pässword"), True, "a_b_p_ssword"),
    ],
)
def test_alias_names(path: tuple[str | int, ...], dots: bool, alias: str) -> None:
    assert make_alias(path, set(), dots=dots) == alias


# -- key names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("MYSQL_ROOT_PASSWORD", ["mysql", "root", "password"]),
        ("dbPassword", ["db", "password"]),
        ("DBPassword", ["db", "password"]),
        ("key-store-password", ["key", "store", "password"]),
        ("password6", ["password"]),
        ("DB_PASS_0", ["db", "pass"]),
        ("@certificateKeyPassword", ["certificate", "key", "password"]),
        ("APIKEY", ["apikey"]),
    ],
)
def test_key_names_are_normalised(key: str, expected: list[str]) -> None:
    assert words(key) == expected


@pytest.mark.parametrize(
    "key",
    [
        # Laravel's .env.example (after gjae/sysluis resources/views/prueba.blade.php)
        "APP_KEY",
        "AWS_SECRET_ACCESS_KEY",  # legopo/laravel-todo config/env.php
        "SECRET_KEY",  # Django settings from .env
        "SECRET_KEY_BASE",  # Rails
        "UTILS_SECRET",  # Outline's .env.sample
        "POSTGRES_PW",
        "password6",
        "token2",
        "DB_PASS_0",  # sparkfabrik/terraform-google-gcp-cloud-native-drupal-resources
        # files/template/helm_database.tpl
        "adminpassword",
        "dbpassword",  # Taar/odoo-password-tools README.md
        "apikey",
        "APIKEY",
        "admin_passwd",  # odoo.conf
        "ansible_become_pass",  # an Ansible inventory
        "clientSecret",
        "access_key_secret",  # Alibaba Cloud SDK configs
        "private_key",
        "jwt-signing-key",
        "AUTH_SALT",  # WordPress Bedrock .env.example
        "SECURE_AUTH_KEY",
        "@certificateKeyPassword",  # Tomcat server.xml Connector attribute
    ],
)
def test_secret_key_names(key: str) -> None:
    assert SensitiveKeys()((key,)), key


@pytest.mark.parametrize(
    "key",
    [
        "author",
        "tokenizer",
        "max_tokens",
        "pwd_reset_url",
        "password_min_length",
        "password_policy",
        "auth_url",
        "oauth",
        "keystore",
        "key-store",  # Spring Boot server.ssl.key-store: a path
        "secretName",
        "secretKeyRef",
        # nullplatform/services databases/postgres/k8s/postgres-db/service/values.yaml.tpl
        "existingSecret",
        "adminPasswordKey",
        "token_url",
        "passwords_file",
        "bypass",
        "AWS_ACCESS_KEY_ID",
    ],
)
def test_names_that_hold_no_secret(key: str) -> None:
    assert not SensitiveKeys()((key,)), key


def test_key_patterns_add_to_the_default() -> None:
    # a wso2 deployment.toml [apim.throttling] "jms.password"-like setting named otherwise
    assert taken("toml", '[apim.analytics]\nconfig_endpoint_auth = "s3"\n', r"endpoint_auth") == {
        "apim.analytics.config_endpoint_auth": "s3"
    }
    with pytest.raises(Exception, match="not a regular expression"):
        SensitiveKeys(["("])


# -- whole values ---------------------------------------------------------------------


def test_numbers_under_password_keys_are_taken() -> None:
    # supervisord.conf [inet_http_server] password = 123 (leops-china/leops-cheatsheet
    # docs/conf/supervisord/supervisord.md), written as YAML and JSON numbers
    assert taken("yaml", "password: 123456\nport: 9001\n") == {"password": "123456"}
    assert taken("json", '{"db": {"pwd": 4711, "max_tokens": 100, "secret": 5}}') == {
        "db.pwd": "4711"
    }
    assert taken("toml", "[db]\npassword = 1234\nenabled = true\n") == {"db.password": "1234"}
    # booleans, null and dates are not
    assert taken("yaml", "password: ~\ntoken: false\npass: 2024-01-01\n") == {}


@pytest.mark.parametrize(
    ("format_name", "text"),
    [
        # gjae/sysluis resources/views/prueba.blade.php: REDIS_PASSWORD=null (Laravel)
        ("env", "REDIS_PASSWORD=null\nMAIL_PASSWORD=null\nAPP_KEY=\n"),
        # whitexnd/Proyecto_RA2_UT2 .../07-configuracion_odoo.md: db_password = False
        ("ini", "[options]\ndb_user = odoo\ndb_password = False\nsmtp_password = False\n"),
        # zgsm-ai/zgsm-backend-deploy kaptcha/application.yaml.tpl: "password:  #comment"
        ("yaml", "spring:\n  redis:\n    password:  # default is empty\n"),
        ("properties", "mail.smtp.auth=true\nsecurity.auth=none\nldap.auth=simple\n"),
    ],
)
def test_unset_and_switch_values_are_not_secrets(format_name: str, text: str) -> None:
    assert taken(format_name, text) == {}


def test_paths_under_key_and_credential_names_are_not_secrets() -> None:
    text = (
        "GOOGLE_APPLICATION_CREDENTIALS=/run/secrets/gcp.json\n"
        "JWT_PRIVATE_KEY=./config/jwt/private.pem\n"
        "PWD=/home/app\n"
        "DB_PASSWORD=/not-a-path-to-skip\n"
        "PRIVATE_KEY=MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n"
    )
    assert taken("env", text) == {
        "DB_PASSWORD": "/not-a-path-to-skip",
        "PRIVATE_KEY": "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
    }


# -- not plaintext ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "${DB_PASSWORD}",
        "${REDIS_PWD:}",  # Spring: empty default
        "${POSTGRES_PASSWORD:-}",  # shell/Compose: empty default
        "${ODOO_DB_PASSWORD:?}",  # an odoo.conf template: an error message, no default
        "${admin.password}",  # WSO2's own references in deployment.toml
        "${secret.DB_PASSWORD}",  # dev117uday/spring-mvc-google-auth README.md
        "${env:DB_PASSWORD}",  # Log4j/Quarkus lookup, never a default
        "{{ .Values.postgresql.auth.password | b64enc }}",  # a Helm template
        "{{ODOO_DB_PASSWORD}}",  # an odoo.conf template
        "${{ secrets.GITHUB_TOKEN }}",  # a GitHub workflow
        "<%= ENV['DATABASE_PASSWORD'] %>",  # Rails config/database.yml
        "#{systemEnvironment['DB_PASSWORD']}",  # Spring SpEL
        "$(DB_PASSWORD)",  # Kubernetes env expansion
        "%(db_password)s",  # configparser interpolation (alembic.ini sqlalchemy.url)
        "$MYSQL_PASSWORD",
        "@db.password@",  # Maven resource filtering (qpid's jndi.properties @QPID_PORT@)
        # hairinwind/mySpringBoot propertyEncryption/README.md
        "ENC(U5ky3iDGTZkR+L1bUGjMiKKaE8J2U3TX)",
        # j0sh3rs/k3s-at-home scripts/bootstrap_agents.sh (SOPS)
        "ENC[AES256_GCM,data:CSHnK5Sa,iv:hDGgLFqt,tag:iCrbg4WD,type:str]",
        # hacker65536/myit ansible/ansible-vault.md
        "$ANSIBLE_VAULT;1.1;AES256\n3031643939613033",
        "{cipher}AQA2bC9hZmZ",  # Spring Cloud Config
        "@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/db/)",
        "$secret{db_password}",
        "$env{DB_PASSWORD}",
    ],
)
def test_references_and_other_tools_ciphertexts_are_not_plaintext(value: str) -> None:
    assert is_reference(value)
    assert taken("json", json.dumps({"db_password": value})) == {}


@pytest.mark.parametrize("value", ["s3cr3t", "$2y$10$abc", "p@ss{word}", "50%off", "a$b"])
def test_plain_values_are_not_references(value: str) -> None:
    assert not is_reference(value)


def test_a_placeholder_default_that_is_a_password_is_taken_in_place() -> None:
    # A Spring Initializr-style application.properties template:
    # spring.r2dbc.password=${POSTGRES_PASSWORD:secret}
    text = (
        "spring.datasource.password=${POSTGRES_PASSWORD:secret}\n"
        "spring.datasource.username=${POSTGRES_USERNAME:user}\n"
        "spring.redis.password=${REDIS_PASSWORD:}\n"
        "compose.password=${DB_PASSWORD:-changeme}\n"
        "nested.password=${A:${B:}}\n"
    )
    assert taken("properties", text) == {
        "spring.datasource.password": "secret",
        "compose.password": "changeme",
    }


def test_unknown_yaml_tags_are_no_plaintext() -> None:
    # Ansible group_vars (hacker65536/myit ansible/ansible-vault.md), a CloudFormation
    # template's MasterUserPassword: !Ref, Home Assistant's secrets
    text = (
        "ansible_become_pass: !vault |\n"
        "  $ANSIBLE_VAULT;1.1;AES256\n"
        "  37633839303634646539\n"
        "MasterUserPassword: !Ref DBPassword\n"
        "wifi_password: !secret wifi_password\n"
        "api_password: !!str 4711\n"
    )
    assert taken("yaml", text) == {"api_password": "4711"}


# -- parts of values ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("format_name", "text", "expected"),
    [
        # kamilov2000/erp_lavita readme.md (alembic.ini)
        (
            "ini",
            "[alembic]\nsqlalchemy.url = postgresql+psycopg2://myuser:mypassword@0.0.0.0:5432/mydb\n",
            {"alembic.sqlalchemy.url.password": "mypassword"},
        ),
        # a .env.example: MYSQL_URL="mysql://root:password@localhost:3306/kodix"
        ("env", 'MYSQL_URL="mysql://root:pw@localhost:3306/kodix"\n', {"MYSQL_URL.password": "pw"}),
        # qpid/WSO2 jndi.properties connection factory URL
        (
            "properties",
            "connectionfactory.QueueConnectionFactory = "
            "amqp://admin:adm1n@clientID/carbon?brokerlist='tcp://localhost:5672'\n",
            {"connectionfactory.QueueConnectionFactory.password": "adm1n"},
        ),
        # redis with a password only, mongodb+srv, and a password holding '@'
        ("env", "REDIS_URL=redis://:r3dis@cache:6379/0\n", {"REDIS_URL.password": "r3dis"}),
        (
            "yaml",
            "uri: mongodb+srv://app:m0ngo@cluster0.example.net/?retryWrites=true\n",
            {"uri.password": "m0ngo"},
        ),
        ("env", "DATABASE_URL=postgres://u:p@ss@db/app\n", {"DATABASE_URL.password": "p@ss"}),
        # placeholders in the URL are left alone (an alembic.ini.example)
        (
            "ini",
            "[alembic]\nsqlalchemy.url = postgresql://${POSTGRES_USERNAME}:${POSTGRES_PASSWORD}"
            "@${POSTGRES_HOST}/main\n",
            {},
        ),
        ("env", "GIT=https://x-access-token:${{ secrets.T }}@github.com/o/r\n", {}),
        ("env", "SENTRY_DSN=https://abc123@o0.ingest.sentry.io/1\nHOME_URL=http://a:80/\n", {}),
    ],
)
def test_url_passwords_are_taken_in_place(
    format_name: str, text: str, expected: dict[str, str]
) -> None:
    assert taken(format_name, text) == expected


@pytest.mark.parametrize(
    ("value", "password"),
    [
        # necdetuygur/YapilacaklarAPI README.md (appsettings.json)
        ("Server=N-UYGUR;Database=YapilacaklarDB;User ID=sa;Password=Necdet2021;", "Necdet2021"),
        ("server=db;port=3306;database=mydb;user=root;password=root", "root"),
        ("Driver={ODBC Driver 18};Server=db;Uid=sa;Pwd={p;w};", "p;w"),
        ("Host=db;Username=app;Password='a b';", "a b"),
        ("jdbc:postgresql://db/app?user=app&password=j0bc&ssl=true", "j0bc"),
        ("jdbc:sqlserver://db:1433;databaseName=app;user=sa;password=Sq1;", "Sq1"),
        ("host=db port=5432 user=app password=l1bpq dbname=app", "l1bpq"),
        (
            "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=QUJD+ZGVm==;"
            "EndpointSuffix=core.windows.net",
            "QUJD+ZGVm==",
        ),
    ],
)
def test_connection_string_passwords_are_taken_in_place(value: str, password: str) -> None:
    text = json.dumps({"ConnectionStrings": {"DefaultConnection": value}})
    assert taken("json", text) == {"ConnectionStrings.DefaultConnection.password": password}


def test_connection_strings_with_no_password_take_nothing() -> None:
    # MaxStashuk/APBD_retake README.md: "... User Id=; Password=; Trust Server Certificate=true;"
    empty = "Data Source=db; Initial Catalog=; User Id=; Password=; Trust Server Certificate=true;"
    assert taken("json", json.dumps({"c": empty, "d": "password=alone"})) == {}
    assert taken("json", '{"c": "Server=db;Password=${DB_PASSWORD};"}') == {}


def test_compose_list_environment() -> None:
    # jeonghoonkang/BerePi apps/docker/nextcloud/readme.md
    text = (
        "services:\n"
        "  db:\n"
        "    image: mariadb:10.6\n"
        "    command: --transaction-isolation=READ-COMMITTED --log-bin=binlog\n"
        "    environment:\n"
        "      - MYSQL_ROOT_PASSWORD=r00t\n"
        "      - MYSQL_PASSWORD=\n"
        "      - MYSQL_DATABASE=nextcloud\n"
        "      - MYSQL_USER=nextcloud\n"
        "      - MYSQL_HOST_PASSWORD=${NEXTCLOUD_MYSQL_PASSWORD}\n"
        "  app:\n"
        "    command: [node, server.js, --db-password=s3cr3t]\n"
    )
    assert taken("yaml", text) == {
        "services.db.environment.MYSQL_ROOT_PASSWORD": "r00t",
        "services.app.command.db-password": "s3cr3t",
    }


def test_java_options_inside_a_string() -> None:
    # alexmirandas/java-crt-app Dockerfile:
    # ENV JAVA_OPTS="... -Djavax.net.ssl.trustStorePassword=changeit"
    text = (
        'JAVA_OPTS="-Djavax.net.ssl.trustStore=/etc/keystore/cacerts '
        '-Djavax.net.ssl.trustStorePassword=changeit -Xmx512m"\n'
    )
    assert taken("env", text) == {"JAVA_OPTS.trustStorePassword": "changeit"}


def test_kubernetes_env_names_their_values() -> None:
    # a Deployment's env, as in sparkfabrik/terraform-google-gcp-cloud-native-drupal-resources
    # files/template/helm_database.tpl (valueFrom entries hold no value)
    text = (
        "spec:\n"
        "  containers:\n"
        "    - name: app\n"
        "      env:\n"
        "        - name: DB_HOST_0\n"
        "          value: db\n"
        "        - name: DB_PASS_0\n"
        "          value: dr0pal\n"
        "        - name: DB_USER_0\n"
        "          valueFrom:\n"
        "            secretKeyRef: {name: db, key: password}\n"
    )
    assert taken("yaml", text) == {"spec.containers.0.env.DB_PASS_0": "dr0pal"}


def test_xml_names_and_attributes() -> None:
    # WSO2 axis2.xml / jndi <parameter name="...Password">, a Tomcat server.xml Connector,
    # a .NET web.config <appSettings>
    text = (
        "<conf>\n"
        '  <parameter name="transport.jms.Password" locked="false">jm5</parameter>\n'
        '  <parameter name="transport.jms.UserName">admin</parameter>\n'
        '  <Connector port="8443" certificateKeyPassword="t0mcat" keystoreFile="conf/k.jks"/>\n'
        '  <appSettings><add key="ApiKey" value="k3y"/><add key="Mode" value="x"/></appSettings>\n'
        '  <a name="password"/><a>not-named</a>\n'
        "</conf>\n"
    )
    assert taken("xml", text) == {
        "conf.parameter.transport.jms.Password": "jm5",
        "conf.Connector.@certificateKeyPassword": "t0mcat",
        "conf.appSettings.add.ApiKey": "k3y",
    }


@pytest.fixture(scope="module")
def ring(tmp_path_factory: pytest.TempPathFactory) -> KeyRing:
    path = tmp_path_factory.mktemp("ks") / "vault.p12"
    create_keystore(path, "main", Secret("sensitive-pass"))
    return open_key_ring(
        KeystoreSpec(str(path)), environ={"CIPHERTOOL_KEYSTORE_PASSWORD": "sensitive-pass"}
    )


def test_protect_and_resolve_keep_a_url_whole(tmp_path: Path, ring: KeyRing) -> None:
    """End to end: the password part moves to the store, the resolver gives the URL back."""
    config = tmp_path / "alembic.ini"
    url = "postgresql://user:pa%40ss@host/db"
    config.write_text(f"[alembic]\nscript_location = alembic\nsqlalchemy.url = {url}\n")
    done = protect([config], ring, SensitiveKeys())
    assert [(d.key, d.alias) for d in done] == [
        ("alembic.sqlalchemy.url.password", "alembic_sqlalchemy.url_password")
    ]
    assert (
        "sqlalchemy.url = postgresql://user:$secret{alembic_sqlalchemy.url_password}@host/db"
        in (config.read_text())
    )
    assert check([config], ring, SensitiveKeys()) == []
    assert Vault(ring).load(config)["alembic"]["sqlalchemy.url"] == url
    assert protect([config], ring, SensitiveKeys()) == []


@pytest.mark.parametrize(
    "unit",
    ["{{", "<%", "{%", "${{", "#{", "%(", "ENC(", "a", "a ", ' -Da="', '&password="', "x://a:"],
)
def test_detection_is_linear_in_the_value(unit: str) -> None:
    """Whoever writes the config chooses its values: a long crafted value (a quarter of a
    megabyte) costs time in proportion, never its square (these patterns took 10-30 s
    at 40 kB before)."""
    document = parse("{}", "json")
    sensitive = SensitiveKeys()

    def seconds(repeat: int) -> float:
        value = unit * repeat
        scalars = [
            Scalar((key,), value, 0, 0, 1, 1, is_string, "plain")
            for key, is_string in (("url", True), ("password", True), ("password", False))
        ]
        start = time.perf_counter()
        sensitive.plaintext(document, scalars)
        return time.perf_counter() - start

    small = seconds(5_000)
    assert seconds(40_000) < max(1.5, 24 * small)  # 8 x when linear, 64 x when quadratic


def test_a_python_tag_is_still_refused_and_named_by_its_line(tmp_path: Path, ring: KeyRing) -> None:
    """Local tags are read untagged; PyYAML's own python tags stay refused (no code runs),
    and the error names the 1-based line."""
    config = tmp_path / "evil.yml"
    config.write_text('a: 1\nb: !!python/object/apply:os.system ["true"]\n')
    with pytest.raises(InputError, match=r"evil.yml: line 2, column 4: ") as info:
        Vault(ring).load(config)
    assert info.value.line == 2  # the same words as check's (issue 15): the tag, not a value
