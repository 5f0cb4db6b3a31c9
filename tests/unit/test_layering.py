"""Dependencies point inward: the domain imports none of the outer packages, the projections no
database driver."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = {
    "domain": {"domain", "eventsourcing"},
    "projections": {"domain", "projections", "eventsourcing"},
}
OUTER = {"domain", "projections", "adapters", "consumers"}
DRIVERS = ("psycopg", "psycopg_pool", "sqlite3", "eventsourcing.postgres", "eventsourcing.sqlite")
"""What speaks to a database: the projections leave it to the views in adapters/storage."""


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def imported_top_levels(path: Path) -> set[str]:
    return {name.split(".")[0] for name in imported_modules(path)}


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_inner_packages_import_only_inward(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted((imported_top_levels(path) & OUTER) - ALLOWED[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_projections_import_no_database_driver() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name
            for name in imported_modules(path)
            if any(name == driver or name.startswith(f"{driver}.") for driver in DRIVERS)
        )
        for path in (ROOT / "projections").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}
