"""Moments in the viewer's zone and language: the time today, the date otherwise."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.console.moments import UTC_ZONE, full, when, zone_of

PARIS = zone_of("Europe/Paris")
NEW_YORK = zone_of("America/New_York")
MOMENT = datetime(2026, 12, 3, 14, 5, tzinfo=UTC)
LATER_THAT_DAY = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
TWO_DAYS_LATER = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def test_a_moment_of_today_shows_its_time() -> None:
    assert when(MOMENT, LATER_THAT_DAY, UTC_ZONE, "fr") == "14:05"
    assert when(MOMENT, LATER_THAT_DAY, UTC_ZONE, "en") == "2:05\u202fPM"
    assert when(MOMENT, LATER_THAT_DAY, PARIS, "fr") == "15:05"


def test_a_moment_of_another_day_shows_its_date() -> None:
    assert when(MOMENT, TWO_DAYS_LATER, UTC_ZONE, "fr") == "3 déc. 2026"
    assert when(MOMENT, TWO_DAYS_LATER, UTC_ZONE, "en") == "Dec 3, 2026"


def test_today_is_the_viewers_day_not_utcs() -> None:
    late_evening = datetime(2026, 12, 3, 23, 30, tzinfo=UTC)  # 00:30 on the 4th in Paris
    just_after_midnight = datetime(2026, 12, 4, 0, 10, tzinfo=UTC)

    assert when(late_evening, just_after_midnight, UTC_ZONE, "fr") == "3 déc. 2026"
    assert when(late_evening, just_after_midnight, PARIS, "fr") == "00:30"

    evening_in_new_york = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)  # 20:00 on the 3rd there
    next_morning = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    assert when(evening_in_new_york, next_morning, UTC_ZONE, "en") == "1:00\u202fAM"
    assert when(evening_in_new_york, next_morning, NEW_YORK, "en") == "Dec 3, 2026"


def test_the_date_is_the_one_in_the_viewers_zone() -> None:
    assert when(datetime(2026, 12, 3, 23, 30, tzinfo=UTC), TWO_DAYS_LATER, PARIS, "fr") == (
        "4 déc. 2026"
    )


def test_daylight_saving_time_moves_the_clock_and_the_abbreviation() -> None:
    # Europe/Paris springs forward on 29 March 2026 at 01:00 UTC, falls back on 25 October.
    before, after = (
        datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
    )
    assert when(before, after, PARIS, "fr") == "01:30"
    assert when(after, after, PARIS, "fr") == "03:30"
    assert full(before, PARIS, "fr") == "29 mars 2026, 01:30 CET"
    assert full(after, PARIS, "fr") == "29 mars 2026, 03:30 CEST"

    summer, winter = (
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
    )
    assert full(summer, PARIS, "en") == "Oct 25, 2026, 2:30\u202fAM CEST"
    assert full(winter, PARIS, "en") == "Oct 25, 2026, 2:30\u202fAM CET"


def test_the_full_form_has_date_time_and_zone() -> None:
    assert full(MOMENT, PARIS, "fr") == "3 déc. 2026, 15:05 CET"
    assert full(MOMENT, NEW_YORK, "en") == "Dec 3, 2026, 9:05\u202fAM EST"
    assert full(MOMENT, UTC_ZONE, "en") == "Dec 3, 2026, 2:05\u202fPM UTC"


def test_a_naive_moment_is_read_as_utc() -> None:
    naive = datetime(2026, 12, 3, 14, 5)

    assert when(naive, LATER_THAT_DAY, PARIS, "fr") == "15:05"
    assert full(naive, PARIS, "fr") == "3 déc. 2026, 15:05 CET"


@pytest.mark.parametrize("language", ["de-XX", "", "zz", "../fr", "not a language"])
def test_a_language_babel_does_not_know_is_english(language: str) -> None:
    assert when(MOMENT, TWO_DAYS_LATER, UTC_ZONE, language) == "Dec 3, 2026"


def test_a_zone_is_found_by_its_iana_name() -> None:
    assert zone_of("Europe/Paris").key == "Europe/Paris"
    assert zone_of(" America/New_York ").key == "America/New_York"


@pytest.mark.parametrize(
    "name", [None, "", "   ", "Mars/Olympus_Mons", "../../etc/passwd", "/etc/localtime", "x" * 500]
)
def test_an_unknown_or_missing_zone_is_utc(name: str | None) -> None:
    assert zone_of(name) is UTC_ZONE


@given(st.text(), st.text(max_size=20))
def test_moments_never_raise_on_a_zone_name_or_a_language(name: str, language: str) -> None:
    zone = zone_of(name)

    assert when(MOMENT, LATER_THAT_DAY, zone, language)
    assert full(MOMENT, zone, language)
