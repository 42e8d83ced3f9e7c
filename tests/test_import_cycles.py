"""No import cycles in bot/ and actions/, counting imports inside functions too.

A function-level import hides a cycle from Python's loader, not from a reader: two modules
that import each other are one module in two files. The graph is built with `ast` (nothing
is imported), so the check is quick and cannot be fooled by what happens to be loaded.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT

PACKAGES = ("bot", "actions")


def module_files(root: Path = PROJECT_ROOT) -> dict[str, Path]:
    """Module name -> file, for every module of the checked packages."""
    modules = {}
    for package in PACKAGES:
        for path in (root / package).rglob("*.py"):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def imported_modules(
    module: str, source: str, known: set[str] | dict[str, Path], is_package: bool = False
) -> set[str]:
    """The modules of `known` that `module`'s source imports, anywhere in the file.

    `from a import b` counts as importing `a.b` when that is a module, else `a`.
    `is_package`: the source is the package's __init__.py (for relative imports).
    """

    def nearest(name: str) -> str | None:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    found: set[str | None] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(nearest(alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = module.split(".") if is_package else module.split(".")[:-1]
                parent = parent[: len(parent) - (node.level - 1)]
                base = ".".join(parent + ([node.module] if node.module else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add(full if full in known else nearest(base))
    found.discard(None)
    found.discard(module)
    return {name for name in found if name is not None}


def import_graph(root: Path = PROJECT_ROOT) -> dict[str, set[str]]:
    modules = module_files(root)
    return {
        name: imported_modules(
            name, path.read_text(encoding="utf-8"), modules, path.name == "__init__.py"
        )
        for name, path in modules.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected groups of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            target = next(targets, None)
            if target is not None:
                if target not in graph:
                    continue
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(frozenset(group))
    return found


def test_no_module_imports_a_module_that_imports_it_back():
    found = [sorted(group) for group in cycles(import_graph())]
    assert found == [], "import cycles (move what both need into a third module): " + str(found)


def test_the_graph_sees_imports_inside_functions_and_relative_ones():
    known = {"pkg", "pkg.a", "pkg.b", "pkg.c"}
    source = "from . import b\n\ndef later():\n    from pkg.c import thing\n    import pkg\n"

    assert imported_modules("pkg.a", source, known) == {"pkg.b", "pkg.c", "pkg"}


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
        ({"a": {"b"}, "b": {"a"}, "c": {"a"}}, [frozenset({"a", "b"})]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"d"}}, [frozenset({"a", "b", "c"})]),
    ],
)
def test_cycles_are_found(graph, expected):
    assert cycles(graph) == expected
