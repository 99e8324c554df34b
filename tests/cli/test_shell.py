"""vault.cli is a thin shell (CONVENTIONS 12, pip's ``_internal``): one module per command
group under 600 lines, loaded when it runs; typed option objects instead of a
``**kwargs: Any`` bag; no argument passed through ``os.environ``; no import cycle
between its modules (function-level imports counted); ``ciphertool --help`` loads no
command module and none of their dependencies."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import vault.cli
from tests.conftest import clean_env
from vault.cli import app
from vault.cli.options import (
    EXEC,
    KEYSTORE_OPTIONS,
    PASSWORD_OPTIONS,
    RESOLVE,
    KeystoreOptions,
    PasswordOptions,
    parse,
    runtime_options,
)

PACKAGE = Path(vault.cli.__file__).parent
MODULES = sorted(PACKAGE.rglob("*.py"))


def _name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), str(path))


def test_the_shell_has_one_module_per_command_group() -> None:
    names = {_name(p) for p in MODULES}
    assert {
        "vault.cli.commands.secrets",
        "vault.cli.commands.keystore",
        "vault.cli.commands.files",
        "vault.cli.commands.rotate",
        "vault.cli.commands.runtime",
    } <= names
    assert {r.module for r in app.COMMANDS.values()} <= names


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_no_module_is_over_600_lines(path: Path) -> None:
    assert len(path.read_text().splitlines()) <= 600


def _is_any(annotation: ast.expr | None) -> bool:
    if annotation is None:
        return True  # unannotated: as loose as Any
    text = ast.unparse(annotation).strip("'\"")
    return text in ("Any", "t.Any", "typing.Any")


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_no_keyword_bag_of_any(path: Path) -> None:
    """Options reach a command as typed objects (KeyOptions, WriteOptions, ...), not as
    ``**kwargs: Any`` popped in an order that matters."""
    bags = [
        f"{node.name}(**{node.args.kwarg.arg})"
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.args.kwarg is not None
        and _is_any(node.args.kwarg.annotation)
    ]
    assert bags == []


def _environ_writes(tree: ast.Module) -> list[str]:
    found: list[str] = []

    def is_environ(node: ast.expr) -> bool:
        return ast.unparse(node) in ("os.environ", "environ")

    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        elif isinstance(node, ast.Delete):
            targets = node.targets
        for target in targets:
            if isinstance(target, ast.Subscript) and is_environ(target.value):
                found.append(ast.unparse(target))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner, method = node.func.value, node.func.attr
            if is_environ(owner) and method in ("update", "setdefault", "pop", "clear"):
                found.append(ast.unparse(node))
            if ast.unparse(owner) == "os" and method in ("putenv", "unsetenv"):
                found.append(ast.unparse(node))
    return found


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_no_argument_travels_through_the_environment(path: Path) -> None:
    """A product home's password folder is passed in the KeystoreSpec, not by setting
    $CIPHERTOOL_HOME for whatever reads it next (and for every later command of the
    same process)."""
    assert _environ_writes(_tree(path)) == []


def test_the_environment_check_sees_a_write() -> None:
    tree = ast.parse(
        "import os\nos.environ['A'] = '1'\nos.environ.setdefault('B', '2')\nos.putenv('C', 'x')"
    )
    assert len(_environ_writes(tree)) == 3


def _imports(path: Path, known: set[str]) -> set[str]:
    """The vault.cli modules ``path`` imports, at any level (in functions too)."""
    found: set[str] = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    found = {name for name in found if name in known}
    return found - {_name(path), "vault.cli"}


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for successor in sorted(graph[node]):
            if state.get(successor) == 1:
                return [*stack[stack.index(successor) :], successor]
            if successor not in state and (found := visit(successor)):
                return found
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


def test_no_import_cycle_between_the_shells_modules() -> None:
    known = {_name(p) for p in MODULES}
    graph = {_name(p): _imports(p, known) for p in MODULES}
    assert _cycle(graph) == []
    assert "vault.cli.fast" not in set().union(*graph.values())  # nothing calls back
    assert "vault.cli.app" in graph["vault.cli.fast"]  # the one way: fast hands to click


def test_the_cycle_check_sees_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) == []


def test_the_fast_path_has_no_grammar_of_its_own() -> None:
    """resolve and exec are read with the table of vault.cli.options only: no option
    name is spelled in the fast path's modules but ``--version``."""
    for module in ("fast", "runtime"):
        tree = _tree(PACKAGE / f"{module}.py")
        compared = {
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value.startswith("-")
            and " " not in node.value
        }
        assert compared <= {"--version"}, module


def test_the_option_objects_fields_are_the_tables_dests() -> None:
    assert KeystoreOptions._fields == tuple(o.dest for o in KEYSTORE_OPTIONS)
    assert PasswordOptions._fields == tuple(o.dest for o in PASSWORD_OPTIONS)


@pytest.mark.parametrize(
    "line",
    [
        ["resolve", "-k", "k.p12", "--storepass-env", "PW", "-o", "env", "app.toml"],
        ["resolve", "--wso2-home", "home", "--alias", "a", "-t", "RSA/ECB/PKCS1Padding"],
        ["exec", "a.toml", "--env-prefix", "P_", "--keypass-file", "kp", "--", "env"],
        ["exec", "--input-type", "YAML", "--secrets", "s.properties", "x", "--", "true"],
    ],
    ids=" ".join,
)
def test_both_paths_build_the_same_option_objects(line: list[str]) -> None:
    parsed = parse(line)
    command = app.main.commands[line[0]]
    with command.make_context(line[0], list(line[1:])) as ctx:
        from_click = runtime_options(ctx.params)
    assert from_click == runtime_options(parsed.values)
    table = RESOLVE if line[0] == "resolve" else EXEC
    assert {o.dest for o in table} >= {"keystore", "storepass_env", "secrets"}


def _first_paragraph(text: str) -> str:
    """What click's one-line summary is made of: the first paragraph's words."""
    return " ".join(text.partition("\n\n")[0].split())


@pytest.mark.parametrize("name", sorted(app.COMMANDS))
def test_the_registry_summary_is_the_commands_own(name: str) -> None:
    command = app.main.commands[name]
    assert command.name == name
    assert _first_paragraph(app.COMMANDS[name].summary) == _first_paragraph(command.help or "")
    assert any("--verbose" in p.opts for p in command.params)


def test_help_loads_no_command_module() -> None:
    """``ciphertool --help`` lists the commands from the registry: no command module is
    imported, nor anything beyond ``import vault``, click, the shell's framework and the
    options table (no cryptography at all)."""
    code = (
        "import json, sys\n"
        "import vault\n"
        "before = set(sys.modules)\n"
        "from vault.cli.fast import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit as done:\n"
        "    assert done.code == 0, done.code\n"
        "print(json.dumps(sorted(set(sys.modules) - before)), file=sys.stderr)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=clean_env()
    )
    assert out.returncode == 0, out.stderr
    assert "rotate" in out.stdout and "keystore" in out.stdout
    loaded = json.loads(out.stderr.strip().splitlines()[-1])
    ours = [m for m in loaded if m.startswith("vault")]
    # The options table's PasswordOptions (vault.keys.passwords) and what it needs.
    table = {"vault.keys", "vault.keys.passwords", "vault._bounded", "vault._log", "vault.secret"}
    assert [m for m in ours if not m.startswith("vault.cli") and m not in table] == []
    assert [m for m in ours if m.startswith("vault.cli.commands.")] == []
    heavy = ("cryptography", "jks", "yaml", "tomlkit", "vault.crypto", "vault.keystores")
    assert [m for m in loaded if m.startswith(heavy)] == []
