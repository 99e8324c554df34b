"""What start-up imports: ``import vault`` and the resolver's path load only what they use.

Every service start runs this path, and issue 17 gives it a budget (``./scripts/bench
--only startup``: within 1.10 x the instructions of an ideal script): a module imported
for nothing is start-up time that every service pays. Each check runs a fresh
interpreter and reads what it imported from ``python -X importtime``, the same way for
``python -c`` and for the ``ciphertool`` console script.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import vault
from tests.conftest import CIPHERTOOL, KEYSTORES, VECTOR_PASSWORD, clean_env
from vault.crypto.ring import KeyEntry, KeyRing
from vault.keystores import load_keystore
from vault.secret import Secret

# Never on the runtime path: the write paths, the command line's click application and
# the libraries only they use; pyjks (jks) and pycryptodome (Crypto) are for JCEKS, yaml
# for YAML configs, logging only once something is logged (vault._log).
NEVER_AT_RUNTIME = (
    "vault.operations",
    "vault.atomic",
    "vault.keystores.create",
    "vault.keystores.passwd",
    "vault.cli.app",
    "vault.cli.wso2",
    "vault.cli.commands",
    "vault.wso2.configure",
    "vault.wso2.xml_secrets",
    "click",
    "tomlkit",
    "yaml",
    "jks",
    "Crypto",
    "pyasn1",
    "logging",
    # tokens: python-pkcs11 and the URI parser only for a pkcs11: name
    "pkcs11",
    "vault.keystores.pkcs11",
    "vault.keystores._pkcs11_uri",
)


def imported(code: str, tmp: Path, env: dict[str, str] | None = None) -> set[str]:
    """Every module in ``sys.modules`` when a fresh ``python -c CODE`` exits (read at exit:
    ``-X importtime`` misses what ``importlib.import_module`` loads)."""
    out = tmp / "modules.txt"
    hook = (
        "import atexit, sys\n"
        f"atexit.register(lambda: open({str(out)!r}, 'w').write('\\n'.join(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", hook + code],
        capture_output=True,
        text=True,
        timeout=60,
        env=env if env is not None else clean_env(),
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return set(out.read_text().split("\n"))


def forbidden(modules: set[str], allowed: tuple[str, ...] = ()) -> list[str]:
    bad = [p for p in NEVER_AT_RUNTIME if p not in allowed]
    return sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in bad))


def ciphertool(*args: str) -> str:
    """Code that runs the real ``ciphertool`` console script with ARGS, as its own main."""
    script = CIPHERTOOL[0] if CIPHERTOOL[0] != sys.executable else None
    if script is None:  # no console script: python -m vault
        return f"import runpy; sys.argv = ['vault', *{list(args)!r}]; runpy.run_module('vault')"
    return (
        f"sys.argv = [{script!r}, *{list(args)!r}]\n"
        f"exec(compile(open({script!r}).read(), {script!r}, 'exec'), {{'__name__': '__main__'}})"
    )


def test_import_vault_loads_the_exceptions_and_secret_only(tmp_path: Path) -> None:
    """Every other public name waits for its first use: no cryptography, no keystore
    reader, no config reader at import (issue 17: ``import vault`` loaded cryptography's
    serialization layer and the resolver's modules whether or not they were used)."""
    modules = imported("import vault", tmp_path)
    assert sorted(m for m in modules if m.split(".")[0] == "vault") == [
        "vault",
        "vault.errors",
        "vault.secret",
    ]
    assert not {m for m in modules if m.split(".")[0] in ("cryptography", "_cffi_backend")}
    assert forbidden(modules) == []


def test_naming_an_exception_or_a_secret_loads_no_cryptography(tmp_path: Path) -> None:
    code = (
        "import vault\n"
        "from vault import Secret, VaultError, DecryptionError\n"
        "assert issubclass(DecryptionError, VaultError)\n"
        "print(repr(Secret('x')), vault.__version__)\n"
    )
    modules = imported(code, tmp_path)
    assert "cryptography" not in modules
    assert "vault.runtime.resolver" not in modules


def test_every_public_name_is_its_modules_object() -> None:
    """The lazy names are the same objects as in their modules, listed by ``dir`` and
    ``__all__``; an unknown name is an AttributeError, as on any module."""
    for name, home in vault._LAZY.items():
        assert getattr(vault, name) is getattr(importlib.import_module(home), name), name
    assert set(vault.__all__) <= set(dir(vault))
    assert set(vault._LAZY) <= set(vault.__all__)
    for name in vault.__all__:
        assert getattr(vault, name) is not None, name
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        vault.no_such_name  # type: ignore[attr-defined]  # noqa: B018
    namespace: dict[str, object] = {}
    exec("from vault import *", namespace)
    assert set(vault.__all__) <= set(namespace)


def test_from_vault_import_of_a_lazy_name_loads_its_module_only(tmp_path: Path) -> None:
    code = "from vault import Secret, KeyRing, load_config\nprint(KeyRing, load_config)"
    modules = imported(code, tmp_path)
    assert {"vault.crypto.ring", "vault.runtime.resolver"} <= modules
    assert forbidden(modules) == []


def write_config(keystore: Path, alias: str, path: Path) -> Path:
    """A config of two secrets encrypted for ``keystore``'s ``alias``: TOML, or YAML."""
    store = load_keystore(keystore, Secret(VECTOR_PASSWORD))
    ring = KeyRing([KeyEntry(store.certificate(alias))])
    db, api = ring.encrypt("pw-1"), ring.encrypt("k-1")
    if path.suffix == ".toml":
        text = f'[db]\npassword = "$secret{{db}}"\n[secrets]\ndb = "{db}"\napi = "{api}"\n'
    else:
        text = f'db:\n  password: "$secret{{db}}"\nsecrets:\n  db: "{db}"\n  api: "{api}"\n'
    path.write_text(text)
    return path


def keystore_env(keystore: Path) -> dict[str, str]:
    return clean_env(
        CIPHERTOOL_KEYSTORE=str(keystore), CIPHERTOOL_KEYSTORE_PASSWORD=VECTOR_PASSWORD
    )


JKS = KEYSTORES / "jdk17.jks"  # made by keytool (JDK 17)
PYJKS_AND_YAML = ("yaml", "jks", "Crypto", "pyasn1", "logging")


def test_load_config_of_a_toml_with_a_keytool_jks_loads_no_write_path(tmp_path: Path) -> None:
    config = write_config(JKS, "wso2carbon", tmp_path / "app.toml")
    code = f"import vault\nassert vault.load_config({str(config)!r})['db']['password'] == 'pw-1'"
    modules = imported(code, tmp_path, keystore_env(JKS))
    assert forbidden(modules) == []
    assert "vault.keystores.jks" in modules  # the keystore was read, by the native reader


def test_ciphertool_resolve_of_a_toml_with_a_keytool_jks_loads_no_write_path(
    tmp_path: Path,
) -> None:
    config = write_config(JKS, "wso2carbon", tmp_path / "app.toml")
    modules = imported(ciphertool("resolve", str(config)), tmp_path, keystore_env(JKS))
    assert forbidden(modules) == []
    assert {"vault.cli.fast", "vault.runtime.resolver"} <= modules


def test_yaml_and_pyjks_load_when_a_yaml_config_or_a_jceks_is_read(tmp_path: Path) -> None:
    """The other side of the checks above, so that they cannot pass for nothing: a YAML
    config loads yaml, a JCEKS keystore pyjks (which loads pycryptodome, pyasn1 and
    logging), and still no write path."""
    jceks = KEYSTORES / "jdk17.jceks"
    config = write_config(jceks, "wso2carbon", tmp_path / "app.yaml")
    code = f"import vault\nassert vault.load_config({str(config)!r})['db']['password'] == 'pw-1'"
    modules = imported(code, tmp_path, keystore_env(jceks))
    assert {"yaml", "jks"} <= modules
    assert forbidden(modules, allowed=PYJKS_AND_YAML) == []
    resolved = imported(ciphertool("resolve", str(config)), tmp_path, keystore_env(jceks))
    assert {"yaml", "jks", "vault.cli.fast"} <= resolved
    assert forbidden(resolved, allowed=PYJKS_AND_YAML) == []
