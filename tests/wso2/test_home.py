"""A WSO2 product home: configure, change and rotate as ciphertool.sh, checked with Java.

The fixture is a product home with a deployment.toml, the keytool-made
wso2carbon.jks (tests/vectors/keystores/jdk17.jks), the legacy XPath mode's
cipher-tool.properties and cipher-text.properties, carbon.xml (element
targets, under a default namespace) and catalina-server.xml (an attribute
target). tests/java/Wso2Vault.java starts like a WSO2 server's Secure Vault:
it reads secret-conf.properties, the keystore and cipher-text.properties with
java.util.Properties and decrypts with javax.crypto.Cipher.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.configs.formats.test_xml import BOMBS
from tests.conftest import (
    KEYSTORES,
    VECTOR_PASSWORD,
    Run,
    assert_clean_error,
    clean_env,
    needs_java,
)
from vault.configs.formats import parse

OAEP = "RSA/ECB/OAEPwithSHA1andMGF1Padding"
NS = 'xmlns:svns="http://org.wso2.securevault/configuration"'

DEPLOYMENT = """[server]
hostname = "localhost"

[super_admin]
username = "admin"
password = "$secret{admin_password}"

[keystore.primary]
file_name = "wso2carbon.jks"
type = "JKS"
alias = "wso2carbon"

[secrets]
admin_password = "[admin]"   # the admin
keystore_password = "[storepass]"

# after the secrets
[transport.https]
port = 9443
"""
CIPHER_TOOL = """# alias=<file>//<xpath>,<true|false>
Carbon.Security.KeyStore.Password=repository/conf/carbon.xml//Server/Security/KeyStore/Password,false
Carbon.Security.KeyStore.KeyPassword=repository/conf/carbon.xml//Server/Security/KeyStore/KeyPassword,false
Server.Service.Connector.keystorePass=repository/conf/tomcat/catalina-server.xml\\
    //Server/Service/Connector[@keystorePass],true
UserManager.AdminUser.Password=repository/conf/user-mgt.xml//UserManager/AdminUser/Password,false
"""
CIPHER_TEXT = """# plaintexts until configure runs
Carbon.Security.KeyStore.Password=[storepass]
Carbon.Security.KeyStore.KeyPassword=[k\\u00e9y pass]
Server.Service.Connector.keystorePass=[p=ss:w#rd!]
"""
PLAINTEXTS = {
    "Carbon.Security.KeyStore.Password": "storepass",
    "Carbon.Security.KeyStore.KeyPassword": "kéy pass",
    "Server.Service.Connector.keystorePass": "p=ss:w#rd!",
    "admin_password": "admin",
    "keystore_password": "storepass",
}
CARBON = """<?xml version="1.0" encoding="ISO-8859-1"?>
<!-- WSO2 Carbon -->
<Server xmlns="http://wso2.org/projects/carbon/carbon.xml">
    <Name>WSO2 Carbon</Name>
    <Security>
        <KeyStore>
            <Location>${carbon.home}/repository/resources/security/wso2carbon.jks</Location>
            <Type>JKS</Type>
            <Password>storepass</Password>
            <KeyAlias>wso2carbon</KeyAlias>
            <KeyPassword/>
        </KeyStore>
    </Security>
</Server>
"""
CATALINA = """<Server port="8005" shutdown="SHUTDOWN">
  <Service name="Catalina">
    <Connector protocol="HTTP/1.1" port="9443"
               keystoreFile="${carbon.home}/repository/resources/security/wso2carbon.jks"
               keystorePass='p=ss:w#rd!'/>
  </Service>
</Server>
"""
# What WSO2's tool changes, and nothing else.
CARBON_AFTER = (
    CARBON.replace(
        '<Server xmlns="http://wso2.org/projects/carbon/carbon.xml">',
        f'<Server xmlns="http://wso2.org/projects/carbon/carbon.xml" {NS}>',
    )
    .replace(
        "<Password>storepass</Password>",
        '<Password svns:secretAlias="Carbon.Security.KeyStore.Password">password</Password>',
    )
    .replace(
        "<KeyPassword/>",
        '<KeyPassword svns:secretAlias="Carbon.Security.KeyStore.KeyPassword">'
        "password</KeyPassword>",
    )
)
CATALINA_AFTER = CATALINA.replace(
    '<Server port="8005" shutdown="SHUTDOWN">', f'<Server port="8005" shutdown="SHUTDOWN" {NS}>'
).replace(
    "keystorePass='p=ss:w#rd!'/>",
    "keystorePass='password' svns:secretAlias=\"Server.Service.Connector.keystorePass\"/>",
)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    root = tmp_path / "wso2is"
    conf = root / "repository" / "conf"
    (conf / "security").mkdir(parents=True)
    (conf / "tomcat").mkdir()
    (root / "repository" / "resources" / "security").mkdir(parents=True)
    shutil.copy(KEYSTORES / "jdk17.jks", root / "repository/resources/security/wso2carbon.jks")
    (conf / "deployment.toml").write_text(DEPLOYMENT)
    (conf / "security" / "cipher-tool.properties").write_text(CIPHER_TOOL)
    (conf / "security" / "cipher-text.properties").write_text(CIPHER_TEXT)
    (conf / "carbon.xml").write_text(CARBON, encoding="latin-1")
    (conf / "tomcat" / "catalina-server.xml").write_text(CATALINA)
    return root


# Encrypting needs the keystore password (its integrity is checked), as WSO2's own
# ciphertool.sh asks for it.
WITH_PASSWORD = clean_env(CIPHERTOOL_KEYSTORE_PASSWORD=VECTOR_PASSWORD)


def files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def store_values(root: Path) -> dict[str, str]:
    """Every ciphertext: cipher-text.properties (read as Java reads it) and [secrets]."""
    text = (root / "repository/conf/security/cipher-text.properties").read_text()
    values = {str(s.path[0]): s.value for s in parse(text, "properties").scalars()}
    toml = tomllib.loads((root / "repository/conf/deployment.toml").read_text())
    return {**values, **toml["secrets"]}


def test_configure_marks_what_wso2_marks_and_nothing_else(run: Run, home: Path) -> None:
    before = files(home)
    result = run("configure", "--wso2-home", str(home), env=WITH_PASSWORD)
    assert result.returncode == 0, result.stderr
    conf = home / "repository/conf"
    assert (conf / "carbon.xml").read_text(encoding="latin-1") == CARBON_AFTER
    assert (conf / "tomcat/catalina-server.xml").read_text() == CATALINA_AFTER
    # An alias with no secret leaves its XML alone (WSO2 would mark it) and says so.
    assert "UserManager.AdminUser.Password" in result.stderr
    # Plain RSA-2048 blocks, Java Properties escaping ("=" as "\=").
    values = store_values(home)
    assert set(values) == set(PLAINTEXTS)
    for value in values.values():
        assert len(value) == 344 and len(base64.b64decode(value)) == 256
    raw = (conf / "security/cipher-text.properties").read_text()
    assert raw.startswith("# plaintexts until configure runs\n") and "\\=" in raw
    toml = (conf / "deployment.toml").read_text()
    assert '"   # the admin\n' in toml and toml.endswith(
        "# after the secrets\n[transport.https]\nport = 9443\n"
    )
    assert (
        toml.replace(values["admin_password"], "[admin]").replace(
            values["keystore_password"], "[storepass]"
        )
        == DEPLOYMENT
    )
    # secret-conf.properties as -Dconfigure writes it; no transformation given: none recorded.
    secret_conf = (conf / "security/secret-conf.properties").read_text()
    keystore = home / "repository/resources/security/wso2carbon.jks"
    assert secret_conf.splitlines()[1:] == [
        "secVault.enabled=true",
        "carbon.secretProvider=org.wso2.securevault.secret.handler.SecretManagerSecretCallbackHandler",
        "secretRepositories=file",
        "secretRepositories.file.provider="
        "org.wso2.securevault.secret.repository.FileBaseSecretRepositoryProvider",
        "secretRepositories.file.location=repository/conf/security/cipher-text.properties",
        f"keystore.identity.location={keystore}",
        "keystore.identity.type=JKS",
        "keystore.identity.alias=wso2carbon",
        "keystore.identity.store.password=identity.store.password",
        "keystore.identity.store.secretProvider="
        "org.wso2.carbon.securevault.DefaultSecretCallbackHandler",
        "keystore.identity.key.password=identity.key.password",
        "keystore.identity.key.secretProvider="
        "org.wso2.carbon.securevault.DefaultSecretCallbackHandler",
    ]
    # No plaintext left in any file of the home but the untouched user-mgt alias's nothing.
    after = files(home)
    for name, data in after.items():
        if name.endswith(".jks"):
            continue
        for plaintext in ("kéy pass", "p=ss:w#rd!", "[admin]", "[storepass]"):
            assert plaintext.encode() not in data, (name, plaintext)
    assert set(after) == {*before, "repository/conf/security/secret-conf.properties"}
    # A second run changes nothing.
    again = run("configure", "--wso2-home", str(home), env=WITH_PASSWORD)
    assert again.returncode == 0, again.stderr
    assert files(home) == after
    # The resolver reads the marks back: the secret in place of "password".
    env = clean_env(CIPHERTOOL_KEYSTORE_PASSWORD=VECTOR_PASSWORD)
    keys = ["--keystore", str(keystore), "--alias", "wso2carbon"]
    carbon = run("resolve", str(conf / "carbon.xml"), *keys, env=env)
    assert carbon.returncode == 0, carbon.stderr
    assert (
        '<Password svns:secretAlias="Carbon.Security.KeyStore.Password">storepass<' in carbon.stdout
    )
    assert ">kéy pass</KeyPassword>" in carbon.stdout
    catalina = run("resolve", str(conf / "tomcat/catalina-server.xml"), *keys, env=env)
    assert "keystorePass='p=ss:w#rd!' svns:secretAlias=" in catalina.stdout


def test_a_product_home_is_found_in_the_working_folder(run: Run, home: Path) -> None:
    result = run("configure", cwd=home, env=WITH_PASSWORD)
    assert result.returncode == 0, result.stderr
    assert (home / "repository/conf/carbon.xml").read_text(encoding="latin-1") == CARBON_AFTER
    assert_clean_error(run("configure", cwd=home.parent), 2, "no WSO2 product home")
    assert_clean_error(run("configure", "x.toml", "--wso2-home", str(home)), 2, "not both")


@pytest.fixture(scope="module")
def wso2_java(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wso2java")
    source = Path(__file__).parents[1] / "java" / "Wso2Vault.java"
    subprocess.run(["javac", "-d", str(out), str(source)], check=True, timeout=300)
    return out


def secure_vault(classes: Path, home: Path) -> dict[str, str]:
    """What a WSO2 server's Secure Vault decrypts: the repository, and deployment.toml's
    [secrets] (which WSO2 4.x copies into the repository at start-up)."""
    toml = tomllib.loads((home / "repository/conf/deployment.toml").read_text())["secrets"]
    proc = subprocess.run(
        ["java", "-cp", str(classes), "Wso2Vault", "read", str(home), VECTOR_PASSWORD],
        input="".join(f"{alias}\t{value}\n" for alias, value in toml.items()),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    lines = dict(line.split("\t", 1) for line in proc.stdout.splitlines())
    algorithm = lines.pop("algorithm")
    return {"algorithm": algorithm} | {
        alias: base64.b64decode(value).decode() for alias, value in lines.items()
    }


@needs_java
@pytest.mark.parametrize("transformation", [None, OAEP])
def test_a_wso2_server_reads_every_secret(
    run: Run, home: Path, wso2_java: Path, transformation: str | None
) -> None:
    extra = ["--transformation", transformation] if transformation else []
    result = run("configure", "--wso2-home", str(home), *extra, env=WITH_PASSWORD)
    assert result.returncode == 0, result.stderr
    read = secure_vault(wso2_java, home)
    assert read.pop("algorithm") == (transformation or "RSA")  # WSO2's default: PKCS#1 v1.5
    assert read == PLAINTEXTS
    recorded = "secretRepositories.file.algorithm"
    secret_conf = (home / "repository/conf/security/secret-conf.properties").read_text()
    assert (f"{recorded}={OAEP}\n" in secret_conf) == (transformation is not None)
    assert ("PKCS#1 v1.5" in result.stderr) == (transformation is None)


def test_one_transformation_per_repository(run: Run, home: Path) -> None:
    assert run("configure", "--wso2-home", str(home), env=WITH_PASSWORD).returncode == 0
    text = home / "repository/conf/security/cipher-text.properties"
    text.write_text(text.read_text() + "new.alias=[x]\n")
    before = files(home)
    result = run("configure", "--wso2-home", str(home), "-t", OAEP, env=WITH_PASSWORD)
    assert_clean_error(result, 2, "RSA/ECB/PKCS1Padding", "one transformation")
    assert files(home) == before


@pytest.mark.parametrize("bomb", ["billion laughs", "external entity"])
def test_xml_bombs_are_refused_and_nothing_changes(run: Run, home: Path, bomb: str) -> None:
    (home / "repository/conf/tomcat/catalina-server.xml").write_text(BOMBS[bomb])
    before = files(home)
    result = run("configure", "--wso2-home", str(home), env=WITH_PASSWORD)
    assert_clean_error(result, 2, "catalina-server.xml: line 1", "refused")
    assert files(home) == before
    env = clean_env(CIPHERTOOL_KEYSTORE_PASSWORD=VECTOR_PASSWORD)
    keystore = str(home / "repository/resources/security/wso2carbon.jks")
    xml = str(home / "repository/conf/tomcat/catalina-server.xml")
    resolved = run("resolve", xml, "--keystore", keystore, "--alias", "wso2carbon", env=env)
    assert_clean_error(resolved, 2, "refused")
    assert_clean_error(run("protect", "--dry-run", xml), 2, "refused")


def test_a_target_that_matches_nothing_stops_the_run(run: Run, home: Path) -> None:
    tool = home / "repository/conf/security/cipher-tool.properties"
    tool.write_text(tool.read_text().replace("KeyStore/KeyPassword", "KeyStore/Nope"))
    before = files(home)
    result = run("configure", "--wso2-home", str(home), env=WITH_PASSWORD)
    assert_clean_error(result, 2, "cipher-tool.properties:3", "matches nothing")
    assert files(home) == before


def test_change_and_rotate_in_a_product_home(run: Run, home: Path, tmp_path: Path) -> None:
    assert run("configure", "--wso2-home", str(home), env=WITH_PASSWORD).returncode == 0
    env = clean_env(CIPHERTOOL_KEYSTORE_PASSWORD=VECTOR_PASSWORD)
    alias = "Carbon.Security.KeyStore.Password"
    changed = run("change", alias, "--wso2-home", str(home), input="n3w=pass\n", env=env)
    assert changed.returncode == 0, changed.stderr
    assert "cipher-text.properties: changed" in changed.stderr
    changed = run("change", "admin_password", "--wso2-home", str(home), input="adm1n\n", env=env)
    assert "deployment.toml: changed" in changed.stderr
    assert_clean_error(run("change", "nope", "--wso2-home", str(home), input="x\n"), 3, "nope")
    # Rotate to a new keystore: every secret re-encrypted (plain PKCS#1 stays so),
    # secret-conf.properties names the new key.
    new = tmp_path / "new.p12"
    made = run("keystore", "create", str(new), "--alias", "wso2carbon-2027", env=env)
    assert made.returncode == 0, made.stderr
    (tmp_path / "new.pass").write_text(VECTOR_PASSWORD + "\n")
    rotated = run(
        "rotate", "--wso2-home", str(home), "--to-keystore", str(new),
        "--to-storepass-file", str(tmp_path / "new.pass"), env=env,
    )  # fmt: skip
    assert rotated.returncode == 0, rotated.stderr
    secret_conf = (home / "repository/conf/security/secret-conf.properties").read_text()
    assert f"keystore.identity.location={new}\n" in secret_conf
    assert "keystore.identity.type=PKCS12\n" in secret_conf
    assert "keystore.identity.alias=wso2carbon-2027\n" in secret_conf
    keys = ["--keystore", str(new)]
    for name, expected in {alias: "n3w=pass", "admin_password": "adm1n"}.items():
        value = store_values(home)[name]
        decrypted = run("decrypt", *keys, "-t", "RSA/ECB/PKCS1Padding", value, env=env)
        assert decrypted.stdout == expected, decrypted.stderr


@needs_java
@pytest.mark.parametrize(
    ("keystore", "kind", "secret_key", "alias"),
    [
        ("jdk17.jceks", "JCEKS", "symmetric", "symmetric"),
        ("jdk17.jceks", "JCEKS", "symmetric", "wso2carbon"),  # reached as another key
        ("jdk17-two-keys.p12", "PKCS12", "aeskey", "first"),
    ],
)
def test_wso2_symmetric_ciphertexts_decrypt(
    run: Run, wso2_java: Path, keystore: str, kind: str, secret_key: str, alias: str
) -> None:
    """ciphertool.sh -Dsymmetric: {"cipherText","iv"}, AES-GCM, a 128-byte IV."""
    path = KEYSTORES / keystore
    values = ["wso2carbon", "päss=wörd ✓"]
    command = ["java", "-cp", str(wso2_java), "Wso2Vault", "symencrypt", str(path), kind]
    proc = subprocess.run(
        [*command, VECTOR_PASSWORD, secret_key],
        input="".join(base64.b64encode(v.encode()).decode() + "\n" for v in values),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    env = clean_env(CIPHERTOOL_KEYSTORE_PASSWORD=VECTOR_PASSWORD)
    for value, ciphertext in zip(values, proc.stdout.split(), strict=True):
        assert "\\u003d" in base64.b64decode(ciphertext).decode()  # Gson's escaping
        result = run("decrypt", "--keystore", str(path), "--alias", alias, ciphertext, env=env)
        assert result.returncode == 0, result.stderr
        assert result.stdout == value
    # A keystore without that secret key: key trouble, exit 3.
    jks = ["--keystore", str(KEYSTORES / "jdk17.jks"), "--alias", "wso2carbon"]
    other = run("decrypt", *jks, ciphertext, env=env)
    assert_clean_error(other, 3, "secret-key entry")


def test_resolver_replaces_references_in_xml_text_and_attributes(run: Run, tmp_path: Path) -> None:
    from vault.crypto.ring import KeyEntry, KeyRing
    from vault.errors import ResolveError
    from vault.keystores import load_keystore
    from vault.runtime.load import Vault
    from vault.secret import Secret

    store = load_keystore(KEYSTORES / "jdk17.jks", Secret(VECTOR_PASSWORD))
    ring = KeyRing([KeyEntry(store.certificate("wso2carbon"), store.private_key("wso2carbon"))])
    secret = "a<b&\"c'd"
    (tmp_path / "cipher-text.properties").write_text(f"db={ring.encrypt(secret)}\n")
    xml = tmp_path / "app.xml"
    xml.write_text(
        "<?xml version='1.0'?>\n<!-- keep -->\n<app url='jdbc:$secret{db}@host' user=\"u\">\n"
        "  <password>$secret{db}</password><home>$env{HOME_DIR}</home>\n</app>\n"
    )
    vault = Vault(ring, environ={"HOME_DIR": "/opt"})
    resolved = vault.load(xml)
    assert resolved == (
        "<?xml version='1.0'?>\n<!-- keep -->\n"
        '<app url=\'jdbc:a&lt;b&amp;"c&apos;d@host\' user="u">\n'
        "  <password>a&lt;b&amp;\"c'd</password><home>/opt</home>\n</app>\n"
    )
    xml.write_text("<app><password>$secret{missing}</password></app>")
    with pytest.raises(ResolveError, match="missing"):
        vault.load(xml)


def test_list_and_check_a_product_home(run: Run, home: Path) -> None:
    """The home's stores, with its own keystore; without its password, nothing is
    test-decrypted and that is said, as for plain FILES."""
    env = clean_env(CIPHERTOOL_KEYSTORE_PASSWORD=VECTOR_PASSWORD)
    before = run("check", "--wso2-home", str(home), "--json", env=env)
    assert before.returncode == 1
    findings = json.loads(before.stdout)
    assert {f["alias"] for f in findings if f["kind"] == "not-encrypted"} == set(PLAINTEXTS), (
        findings
    )
    assert run("configure", "--wso2-home", str(home), env=env).returncode == 0
    listed = run("list", "--wso2-home", str(home), "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    states = {i["alias"]: (i["state"], i["envelope"]) for i in json.loads(listed.stdout)}
    assert states == {alias: ("encrypted", "plain") for alias in PLAINTEXTS}
    assert run("check", cwd=home, env=env).returncode == 0  # the home is the working folder
    quiet = run("check", "--wso2-home", str(home), env=clean_env())
    assert quiet.returncode == 0
    assert "not test-decrypted" in quiet.stderr
    assert_clean_error(run("list", cwd=home.parent), 2, "no WSO2 product home")


def test_after_a_rotate_the_home_keeps_using_the_new_key(
    run: Run, home: Path, tmp_path: Path
) -> None:
    """secret-conf.properties names the key Secure Vault decrypts with: once rotate has
    re-pointed it, configure, change, list and check use that key, not deployment.toml's
    [keystore.primary] (which a server also uses for other data, so it is left alone)."""
    env = clean_env(CIPHERTOOL_KEYSTORE_PASSWORD=VECTOR_PASSWORD)
    assert run("configure", "--wso2-home", str(home), env=env).returncode == 0
    new = tmp_path / "new.p12"
    assert run("keystore", "create", str(new), "--alias", "next", env=env).returncode == 0
    rotated = run(
        "rotate", "--wso2-home", str(home), "--to-keystore", str(new),
        "--to-storepass-env", "CIPHERTOOL_KEYSTORE_PASSWORD", env=env,
    )  # fmt: skip
    assert rotated.returncode == 0, rotated.stderr
    conf = home / "repository/conf/security/secret-conf.properties"
    pointed = conf.read_text()
    deployment = (home / "repository/conf/deployment.toml").read_text()
    deployment = deployment.replace('admin_password = "', 'fresh = "[f1]"\nadmin_password = "')
    (home / "repository/conf/deployment.toml").write_text(deployment)
    again = run("configure", "--wso2-home", str(home), env=env)
    assert again.returncode == 0, again.stderr
    assert "secret-conf.properties names" in again.stderr  # the two keys differ: said
    assert conf.read_text() == pointed
    listed = run("list", "--wso2-home", str(home), "--json", env=env)
    states = {i["alias"]: (i["state"], i["thumbprint"]) for i in json.loads(listed.stdout)}
    assert {state for state, _ in states.values()} == {"encrypted"}, states
    fresh = store_values(home)["fresh"]
    decrypted = run("decrypt", "--keystore", str(new), "-t", "RSA/ECB/PKCS1Padding", fresh, env=env)
    assert decrypted.stdout == "f1", decrypted.stderr


def test_secret_conf_locations_relative_to_the_home(home: Path) -> None:
    """WSO2's own examples write keystore.identity.location relative to the product home,
    and may leave the alias out; a location that does not exist is not used."""
    from vault.wso2.home import ProductHome

    conf = home / "repository/conf/security/secret-conf.properties"
    conf.write_text("keystore.identity.location=repository/resources/security/wso2carbon.jks\n")
    spec = ProductHome.at(str(home)).keystore()
    assert Path(spec.path) == home / "repository/resources/security/wso2carbon.jks"
    assert spec.alias == "wso2carbon"  # deployment.toml's [keystore.primary] alias
    conf.write_text("keystore.identity.location=${carbon.home}/nowhere.jks\n")
    assert Path(ProductHome.at(str(home)).keystore().path).name == "wso2carbon.jks"


def _naming(home: Path, file_name: str) -> Path:
    """The home's deployment.toml, its [keystore.primary] naming ``file_name`` (no type)."""
    deployment = home / "repository/conf/deployment.toml"
    text = DEPLOYMENT.replace('file_name = "wso2carbon.jks"', f'file_name = "{file_name}"')
    deployment.write_text(text.replace('type = "JKS"\n', ""))
    return deployment


def test_a_homes_deployment_toml_names_no_unencrypted_pem_key(
    run: Run, home: Path, tmp_path: Path
) -> None:
    """DESIGN, what must never happen: a secret encrypted for a key a config names as an
    unencrypted PEM. Given as FILES, the home's deployment.toml is refused so; with
    --wso2-home, the same file must be too."""
    from tests.test_hostile_configs import _unencrypted_pem

    _unencrypted_pem(tmp_path / "evil.pem")
    deployment = _naming(home, str(tmp_path / "evil.pem"))
    as_file = run("configure", str(deployment), env=WITH_PASSWORD)
    assert_clean_error(as_file, 2, "unencrypted private key")
    before = files(home)
    as_home = run("configure", "--wso2-home", str(home), env=WITH_PASSWORD)
    assert_clean_error(as_home, 2, "unencrypted private key")
    assert files(home) == before


@pytest.mark.parametrize("how", ["FILES", "--wso2-home"])
def test_a_homes_deployment_toml_names_one_keystore(run: Run, home: Path, how: str) -> None:
    """DESIGN: a keystore named by a config file is one file, never a list; a product
    home's deployment.toml is read by ProductHome, which refuses it as vault.keys.spec
    does for any other config (before, the list was opened as given)."""
    wso2carbon = home / "repository/resources/security/wso2carbon.jks"
    deployment = _naming(home, f"{wso2carbon}:{KEYSTORES / 'jdk17.jceks'}")
    before = files(home)
    given = [str(deployment)] if how == "FILES" else ["--wso2-home", str(home)]
    result = run("configure", *given, env=WITH_PASSWORD)
    assert_clean_error(result, 2, "deployment.toml:", "several keystores")
    assert files(home) == before


def test_a_homes_carbon_xml_names_one_keystore(run: Run, home: Path) -> None:
    """A legacy home (no deployment.toml): carbon.xml's Location is one file too."""
    (home / "repository/conf/deployment.toml").unlink()
    carbon = home / "repository/conf/carbon.xml"
    jks = "${carbon.home}/repository/resources/security/wso2carbon.jks"
    carbon.write_text(CARBON.replace(jks, f"{jks}:{KEYSTORES / 'jdk17.jceks'}"), "latin-1")
    before = files(home)
    result = run("configure", "--wso2-home", str(home), env=WITH_PASSWORD)
    assert_clean_error(result, 2, "carbon.xml", "several keystores")
    assert files(home) == before
