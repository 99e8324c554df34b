"""vault.configs imports one way, read from the AST (function-level imports counted).

The formats adapters use the store's rules (``own_schema``, ``Documents``); the store and
the formats package never import back through a cycle; and what vault.configs asks of
vault.wso2 (an XML file's store in a product home, Secure Vault's XML marks) comes from
leaves that import nothing from vault. The whole project's graph is tests/test_layout.py's.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

VAULT = Path(__file__).resolve().parents[2] / "vault"


def _modules(root: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(root.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement at any depth, but those under ``if TYPE_CHECKING:``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _type_checking(node):
            for child in node.orelse:
                yield from _import_nodes(child)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        yield from _import_nodes(node)


def import_graph(root: Path = VAULT) -> dict[str, set[str]]:
    """module -> the modules of the package it imports (``from P import n``: ``P.n`` when
    that is a module, else ``P``)."""
    modules = _modules(root)

    def deepest(dotted: str) -> str | None:
        parts = dotted.split(".")
        for end in range(len(parts), 0, -1):
            if ".".join(parts[:end]) in modules:
                return ".".join(parts[:end])
        return None

    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        for node in _import_nodes(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(t for a in node.names if (t := deepest(a.name)))
                continue
            source = node.module or ""
            if node.level:
                base = name.split(".")
                if path.name != "__init__.py":
                    base = base[:-1]
                base = base[: len(base) - node.level + 1]
                source = ".".join([*base, source] if source else base)
            for alias in node.names:
                candidate = f"{source}.{alias.name}"
                target = candidate if candidate in modules else deepest(source)
                if target is not None:
                    targets.add(target)
        graph[name] = targets - {name}
    return graph


def cycles(graph: dict[str, set[str]], within: tuple[str, ...]) -> list[list[str]]:
    """The import cycles among the modules whose names start with one of ``within``."""
    nodes = {n for n in graph if n.startswith(within)}
    found: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node] & nodes):
            if state.get(target) == 1:
                found.append([*stack[stack.index(target) :], target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[node] = 2

    for node in sorted(nodes):
        if node not in state:
            visit(node)
    return found


def test_no_import_cycle_among_configs_and_wso2() -> None:
    assert cycles(import_graph(), ("vault.configs", "vault.wso2")) == []


def test_the_formats_package_does_not_import_the_store() -> None:
    """``detect_format`` is the store's (the runtime's, which loads no adapter)."""
    assert "vault.configs.store" not in import_graph()["vault.configs.formats"]


def test_what_the_store_and_the_formats_ask_of_wso2_are_leaves() -> None:
    """The store and the adapters sit below vault.wso2: what they ask of it imports
    nothing from vault. (The runtime readers, above them, may read secret-conf.properties
    through vault.wso2.secret_conf.)"""
    graph = import_graph()
    lower = ("vault.configs.store", "vault.configs.formats")
    asked = {
        target
        for name, targets in graph.items()
        if name.startswith(lower)
        for target in targets
        if target.startswith("vault.wso2")
    }
    assert asked == {"vault.wso2.layout", "vault.wso2.svns"}
    assert {leaf: graph[leaf] for leaf in asked} == {leaf: set() for leaf in asked}
    readers = {t for t in graph["vault.configs.readers"] if t.startswith("vault.wso2")}
    assert readers == {"vault.wso2.secret_conf"}


def test_the_checker_sees_a_function_level_cycle(tmp_path: Path) -> None:
    package = tmp_path / "vault"
    (package / "configs").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "configs" / "__init__.py").write_text("")
    (package / "configs" / "a.py").write_text("from vault.configs.b import x\n")
    (package / "configs" / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from vault.configs import c\n"
        "def f():\n    from vault.configs import a\nx = 1\n"
    )
    (package / "configs" / "c.py").write_text("from . import a\n")
    graph = import_graph(package)
    assert graph["vault.configs.c"] == {"vault.configs.a"}
    assert cycles(graph, ("vault.configs",)) == [
        ["vault.configs.a", "vault.configs.b", "vault.configs.a"]
    ]
