"""The emulator's modules import each other without a circle, counting imports made only for
type checking or inside functions: each module can be read (and tested) from the bottom up."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, List, Set

PACKAGE = Path(__file__).resolve().parents[1]
NAME = PACKAGE.name


def imports(path: Path) -> Set[str]:
    """The package's own modules that `path` imports anywhere in its text."""
    found: Set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(NAME):
            if node.module == NAME:
                found.update(f"{NAME}.{alias.name}" for alias in node.names
                             if (PACKAGE / f"{alias.name}.py").exists())
            else:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith(NAME + "."))
    return found


def graph() -> Dict[str, Set[str]]:
    return {f"{NAME}.{p.stem}": imports(p) for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "__main__")}


def cycle(edges: Dict[str, Set[str]]) -> List[str]:
    """One import circle, or []."""
    state: Dict[str, int] = {}
    stack: List[str] = []

    def visit(node: str) -> List[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        stack.pop()
        return []

    for start in sorted(edges):
        if start not in state and (found := visit(start)):
            return found
    return []


def test_the_emulator_modules_import_each_other_without_a_circle() -> None:
    edges = graph()
    assert f"{NAME}.admin" in edges and f"{NAME}.server" in edges
    assert cycle(edges) == []


def test_the_circle_finder_finds_one() -> None:
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
