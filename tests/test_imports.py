"""The house's import rules: the contracts in pyproject.toml (import-linter) hold, no two modules import each
other in a loop, and both checks fail when someone plants what they guard against."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("archive", "crawler", "mirror")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """`lint-imports` over the packages found in `root` (first on the path), with the project's contracts."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports_command; "
                           "lint_imports_command()", "--no-cache", str(root / "pyproject.toml")],
                          cwd=root, env=env, capture_output=True, text=True, timeout=120)


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Every set of modules that import each other in a loop (strongly connected components of more than one
    module, or a module importing itself), each sorted, found with Tarjan's algorithm."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []

    def visit(module: str) -> None:  # recursion depth is bounded by the longest import chain (tens)
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in graph.modules:
                continue
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1 or module in graph.find_modules_directly_imported_by(module):
                cycles.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return cycles


def cycles_in(root: Path) -> list[list[str]]:
    """import_cycles over the packages found in `root`, in a process of its own: this one has imported the real
    ones already, and grimp would find those."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), str(Path(__file__).parent)])}
    code = ("import json, grimp, test_imports as t; "
            "print(json.dumps(t.import_cycles(grimp.build_graph(*t.PACKAGES, cache_dir=None))))")
    result = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def describe(graph: grimp.ImportGraph, cycle: list[str]) -> str:
    lines = [" <-> ".join(cycle)]
    for importer in cycle:
        for imported in sorted(graph.find_modules_directly_imported_by(importer) & set(cycle)):
            for detail in graph.get_import_details(importer=importer, imported=imported)[:1]:
                lines.append(f"  {importer}:{detail['line_number']}: {detail['line_contents']}")
    return "\n".join(lines)


def test_the_import_contracts_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "kept, 0 broken" in result.stdout


def test_no_module_imports_itself_through_others():
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    cycles = import_cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(describe(graph, c) for c in cycles)


@pytest.fixture
def tree(tmp_path):
    """A copy of the packages and the contracts, to plant a bad import in."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.parametrize("module, line, contract", [
    ("archive/planted.py", "import scrapy", "archive/ is usable alone"),
    ("archive/planted.py", "from crawler import sites", "archive/ is usable alone"),
    ("crawler/parsers/planted.py", "import scrapy.http", "parsers are pure functions"),
    ("crawler/parsers/planted.py", "from archive.index import Capture", "parsers are pure functions"),
    ("mirror/planted.py", "import crawler.urls", "the mirror is a stand-alone server"),
])
def test_a_planted_import_breaks_its_contract(tree, module, line, contract):
    (tree / module).write_text(f'"""Planted by the test."""\n\n{line}\n')
    result = lint_imports(tree)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 broken" in result.stdout
    broken = result.stdout.split("Broken contracts", 1)[1]
    assert contract in broken and module.removesuffix(".py").replace("/", ".") in broken


def test_a_planted_loop_is_found(tree):
    (tree / "crawler/first.py").write_text("from crawler import second\n")
    (tree / "crawler/second.py").write_text("def later():\n    from crawler import first  # a deferred import loops too\n")
    assert ["crawler.first", "crawler.second"] in cycles_in(tree)
