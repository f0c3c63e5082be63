"""The package's layout: claimlab's modules import one another without a cycle, and the modules
meant to stay small import only what they say they do.

Read from the source with ``ast``: a module's imports at module level (inside a top-level
``if``/``try`` too, but not under ``if TYPE_CHECKING:``), not those inside functions, which run
later and are the usual way to hide a cycle.
"""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

import claimlab

ROOT = Path(claimlab.__file__).parent


def _modules() -> dict[str, Path]:
    """Every module of the package by dotted name; a package is its ``__init__.py``."""
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = _modules()


def _top_level(body: list[ast.stmt]) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif isinstance(node, ast.If):
            if "TYPE_CHECKING" not in ast.unparse(node.test):
                found += _top_level(node.body) + _top_level(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, *(h.body for h in node.handlers), node.orelse):
                found += _top_level(block)
    return found


def imports(module: str) -> set[str]:
    """The claimlab modules ``module`` imports at module level: ``from a.b import c`` is
    ``a.b.c`` when that is a module, else ``a.b``."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in _top_level(ast.parse(path.read_text()).body):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
            continue
        if node.level:
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            source = ".".join([*base, *([node.module] if node.module else [])])
        else:
            source = node.module or ""
        for alias in node.names:
            sub = f"{source}.{alias.name}"
            found.add(sub if sub in MODULES else source)
    return {name for name in found if name in MODULES and name != module}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as ``[a, b, ..., a]``, or None."""
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            cycle = visit(nxt)
            if cycle:
                return cycle
        path.pop()
        done.add(node)
        return None

    for start in sorted(graph):
        cycle = visit(start)
        if cycle:
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle_and_only_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"x": {"y"}, "y": {"y"}}) == ["y", "y"]


def test_imports_are_read_at_module_level_only() -> None:
    source = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "import claimlab.errors\n"
        "try:\n    from claimlab import facts\nexcept ImportError:\n    pass\n"
        "if TYPE_CHECKING:\n    from claimlab.tenant import LocalTenant\n"
        "def later():\n    from claimlab.connect import connect\n"
    )
    found = {getattr(n, "module", None) or n.names[0].name for n in _top_level(source.body)}
    assert found == {"typing", "claimlab.errors", "claimlab"}


def test_claimlab_modules_import_one_another_without_a_cycle() -> None:
    graph = {module: imports(module) for module in MODULES}
    assert "claimlab.deploy.credentials" in graph["claimlab.connect"]
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_credentials_import_nothing_from_claimlab_but_errors_and_facts() -> None:
    assert imports("claimlab.deploy.credentials") <= {"claimlab.errors", "claimlab.facts"}


def test_importing_credentials_loads_no_more_of_claimlab_than_that() -> None:
    # The local tenant, connect() and the OAuth helpers import it: it must not pull in the
    # deployment (auth0-python) through the package's __init__.
    probe = (
        "import json, sys\n"
        "import claimlab.deploy.credentials\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('claimlab', 'auth0'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    loaded = set(json.loads(out.strip().splitlines()[-1]))
    allowed = {
        "claimlab",
        "claimlab.deploy",
        "claimlab.deploy.credentials",
        "claimlab.errors",
        "claimlab.facts",
    }
    assert loaded <= allowed, sorted(loaded - allowed)


def test_every_name_the_deploy_package_exports_resolves_from_its_module() -> None:
    package = importlib.import_module("claimlab.deploy")
    for name, module in package._EXPORTS.items():
        where = "claimlab.facts" if module == "facts" else f"claimlab.deploy.{module}"
        assert getattr(package, name) is vars(importlib.import_module(where))[name], name
