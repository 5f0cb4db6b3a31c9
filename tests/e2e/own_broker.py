"""A broker of a test's own (``scripts/services.sh start-own-kafka``), never the suite's,
which every other test shares: for tests that kill it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OwnBroker:
    bootstrap: str
    pid: int
