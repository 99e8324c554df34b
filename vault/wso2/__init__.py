"""Everything WSO2-specific: the product home, XPath mode, secret-conf.properties.

Read-only, for the runtime too: :mod:`~vault.wso2.home` (a product home: its keystore,
its cipher-tool.properties targets), :mod:`~vault.wso2.secret_conf`,
:mod:`~vault.wso2.xpath`, and two leaves that vault.configs asks, importing nothing
from vault: :mod:`~vault.wso2.layout` (the home's folders, which stores WSO2 reads) and
:mod:`~vault.wso2.svns` (Secure Vault's marks in XML). Behind the commands, over
vault.operations (never imported by the runtime): :mod:`~vault.wso2.configure`
(``configure`` on a home) and :mod:`~vault.wso2.xml_secrets` (``check`` and ``list`` of
a home's XML).
"""
