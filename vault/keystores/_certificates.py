"""Self-signed certificates and keytool-style distinguished names, for new key pairs.

Apart from :mod:`.create` because a token's key pair (:mod:`.pkcs11`) needs them
too, and the token's module must not import the file writer.
"""

from __future__ import annotations

import datetime
import re
import secrets

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from vault.errors import UsageError


def parse_dname(dname: str) -> x509.Name:
    """A keytool-style ``-dname`` (``CN=a, OU=b, O=c, C=LK``), in the order written."""
    parts = [p.strip() for p in re.split(r"(?<!\\),", dname) if p.strip()]
    if not parts:
        raise UsageError("--dname is empty")
    try:
        # RFC 4514 lists the most specific part first, as keytool does.
        return x509.Name.from_rfc4514_string(",".join(parts), {"S": NameOID.STATE_OR_PROVINCE_NAME})
    except ValueError:
        raise UsageError(
            f"--dname '{dname}' is not a distinguished name like 'CN=app, O=Org, C=LK'"
        ) from None


def self_signed(
    key: rsa.RSAPrivateKey,
    subject: x509.Name,
    validity_days: int,
    *,
    public: rsa.RSAPublicKey | None = None,
) -> x509.Certificate:
    """A SHA256withRSA self-signed certificate, as ``keytool -genkeypair`` makes
    (``public``: another key's, whose owner signs the result again; see pkcs11)."""
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    public = public or key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public)
        .serial_number(int.from_bytes(secrets.token_bytes(8), "big") >> 1 or 1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=validity_days))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
