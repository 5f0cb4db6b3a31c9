"""Providers' timestamps (epoch seconds, with or without a fraction, ISO-8601) as aware UTC."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from adapters.providers.errors import BodyError

# Epochs past this are milliseconds or garbage, not seconds; refusing them beats year 50000.
_LATEST_EPOCH_SECONDS = 32_503_680_000  # 3000-01-01


def from_epoch(value: float, provider: str, index: int | None, field: str) -> datetime:
    """An instant from seconds since 1970 (a fraction is kept to the microsecond)."""
    if (
        isinstance(value, bool)
        or not math.isfinite(value)
        or not 0 <= value < _LATEST_EPOCH_SECONDS
    ):
        raise BodyError(provider, index, field, f"{value!r} is not a time in epoch seconds")
    return datetime.fromtimestamp(value, UTC)


def from_iso(value: str, provider: str, index: int | None, field: str) -> datetime:
    """An instant from ISO-8601 text that carries its offset ('Z' or '+hh:mm')."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BodyError(provider, index, field, f"{value!r} is not an ISO-8601 time") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise BodyError(provider, index, field, f"{value!r} has no UTC offset")
    return parsed.astimezone(UTC)
