"""Dependencies point inward: the domain imports none of the outer packages."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = {
    "domain": {"domain", "eventsourcing"},
    "projections": {"domain", "projections", "eventsourcing"},
}
OUTER = {"domain", "projections", "adapters", "consumers"}


def imported_top_levels(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_inner_packages_import_only_inward(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted((imported_top_levels(path) & OUTER) - ALLOWED[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_domain_imports_only_the_standard_library_and_eventsourcing() -> None:
    # The rule docs/domain.md states; the test above sees only the project's own packages.
    allowed = set(sys.stdlib_module_names) | ALLOWED["domain"]
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_top_levels(path) - allowed)
        for path in (ROOT / "domain").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}
