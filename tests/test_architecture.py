"""The codebase's shape, kept by tests (docs/ARCHITECTURE.md says why each rule exists).

Read from the source with ``ast``, so function-local imports count as much as the ones at
the top of a module: no import cycle between kollega's modules, no module over 800 lines,
no function over 80 outside demo data, commits only at the edges, and a core that imports
no feature's services, views or events.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

KOLLEGA = Path(__file__).resolve().parent.parent / "kollega"
MAX_MODULE_LINES = 800
MAX_FUNCTION_LINES = 80
MAX_COMMITS = 25
# Modules that belong to no feature: everything at the top of the package, and the API
# blueprint. A feature is a package under kollega/ with its own models, services or views.
CORE_PACKAGES = {"api"}
# What the core may not import of a feature: its use cases and its edges.
FEATURE_EDGES = re.compile(
    r"^kollega\.(\w+)\.(services|views|events|api|jobs|commands|\w+_views)\b"
)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(KOLLEGA.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(KOLLEGA.rglob("*.py"))}


@cache
def tree(name: str) -> ast.Module:
    return ast.parse(modules()[name].read_text(encoding="utf-8"))


def _resolve(target: str) -> str | None:
    """The kollega module an imported name lives in (``kollega.x.y.name`` -> ``kollega.x.y``)."""
    known = modules()
    while target and target not in known:
        target = target.rpartition(".")[0]
    return target or None


def imports_of(name: str) -> set[str]:
    """Every kollega module ``name`` imports, at the top or inside a function."""
    is_package = modules()[name].name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree(name)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            targets = [f"{module}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            if target.startswith("kollega"):
                resolved = _resolve(target)
                if resolved and resolved != name:
                    found.add(resolved)
    return found


def import_cycles() -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    graph = {name: imports_of(name) for name in modules()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for v in graph:
        if v not in index:
            visit(v)
    return cycles


def is_core(name: str) -> bool:
    parts = name.split(".")
    return (
        len(parts) == 2
        and modules()[name].name != "__init__.py"
        or (len(parts) >= 2 and parts[1] in CORE_PACKAGES)
    )


def is_demo_data(name: str) -> bool:
    parts = name.split(".")
    return len(parts) > 1 and (parts[1] == "demo" or parts[-1].startswith("demo"))


def test_no_import_cycle() -> None:
    assert import_cycles() == []


def test_no_module_over_800_lines() -> None:
    long = {
        name: n
        for name, path in modules().items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_function_over_80_lines_outside_demo_data() -> None:
    long = {
        f"{name}.{node.name}": node.end_lineno - node.lineno + 1
        for name in modules()
        if not is_demo_data(name)
        for node in ast.walk(tree(name))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    }
    assert long == {}


def commit_sites() -> list[str]:
    return [
        f"{name}:{node.lineno}"
        for name in modules()
        for node in ast.walk(tree(name))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "commit"
        and not node.args
    ]


def test_commits_only_at_the_edges() -> None:
    sites = commit_sites()
    assert len(sites) <= MAX_COMMITS, sites


def test_the_core_imports_no_feature_use_case_or_edge() -> None:
    wrong = {
        name: sorted(t for t in imports_of(name) if FEATURE_EDGES.match(t) and not is_core(t))
        for name in modules()
        if is_core(name)
    }
    assert {k: v for k, v in wrong.items() if v} == {}


def test_the_checks_see_what_they_claim_to() -> None:
    # The graph reads function-local and relative imports, and finds a cycle when one exists.
    assert "kollega.extensions" in imports_of("kollega.realtime")
    assert any(name.startswith("kollega.") for name in imports_of("kollega.networks.events"))
    assert is_core("kollega.permissions") and is_core("kollega.api.openapi")
    assert not is_core("kollega.networks.send")
    assert commit_sites(), "the commit finder found no commit at all"
