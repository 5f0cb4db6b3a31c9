"""Which language a request gets, the names of events and outcomes, and the Jinja2 set-up."""

from __future__ import annotations

import gettext
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import jinja2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.console.i18n import (
    LANGUAGES,
    environment,
    negotiate,
    outcome_name,
    status_name,
    supported,
    translations,
)
from domain.kinds import EventKind, Outcome

FRENCH = translations("fr").gettext
ENGLISH = translations("en").gettext


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("fr", "fr"),
        ("fr-CA", "fr"),
        ("FR-ca", "fr"),
        ("en-GB,en;q=0.9", "en"),
        ("de-DE,de;q=0.9,fr;q=0.8,en;q=0.7", "fr"),
        ("en;q=0.5,fr;q=0.8", "fr"),
        ("fr;q=0.8,en;q=0.8", "fr"),  # a tie goes to the one named first
        ("en;q=0.8,fr;q=0.8", "en"),
        ("de, *;q=0.5, fr;q=0.4", "en"),  # the wildcard stands for English here
        ("de, fr;q=0.6, *;q=0.5", "fr"),
        ("fr;q=0, en", "en"),
        ("fr-CA;q=0.2, en;q=0.5, fr", "fr"),  # a language is worth its best range
        ("fr;q=0, fr-CA", "fr"),
        ("fr;q=0", "en"),  # nothing acceptable: the source language, never an error
        ("de, es", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_accept_language_picks_the_best_supported_language(
    header: str | None, language: str
) -> None:
    assert negotiate(header, None) == language


@pytest.mark.parametrize(
    "header",
    [
        "fr;q=abc",
        "fr;q=2",
        "fr;q=-1",
        "fr;q=0.12345",
        ";;;,,,",
        "fr\x00",
        "français",
        "f r",
        "=fr",
        "fr;q=",
        "x" * 10_000,
        "fr-" + "a" * 40,
    ],
)
def test_a_malformed_header_gives_english(header: str) -> None:
    assert negotiate(header, None) == "en"


def test_a_malformed_range_is_skipped_and_the_rest_is_read() -> None:
    assert negotiate("fr;q=abc, en;q=0.1", None) == "en"
    assert negotiate("de;q=oops, fr;q=0.3", None) == "fr"


def test_a_chosen_language_wins_when_the_console_has_it() -> None:
    assert negotiate("en", "fr") == "fr"
    assert negotiate("fr", "en") == "en"
    assert negotiate("en", "fr-BE") == "fr"
    assert negotiate("fr", "de") == "fr"  # not offered: the header decides
    assert negotiate("fr", "") == "fr"
    assert negotiate(None, "<script>") == "en"


def test_the_first_ranges_only_are_read() -> None:
    assert negotiate(",".join(["de"] * 40 + ["fr"]), None) == "en"


@given(st.one_of(st.none(), st.text()), st.one_of(st.none(), st.text()))
def test_negotiation_never_raises_and_always_names_a_language(
    header: str | None, chosen: str | None
) -> None:
    assert negotiate(header, chosen) in LANGUAGES


def test_supported_reads_the_primary_subtag() -> None:
    assert supported("fr_FR") == "fr"
    assert supported("zh-Hant-TW") is None
    assert supported(42) is None


def test_english_is_the_source_language_and_needs_no_catalogue() -> None:
    assert isinstance(translations("en"), gettext.NullTranslations)
    assert ENGLISH("Soft bounce") == "Soft bounce"
    assert translations("de").gettext("Soft bounce") == "Soft bounce"


def test_every_event_kind_and_outcome_has_a_name_in_each_language() -> None:
    for kind in EventKind:
        english, french = status_name(kind, ENGLISH), status_name(kind, FRENCH)
        assert english != str(kind), kind
        assert french not in (english, str(kind)), kind
    for outcome in Outcome:
        english, french = outcome_name(outcome, ENGLISH), outcome_name(outcome, FRENCH)
        assert english != str(outcome), outcome
        assert french not in (english, str(outcome)), outcome


@pytest.mark.parametrize(
    ("kind", "english", "french"),
    [
        (EventKind.SOFT_BOUNCE, "Soft bounce", "Rejet temporaire"),
        (EventKind.HARD_BOUNCE, "Hard bounce", "Rejet définitif"),
        (EventKind.DEFERRED, "Deferred", "Différé"),
        (EventKind.SPAM, "Marked as spam", "Signalé comme spam"),
        (EventKind.UNSUBSCRIBED, "Unsubscribed", "Désinscrit"),
        (EventKind.INVALID_EMAIL, "Invalid address", "Adresse invalide"),
        ("clicked", "Clicked", "Cliqué"),
    ],
)
def test_kinds_are_named_as_people_say_them(kind: str, english: str, french: str) -> None:
    assert (status_name(kind, ENGLISH), status_name(kind, FRENCH)) == (english, french)


def test_outcomes_are_named_as_people_say_them() -> None:
    assert outcome_name(Outcome.ALERT, ENGLISH) == "Alert: some recipients failed"
    assert outcome_name("alert", FRENCH) == "Alerte\u00a0: échec pour certains destinataires"
    assert outcome_name(Outcome.PENDING, FRENCH) == "En cours"


def test_an_unknown_kind_or_outcome_is_named_as_given() -> None:
    assert status_name("teleported", FRENCH) == "teleported"
    assert outcome_name(None, FRENCH) == "None"


PAGE = """\
<p>{{ _("Sent") }} {{ kind|status_name }} {{ outcome|outcome_name }}</p>
<p>{% trans %}
    Queued
{% endtrans %}</p>
<p>{{ _("The recipient clicked a link in the e-mail: %(url)s", url=url) }}</p>
<time title="{{ at|full(zone) }}">{{ at|when(now, zone) }}</time>
"""


def render(language: str, **context: object) -> str:
    env = environment(
        jinja2.DictLoader({"page.html": PAGE, "strict.html": "{{ missing }}"}), language
    )
    values: dict[str, object] = {
        "kind": "soft_bounce",
        "outcome": "alert",
        "url": "https://x.example/?a=1&b=<2>",
        "at": datetime(2026, 12, 3, 14, 5, tzinfo=UTC),
        "now": datetime(2026, 12, 3, 20, 0, tzinfo=UTC),
        "zone": ZoneInfo("Europe/Paris"),
    }
    return env.get_template("page.html").render(values | context)


def test_a_french_page_is_rendered_in_french_and_escaped() -> None:
    page = render("fr")

    assert "<p>Envoyé Rejet temporaire Alerte\u00a0: échec pour certains destinataires</p>" in page
    assert "<p>En file d'attente</p>" in page  # trimmed {% trans %}, as extracted
    assert "https://x.example/?a=1&amp;b=&lt;2&gt;" in page
    assert '<time title="3 déc. 2026, 15:05 CET">15:05</time>' in page


def test_an_english_page_is_rendered_in_english() -> None:
    page = render("en")

    assert "<p>Sent Soft bounce Alert: some recipients failed</p>" in page
    assert "<p>Queued</p>" in page
    assert "3:05\u202fPM</time>" in page


def test_a_missing_variable_is_an_error_not_an_empty_string() -> None:
    env = environment(jinja2.DictLoader({"strict.html": "{{ missing }}"}), "fr")

    with pytest.raises(jinja2.UndefinedError):
        env.get_template("strict.html").render()
