"""No import cycles in ``ketadecide``: between modules, or between packages.

The graph is built from the source with ``ast``, so it sees every import: at module level,
inside functions (the lazy ones that keep start-up fast), and under ``TYPE_CHECKING``. A
package here is ``ketadecide.<name>`` (a subpackage, or a top-level module standing alone);
``ketadecide/__init__.py`` re-exports the API lazily by name and is left out, as is
``__main__``.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ketadecide"
SKIPPED = {"ketadecide", "ketadecide.__main__"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The module an imported name lives in (``a.b.c`` may be the object ``c`` of ``a.b``)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def import_edges() -> list[tuple[str, str, Path, int]]:
    """Every import of one ketadecide module by another: (importer, imported, file, line)."""
    modules = _modules()
    edges: list[tuple[str, str, Path, int]] = []
    for module, path in modules.items():
        if module in SKIPPED:
            continue
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = module.split(".")
                    anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [f"{base}.{a.name}" for a in node.names]
            for target in targets:
                if not target.startswith("ketadecide"):
                    continue
                found = _resolve(target, modules)
                if found and found not in SKIPPED and found != module:
                    edges.append((module, found, path, node.lineno))
    return edges


def import_graph() -> dict[str, set[str]]:
    """module -> the ketadecide modules it imports (anywhere in its source)."""
    graph: dict[str, set[str]] = {m: set() for m in _modules() if m not in SKIPPED}
    for module, found, _path, _line in import_edges():
        graph[module].add(found)
    return graph


def package_of(module: str) -> str:
    return ".".join(module.split(".")[:2])


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for module, targets in graph.items():
        out[package_of(module)]
        for t in targets:
            if package_of(t) != package_of(module):
                out[package_of(module)].add(package_of(t))
    return dict(out)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_cycle_between_modules() -> None:
    assert cycles(import_graph()) == []


def test_no_cycle_between_packages() -> None:
    assert cycles(package_graph(import_graph())) == []


def test_the_graph_sees_lazy_imports() -> None:
    """A function-level import is an edge too (the CLI imports almost everything lazily)."""
    graph = import_graph()
    assert "ketadecide.batch.sql.emit" in graph["ketadecide.cli.batch"]
