"""The house rules a folder listing can't show, read from the source (no imports, so fast):
no import circles, no file over 300 lines, a domain that never imports an adapter, and a CLI
that starts without aiogram. Imports inside functions and under TYPE_CHECKING count too."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "ludice"
MAX_LINES = 300
ADAPTERS = ("aiogram", "ludice.bot", "ludice.cli", "ludice.playground")
# The CLI commands allowed to import aiogram (the bot itself), as (module, function).
CLI_BOT_COMMANDS = {("ludice.cli.run", "run"), ("ludice.cli.playground", "playground")}


@dataclass(frozen=True)
class Import:
    target: str  # the module imported: a ludice module resolved to its file, else as written
    line: int
    function: str | None  # the outermost function it is in, None at module level


@cache
def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _resolve(module: str, names: list[str]) -> list[str]:
    """`from a.b import c` imports module a.b.c when there is one, else a name of a.b."""
    targets = [f"{module}.{n}" for n in names if f"{module}.{n}" in modules()]
    return targets if len(targets) == len(names) else [*targets, module]


@cache
def imports(name: str) -> tuple[Import, ...]:
    path = modules()[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    return imports_in(path.read_text(encoding="utf-8"), package)


def imports_in(source: str, package: str) -> tuple[Import, ...]:
    found: list[Import] = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            inside = function
            if function is None and isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                inside = child.name
            if isinstance(child, ast.Import):
                found.extend(Import(a.name, child.lineno, inside) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                module = child.module or ""
                if child.level:  # relative: from the package, up level - 1
                    base = package.split(".")[: len(package.split(".")) - child.level + 1]
                    module = ".".join([*base, module] if module else base)
                for target in _resolve(module, [a.name for a in child.names]):
                    found.append(Import(target, child.lineno, inside))
            visit(child, inside)

    visit(ast.parse(source), None)
    return tuple(found)


def graph() -> dict[str, set[str]]:
    return {name: {i.target for i in imports(name) if i.target in modules()}
            for name in modules()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module, or a module importing
    itself (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges[node]):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in edges[node]:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return found


def is_under(target: str, prefix: str) -> bool:
    return target == prefix or target.startswith(prefix + ".")


def test_no_import_circles():
    assert cycles(graph()) == []


def test_the_cycle_finder_finds_circles():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}, "f": set()}
    assert cycles(edges) == [["a", "b", "c"], ["e"]]


def test_imports_are_read_inside_functions_and_type_checking():
    source = (
        "from typing import TYPE_CHECKING\n"
        "from ludice import db, games\n"
        "from ludice.games import Lobby\n"
        "from . import cards\n"
        "if TYPE_CHECKING:\n"
        "    from ludice.bot.duel import DuelRunner\n"
        "class Runner:\n"
        "    async def start(self):\n"
        "        def inner():\n"
        "            import aiogram.types\n"
    )
    found = {(i.target, i.function) for i in imports_in(source, "ludice.bot.group")}
    assert found == {("typing", None), ("ludice.db", None), ("ludice.games", None),
                     ("ludice.bot.group.cards", None), ("ludice.bot.duel", None),
                     ("aiogram.types", "start")}
    run = [i for i in imports("ludice.cli.run") if i.target == "ludice.bot.app"]
    assert [i.function for i in run] == ["run"]


def test_no_file_over_300_lines():
    long = {str(path.relative_to(ROOT)): lines for path in PACKAGE.rglob("*.py")
            if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def domain_modules() -> list[str]:
    return [name for name, path in modules().items()
            if path.parent == PACKAGE and path.name != "__main__.py"]


def test_the_domain_never_imports_an_adapter():
    assert "ludice.games" in domain_modules() and "ludice" in domain_modules()
    wrong = [f"{name}:{i.line} imports {i.target}" for name in domain_modules()
             for i in imports(name) if any(is_under(i.target, a) for a in ADAPTERS)]
    assert wrong == []


def test_the_way_to_telegram_knows_nothing_of_private_or_group_play():
    transport = [name for name in modules() if is_under(name, "ludice.bot.transport")]
    wrong = [f"{name}:{i.line} imports {i.target}" for name in transport
             for i in imports(name)
             if is_under(i.target, "ludice.bot.private") or is_under(i.target, "ludice.bot.group")]
    assert wrong == []


def test_the_cli_imports_aiogram_only_inside_the_bot_command():
    cli = [name for name in modules() if is_under(name, "ludice.cli")]
    assert len(cli) > 5
    wrong = [f"{name}:{i.line} imports {i.target}" for name in cli for i in imports(name)
             if (is_under(i.target, "aiogram") or is_under(i.target, "ludice.bot"))
             and (name, i.function) not in CLI_BOT_COMMANDS]
    assert wrong == []


def test_importing_the_cli_loads_no_aiogram():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    probe = ("import sys, ludice.cli\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] == 'aiogram'))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
