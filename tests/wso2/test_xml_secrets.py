"""``check --wso2-home`` finds the passwords a product's XML still holds in plaintext, and
says which cipher-tool.properties line covers each; ``list --wso2-home`` shows the XML's
``svns:secretAlias`` marks.

The home follows a WSO2 Identity Server 5.x layout (repository/conf/carbon.xml,
user-mgt.xml with an LDAP user store, datasources/master-datasources.xml with two
datasources, tomcat/catalina-server.xml with an SSL connector), written for this test;
cipher-tool.properties holds a few of the product's default lines.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import KEYSTORES, VECTOR_PASSWORD, Run, clean_env
from vault.configs.formats import parse
from vault.configs.formats.xml import XmlDocument
from vault.wso2.xpath import compile_xpath, xpath_of

NS = 'xmlns:svns="http://org.wso2.securevault/configuration"'

DEPLOYMENT = """[keystore.primary]
file_name = "wso2carbon.jks"
type = "JKS"
alias = "wso2carbon"
"""
CARBON = f"""<?xml version="1.0" encoding="ISO-8859-1"?>
<Server xmlns="http://wso2.org/projects/carbon/carbon.xml" {NS}>
    <Security>
        <KeyStore>
            <Location>${{carbon.home}}/repository/resources/security/wso2carbon.jks</Location>
            <Type>JKS</Type>
            <Password svns:secretAlias="Carbon.Security.KeyStore.Password">password</Password>
            <KeyAlias>wso2carbon</KeyAlias>
            <KeyPassword svns:secretAlias="Carbon.Security.KeyStore.KeyPassword"
                >password</KeyPassword>
        </KeyStore>
        <TrustStore>
            <Location>${{carbon.home}}/repository/resources/security/client-truststore.jks</Location>
            <Type>JKS</Type>
            <Password svns:secretAlias="Carbon.Security.TrustStore.Password">password</Password>
        </TrustStore>
    </Security>
</Server>
"""
USER_MGT = """<UserManager>
    <Realm>
        <Configuration>
            <AddAdmin>true</AddAdmin>
            <AdminUser>
                <UserName>admin</UserName>
                <Password>admin</Password>
            </AdminUser>
        </Configuration>
        <UserStoreManager class="org.wso2.carbon.user.core.ldap.ReadWriteLDAPUserStoreManager">
            <Property name="ConnectionURL">ldap://localhost:${Ports.EmbeddedLDAP.LDAPServerPort}</Property>
            <Property name="ConnectionName">uid=admin,ou=system</Property>
            <Property name="ConnectionPassword">ldap-admin-pw</Property>
            <Property name="PasswordJavaScriptRegEx">^[\\S]{5,30}$</Property>
            <Property name="PasswordDigest">SHA-256</Property>
            <Property name="PasswordHashMethod">PLAIN_TEXT</Property>
        </UserStoreManager>
    </Realm>
</UserManager>
"""
DATASOURCES = """<datasources-configuration xmlns:svns="http://org.wso2.securevault/configuration">
    <datasources>
        <datasource>
            <name>WSO2_CARBON_DB</name>
            <definition type="RDBMS">
                <configuration>
                    <url>jdbc:h2:./repository/database/WSO2CARBON_DB</url>
                    <username>wso2carbon</username>
                    <password>carbon-db-pw</password>
                </configuration>
            </definition>
        </datasource>
        <datasource>
            <name>WSO2_IDENTITY_DB</name>
            <definition type="RDBMS">
                <configuration>
                    <url>jdbc:mysql://db:3306/identity</url>
                    <username>identity</username>
                    <password>identity-db-pw</password>
                    <validationQuery>SELECT 1</validationQuery>
                </configuration>
            </definition>
        </datasource>
    </datasources>
</datasources-configuration>
"""
CATALINA = """<Server port="8005" shutdown="SHUTDOWN">
  <Service name="Catalina">
    <Connector protocol="org.apache.coyote.http11.Http11NioProtocol" port="9443"
               keystoreFile="${carbon.home}/repository/resources/security/wso2carbon.jks"
               keystorePass="tls-store-pw">
      <SSLHostConfig
          truststoreFile="${carbon.home}/repository/resources/security/client-truststore.jks"
          truststorePassword="">
        <Certificate
            certificateKeystoreFile="${carbon.home}/repository/resources/security/wso2carbon.jks"
            certificateKeyAlias="wso2carbon"
            certificateKeyPassword="tls-key-pw"/>
      </SSLHostConfig>
    </Connector>
  </Service>
</Server>
"""
CIPHER_TOOL = """\
Carbon.Security.KeyStore.Password=repository/conf/carbon.xml//Server/Security/KeyStore/Password,false
Carbon.Security.KeyStore.KeyPassword=repository/conf/carbon.xml//Server/Security/KeyStore/KeyPassword,false
Carbon.Security.TrustStore.Password=repository/conf/carbon.xml//Server/Security/TrustStore/Password,false
UserManager.AdminUser.Password=repository/conf/user-mgt.xml//UserManager/Realm/Configuration/AdminUser/Password,false
Server.Service.Connector.keystorePass=repository/conf/tomcat/catalina-server.xml//Server/Service/Connector[@keystorePass],true
"""
CIPHER_TEXT = """\
Carbon.Security.KeyStore.Password=[storepass]
Carbon.Security.KeyStore.KeyPassword=[storepass]
Server.Service.Connector.keystorePass=[tls-store-pw]
"""
# file, key, value: what check must report (at the value's line), never the value.
UNCOVERED = [
    (
        "repository/conf/user-mgt.xml",
        "UserManager.Realm.UserStoreManager.Property.ConnectionPassword",
        "ldap-admin-pw",
    ),
    (
        "repository/conf/datasources/master-datasources.xml",
        "datasources-configuration.datasources.datasource.definition.configuration.password",
        "carbon-db-pw",
    ),
    (
        "repository/conf/datasources/master-datasources.xml",
        "datasources-configuration.datasources.datasource.definition.configuration.password",
        "identity-db-pw",
    ),
    (
        "repository/conf/tomcat/catalina-server.xml",
        "Server.Service.Connector.SSLHostConfig.Certificate.@certificateKeyPassword",
        "tls-key-pw",
    ),
]


ORIGINAL = {
    "repository/conf/carbon.xml": CARBON,
    "repository/conf/user-mgt.xml": USER_MGT,
    "repository/conf/datasources/master-datasources.xml": DATASOURCES,
    "repository/conf/tomcat/catalina-server.xml": CATALINA,
}


def line_of(file: str, text: str) -> int:
    """The line of the first mention of ``text`` in ``file`` as the fixture writes it."""
    return next(n for n, line in enumerate(ORIGINAL[file].splitlines(), 1) if text in line)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    root = tmp_path / "wso2is-5.11.0"
    conf = root / "repository" / "conf"
    for folder in ("security", "tomcat", "datasources"):
        (conf / folder).mkdir(parents=True)
    (root / "repository" / "resources" / "security").mkdir(parents=True)
    shutil.copy(KEYSTORES / "jdk17.jks", root / "repository/resources/security/wso2carbon.jks")
    (conf / "deployment.toml").write_text(DEPLOYMENT)
    (conf / "carbon.xml").write_text(CARBON, encoding="latin-1")
    (conf / "user-mgt.xml").write_text(USER_MGT)
    (conf / "datasources" / "master-datasources.xml").write_text(DATASOURCES)
    (conf / "tomcat" / "catalina-server.xml").write_text(CATALINA)
    (conf / "security" / "cipher-tool.properties").write_text(CIPHER_TOOL)
    (conf / "security" / "cipher-text.properties").write_text(CIPHER_TEXT)
    return root


def _env() -> dict[str, str]:
    return clean_env(CIPHERTOOL_KEYSTORE_PASSWORD=VECTOR_PASSWORD)


def _xml_findings(run: Run, home: Path) -> list[dict[str, object]]:
    result = run("check", "--wso2-home", str(home), "--json", env=_env())
    assert result.returncode in (0, 1), result.stderr
    return [f for f in json.loads(result.stdout) if str(f["file"]).endswith(".xml")]


def test_check_reports_plaintext_that_cipher_tool_properties_does_not_cover(
    run: Run, home: Path
) -> None:
    findings = _xml_findings(run, home)
    where = {
        (str(Path(str(f["file"])).relative_to(home)), f["line"], f["key"]): f for f in findings
    }
    user_mgt, carbon = "repository/conf/user-mgt.xml", "repository/conf/carbon.xml"
    admin = (user_mgt, line_of(user_mgt, "<Password>admin"))
    covered = where.pop((*admin, "UserManager.Realm.Configuration.AdminUser.Password"))
    assert "alias 'UserManager.AdminUser.Password'" in str(covered["message"])
    assert "which no store holds" in str(covered["message"])
    catalina = "repository/conf/tomcat/catalina-server.xml"
    marked = where.pop(
        (catalina, line_of(catalina, "keystorePass="), "Server.Service.Connector.@keystorePass")
    )
    assert "alias 'Server.Service.Connector.keystorePass'" in str(marked["message"])
    assert str(marked["message"]).endswith("run ciphertool configure")
    missing = where.pop((carbon, line_of(carbon, "TrustStore.Password"), None))
    assert missing["kind"] == "unknown-alias"
    assert missing["alias"] == "Carbon.Security.TrustStore.Password"
    assert set(where) == {(f, line_of(f, value), key) for f, key, value in UNCOVERED}
    for finding in where.values():
        assert "does not cover" in str(finding["message"])
    text = json.dumps(findings)
    assert not any(value in text for _, _, value in UNCOVERED)


def test_the_lines_check_suggests_make_configure_secure_every_value(run: Run, home: Path) -> None:
    """Add each suggested line, then configure: check passes, and Secure Vault's reading
    (the resolver, which replaces each svns:secretAlias) gives back every value."""
    conf = home / "repository" / "conf" / "security"
    for finding in _xml_findings(run, home):
        message = str(finding["message"])
        if "does not cover" not in message:
            continue
        line = message.split("add the line '", 1)[1].split("' to it", 1)[0]
        alias = line.split("=", 1)[0]
        file = str(Path(str(finding["file"])).relative_to(home))
        [value] = [v for f, _, v in UNCOVERED if (f, line_of(f, v)) == (file, finding["line"])]
        with (conf / "cipher-tool.properties").open("a") as handle:
            handle.write(line + "\n")
        with (conf / "cipher-text.properties").open("a") as handle:
            handle.write(f"{alias}=[{value}]\n")
    with (conf / "cipher-text.properties").open("a") as handle:
        handle.write("UserManager.AdminUser.Password=[admin]\n")
        handle.write("Carbon.Security.TrustStore.Password=[ts]\n")
    configured = run("configure", "--wso2-home", str(home), env=_env())
    assert configured.returncode == 0, configured.stderr
    checked = run("check", "--wso2-home", str(home), env=_env())
    assert (checked.returncode, checked.stdout) == (0, ""), checked.stdout
    # The values read back: each aliased element gives its secret.
    ks = str(home / "repository/resources/security/wso2carbon.jks")
    env = clean_env(
        CIPHERTOOL_KEYSTORE=ks,
        CIPHERTOOL_KEY_ALIAS="wso2carbon",
        CIPHERTOOL_KEYSTORE_PASSWORD=VECTOR_PASSWORD,
    )
    for file, _, value in UNCOVERED:
        line = line_of(file, value)
        resolved = run("resolve", str(home / file), env=env)
        assert resolved.returncode == 0, resolved.stderr
        assert value in resolved.stdout.splitlines()[line - 1]
        assert value not in (home / file).read_text()
        assert "svns:secretAlias=" in (home / file).read_text().splitlines()[line - 1]


def test_list_shows_the_xml_marks(run: Run, home: Path) -> None:
    assert run("configure", "--wso2-home", str(home), env=_env()).returncode == 0
    listed = run("list", "--wso2-home", str(home), "--json", env=_env())
    assert listed.returncode == 0, listed.stderr
    references = {i["alias"]: i["references"] for i in json.loads(listed.stdout)}
    carbon, catalina = "repository/conf/carbon.xml", "repository/conf/tomcat/catalina-server.xml"
    assert references == {
        "Carbon.Security.KeyStore.Password": [
            f"{home / carbon}:{line_of(carbon, 'KeyStore.Password')}"
        ],
        "Carbon.Security.KeyStore.KeyPassword": [
            f"{home / carbon}:{line_of(carbon, 'KeyStore.KeyPassword')}"
        ],
        "Server.Service.Connector.keystorePass": [
            f"{home / catalina}:{line_of(catalina, '<Connector')}"
        ],
    }


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("<a><b><c>x</c></b></a>", "//a/b/c"),
        ("<a><b><c/></b><b><c>x</c></b></a>", "//a/b[2]/c"),
        (
            "<U><R><Property name='p'/><Property name='Password'>x</Property></R></U>",
            "//U/R/Property[@name='Password']",
        ),
        ("<a><a><c>x</c></a></a>", "//a/a/c"),
        ("<a><a><c>y</c></a><c>x</c></a>", "/a/c[1]"),  # //a/c would select both
    ],
)
def test_xpath_of_selects_the_element_alone(text: str, wanted: str) -> None:
    document = parse(text, "xml")
    assert isinstance(document, XmlDocument)
    element = next(e for e in document.root.iter() if e.text == "x")
    assert xpath_of(element) == wanted
    assert compile_xpath(wanted).select(document.root) == [element]
