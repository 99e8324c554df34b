"""``ciphertool keystore``: create keystores, list them, and move certificates in and out."""

from __future__ import annotations

import json
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from vault.cli.cmdoptions import lock_option, password_option_group
from vault.cli.framework import Group, echo
from vault.errors import UsageError
from vault.keys.passwords import PasswordOptions, find_passwords

if TYPE_CHECKING:
    from vault.keystores import Entry


@click.group(cls=Group)
def keystore() -> None:
    """Create keystores, list them, and move certificates in and out."""


@keystore.command("create")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--alias", "-a", required=True, help="Alias of the new key entry.")
@click.option(
    "--type",
    "kind",
    type=click.Choice(["pkcs12", "jks", "pem", "pkcs11"], case_sensitive=False),
    default="pkcs12",
    show_default=True,
)
@click.option(
    "--key-size", type=click.Choice(["2048", "3072", "4096"]), default="2048", show_default=True
)
@click.option(
    "--dname",
    default="CN=ciphertool",
    show_default=True,
    help="Subject, keytool style: 'CN=app, OU=Ops, O=Org, C=LK'.",
)
@click.option(
    "--validity",
    type=click.IntRange(min=1),
    default=365,
    show_default=True,
    help="Days the certificate is valid.",
)
@password_option_group
def keystore_create(
    path: str,
    alias: str,
    kind: str,
    key_size: str,
    dname: str,
    validity: int,
    passwords: PasswordOptions,
) -> None:
    """Make PATH: a new RSA key pair and a self-signed SHA256withRSA certificate.

    The password comes from the usual sources (--storepass-file, ...); on a
    terminal it is asked for twice. The file is created mode 0600 and never
    overwrites an existing one.

    \b
    Example:
      ciphertool keystore create vault.p12 --alias app --storepass-env VAULT_PW
    """
    from vault.keys.spec import is_pkcs11
    from vault.keystores.create import create_keystore
    from vault.operations.rings import new_passwords

    if is_pkcs11(path):
        _create_in_token(path, alias, kind, int(key_size), dname, validity, passwords)
        return
    new = new_passwords(path, passwords)
    cert = create_keystore(
        path,
        alias,
        new.store,
        kind=kind,
        key_size=int(key_size),
        dname=dname,
        validity_days=validity,
        key_password=new.key,
    )
    from vault.keystores import thumbprint

    click.echo(
        f"created {path}: alias {alias}, RSA-{key_size}, thumbprint {thumbprint(cert)}", err=True
    )


def _create_in_token(
    uri_text: str,
    alias: str,
    kind: str,
    key_size: int,
    dname: str,
    validity: int,
    options: PasswordOptions,
) -> None:
    """``keystore create pkcs11:...``: the pair is made inside the token, under the URI's
    object label (or --alias); the PIN is the token's, from the password sources."""
    from vault.keys.spec import parse_pkcs11_uri
    from vault.keystores import pkcs11, thumbprint
    from vault.keystores.create import parse_dname

    if kind.lower() not in ("pkcs12", "pkcs11"):  # pkcs12 is the option's default
        raise UsageError(f"--type {kind} does not apply to a pkcs11: URI")
    uri = parse_pkcs11_uri(uri_text)
    if uri.object is not None and uri.object != alias:
        raise UsageError(f"--alias '{alias}' and the URI's object '{uri.object}' differ")
    uri = uri.with_object(alias)
    subject = parse_dname(dname)
    pin = find_passwords(uri_text, options).store
    cert = pkcs11.create_key_pair(
        uri, uri.module(), pin, key_size=key_size, subject=subject, validity_days=validity
    )
    click.echo(
        f"created in token '{uri.token or '?'}': label {alias}, RSA-{key_size}, "
        f"thumbprint {thumbprint(cert)} (private key sensitive, never extractable)",
        err=True,
    )


@keystore.command("list")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option(
    "--storetype",
    metavar="TYPE",
    help="JKS, JCEKS, PKCS12 or PEM; read from the bytes when not given.",
)
@click.option("--json", "as_json", is_flag=True, help="A JSON list of entries.")
@password_option_group
def keystore_list(
    path: str, storetype: str | None, as_json: bool, passwords: PasswordOptions
) -> None:
    """List the entries: alias, kind, key size, subject, expiry, SHA-1 thumbprint.

    JKS, JCEKS and PEM list without a password (unverified); PKCS12 needs it.
    """
    from vault.keys.spec import KeystoreSpec
    from vault.operations.rings import open_listing

    store = open_listing(KeystoreSpec(path, storetype), passwords)
    rows = [_entry_row(e) for e in store.entries]
    if as_json:
        echo(json.dumps({"path": path, "type": store.kind, "entries": rows}, indent=2))
        return
    echo(f"{path}: {store.kind}, {len(rows)} entr{'y' if len(rows) == 1 else 'ies'}")
    for row in rows:
        size = (
            f"{row['algorithm'] or ''}-{row['key_size']}"
            if row["key_size"]
            else (row["algorithm"] or "")
        )
        echo(f"  {row['alias']}  {row['kind']}  {size}".rstrip())
        if row["thumbprint"]:
            echo(f"    subject:    {row['subject']}")
            echo(f"    expires:    {row['expires']}")
            echo(f"    thumbprint: {row['thumbprint']}")


def _entry_row(entry: Entry) -> dict[str, Any]:
    cert = entry.certificate
    return {
        "alias": entry.alias,
        "kind": entry.kind,
        "algorithm": entry.algorithm or ("RSA" if cert is not None else None),
        "key_size": entry.key_size,
        "subject": cert.subject.rfc4514_string() if cert is not None else None,
        "expires": cert.not_valid_after_utc.astimezone(UTC).isoformat()
        if cert is not None
        else None,
        "thumbprint": entry.thumbprint,
    }


@keystore.command("export-cert")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option(
    "--alias", "-a", help="Entry whose certificate to export (optional when there is one key)."
)
@click.option("--storetype", metavar="TYPE")
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False), help="Write the PEM here instead of stdout."
)
@password_option_group
def keystore_export_cert(
    path: str,
    alias: str | None,
    storetype: str | None,
    output: str | None,
    passwords: PasswordOptions,
) -> None:
    """Print the certificate of an entry as PEM (for encrypting elsewhere with --cert)."""
    from cryptography.hazmat.primitives import serialization

    from vault.keys.spec import KeystoreSpec
    from vault.operations.rings import open_listing

    store = open_listing(KeystoreSpec(path, storetype), passwords)
    pem = store.certificate(alias).public_bytes(serialization.Encoding.PEM)
    if output:
        from vault import atomic

        atomic.create(output, pem, mode=0o644)
    else:
        echo(pem.decode("ascii"), nl=False)


@keystore.command("import-cert")
@click.argument("truststore", type=click.Path(dir_okay=False))
@click.argument("cert", type=click.Path(dir_okay=False))
@click.option("--alias", "-a", required=True, help="Alias of the new trusted-certificate entry.")
@click.option(
    "--storetype",
    metavar="TYPE",
    help="Type of a new truststore (default from the extension: .jks JKS, .pem PEM, else PKCS12).",
)
@lock_option
@password_option_group
def keystore_import_cert(
    truststore: str, cert: str, alias: str, storetype: str | None, passwords: PasswordOptions
) -> None:
    """Add CERT (PEM or DER) to TRUSTSTORE under ALIAS, creating it if missing."""
    from vault.keys.spec import is_pkcs11
    from vault.keystores.create import import_certificate, read_certificate
    from vault.operations.rings import new_passwords

    if is_pkcs11(truststore):
        raise UsageError("import-cert writes truststore files; a token's objects are its own")
    certificate = read_certificate(cert)
    if Path(truststore).exists():
        found = find_passwords(truststore, passwords)
    else:
        found = new_passwords(truststore, passwords)
    import_certificate(truststore, certificate, alias, found.store, storetype)
    click.echo(f"imported {cert} into {truststore} as '{alias}'", err=True)


@keystore.command("passwd")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--storetype", metavar="TYPE", help="JKS, PKCS12 or PEM (default: from the bytes).")
@click.option(
    "--new-storepass-file",
    type=click.Path(dir_okay=False),
    help="File whose line 1 is the new password (line 2: a new key password, JKS only).",
)
@click.option("--new-storepass-env", metavar="VAR", help="Variable holding the new password.")
@lock_option
@password_option_group
def keystore_passwd(
    path: str,
    storetype: str | None,
    new_storepass_file: str | None,
    new_storepass_env: str | None,
    passwords: PasswordOptions,
) -> None:
    """Change the store password (and key passwords) of the keystore at PATH.

    The current password comes from the usual sources; the new one from
    --new-storepass-file, --new-storepass-env or a prompt asked twice. Every
    entry is kept; the new file is read back with the new password and
    compared key by key before it atomically replaces the old one.

    \b
    Example:
      ciphertool keystore passwd wso2carbon.jks --new-storepass-file new.pass
    """
    from vault.keys.spec import is_pkcs11
    from vault.keystores.passwd import change_password
    from vault.operations.rings import flag_passwords

    if is_pkcs11(path):
        raise UsageError(
            "a token's PIN is changed with the token's own tools (e.g. pkcs11-tool --change-pin)"
        )
    current = find_passwords(path, passwords)
    new = flag_passwords(path, new_storepass_file, new_storepass_env, "new", confirm=True)
    store = change_password(path, current.store, current.key, new.store, new.key, storetype)
    kept = len(store.entries)
    click.echo(
        f"{path}: password changed ({kept} entr{'y' if kept == 1 else 'ies'} kept)", err=True
    )
