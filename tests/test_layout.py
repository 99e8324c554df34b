"""The layout's rules (DESIGN.md "Layout", CONVENTIONS 1, 11, 12, 13), read from the source.

Nothing here imports the modules it judges: every rule is checked on the AST of
every file under ``vault/``, so a rule that fails names each offender at once.

(a) **The import graph is a DAG**, function-level imports counted. An import
    ``from P import n`` names the submodule ``P.n`` when there is one, else the
    package ``P`` itself (its ``__init__``, which is what runs); ``import P.n``
    names ``P.n``. Imports under ``if TYPE_CHECKING:`` are not edges (they never
    run). The implicit run of a module's parent packages is not an edge either:
    it always comes first, and a package's ``__init__`` re-exporting from below
    is the layout, not a cycle. An import by computed name
    (``importlib.import_module``, ``__import__``) is an edge to every module
    that a string constant of the same module names, whole or relative to its
    package (``vault.configs.formats``' FORMATS table, the command line's
    registry of commands); such a call with no such string is a violation of
    (a) and (b), since what it imports cannot be read.

(b) **The runtime path never imports the write paths.** Its roots are
    ``vault`` (the public API's ``__init__``), :mod:`vault.runtime.resolver` and
    :mod:`vault.cli.fast` (``ciphertool resolve`` / ``exec``). Its closure
    follows every import at any depth, parent packages' ``__init__`` included
    (they run), except the :data:`HAND_OFFS` below, each of which must still
    exist. It must enter none of :data:`WRITE_PATHS`; each import by which it
    does is named, with the chain of imports from a root to it:

    - ``vault.operations`` and everything under it: the write commands;
    - ``vault.atomic``: atomic replace, locks, the rotation journal;
    - ``vault.keystores.create``, ``vault.keystores.passwd``: keystore writes;
    - ``vault.wso2.configure``, ``vault.wso2.xml_secrets``: WSO2's write side;
    - the click command line: ``vault.cli.app``, ``vault.cli.commands`` and every
      ``vault.cli`` module other than the fast path's own (``fast``, ``options``,
      ``base``, ``runtime``: :data:`FAST_CLI`);
    - the formats' rewriters: ``vault.configs.formats._yaml_write`` (YAML's
      quoting and store insertion); the other adapters' ``render`` is a few
      lines inside the one module that reads them (DESIGN: one adapter per format);
    - and the third-party ``click`` and ``tomlkit`` (CONVENTIONS 11: the
      resolver reads TOML with ``tomllib``).

(c) **No module over 600 lines.**

(d) **No ``**kwargs: Any`` under ``vault/cli/``** (CONVENTIONS 12: typed
    option objects, not kwargs bags).

(e) **Every declared dependency is imported** somewhere in ``vault/``, and each
    optional extra (but ``test``) by its integration: a module whose name holds
    the extra's (``pkcs11`` by ``vault.keystores.pkcs11`` or ``._pkcs11_session``).

The checker is exercised on small packages made in ``tmp_path`` at the end of
this file, so that each rule is shown to catch what it is meant to.
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 600

RUNTIME_ROOTS = ("vault", "vault.runtime.resolver", "vault.cli.fast")

#: A module name, or a prefix ending in ``*`` for a package and all below it.
WRITE_PATHS = (
    "vault.operations*",
    "vault.atomic*",
    "vault.keystores.create",
    "vault.keystores.passwd",
    "vault.wso2.configure",
    "vault.wso2.xml_secrets",
    "vault.cli.app",
    "vault.cli.wso2",
    "vault.cli.commands*",
    "vault.configs.formats._yaml_write",
    "click*",
    "tomlkit*",
)
#: vault.cli modules the fast path may load; every other one is the click command line.
FAST_CLI = (
    "vault.cli",
    "vault.cli.fast",
    "vault.cli.options",
    "vault.cli.base",
    "vault.cli.runtime",
)

#: Imports the runtime closure does not follow, as (module, function, imported module):
#: each leaves the runtime path on purpose and only when it has to.
HAND_OFFS = (
    # a command line the fast parser does not take (another command, --help, an error)
    ("vault.cli.fast", "main", "vault.cli.app"),
    # a YAML value being rewritten: only the write commands call render / add_entries
    ("vault.configs.formats.yaml_", "YamlDocument.render", "vault.configs.formats._yaml_write"),
    (
        "vault.configs.formats.yaml_",
        "YamlDocument.add_entries",
        "vault.configs.formats._yaml_write",
    ),
)


# -- the checker ------------------------------------------------------------------------


@dataclass(frozen=True)
class Import:
    target: str
    """The module the statement runs: a module of the package, or a top-level third party."""
    line: int
    function: str
    """The qualified name of the function holding it ("" at module level)."""


@dataclass
class Module:
    name: str
    path: Path
    lines: int
    tree: ast.Module
    imports: list[Import] = field(default_factory=list)
    dynamic: list[Import] = field(default_factory=list)
    """Calls that import by a computed name which no string in the module names."""


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _is_dynamic_import(node: ast.AST) -> bool:
    """``importlib.import_module(...)`` or ``__import__(...)``: an import the AST cannot name."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return (isinstance(func, ast.Attribute) and func.attr == "import_module") or (
        isinstance(func, ast.Name) and func.id in ("import_module", "__import__")
    )


def _statements(tree: ast.AST, scope: str = "") -> Iterator[tuple[ast.AST, str]]:
    """Every import (and dynamic import call) with the function holding it,
    ``if TYPE_CHECKING:`` skipped."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                yield from _statements(ast.Module([child], []), scope)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom) or _is_dynamic_import(node):
            yield node, scope
        inner = scope
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            inner = f"{scope}.{node.name}" if scope else node.name
        yield from _statements(node, inner)


class Package:
    """The modules of one top-level package, with their imports, read from source."""

    def __init__(self, directory: Path) -> None:
        self.name = directory.name
        self.root = directory.parent
        self.modules: dict[str, Module] = {}
        for path in sorted(directory.rglob("*.py")):
            parts = path.relative_to(self.root).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            text = path.read_text(encoding="utf-8")
            tree = ast.parse(text, filename=str(path))
            self.modules[name] = Module(name, path, len(text.splitlines()), tree)
        for module in self.modules.values():
            for edge in self._imports(module):
                (module.dynamic if edge.target == "?" else module.imports).append(edge)
            targets = self._named_by_literals(module) if module.dynamic else []
            if targets:
                for call in module.dynamic:
                    module.imports += [Import(t, call.line, call.function) for t in targets]
                module.dynamic = []

    def _named_by_literals(self, module: Module) -> list[str]:
        """The modules a string constant of ``module`` names, whole or relative to it."""
        base = module.name if self._is_package(module) else module.name.rpartition(".")[0]
        literals = {
            node.value
            for node in ast.walk(module.tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
        }
        names = {n for s in literals for n in (s, f"{base}.{s}") if n in self.modules}
        return sorted(names - {module.name})

    def _is_package(self, module: Module) -> bool:
        return module.path.name == "__init__.py"

    def _imports(self, module: Module) -> Iterator[Import]:
        for node, scope in _statements(module.tree):
            if isinstance(node, ast.Call):
                yield Import("?", node.lineno, scope)
                continue
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield Import(self._deepest(alias.name), node.lineno, scope)
                continue
            assert isinstance(node, ast.ImportFrom)
            if node.level:
                base = module.name.split(".")
                if not self._is_package(module):
                    base = base[:-1]
                base = base[: len(base) - node.level + 1]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            if source == "__future__":
                continue
            for alias in node.names:
                candidate = f"{source}.{alias.name}"
                target = candidate if candidate in self.modules else self._deepest(source)
                yield Import(target, node.lineno, scope)

    def _deepest(self, dotted: str) -> str:
        """The longest prefix of ``dotted`` that is a module here; a third party's top name."""
        parts = dotted.split(".")
        if parts[0] != self.name:
            return parts[0]
        for end in range(len(parts), 0, -1):
            name = ".".join(parts[:end])
            if name in self.modules:
                return name
        return parts[0]

    def edges(self) -> dict[str, list[Import]]:
        """Imports between modules of this package (self-imports left out)."""
        return {
            name: [i for i in m.imports if i.target in self.modules and i.target != name]
            for name, m in self.modules.items()
        }


def undeclared_dynamic_imports(package: Package) -> list[str]:
    return [
        f"{m.path.relative_to(package.root)}:{d.line}: an import by computed name"
        + (f" in {d.function}" if d.function else "")
        + " that this test cannot read: name its targets in a string beside it"
        for m in package.modules.values()
        for d in m.dynamic
    ]


def import_cycles(package: Package) -> list[str]:
    """One cycle per strongly connected group of modules, each hop with its line."""
    edges = package.edges()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def connect(start: str) -> None:
        # Tarjan's algorithm, iterative: the package may grow deep chains.
        work: list[tuple[str, Iterator[Import]]] = [(start, iter(edges[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for edge in children:
                if edge.target not in index:
                    index[edge.target] = low[edge.target] = len(index)
                    stack.append(edge.target)
                    on_stack.add(edge.target)
                    work.append((edge.target, iter(edges[edge.target])))
                    break
                if edge.target in on_stack:
                    low[node] = min(low[node], index[edge.target])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.add(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(group)

    for name in sorted(edges):
        if name not in index:
            connect(name)
    cycles = [_cycle_text(min(group), group, edges) for group in sorted(groups, key=min)]
    return undeclared_dynamic_imports(package) + cycles


def _cycle_text(start: str, group: set[str], edges: dict[str, list[Import]]) -> str:
    """The shortest cycle through ``start`` inside ``group``, as ``a (line 3) -> b -> a``."""
    previous: dict[str, tuple[str, Import]] = {}
    frontier = [start]
    while frontier and start not in previous:
        following = []
        for node in frontier:
            for edge in edges[node]:
                if edge.target in group and edge.target not in previous:
                    previous[edge.target] = (node, edge)
                    following.append(edge.target)
        frontier = following
    hops: list[tuple[str, Import]] = []
    node = start
    while True:
        node, edge = previous[node]
        hops.append((node, edge))
        if node == start:
            break
    text = []
    for node, edge in reversed(hops):
        where = f"line {edge.line}" + (f", in {edge.function}" if edge.function else "")
        text.append(f"{node} ({where})")
    cycle = " -> ".join([*text, start])
    if len(group) > len(hops):
        others = sorted(group - {node for node, _ in hops})
        cycle += f" (in one knot with {', '.join(others)})"
    return cycle


def _matches(name: str, patterns: Iterable[str]) -> bool:
    for pattern in patterns:
        if pattern.endswith("*"):
            stem = pattern[:-1]
            if name == stem or name.startswith(stem + "."):
                return True
        elif name == pattern:
            return True
    return False


def runtime_leaks(
    package: Package,
    roots: Iterable[str],
    forbidden: Iterable[str],
    hand_offs: Iterable[tuple[str, str, str]] = (),
    allowed_in: Mapping[str, Iterable[str]] | None = None,
) -> list[str]:
    """Every import by which the roots' closure enters a forbidden module, with the chain
    of imports from a root to it (what lies behind a forbidden module is not followed).

    ``allowed_in`` maps a package to the only modules of it the closure may reach.
    A hand-off that no longer exists is reported too, so the list stays true."""
    forbidden = tuple(forbidden)
    allowed = {p: set(a) for p, a in (allowed_in or {}).items()}
    skip = set(hand_offs)
    found: set[tuple[str, str, str]] = set()
    problems = undeclared_dynamic_imports(package)
    reached: dict[str, tuple[str, Import] | None] = {}
    queue: list[str] = []

    def bad(name: str) -> bool:
        parts = name.split(".")
        steps = [".".join(parts[:end]) for end in range(1, len(parts) + 1)]
        return any(
            _matches(step, forbidden)
            or any(step.startswith(p + ".") and step not in a for p, a in allowed.items())
            for step in steps
        )

    def reach(name: str, how: tuple[str, Import] | None) -> None:
        parts = name.split(".")
        for end in range(1, len(parts) + 1):
            # a module's parent packages run first
            step = ".".join(parts[:end])
            if step not in reached and (step in package.modules or end == len(parts)):
                reached[step] = how
                queue.append(step)

    def chain(name: str) -> str:
        hops = []
        how = reached[name]
        while how is not None:
            parent, edge = how
            hops.append(f"{parent} (line {edge.line})")
            how = reached[parent]
        return " <- ".join(hops)

    for root in roots:
        reach(root, None)
    entries: set[tuple[str, str]] = set()
    while queue:
        name = queue.pop(0)
        module = package.modules.get(name)
        if module is None:
            continue
        for edge in module.imports:
            key = (name, edge.function, edge.target)
            if key in skip:
                found.add(key)
            elif bad(edge.target):
                if (name, edge.target) not in entries:
                    entries.add((name, edge.target))
                    where = f"line {edge.line}" + (f", in {edge.function}" if edge.function else "")
                    back = chain(name)
                    problems.append(
                        f"the runtime path reaches {edge.target} <- {name} ({where})"
                        + (f" <- {back}" if back else "")
                    )
            elif edge.target not in reached:
                reach(edge.target, (name, edge))
    for key in sorted(skip - found):
        problems.append(f"hand-off {key} no longer exists: remove it from the list")
    return sorted(problems)


def long_modules(package: Package, limit: int = MAX_LINES) -> list[str]:
    return [
        f"{m.path.relative_to(package.root)}: {m.lines} lines (over {limit})"
        for m in package.modules.values()
        if m.lines > limit
    ]


def _mentions_any(annotation: ast.expr | None) -> bool:
    if annotation is None:
        return True
    for node in ast.walk(annotation):
        if (isinstance(node, ast.Name) and node.id == "Any") or (
            isinstance(node, ast.Attribute) and node.attr == "Any"
        ):
            return True
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if re.search(r"\bAny\b", node.value):
                return True
    return False


def kwargs_any(package: Package, under: str) -> list[str]:
    """Every ``**name: Any`` (or unannotated ``**name``) in the modules under ``under``."""
    problems = []
    for module in package.modules.values():
        if not _matches(module.name, [under + "*"]):
            continue
        for node in ast.walk(module.tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                kwarg = node.args.kwarg
                if kwarg is not None and _mentions_any(kwarg.annotation):
                    where = f"{module.path.relative_to(package.root)}:{kwarg.lineno}"
                    name = getattr(node, "name", "lambda")
                    problems.append(f"{where}: {name}(**{kwarg.arg}) is an untyped bag")
    return problems


def _requirement_name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9._-]+", requirement.strip())
    assert match is not None, requirement
    return re.sub(r"[-_.]+", "-", match.group()).lower()


def _import_names() -> dict[str, set[str]]:
    """Distribution name (normalised) -> the top-level names it installs."""
    names: dict[str, set[str]] = {}
    for top, distributions in packages_distributions().items():
        for distribution in distributions:
            names.setdefault(_requirement_name(distribution), set()).add(top)
    return names


def unused_dependencies(
    package: Package, pyproject: Path, import_names: dict[str, set[str]] | None = None
) -> list[str]:
    """Declared dependencies nothing imports; extras not imported by their integration."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    own = _requirement_name(project["name"])
    import_names = _import_names() if import_names is None else import_names
    imported_by: dict[str, set[str]] = {}
    for module in package.modules.values():
        for edge in module.imports:
            if edge.target.split(".")[0] != package.name:
                imported_by.setdefault(edge.target, set()).add(module.name)
    problems = []

    def users(requirement: str) -> set[str]:
        name = _requirement_name(requirement)
        tops = import_names.get(name) or {name.replace("-", "_")}
        return set().union(*(imported_by.get(top, set()) for top in tops))

    for requirement in project.get("dependencies", []):
        if not users(requirement):
            problems.append(f"dependency {requirement!r} is imported nowhere in {package.name}/")
    for extra, requirements in project.get("optional-dependencies", {}).items():
        if extra == "test":
            continue
        for requirement in requirements:
            if _requirement_name(requirement) == own:
                continue
            integration = [u for u in users(requirement) if extra in u.rsplit(".", 1)[-1]]
            if not integration:
                problems.append(
                    f"extra [{extra}] {requirement!r} is imported by no module named for {extra!r}"
                )
    return problems


def _report(problems: list[str]) -> str:
    return f"{len(problems)} violation(s):\n  " + "\n  ".join(problems)


# -- the rules, on vault/ -----------------------------------------------------------------


@pytest.fixture(scope="module")
def vault() -> Package:
    return Package(ROOT / "vault")


def test_import_graph_is_a_dag(vault: Package) -> None:
    cycles = import_cycles(vault)
    assert not cycles, _report(cycles)


def test_runtime_path_never_imports_the_write_paths(vault: Package) -> None:
    problems = runtime_leaks(
        vault, RUNTIME_ROOTS, WRITE_PATHS, HAND_OFFS, allowed_in={"vault.cli": FAST_CLI}
    )
    assert not problems, _report(problems)


def test_no_module_over_600_lines(vault: Package) -> None:
    problems = long_modules(vault)
    assert not problems, _report(problems)


def test_no_kwargs_any_in_the_command_line(vault: Package) -> None:
    problems = kwargs_any(vault, "vault.cli")
    assert not problems, _report(problems)


def test_every_declared_dependency_is_imported(vault: Package) -> None:
    problems = unused_dependencies(vault, ROOT / "pyproject.toml")
    assert not problems, _report(problems)


# -- the checker, on planted violations ------------------------------------------------------


def _package(tmp_path: Path, files: dict[str, str]) -> Package:
    for name, text in files.items():
        path = tmp_path / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return Package(tmp_path / "pkg")


def test_a_function_level_cycle_is_found_and_printed(tmp_path: Path) -> None:
    package = _package(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "from pkg import b\n",
            "b.py": "def later() -> None:\n    from pkg.sub import c\n",
            "sub/__init__.py": "",
            "sub/c.py": "import os\n\n\nclass C:\n    def m(self) -> None:\n"
            "        from .. import a\n",
            "d.py": "from pkg import a\n",  # reaches the cycle but is not in it
        },
    )
    assert import_cycles(package) == [
        "pkg.a (line 1) -> pkg.b (line 2, in later) -> pkg.sub.c (line 6, in C.m) -> pkg.a"
    ]


def test_every_cycle_is_reported(tmp_path: Path) -> None:
    package = _package(
        tmp_path,
        {
            "__init__.py": "from pkg.x import X\n",
            "x.py": "X = 1\nfrom pkg.y import Y\n",
            "y.py": "from . import x\nY = 2\n",
            "p.py": "import pkg.q\n",
            "q.py": "import pkg.p as p\n",
            "r.py": "from pkg import s\n",
            "s.py": "from pkg import r, t\n",
            "t.py": "from pkg import s\n",
        },
    )
    assert import_cycles(package) == [
        "pkg.p (line 1) -> pkg.q (line 1) -> pkg.p",
        "pkg.r (line 1) -> pkg.s (line 1) -> pkg.r (in one knot with pkg.t)",
        "pkg.x (line 2) -> pkg.y (line 1) -> pkg.x",
    ]


def test_type_checking_imports_and_parent_packages_are_not_edges(tmp_path: Path) -> None:
    package = _package(
        tmp_path,
        {
            "__init__.py": "from pkg.a import A\n",  # the package re-exports from below
            "a.py": (
                "from typing import TYPE_CHECKING\nimport typing\n"
                "if TYPE_CHECKING:\n    from pkg.b import B\nelse:\n    B = None\n"
                "if typing.TYPE_CHECKING:\n    import pkg.b\n"
                "A = 1\n"
            ),
            "b.py": "from pkg.a import A\n",
        },
    )
    assert import_cycles(package) == []
    # ... but importing the package itself is importing its __init__
    (tmp_path / "pkg" / "b.py").write_text("from pkg import A\n", encoding="utf-8")
    (tmp_path / "pkg" / "a.py").write_text("def f() -> None:\n    import pkg.b\n")
    assert import_cycles(Package(tmp_path / "pkg")) == [
        "pkg (line 1) -> pkg.a (line 2, in f) -> pkg.b (line 1) -> pkg"
    ]


def test_a_write_import_on_the_runtime_path_is_found(tmp_path: Path) -> None:
    package = _package(
        tmp_path,
        {
            "__init__.py": "",
            "runtime/__init__.py": "",
            "runtime/resolver.py": "from pkg import reader, reader2\n",
            "reader.py": "def rare() -> None:\n    from pkg.ops.write import go\n",
            "reader2.py": "import click\nfrom pkg.ops import write\n",
            "ops/__init__.py": "import json\n",
            "ops/write.py": "import click\n\n\ndef go() -> None: ...\n",
            "cli/__init__.py": "",
            "cli/fast.py": "def main() -> None:\n    from pkg.cli import app\n",
            "cli/app.py": "import click\n",
            "cli/other.py": "",
        },
    )
    # every way in is named (a function-level one too); what lies behind is not followed
    assert runtime_leaks(package, ["pkg.runtime.resolver"], ["pkg.ops*", "click"]) == [
        "the runtime path reaches click <- pkg.reader2 (line 1) <- pkg.runtime.resolver (line 1)",
        "the runtime path reaches pkg.ops.write <- pkg.reader (line 2, in rare)"
        " <- pkg.runtime.resolver (line 1)",
        "the runtime path reaches pkg.ops.write <- pkg.reader2 (line 2)"
        " <- pkg.runtime.resolver (line 1)",
    ]
    hand_off = ("pkg.cli.fast", "main", "pkg.cli.app")
    stale = ("pkg.cli.fast", "gone", "pkg.cli.other")
    allowed = {"pkg.cli": ["pkg.cli", "pkg.cli.fast"]}
    assert runtime_leaks(package, ["pkg.cli.fast"], [], allowed_in=allowed) == [
        "the runtime path reaches pkg.cli.app <- pkg.cli.fast (line 2, in main)"
    ]
    assert runtime_leaks(package, ["pkg.cli.fast"], [], [hand_off, stale], allowed) == [
        f"hand-off {stale} no longer exists: remove it from the list"
    ]


def test_an_oversized_module_is_found(tmp_path: Path) -> None:
    package = _package(
        tmp_path, {"__init__.py": "", "big.py": "x = 1\n" * 601, "edge.py": "x = 1\n" * 600}
    )
    assert long_modules(package) == [f"{Path('pkg', 'big.py')}: 601 lines (over 600)"]


def test_a_kwargs_bag_in_the_command_line_is_found(tmp_path: Path) -> None:
    package = _package(
        tmp_path,
        {
            "__init__.py": "",
            "lib.py": "from typing import Any\n\n\ndef f(**kwargs: Any) -> None: ...\n",
            "cli/__init__.py": "",
            "cli/app.py": (
                "import typing\nfrom typing import Any\n\n\n"
                "def f(**options: Any) -> None: ...\n"
                "def g(**options: 'dict[str, Any]') -> None: ...\n"
                "def h(**options: typing.Any) -> None: ...\n"
                "def k(**options: int) -> None: ...\n"
            ),
        },
    )
    cli = Path("pkg", "cli", "app.py")
    assert kwargs_any(package, "pkg.cli") == [
        f"{cli}:5: f(**options) is an untyped bag",
        f"{cli}:6: g(**options) is an untyped bag",
        f"{cli}:7: h(**options) is an untyped bag",
    ]


def test_an_unused_dependency_is_found(tmp_path: Path) -> None:
    package = _package(
        tmp_path,
        {
            "__init__.py": "import yaml\n",
            "tokens/__init__.py": "",
            "tokens/_hsm_session.py": "def f() -> None:\n    import pkcs11\n",
            "other.py": "import pydantic_settings\n",
        },
    )
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[project]\nname = "pkg"\ndependencies = ["PyYAML>=6", "toml_kit>=0.12"]\n'
        "[project.optional-dependencies]\n"
        'hsm = ["python-pkcs11>=0.9"]\npydantic = ["pydantic-settings"]\n'
        'test = ["pkg[hsm]", "pytest"]\n',
        encoding="utf-8",
    )
    names = {"pyyaml": {"yaml"}, "python-pkcs11": {"pkcs11"}}
    assert unused_dependencies(package, pyproject, names) == [
        "dependency 'toml_kit>=0.12' is imported nowhere in pkg/",
        "extra [pydantic] 'pydantic-settings' is imported by no module named for 'pydantic'",
    ]


def test_an_import_by_computed_name_is_read_from_the_names_beside_it(tmp_path: Path) -> None:
    loader = (
        "import importlib\n\n\ndef load(name: str) -> object:\n"
        "    return importlib.import_module(f'.{name}', __name__)\n"
    )
    package = _package(
        tmp_path, {"__init__.py": "", "table.py": loader, "plug.py": "from pkg import table\n"}
    )
    unknown = [
        f"{Path('pkg', 'table.py')}:5: an import by computed name in load"
        " that this test cannot read: name its targets in a string beside it"
    ]
    assert import_cycles(package) == unknown
    assert runtime_leaks(package, ["pkg.table"], ["pkg.plug"]) == unknown
    (tmp_path / "pkg" / "table.py").write_text(f"PLUGINS = {{'p': 'plug'}}\n{loader}")
    package = Package(tmp_path / "pkg")
    assert import_cycles(package) == [
        "pkg.plug (line 1) -> pkg.table (line 6, in load) -> pkg.plug"
    ]
    assert runtime_leaks(package, ["pkg.table"], ["pkg.plug"]) == [
        "the runtime path reaches pkg.plug <- pkg.table (line 6, in load)"
    ]
