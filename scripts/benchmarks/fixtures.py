"""Inputs for scripts/bench: keystores of every kind, and configs of every format.

Every config of N secrets has N services, each with a host, a port and a password.
The password is a ``$secret{sI}`` reference whose store entry is ``[plaintext]``
(for ``configure``), a ciphertext (for ``resolve`` and ``rotate``), or the plaintext
itself under the sensitive key with no store at all (for ``protect``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from vault.crypto.ring import KeyEntry, KeyRing
from vault.keystores import load_keystore
from vault.keystores._model import StoreKind
from vault.keystores.create import _serialise, create_keystore, parse_dname, self_signed
from vault.secret import Secret

PASSWORD = "bench-password"
ALIAS = "bench"
FORMATS = ("toml", "yaml", "json", "properties")
SUFFIX = {"toml": ".toml", "yaml": ".yaml", "json": ".json", "properties": ".properties"}
STORE_FILE = "cipher-text.properties"
KEYTOOL_KINDS = ("PKCS12", "JKS", "JCEKS")
CIPHERTOOL_KINDS: tuple[StoreKind, ...] = ("PKCS12", "JKS", "PEM")

Mode = Literal["configure", "protect", "resolve"]


def value(i: int) -> str:
    return f"secret-value-{i:06d}"


def alias(i: int) -> str:
    return f"s{i}"


# -- keystores ----------------------------------------------------------------------


def _keytool(*args: str) -> None:
    subprocess.run(["keytool", *args], check=True, capture_output=True)


def keytool_keystores(folder: Path, key_size: int) -> dict[str, Path]:
    """One RSA key pair made by ``keytool -genkeypair`` (PKCS12), and ``keytool
    -importkeystore`` copies of it as JKS and JCEKS: three keystores that keytool wrote."""
    folder.mkdir(parents=True, exist_ok=True)
    made = {kind: folder / f"keytool-{key_size}.{kind.lower()}" for kind in KEYTOOL_KINDS}
    _keytool(
        "-genkeypair",
        *("-keystore", str(made["PKCS12"]), "-storetype", "PKCS12"),
        *("-storepass", PASSWORD, "-keypass", PASSWORD, "-alias", ALIAS),
        *("-keyalg", "RSA", "-keysize", str(key_size), "-dname", "CN=bench", "-validity", "365"),
    )
    for kind in ("JKS", "JCEKS"):
        _keytool(
            "-importkeystore",
            *("-srckeystore", str(made["PKCS12"]), "-srcstoretype", "PKCS12"),
            *("-srcstorepass", PASSWORD, "-srcalias", ALIAS),
            *("-destkeystore", str(made[kind]), "-deststoretype", kind),
            *("-deststorepass", PASSWORD, "-destkeypass", PASSWORD, "-noprompt"),
        )
    return made


def ciphertool_keystores(folder: Path, key_size: int) -> dict[str, Path]:
    """One RSA key pair written by ciphertool's keystore writer as PKCS12, JKS and PEM
    (what ``ciphertool keystore create --type ...`` writes; one key generation, not three)."""
    folder.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    cert = self_signed(key, parse_dname("CN=bench"), 365)
    made: dict[str, Path] = {}
    for kind in CIPHERTOOL_KINDS:
        path = folder / f"ciphertool-{key_size}.{kind.lower()}"
        path.write_bytes(_serialise(kind, ALIAS, key, cert, Secret(PASSWORD), None))
        made[kind] = path
    return made


def ciphertool_keystore(path: Path, kind: str, key_size: int) -> Path:
    create_keystore(path, ALIAS, Secret(PASSWORD), kind=kind, key_size=key_size)
    return path


def ring_of(path: Path) -> KeyRing:
    store = load_keystore(path, Secret(PASSWORD))
    return KeyRing([KeyEntry(store.certificate_der(ALIAS), store.private_key(ALIAS))])


def pkcs8_der(ring: KeyRing) -> bytes:
    key = ring.entries[0].private_key
    assert key is not None
    return key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def have_keytool() -> bool:
    return shutil.which("keytool") is not None


def java_ciphertexts(
    keystore: Path, storetype: str, plaintexts: Sequence[str], classes: Path
) -> dict[str, str]:
    """Each plaintext encrypted by Java's javax.crypto.Cipher (tests/java/Interop.java,
    compiled into ``classes`` when missing or older than its source) with the public key
    of ALIAS, OAEP-SHA1, in WSO2's self-contained envelope (Gson's \\u003d escapes):
    what WSO2's cipher tool writes. Needs java and javac."""
    root = Path(__file__).resolve().parents[2]
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from tests.javainterop import SOURCE, Java, b64, compile_interop, request

    compiled = classes / "Interop.class"
    if not compiled.exists() or compiled.stat().st_mtime < SOURCE.stat().st_mtime:
        classes.mkdir(parents=True, exist_ok=True)
        compile_interop(classes)
    transformation = "RSA/ECB/OAEPwithSHA1andMGF1Padding"
    requests = [
        request(
            "encrypt",
            keystore,
            storetype,
            PASSWORD,
            ALIAS,
            transformation,
            "self-contained",
            b64(p),
        )
        for p in plaintexts
    ]
    answers = Java(classes).batch(requests)
    made = {}
    for plaintext, (status, result) in zip(plaintexts, answers, strict=True):
        if status != "ok":
            raise RuntimeError(f"Java could not encrypt: {result[:200]}")
        made[plaintext] = result
    return made


# -- configs ------------------------------------------------------------------------


def _store_value(mode: Mode, i: int, encrypt: Callable[[str], str] | None) -> str:
    if mode == "configure":
        return f"[{value(i)}]"
    assert encrypt is not None
    return encrypt(value(i))


def config_text(
    fmt: str,
    indexes: Sequence[int],
    mode: Mode,
    encrypt: Callable[[str], str] | None = None,
) -> tuple[str, str | None]:
    """(config text, cipher-text.properties text or None) for the secrets ``indexes``."""
    protect = mode == "protect"

    def password(i: int) -> str:
        return value(i) if protect else f"$secret{{{alias(i)}}}"

    if fmt == "toml":
        parts = [
            f'[service_{i}]\nhost = "h{i}.example.com"\nport = {1000 + i % 9000}\n'
            f'password = "{password(i)}"\n'
            for i in indexes
        ]
        if not protect:
            parts.append("[secrets]\n")
            parts.extend(f'{alias(i)} = "{_store_value(mode, i, encrypt)}"\n' for i in indexes)
        return "\n".join(parts), None
    if fmt == "yaml":
        lines = ["services:"]
        for i in indexes:
            lines += [
                f"  service_{i}:",
                f"    host: h{i}.example.com",
                f"    port: {1000 + i % 9000}",
                f'    password: "{password(i)}"',
            ]
        if not protect:
            lines.append("secrets:")
            lines += [f'  {alias(i)}: "{_store_value(mode, i, encrypt)}"' for i in indexes]
        return "\n".join(lines) + "\n", None
    if fmt == "json":
        doc: dict[str, object] = {
            "services": {
                f"service_{i}": {
                    "host": f"h{i}.example.com",
                    "port": 1000 + i % 9000,
                    "password": password(i),
                }
                for i in indexes
            }
        }
        if not protect:
            doc["secrets"] = {alias(i): _store_value(mode, i, encrypt) for i in indexes}
        return json.dumps(doc, indent=2) + "\n", None
    if fmt == "properties":
        lines = []
        for i in indexes:
            lines += [
                f"service.{i}.host=h{i}.example.com",
                f"service.{i}.port={1000 + i % 9000}",
                f"service.{i}.password={password(i)}",
            ]
        store = None
        if not protect:
            store = "".join(f"{alias(i)}={_store_value(mode, i, encrypt)}\n" for i in indexes)
        return "\n".join(lines) + "\n", store
    raise ValueError(fmt)


class ConfigSet:
    """One config (or several, for ``rotate``) written into a folder, rewritable at will:
    every measured write operation starts from the same bytes."""

    def __init__(self, folder: Path, files: dict[Path, str]) -> None:
        self.folder = folder
        self.files = files
        self.paths = [p for p in files if p.name != STORE_FILE]

    @classmethod
    def make(
        cls,
        folder: Path,
        fmt: str,
        n: int,
        mode: Mode,
        encrypt: Callable[[str], str] | None = None,
        *,
        n_files: int = 1,
    ) -> ConfigSet:
        folder.mkdir(parents=True, exist_ok=True)
        files: dict[Path, str] = {}
        per_file = n // n_files
        for f in range(n_files):
            indexes = range(f * per_file, (f + 1) * per_file)
            sub = folder / f"svc{f}" if n_files > 1 and fmt == "properties" else folder
            sub.mkdir(exist_ok=True)
            text, store = config_text(fmt, indexes, mode, encrypt)
            files[sub / f"deployment-{f}{SUFFIX[fmt]}"] = text
            if store is not None:
                files[sub / STORE_FILE] = store
        made = cls(folder, files)
        made.reset()
        return made

    def reset(self) -> None:
        """Put every file back as it was made; remove what a run added."""
        for path in self.folder.rglob(f"*{STORE_FILE}"):
            if path not in self.files:
                path.unlink()
        for path, text in self.files.items():
            path.write_text(text)

    @property
    def size(self) -> int:
        return sum(len(text.encode()) for text in self.files.values())


def big_toml(megabytes: float, n_secrets: int, encrypt: Callable[[str], str] | None) -> str:
    """A TOML config of about ``megabytes`` MB: many plain sections, ``n_secrets`` secrets.

    With ``encrypt`` the store holds ciphertexts (for resolve); without, ``[plaintext]``.
    """
    section = (
        '[pool_{i}]\nurl = "jdbc:postgresql://db-{i}.internal.example.com:5432/app?ssl=true"\n'
        'user = "app_user_{i}"\nmax_connections = 50\nidle_timeout = "10m"\n'
        'tags = ["primary", "eu-west-1", "tier-{i}"]\n\n'
    )
    target = megabytes * 1_000_000
    parts: list[str] = []
    size = 0
    i = 0
    while size < target:
        text = section.format(i=i)
        parts.append(text)
        size += len(text)
        i += 1
    for k in range(n_secrets):
        parts.append(f'[service_{k}]\npassword = "$secret{{{alias(k)}}}"\n\n')
    parts.append("[secrets]\n")
    for k in range(n_secrets):
        stored = encrypt(value(k)) if encrypt is not None else f"[{value(k)}]"
        parts.append(f'{alias(k)} = "{stored}"\n')
    return "".join(parts)
