"""Webhook bodies under tests/fixtures/<provider>/, as a provider posts them."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def body(provider: str, name: str) -> bytes:
    """The exact bytes of ``tests/fixtures/<provider>/<name>.json``."""
    return (FIXTURES / provider / f"{name}.json").read_bytes()


def names(provider: str) -> list[str]:
    """Every fixture of ``provider``, sorted, without the ``.json``."""
    return sorted(path.stem for path in (FIXTURES / provider).glob("*.json"))
