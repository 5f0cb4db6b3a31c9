"""Moments stored as whole microseconds since the epoch: a BIGINT on both databases, sorted
and compared in SQL without a dialect's time type."""

from __future__ import annotations

from datetime import UTC, datetime


def micros(moment: datetime) -> int:
    """``moment`` in microseconds since the epoch."""
    return int(moment.timestamp() * 1_000_000)


def moment(stored: int) -> datetime:
    """A stored number of microseconds as an aware UTC time."""
    return datetime.fromtimestamp(int(stored) / 1_000_000, UTC)
