"""Creating keystores and adding certificates to truststores.

Kept apart from the loaders: the runtime path reads keystores and never
needs to write one.
"""

from __future__ import annotations

import datetime
import os
import re
import secrets
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from vault import atomic
from vault._bounded import KEYSTORE_LIMIT, read_bounded
from vault.errors import InputError, UsageError
from vault.keystores import load_keystore, normalise_kind
from vault.keystores._model import StoreKind
from vault.secret import Secret

KEY_SIZES = (2048, 3072, 4096)
DEFAULT_DNAME = "CN=ciphertool"
DEFAULT_VALIDITY_DAYS = 365


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


def create_keystore(
    path: str | os.PathLike[str],
    alias: str,
    password: Secret,
    *,
    kind: str = "PKCS12",
    key_size: int = 2048,
    dname: str = DEFAULT_DNAME,
    validity_days: int = DEFAULT_VALIDITY_DAYS,
    key_password: Secret | None = None,
) -> x509.Certificate:
    """Write a new keystore with one RSA key pair; refuse to overwrite. Returns the certificate."""
    store_kind = normalise_kind(kind)
    if key_size not in KEY_SIZES:
        raise UsageError(f"key size {key_size} is not one of {', '.join(map(str, KEY_SIZES))}")
    if validity_days < 1:
        raise UsageError("--validity must be at least one day")
    if not alias or not alias.strip():
        raise UsageError("the alias is empty")
    if len(password) < 6 and store_kind in ("JKS", "PKCS12"):
        raise UsageError("the store password must be at least 6 characters (keytool's rule)")
    if store_kind == "JCEKS":
        raise UsageError("new keystores are PKCS12, JKS or PEM; JCEKS is read only")
    if store_kind == "PKCS12" and key_password is not None and key_password != password:
        raise UsageError(
            "PKCS12 keeps one password: the key password must equal the store password"
        )
    if Path(path).exists():
        raise InputError("already exists; not overwritten", path=path)
    subject = parse_dname(dname)
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    cert = self_signed(key, subject, validity_days)
    atomic.create(path, _serialise(store_kind, alias, key, cert, password, key_password))
    return cert


def _serialise(
    kind: StoreKind,
    alias: str,
    key: rsa.RSAPrivateKey,
    cert: x509.Certificate,
    password: Secret,
    key_password: Secret | None,
) -> bytes:
    if kind == "PKCS12":
        from vault.keystores import pkcs12

        return pkcs12.dump(alias, key, cert, password)
    if kind == "PEM":
        from vault.keystores import pem

        return pem.dump(key, cert, password)
    from vault.keystores import jks

    pkcs8 = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    entry = jks.new_private_key_entry(
        alias, cert.public_bytes(serialization.Encoding.DER), pkcs8, key_password or password
    )
    return jks.save_jks([entry], password)


def read_certificate(path: str | os.PathLike[str]) -> x509.Certificate:
    """A certificate from a PEM or DER file."""
    try:
        data = read_bounded(path, KEYSTORE_LIMIT, "certificate")
    except FileNotFoundError:
        raise InputError("no such certificate file", path=path) from None
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError:
        raise InputError("is not a PEM or DER certificate", path=path) from None


def import_certificate(
    truststore: str | os.PathLike[str],
    cert: x509.Certificate,
    alias: str,
    password: Secret,
    storetype: str | None = None,
) -> None:
    """Add a trusted certificate under ``alias``, creating the truststore if missing."""
    target = Path(truststore)
    if not target.exists():
        kind = normalise_kind(storetype) if storetype else _kind_for_new(target)
        atomic.create(target, _truststore_bytes(kind, [(alias, cert)], password, None))
        return
    with atomic.locked(target):
        store = load_keystore(target, password, storetype)
        if any(e.alias.lower() == alias.lower() for e in store.entries):
            raise UsageError(
                f"alias '{alias}' already exists; certificate not imported", path=target
            )
        kind = store.kind
        raw_entries = (
            getattr(store, "_raw", None) if kind == "JKS" else None
        )  # keys kept as they are
        if kind != "JKS" and any(e.kind != "trusted-cert" for e in store.entries):
            raise UsageError(
                "holds key entries; import-cert adds to truststores only (or to a JKS)",
                path=target,
            )
        if kind == "JCEKS":
            raise UsageError(
                "JCEKS is read only here; import into a PKCS12 or JKS truststore", path=target
            )
        existing = [(e.alias, e.certificate) for e in store.entries if e.certificate is not None]
        data = _truststore_bytes(kind, [*existing, (alias, cert)], password, raw_entries)
        atomic.replace(target, data)


def _kind_for_new(path: Path) -> StoreKind:
    """By extension: .jks is JKS, .pem/.crt PEM, anything else PKCS12."""
    kinds: dict[str, StoreKind] = {".jks": "JKS", ".pem": "PEM", ".crt": "PEM"}
    return kinds.get(path.suffix.lower(), "PKCS12")


def _truststore_bytes(
    kind: StoreKind,
    certs: list[tuple[str, x509.Certificate]],
    password: Secret,
    raw_jks_entries: dict[str, Any] | None,
) -> bytes:
    if kind == "PKCS12":
        from vault.keystores import pkcs12

        return pkcs12.dump_truststore(certs, password)
    if kind == "PEM":
        return b"".join(cert.public_bytes(serialization.Encoding.PEM) for _, cert in certs)
    from vault.keystores import jks

    entries = list((raw_jks_entries or {}).values())
    known = {alias.lower() for alias in (raw_jks_entries or {})}
    for alias, cert in certs:
        if alias.lower() not in known:
            entries.append(
                jks.new_trusted_cert_entry(alias, cert.public_bytes(serialization.Encoding.DER))
            )
    return jks.save_jks(entries, password)


__all__ = ["create_keystore", "import_certificate", "parse_dname", "read_certificate"]
