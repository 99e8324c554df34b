"""``ciphertool encrypt`` and ``ciphertool decrypt``: one value at a time."""

from __future__ import annotations

import sys

import click

from vault.cli.cmdoptions import key_option_group
from vault.cli.framework import echo, read_value
from vault.cli.options import KeyOptions
from vault.errors import InputError


@click.command()
@key_option_group
@click.option(
    "--cert",
    "cert_file",
    type=click.Path(dir_okay=False),
    help="Encrypt with this certificate (PEM or DER) alone; no keystore, no password.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["self-contained", "plain"]),
    default="self-contained",
    show_default=True,
    help=(
        "self-contained names key and transformation (WSO2 CryptoUtil); "
        "plain is the bare RSA block (WSO2 cipher tool)."
    ),
)
@click.option(
    "--transformation",
    "-t",
    default="RSA/ECB/OAEPwithSHA1andMGF1Padding",
    show_default=True,
    help=(
        "Java transformation name: RSA/ECB/OAEPwithSHA1andMGF1Padding, "
        "RSA/ECB/OAEPWithSHA-256AndMGF1Padding, or RSA/ECB/PKCS1Padding "
        "(WSO2's old default; warns)."
    ),
)
def encrypt(cert_file: str | None, fmt: str, transformation: str, key: KeyOptions) -> None:
    """Encrypt one value read from a hidden prompt (asked twice) or standard input.

    Prints the ciphertext alone on stdout. Only the public key is used, so a
    JKS or PEM keystore or a certificate needs no password.

    \b
    Examples:
      printf %s 's3cret' | ciphertool encrypt --keystore wso2carbon.jks
      ciphertool encrypt --cert server.pem --format plain < value.txt
    """
    from vault.crypto.ring import KeyEntry, KeyRing
    from vault.crypto.transformations import canonical_transformation
    from vault.keys.ring import open_key_ring

    canonical_transformation(transformation)
    if cert_file:
        from vault.keystores.create import read_certificate

        ring = KeyRing([KeyEntry(read_certificate(cert_file), None, cert_file)])
    else:
        ring = open_key_ring(key.keystore.spec(), key.passwords, need_private=False)
    value = read_value()
    echo(ring.encrypt(value, format=fmt, transformation=transformation))  # type: ignore[arg-type]


@click.command()
@key_option_group
@click.argument("ciphertext", required=False)
@click.option(
    "--transformation",
    "-t",
    help="For plain ciphertexts only; without it OAEP-SHA1 is tried, then PKCS#1 v1.5.",
)
def decrypt(ciphertext: str | None, transformation: str | None, key: KeyOptions) -> None:
    """Print the plaintext of CIPHERTEXT (or of the ciphertext on standard input).

    Self-contained ciphertexts name their key by thumbprint; plain ones are
    tried with the key given.
    """
    from vault.keys.ring import open_key_ring

    if ciphertext is None:
        ciphertext = sys.stdin.read() if sys.stdin is not None else ""
    if not ciphertext.strip():
        raise InputError("no ciphertext given (argument or standard input)")
    ring = open_key_ring(key.keystore.spec(), key.passwords, need_private=True)
    plaintext = ring.decrypt(ciphertext, transformation=transformation).reveal()
    end = "\n" if sys.stdout.isatty() else ""
    echo(plaintext + end, nl=False)
