"""The layout's rules that import-linter does not check, read with `ast` from the source tree: no test module
imports another (shared helpers live in tests/fixtures/), no function-local import of a project module to dodge a
loop (integrations/zoom/setup.py alone loads the fake Zoom lazily, for the sandbox), and every module under the root packages
belongs to a layer of the contract in pyproject.toml, so a new package cannot escape the rules. Each checker is
also shown flagging a violation written for the purpose."""
from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ("bot", "store", "integrations")
LAZY_IMPORTS_ALLOWED = {"integrations/zoom/setup.py"}  # what the bootstrap calls to plug Zoom in


def module_name(path: Path) -> str:
    """The dotted name of a source file under ROOT (a package's __init__ is the package)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sources(*folders: str) -> Iterator[Path]:
    for folder in folders:
        yield from sorted((ROOT / folder).rglob("*.py"))


def offenders(check, folders: tuple[str, ...], *, allowed: set[str] = frozenset()) -> dict[str, list[str]]:
    """What `check(source, module, is_package=...)` finds in each file of `folders`, by path (those in `allowed`
    left out)."""
    found = {}
    for path in sources(*folders):
        relative = path.relative_to(ROOT).as_posix()
        if relative not in allowed:
            found[relative] = check(path.read_text(), module_name(path), is_package=path.name == "__init__.py")
    return {relative: names for relative, names in found.items() if names}


def imported(tree: ast.AST, module: str, *, is_package: bool) -> Iterator[tuple[ast.stmt, str]]:
    """Every (import statement, absolute dotted name) in `tree`; `from a import b` names both a and a.b."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            yield node, base
            for alias in node.names:
                yield node, f"{base}.{alias.name}"


# -- 1. no test module imports another ------------------------------------------------------------------------------

def imported_test_modules(source: str, module: str, *, is_package: bool = False) -> list[str]:
    """The test modules (tests/**/test_*.py) and conftest files that `source` imports."""
    tree = ast.parse(source)
    found = {name for _, name in imported(tree, module, is_package=is_package)
             if name.split(".")[0] == "tests"
             and (name.rpartition(".")[2].startswith("test_") or name.rpartition(".")[2] == "conftest")}
    return sorted(found)


def test_no_test_module_imports_another():
    assert offenders(imported_test_modules, ("tests",)) == {}, "move shared helpers and fixtures into tests/fixtures/"


# -- 2. no function-local import of a project module ---------------------------------------------------------------

def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def local_project_imports(source: str, module: str, *, is_package: bool = False) -> list[str]:
    """`line: name` for each import of a project module inside a function (or a class body) of `source`;
    imports under `if TYPE_CHECKING:` are left out, they never run."""
    found: list[str] = []

    def visit(nodes: list[ast.AST], nested: bool) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and is_type_checking(node.test):
                visit(node.orelse, nested)
                continue
            if nested and isinstance(node, ast.Import | ast.ImportFrom):
                names = [name for _, name in imported(node, module, is_package=is_package)]
                if any(name.split(".")[0] in PROJECT for name in names):
                    found.append(f"{node.lineno}: {names[0]}")
            visit(list(ast.iter_child_nodes(node)),
                  nested or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef))

    visit(ast.parse(source).body, False)
    return found


def test_no_function_local_import_of_a_project_module():
    assert offenders(local_project_imports, PROJECT, allowed=LAZY_IMPORTS_ALLOWED) == {}, \
        "import at the top of the module: a loop it hides is still a loop (the layers say which way arrows point)"


def test_zoom_setup_is_the_one_exception_and_still_needs_it():
    """The allowance is not a dead letter: Zoom's setup does load the fake Zoom lazily (delete it when it stops)."""
    for relative in LAZY_IMPORTS_ALLOWED:
        assert local_project_imports((ROOT / relative).read_text(), module_name(ROOT / relative))


# -- the checkers flag what they should, and only that -------------------------------------------------------------

TEST_IMPORTS = {  # source in tests/test_example.py: flagged?
    "from tests.test_booking import read": True,
    "import tests.test_meetings": True,
    "from tests import test_zoom_connect": True,
    "from .test_booking import walk": True,
    "from tests.conftest import PUBLIC_BASE_URL": True,
    "def helper():\n    from tests.integrations.test_mail import smtp\n": True,
    "from tests.fixtures.chat import WhatsAppUser": False,
    "from tests.fixtures import builders": False,
    "from . import fixtures": False,
}
LOCAL_IMPORTS = {  # source in bot/dialogue/context.py: flagged?
    "def f():\n    from bot.flows import booking\n": True,
    "def f():\n    import store.repos\n": True,
    "async def f():\n    from integrations.zoom import client\n": True,
    "class C:\n    def m(self):\n        from . import intents\n": True,
    "def f():\n    if TYPE_CHECKING:\n        pass\n    else:\n        from bot.core import money\n": True,
    "from bot.core import money\n\ndef f():\n    return money\n": False,
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bot.services.deps import Services\n": False,
    "def f():\n    import json\n    from redis import Redis\n": False,
    "try:\n    from store import repos\nexcept ImportError:\n    repos = None\n": False,
}
CASES = [(imported_test_modules, "tests.test_example", source, flagged) for source, flagged in TEST_IMPORTS.items()] \
    + [(local_project_imports, "bot.dialogue.context", source, flagged) for source, flagged in LOCAL_IMPORTS.items()]


@pytest.mark.parametrize("check,module,source,flagged", CASES)
def test_the_checkers_flag_a_violation_and_nothing_else(check, module, source, flagged):
    assert bool(check(source, module)) is flagged


# -- 3. every module belongs to a layer ------------------------------------------------------------------------------

def layer_modules(pyproject: dict) -> list[str]:
    """The modules named by the layers contracts of [tool.importlinter] (`a | b` and `a : b` list siblings)."""
    names = []
    for contract in pyproject.get("tool", {}).get("importlinter", {}).get("contracts", []):
        if contract.get("type") == "layers":
            for layer in contract["layers"]:
                names += [part.strip().strip("()") for part in layer.replace(":", "|").split("|") if part.strip()]
    return names


def uncovered(modules: list[str], layers: list[str], roots: list[str]) -> list[str]:
    """The modules (not the root packages themselves) that no layer contains."""
    return [m for m in modules
            if m not in roots and not any(m == layer or m.startswith(layer + ".") for layer in layers)]


def test_every_module_belongs_to_a_layer():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    roots = pyproject["tool"]["importlinter"]["root_packages"]
    assert set(PROJECT) <= set(roots)
    modules = [module_name(path) for path in sources(*roots)]
    assert "bot.flows.booking" in modules and "store.models" in modules
    assert uncovered(modules, layer_modules(pyproject), roots) == [], \
        "add the new package to a layer of the contract in pyproject.toml"


def test_a_module_outside_every_layer_is_flagged():
    pyproject = tomllib.loads('[[tool.importlinter.contracts]]\nname = "layers"\ntype = "layers"\n'
                              'layers = ["bot.web | bot.worker", "bot.core : bot.text", "(store)"]\n')
    assert layer_modules(pyproject) == ["bot.web", "bot.worker", "bot.core", "bot.text", "store"]
    modules = ["bot", "bot.web.webhook", "bot.core", "bot.reminders", "bot.reminders.jobs", "bot.webhooks",
               "store.models"]
    assert uncovered(modules, layer_modules(pyproject), ["bot", "store"]) == \
        ["bot.reminders", "bot.reminders.jobs", "bot.webhooks"]
