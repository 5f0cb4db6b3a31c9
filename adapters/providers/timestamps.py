"""Providers' timestamps (epoch seconds or milliseconds, ISO-8601) as aware UTC."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from adapters.providers.errors import BodyError

# Epochs past this are milliseconds or garbage, not seconds; refusing them beats year 50000.
_LATEST_EPOCH_SECONDS = 32_503_680_000  # 3000-01-01

MILLISECONDS_FROM = 100_000_000_000
"""An epoch of 10^11 or more is milliseconds, a smaller one seconds.

10^11 seconds after 1970 is the year 5138 and 10^11 milliseconds is March 1973, so no time
a provider reports falls on the wrong side of the line either way: a real time in seconds
is far below it, a real time in milliseconds far above it.
"""


def _finite(value: float) -> bool:
    # An integer is always finite, and one beyond a double would make isfinite overflow.
    return isinstance(value, int) or math.isfinite(value)


def from_epoch(value: float, provider: str, index: int | None, field: str) -> datetime:
    """An instant from seconds since 1970 (a fraction is kept to the microsecond)."""
    if isinstance(value, bool) or not _finite(value) or not 0 <= value < _LATEST_EPOCH_SECONDS:
        raise BodyError(provider, index, field, f"{value!r} is not a time in epoch seconds")
    return datetime.fromtimestamp(value, UTC)


def from_epoch_either(value: float, provider: str, index: int | None, field: str) -> datetime:
    """An instant from an epoch in seconds or in milliseconds, told apart by its magnitude.

    For the fields a provider sends in either unit (SendGrid's marketing events give
    ``timestamp`` in milliseconds, Brevo's ``ts_epoch`` comes both ways); see
    ``MILLISECONDS_FROM``. A value that is a time in neither unit is refused.
    """
    if isinstance(value, bool) or not _finite(value):
        raise BodyError(provider, index, field, f"{value!r} is not a time in epoch seconds")
    if value >= MILLISECONDS_FROM:
        if value >= _LATEST_EPOCH_SECONDS * 1000:
            raise BodyError(
                provider, index, field, f"{value!r} is not a time in epoch milliseconds"
            )
        return datetime.fromtimestamp(value / 1000, UTC)
    return from_epoch(value, provider, index, field)


def from_iso(value: str, provider: str, index: int | None, field: str) -> datetime:
    """An instant from ISO-8601 text that carries its offset ('Z' or '+hh:mm')."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BodyError(provider, index, field, f"{value!r} is not an ISO-8601 time") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise BodyError(provider, index, field, f"{value!r} has no UTC offset")
    return parsed.astimezone(UTC)
