"""The package import graph: no cycles, and the layering README's "Layout" describes.

Imports under `if TYPE_CHECKING:` are left out: they name types for the checker and are never
executed (web.state's Runtime names the gateway and OAuth runtimes it holds that way).
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "calgate"
pytestmark = pytest.mark.pure


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(inner) for inner in ast.walk(node))
    return skipped


def _unit(parts: tuple[str, ...]) -> str:
    """calgate.<unit>: a subpackage or a top-level module."""
    return parts[0]


@cache
def package_graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).with_suffix("").parts
        if "migrations" in rel or rel == ("__init__",):
            continue
        source = _unit(rel)
        tree = ast.parse(path.read_text())
        skipped = _type_checking_nodes(tree)
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                if node.module == "calgate":
                    targets = [f"calgate.{alias.name}" for alias in node.names]
                else:
                    targets = [node.module]
            for target in targets:
                parts = target.split(".")
                if parts[0] == "calgate" and len(parts) > 1 and parts[1] != "__version__":
                    unit = parts[1]
                    if unit != source:
                        edges[source].add(unit)
    return edges


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_package_import_cycle() -> None:
    assert _cycle(package_graph()) is None


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("core", {"store", "services", "api", "oauth", "gateway", "web", "webhooks", "net"}),
        ("web", {"api", "oauth", "gateway", "services", "app", "allinone"}),
        ("oauth", {"api", "gateway", "services", "app"}),
        ("gateway", {"api", "oauth", "services", "app", "allinone"}),
        ("services", {"api", "oauth", "gateway", "web", "app"}),
        ("api", {"oauth", "gateway", "app", "allinone"}),
        # The booking pages reach data only through services.
        ("pages", {"api", "oauth", "gateway", "store", "app", "allinone"}),
        ("store", {"services", "api", "oauth", "gateway", "web", "webhooks"}),
        ("email", {"services", "api", "oauth", "gateway", "web", "webhooks", "app"}),
    ],
)
def test_layering(package: str, forbidden: set[str]) -> None:
    assert package_graph()[package] & forbidden == set()


def test_only_the_composition_root_writes_app_state() -> None:
    assignment = re.compile(r"app\.state\.\w+\s*=(?!=)")
    writers = {
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if assignment.search(path.read_text())
    }
    assert writers == {"app.py"}
