"""Moments as the viewer reads them: in their time zone and language.

A list shows the time of what happened today and the date of anything older; the full form
(date, time, zone) is for a detail or a tooltip. Nothing here raises on a zone or a language
it does not know: they become UTC and English.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time, get_datetime_format

UTC_ZONE = ZoneInfo("UTC")

_MAX_ZONE_NAME = 64
"""IANA names are short; anything longer is not one."""


def zone_of(name: str | None) -> ZoneInfo:
    """The viewer's time zone by its IANA name; a missing or unknown name gives UTC."""
    if not isinstance(name, str) or not name.strip() or len(name) > _MAX_ZONE_NAME:
        return UTC_ZONE
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # ValueError: a name that is a path ("../x"); OSError: an unreadable zone file.
        return UTC_ZONE


def when(moment: datetime, now: datetime, zone: ZoneInfo, language: str) -> str:
    """The time when the moment falls on the viewer's today, else its date (14:05 or
    3 déc. 2026 in French; 2:05 PM or Dec 3, 2026 in English)."""
    local = _aware(moment).astimezone(zone)
    locale = _locale(language)
    if local.date() == _aware(now).astimezone(zone).date():
        return format_time(local, "short", tzinfo=zone, locale=locale)
    return format_date(local.date(), "medium", locale=locale)


def full(moment: datetime, zone: ZoneInfo, language: str) -> str:
    """Date, time and the zone's abbreviation (Dec 3, 2026, 3:05 PM CET)."""
    local = _aware(moment).astimezone(zone)
    locale = _locale(language)
    # The locale's way of joining a date and a time ("{1}, {0}", "{1} 'at' {0}"…).
    both = str(get_datetime_format("medium", locale=locale)).format(
        format_time(local, "short", tzinfo=zone, locale=locale),
        format_date(local.date(), "medium", locale=locale),
    )
    return f"{both} {local.tzname() or 'UTC'}"


def _aware(moment: datetime) -> datetime:
    """The domain's moments are aware UTC; a naive one is read as UTC, not as local time."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@lru_cache(maxsize=16)
def _locale(language: str) -> Locale:
    try:
        return Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError, AttributeError):
        return Locale.parse("en")
