"""Postmark's times (ISO-8601, often with seven fractional digits) as aware UTC."""

from __future__ import annotations

from datetime import datetime

from adapters.providers.errors import BodyError
from adapters.providers.postmark.mapping import NAME
from adapters.providers.timestamps import from_iso


def instant(value: str | None, index: int, field: str) -> datetime:
    """A Postmark time (ISO-8601 with 'Z' or an offset, often 7 fractional digits) in UTC.

    Digits past the microsecond are dropped where the parser refuses them.
    """
    if value is None or not value.strip():
        raise BodyError(NAME, index, field, "missing")
    try:
        return from_iso(value, NAME, index, field)
    except BodyError:
        truncated = to_microseconds(value)
        if truncated == value:
            raise
    return from_iso(truncated, NAME, index, field)


def to_microseconds(value: str) -> str:
    """``value`` with a fraction of seconds cut to six digits (the offset kept)."""
    dot = value.find(".", value.find("T") + 1)
    if dot < 0:
        return value
    end = dot + 1
    while end < len(value) and value[end].isdigit():
        end += 1
    if end - dot - 1 <= 6:
        return value
    return value[: dot + 7] + value[end:]
