"""Every keystore kind and every config format runs its contract class (issue 17): a
kind or format added to its table without a contract subclass fails here."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import tests.configs.formats as format_tests
import tests.keystores as keystore_tests
from tests.configs.formats.contract import FormatContract
from tests.keystores.contract import KeystoreContract
from vault.configs.formats import FORMATS
from vault.keystores import _KIND_MODULES


def _subclasses(package: object, base: type) -> list[type]:
    """The concrete subclasses of ``base`` in the test modules of ``package``."""
    folder = Path(package.__file__).parent  # type: ignore[attr-defined]
    found = []
    for info in pkgutil.iter_modules([str(folder)]):
        if info.name.startswith("test_"):
            module = importlib.import_module(f"{package.__name__}.{info.name}")  # type: ignore[attr-defined]
            found += [
                value
                for value in vars(module).values()
                if isinstance(value, type) and issubclass(value, base) and value is not base
            ]
    return found


def test_every_keystore_kind_runs_the_keystore_contract() -> None:
    kinds = {cls.kind for cls in _subclasses(keystore_tests, KeystoreContract)}
    assert kinds == set(_KIND_MODULES)


def test_every_format_runs_the_format_contract() -> None:
    names = {cls.format_name for cls in _subclasses(format_tests, FormatContract)}
    assert names == set(FORMATS)
