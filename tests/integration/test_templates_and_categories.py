"""The views by category and by template: the list's filters, the summaries, the daily counts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from adapters.storage.database import parse_database_url
from adapters.storage.read_side import ReadSide, open_read_side
from domain.kinds import EventKind as K
from domain.ledger import Ledger
from domain.values import Send
from projections.signal_outbox import OUTBOX_TABLE, SignalKind, signals_after
from tests.conftest import T0
from tests.integration.test_projections import a_registration, an_event, id_of, listed_ids

DAY1, DAY2 = T0, T0 + timedelta(days=1)


def sent(
    ref: str, category: str | None, template: str | None, *, tenant: str = "acme", day: int = 1
) -> Send:
    send = a_registration(ref, tenant=tenant, sent_at=DAY1 if day == 1 else DAY2)
    return replace(send, category=category, template=template)


@pytest.fixture
def side(database_url: str, ledger: Ledger) -> Iterator[ReadSide]:
    ledger.register(
        [
            sent("i1", "invoice", "invoice-v3"),
            sent("i2", "invoice", "invoice-v3", day=2),
            sent("i3", "invoice", None, day=2),
            sent("c1", "convocation", "convocation-a"),
            sent("n1", None, None),
            sent("g1", "invoice", "invoice-v3", tenant="globex"),
            sent("g2", "secret-kind", "secret-template", tenant="globex"),
        ]
    )
    ledger.record(
        [
            an_event("i1", K.DELIVERED, 1),
            an_event("i2", K.HARD_BOUNCE, 1, base=DAY2),
            an_event("c1", K.DELIVERED, 1),
            an_event("c1", K.OPENED, 2),
            an_event("g1", K.HARD_BOUNCE, 1, tenant="globex"),
        ]
    )
    with open_read_side(parse_database_url(database_url), ledger) as opened:
        opened.catch_up()
        yield opened


def test_the_list_filters_by_template_by_any_template_and_by_none(side: ReadSide) -> None:
    assert listed_ids(side, template="invoice-v3") == [id_of("i2"), id_of("i1")]
    assert listed_ids(side, template="invoice-v3", category="convocation") == []
    assert set(listed_ids(side, templated=True)) == {id_of("i1"), id_of("i2"), id_of("c1")}
    assert set(listed_ids(side, templated=False)) == {id_of("i3"), id_of("n1")}
    assert listed_ids(side, templated=True, category="invoice", failed_only=True) == [id_of("i2")]
    assert listed_ids(side, "globex", template="invoice-v3") == [id_of("g1", "globex")]
    assert listed_ids(side, template="secret-template") == []


def test_a_message_shows_its_category_and_template(side: ReadSide) -> None:
    shown = side.queries.message(UUID(id_of("i1")), "acme")
    untemplated = side.queries.message(UUID(id_of("n1")), "acme")

    assert shown is not None
    assert (shown["category"], shown["template"]) == ("invoice", "invoice-v3")
    assert untemplated is not None and untemplated["template"] is None


def test_each_category_and_template_is_counted_for_its_tenant_only(side: ReadSide) -> None:
    assert side.queries.groups("acme", "category") == [
        {"category": "convocation", "messages": 1, "failed": 0},
        {"category": "invoice", "messages": 3, "failed": 1},
        {"category": None, "messages": 1, "failed": 0},
    ]
    assert side.queries.groups("acme", "template") == [
        {"template": "convocation-a", "messages": 1, "failed": 0},
        {"template": "invoice-v3", "messages": 2, "failed": 1},
        {"template": None, "messages": 2, "failed": 0},
    ]
    assert side.queries.groups("globex", "template") == [
        {"template": "invoice-v3", "messages": 1, "failed": 1},
        {"template": "secret-template", "messages": 1, "failed": 0},
    ]
    everyone = side.queries.groups(None, "category")
    assert sum(group["messages"] for group in everyone) == 7


def test_the_summaries_count_the_sends_of_a_sent_time_range(side: ReadSide) -> None:
    second_day = side.queries.groups("acme", "template", sent_from=DAY2)
    first_day = side.queries.groups("acme", "category", sent_until=DAY2)

    assert second_day == [
        {"template": "invoice-v3", "messages": 1, "failed": 1},
        {"template": None, "messages": 1, "failed": 0},
    ]
    assert first_day == [
        {"category": "convocation", "messages": 1, "failed": 0},
        {"category": "invoice", "messages": 1, "failed": 0},
        {"category": None, "messages": 1, "failed": 0},
    ]
    assert side.queries.groups("acme", "category", sent_from=DAY2, sent_until=DAY2) == []


def test_a_grouping_that_is_not_a_registration_field_is_refused(side: ReadSide) -> None:
    with pytest.raises(ValueError, match="cannot group by 'tenant'"):
        side.queries.groups("acme", "tenant")
    with pytest.raises(ValueError, match="cannot group by 'sender'"):
        side.queries.daily_counts("acme", by="sender")


def _counts(days: list[dict[str, Any]], by: str) -> list[tuple[str, str | None, int, int, int]]:
    return [(d["day"], d[by], d["messages"], d["delivered"], d["failed"]) for d in days]


def test_daily_counts_split_by_category_and_by_template_add_up_to_the_days(
    side: ReadSide,
) -> None:
    first, second = DAY1.date().isoformat(), DAY2.date().isoformat()

    by_category = side.queries.daily_counts("acme", by="category")
    by_template = side.queries.daily_counts("acme", by="template")
    days = side.queries.daily_counts("acme")

    assert _counts(by_category, "category") == [
        (first, "convocation", 1, 1, 0),
        (first, "invoice", 1, 1, 0),
        (first, None, 1, 0, 0),
        (second, "invoice", 2, 0, 1),
    ]
    assert _counts(by_template, "template") == [
        (first, "convocation-a", 1, 1, 0),
        (first, "invoice-v3", 1, 1, 0),
        (first, None, 1, 0, 0),
        (second, "invoice-v3", 1, 0, 1),
        (second, None, 1, 0, 0),
    ]
    for split in (by_category, by_template):
        for day in days:
            rows = [row for row in split if row["day"] == day["day"]]
            for name in ("messages", "recipients", "delivered", "failed", "opened", "bounced"):
                assert sum(row[name] for row in rows) == day[name]
    assert by_category[0]["open_rate"] == 1.0
    assert list(days[0]) == list(by_category[0])[:1] + list(by_category[0])[2:]


def test_daily_counts_by_template_follow_later_events_and_stay_with_their_tenant(
    ledger: Ledger, side: ReadSide
) -> None:
    ledger.record([an_event("i1", K.HARD_BOUNCE, 30)])
    side.catch_up()

    [first_day] = [
        row
        for row in side.queries.daily_counts("acme", by="template", until=DAY1.date())
        if row["template"] == "invoice-v3"
    ]
    globex = side.queries.daily_counts("globex", by="template")

    assert (first_day["messages"], first_day["delivered"], first_day["failed"]) == (1, 0, 1)
    assert _counts(globex, "template") == [
        (DAY1.date().isoformat(), "invoice-v3", 1, 0, 1),
        (DAY1.date().isoformat(), "secret-template", 1, 0, 0),
    ]
    assert side.queries.daily_counts("initech", by="category") == []


def test_a_signal_about_a_send_from_a_template_names_it(database_url: str, ledger: Ledger) -> None:
    # What "signals only for template-based e-mails" filters on: the outbox row's template.
    ledger.register([sent("t1", "invoice", "invoice-v3"), sent("u1", "invoice", None)])
    ledger.record([an_event("t1", K.HARD_BOUNCE, 1), an_event("u1", K.HARD_BOUNCE, 1)])

    with open_read_side(parse_database_url(database_url), ledger) as side:
        side.catch_up()
        view = side.models["signals"].view
        with view.reading() as tx:
            signals = signals_after(tx, view.table(OUTBOX_TABLE), 0, 100)

    about_messages = {
        (s.message_id, s.category, s.template)
        for s in signals
        if s.kind is SignalKind.MESSAGE_ERROR
    }
    assert about_messages == {
        (UUID(id_of("t1")), "invoice", "invoice-v3"),
        (UUID(id_of("u1")), "invoice", None),
    }
