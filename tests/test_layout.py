"""The layout keeps its promises: the core never imports the edges, and no module imports
itself back through another."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "embeddings")


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The project modules a module imports, at load or inside a function (imports under
    `if TYPE_CHECKING:` aside), each resolved to the deepest project module it names."""
    found: set[str] = set()
    pending: list[ast.AST] = [ast.parse(path.read_text(encoding="utf-8"))]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            pending.extend(node.orelse)
            continue
        pending.extend(ast.iter_child_nodes(node))
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found


def _graph(root: Path = ROOT) -> dict[str, set[str]]:
    files = {
        _module_name(p, root): p for package in PACKAGES for p in (root / package).rglob("*.py")
    }
    modules = set(files)
    return {name: _imports(path, modules) - {name} for name, path in files.items()}


def _cycles(graph: dict[str, set[str]]) -> list[str]:
    """One path for each module that leads back to itself."""
    cycles = []
    for start in sorted(graph):
        stack: list[tuple[str, tuple[str, ...]]] = [(start, (start,))]
        seen: set[str] = set()
        while stack:
            name, path = stack.pop()
            for after in sorted(graph[name]):
                if after == start:
                    cycles.append(" -> ".join((*path, after)))
                elif after not in seen:
                    seen.add(after)
                    stack.append((after, (*path, after)))
    return cycles


def test_the_core_never_imports_the_edges() -> None:
    for name, imported in _graph().items():
        if name.startswith("embeddings"):
            assert not [m for m in imported if m.startswith("bot")], name


def test_no_module_imports_itself_back_through_others() -> None:
    assert _cycles(_graph()) == []


def test_a_cycle_is_found() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == ["a -> b -> c -> a", "b -> c -> a -> b", "c -> a -> b -> c"]
