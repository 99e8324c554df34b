"""vault.cli.options: one table of options, from which click's decorators and the fast
parser are both built, and which both read the same way."""

from __future__ import annotations

import itertools

import click
import pytest

from vault.cli import app as cli
from vault.cli.options import RUNTIME_COMMANDS, VERBOSE, NotPlain, Option, parse, split_command


def _click_option(command: click.Command, option: Option) -> click.Option:
    found = [p for p in command.params if isinstance(p, click.Option) and p.opts[0] in option.names]
    assert len(found) == 1, (command.name, option.names)
    return found[0]


@pytest.mark.parametrize("name", sorted(RUNTIME_COMMANDS))
def test_click_has_exactly_the_tables_options(name: str) -> None:
    command = cli.main.commands[name]
    table = RUNTIME_COMMANDS[name]
    clicks = [p for p in command.params if isinstance(p, click.Option)]
    assert sorted(n for p in clicks for n in [*p.opts, *p.secondary_opts]) == sorted(
        n for o in table for n in o.names
    )
    for option in table:
        param = _click_option(command, option)
        assert set(param.opts) == set(option.names)
        assert param.is_flag == option.flag
        if option is not VERBOSE:
            assert param.name == option.dest
        assert param.help == option.help
        if option.choices:
            assert isinstance(param.type, click.Choice)
            assert tuple(param.type.choices) == option.choices
        if option.file or option.folder:
            assert isinstance(param.type, click.Path)
            assert (param.type.dir_okay, param.type.file_okay) == (not option.file, option.file)
        if option.default is not None:
            assert param.default == option.default


def test_every_command_takes_verbose_after_its_name() -> None:
    def commands(group: click.Group) -> list[click.Command]:
        found: list[click.Command] = []
        for command in group.commands.values():
            found.append(command)
            if isinstance(command, click.Group):
                found += commands(command)
        return found

    for command in commands(cli.main):
        assert any("--verbose" in p.opts for p in command.params), command.name


def _lines() -> list[list[str]]:
    """Command lines with every option of each table, before and after the FILEs."""
    lines: list[list[str]] = []
    for name, table in RUNTIME_COMMANDS.items():
        for option in table:
            value = [] if option.flag else [option.choices[-1] if option.choices else "x.pem"]
            for form, where in itertools.product(("long", "short", "equals"), ("before", "after")):
                names = [n for n in option.names if n.startswith("--" if form != "short" else "-")]
                names = [n for n in names if form != "short" or not n.startswith("--")]
                if not names or (form == "equals" and option.flag):
                    continue
                words = [f"{names[0]}={value[0]}"] if form == "equals" else [names[0], *value]
                files = ["app.toml"] if name == "resolve" else ["app.toml", "b.env"]
                tail = [] if name == "resolve" else ["--", "env", "-k", "--"]
                front = [*words, *files] if where == "before" else [*files, *words]
                lines.append([name, *front, *tail])
    lines += [
        ["resolve", "-o", "env", "--", "-odd.toml"],
        ["exec", "a.toml", "--env-prefix", "P_", "b.toml", "-k", "k.p12", "--", "sh", "--", "x"],
        ["-v", "exec", "a.toml", "--", "true"],
        ["resolve", "--wso2-home", "home"],
        ["exec", "--wso2-home", "home", "--secrets", "s.properties", "--", "true"],
    ]
    return lines


@pytest.mark.parametrize("line", _lines(), ids=" ".join)
def test_the_fast_parser_reads_a_line_as_click_does(line: list[str]) -> None:
    parsed = parse(line)
    words = line[1:] if line[0] == "-v" else line
    command = cli.main.commands[words[0]]
    with command.make_context(words[0], list(words[1:])) as ctx:
        params = dict(ctx.params)
        argv = ctx.meta.get("exec_argv")
    values = dict(parsed.values)
    values.pop(VERBOSE.dest)
    assert params.pop("files") == tuple(parsed.files)
    assert params == values
    assert argv == parsed.argv


@pytest.mark.parametrize(
    "line",
    [
        ["resolve", "-oenv", "app.toml"],
        ["resolve", "--env-prefix", "-x", "app.toml"],
        ["resolve", "a.toml", "b.toml"],
        ["resolve", "--bogus", "app.toml"],
        ["exec", "app.toml", "env"],
        ["exec", "--output", "env", "app.toml", "--", "env"],
        ["list", "app.toml"],
    ],
    ids=" ".join,
)
def test_what_the_fast_parser_leaves_to_click(line: list[str]) -> None:
    with pytest.raises(NotPlain):
        parse(line)


def test_exec_splits_at_the_first_separator_that_is_no_options_value() -> None:
    table = RUNTIME_COMMANDS["exec"]
    assert split_command(["a", "--env-prefix", "--", "b", "--", "c", "--"], table) == (
        ["a", "--env-prefix", "--", "b"],
        ["c", "--"],
    )
    assert split_command(["a", "-v", "--", "-v"], table) == (["a", "-v"], ["-v"])
