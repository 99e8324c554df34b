"""vault.errors: every public exception in one module, under one VaultError root."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import ModuleType

import pytest

import vault
from vault import errors
from vault.errors import VaultError


def _public_modules() -> list[ModuleType]:
    """Every module of the package whose dotted name has no ``_private`` part."""
    found = []
    for info in pkgutil.walk_packages(vault.__path__, "vault."):
        if any(part.startswith("_") for part in info.name.split(".")[1:]):
            continue
        try:
            found.append(importlib.import_module(info.name))
        except ModuleNotFoundError as exc:  # an optional backend's library (an extra)
            if exc.name is None or exc.name.split(".")[0] == "vault":
                raise
    return found


def _public_errors(module: ModuleType) -> dict[str, type[BaseException]]:
    """The ``...Error`` classes a module offers: those it defines, and those its
    ``__all__`` re-exports (a private helper's imported for its own use is not offered)."""
    exported = set(getattr(module, "__all__", ()))
    return {
        name: value
        for name, value in vars(module).items()
        if not name.startswith("_")
        and name.endswith("Error")
        and inspect.isclass(value)
        and issubclass(value, BaseException)
        and (name in exported or value.__module__ == module.__name__)
    }


def test_every_public_error_class_is_defined_in_vault_errors() -> None:
    """Wherever a public module offers an ``...Error`` class (its own or re-exported,
    as vault.configs.formats.ParseError), it is vault.errors' own class."""
    elsewhere = {
        f"{module.__name__}.{name}": cls.__module__
        for module in _public_modules()
        for name, cls in _public_errors(module).items()
        if cls.__module__ != "vault.errors"
    }
    assert elsewhere == {}


def test_every_error_of_vault_errors_is_a_vault_error() -> None:
    strays = [
        name for name, cls in _public_errors(errors).items() if not issubclass(cls, VaultError)
    ]
    assert strays == []


@pytest.mark.parametrize(
    ("name", "root"),
    [
        ("ResolveError", errors.KeyTroubleError),
        ("ParseError", errors.InputError),
        ("XPathError", errors.InputError),
        ("UnwritableValueError", errors.InputError),
    ],
)
def test_the_gathered_errors_keep_their_place_in_the_tree(
    name: str, root: type[VaultError]
) -> None:
    """Exit codes follow the tree: a resolve failure is key trouble (3), the rest bad
    input (2), as before they moved."""
    cls = getattr(errors, name)
    assert issubclass(cls, root)
    assert cls("x").exit_code == root.exit_code


def test_old_homes_still_give_the_same_classes() -> None:
    from vault.configs import formats
    from vault.runtime import resolver
    from vault.wso2 import xpath

    assert vault.ResolveError is errors.ResolveError
    assert resolver.ResolveError is errors.ResolveError
    assert formats.ParseError is errors.ParseError
    assert xpath.XPathError is errors.XPathError


def test_a_parse_error_names_line_and_column() -> None:
    error = errors.ParseError("expected '='", path="app.toml", line=4, column=7)
    assert (error.path, error.line, error.column) == ("app.toml", 4, 7)
    assert str(error) == "app.toml: line 4, column 7: expected '='"
    assert str(errors.ParseError("empty", path="app.toml")) == "app.toml: empty"
