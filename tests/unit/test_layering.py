"""Dependencies point inward, third-party ones included: an allow-list per layer.

``consumers → adapters → projections → domain``: the domain knows only the standard library
and eventsourcing; the projections add no database driver, web or Kafka library; nothing in
the product imports the process wiring of ``consumers/`` but ``consumers/`` itself, and
nothing imports the benchmarks.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

STANDARD_LIBRARY = frozenset(sys.stdlib_module_names) - {"sqlite3"}
"""sqlite3 is a database driver: only storage may use it."""

ALLOWED: dict[str, frozenset[str]] = {
    "domain": frozenset({"domain", "eventsourcing"}),
    "projections": frozenset({"domain", "projections", "eventsourcing", "orjson", "structlog"}),
    "adapters": frozenset(
        {
            "domain",
            "projections",
            "adapters",
            "eventsourcing",
            "orjson",
            "structlog",
            "pydantic",
            "pydantic_settings",
            "typing_extensions",
            "sqlite3",
            "psycopg",
            "psycopg_pool",
            "kafka",
            "click",
            "cryptography",
            "argon2",
            "fastapi",
            "starlette",
            "uvicorn",
            "jinja2",
            "babel",
        }
    ),
    "consumers": frozenset(
        {"domain", "projections", "adapters", "consumers", "eventsourcing", "structlog"}
        | {"kafka", "click", "uvicorn"}
    ),
}
"""The top-level packages each layer may import, besides the standard library."""

FORBIDDEN_MODULES: dict[str, tuple[str, ...]] = {
    "projections": ("eventsourcing.postgres", "eventsourcing.sqlite"),
}
"""Modules of an allowed package that a layer may still not import: the dialect recorders."""


def imports(path: Path) -> Iterator[str]:
    """Every absolute module name the file imports, at any depth (also inside functions)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def offenders(package: str) -> dict[str, list[str]]:
    allowed = ALLOWED[package] | STANDARD_LIBRARY
    forbidden = FORBIDDEN_MODULES.get(package, ())
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        bad = sorted(
            {
                module
                for module in imports(path)
                if module.split(".")[0] not in allowed
                or any(module == f or module.startswith(f"{f}.") for f in forbidden)
            }
        )
        if bad:
            found[str(path.relative_to(ROOT))] = bad
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_each_layer_imports_only_what_its_allow_list_names(package: str) -> None:
    assert offenders(package) == {}


def test_the_allow_lists_point_inward() -> None:
    order = ["domain", "projections", "adapters", "consumers"]
    for inner, layer in enumerate(order):
        outer = set(order[inner + 1 :]) | {"bench", "tests"}
        assert not ALLOWED[layer] & outer, f"{layer} may not import {outer}"


def test_the_check_sees_imports_inside_functions(tmp_path: Path) -> None:
    module = tmp_path / "late.py"
    module.write_text("def f() -> None:\n    from consumers.main import run\n")

    assert list(imports(module)) == ["consumers.main"]
