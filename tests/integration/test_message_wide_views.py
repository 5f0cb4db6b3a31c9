"""A fact about the whole message reaches every read model as the ledger derives it: every
recipient's row, registered before or after it, the list, the day's counts, the history."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from uuid import UUID

import pytest

from adapters.cli.presenters import message_json
from adapters.storage.database import open_ledger, parse_database_url
from adapters.storage.read_side import ReadSide, open_read_side
from domain.kinds import EventKind as K
from domain.ledger import SNAPSHOT_INTERVAL, Ledger
from domain.message import Message
from tests.integration.test_projections import (
    a_registration,
    an_event,
    id_of,
    listed,
    recipient_row,
)

REFUSED = replace(
    an_event("1", K.ERROR, 2, event_id="rej-1", details={"reason": "sandbox only"}),
    recipient=None,
)
"""The provider refused message ``msg-1`` as a whole, naming no recipient."""


@pytest.fixture
def side(database_url: str, ledger: Ledger) -> Iterator[ReadSide]:
    with open_read_side(parse_database_url(database_url), ledger) as opened:
        yield opened


@pytest.mark.parametrize("catch_up_between", [True, False], ids=["apart", "one-batch"])
def test_a_message_wide_error_before_the_registration_fails_every_recipient_in_every_view(
    ledger: Ledger, side: ReadSide, catch_up_between: bool
) -> None:
    ledger.record([an_event("1", K.SENT, 1, "extra@example.net", event_id="s1"), REFUSED])
    if catch_up_between:
        side.catch_up()
        [unregistered] = listed(side, tenant=None)
        assert (unregistered["outcome"], unregistered["last_status"]) == ("error", "error")
        assert recipient_row(side, "1", "extra@example.net")["status"] == "error"

    ledger.register([a_registration("1", "ana@example.com", "bob@example.org")])
    side.catch_up()

    message_id = UUID(id_of("1"))
    state = ledger.get_message(message_id)  # read back from the store: the event decodes
    assert all(r.status is K.ERROR and r.failed for r in state.recipients)
    assert side.queries.message(message_id, "acme") == message_json(state)
    [row] = listed(side)
    assert (row["outcome"], row["last_status"], row["counts"]) == ("error", "error", {"error": 3})
    for address in ("ana@example.com", "bob@example.org", "extra@example.net"):
        shown = recipient_row(side, "1", address)
        assert (shown["status"], shown["failed"], shown["last_bounce_reason"]) == (
            "error",
            1,
            "sandbox only",
        )
    [day] = side.queries.daily_counts("acme")
    assert (day["messages"], day["recipients"], day["failed"]) == (1, 3, 3)
    history = side.queries.dossier_history("acme", "DOS-1").items
    # The history shows the event once, about no one in particular.
    assert [(item["kind"], item["recipient"]) for item in history] == [
        ("registered", None),
        ("sent", "extra@example.net"),
        ("error", None),
    ]


def test_a_message_wide_error_after_deliveries_and_its_duplicate_are_shown_as_the_ledger_says(
    ledger: Ledger, side: ReadSide
) -> None:
    ledger.register([a_registration("1", "ana@example.com", "bob@example.org")])
    ledger.record([an_event("1", K.DELIVERED, 1, "ana@example.com")])
    side.catch_up()
    assert listed(side)[0]["outcome"] == "pending"

    recorded = ledger.record([REFUSED])
    side.catch_up()
    again = ledger.record([REFUSED])
    # A later delivery clears the error for that recipient alone.
    ledger.record([an_event("1", K.DELIVERED, 3, "bob@example.org")])
    side.catch_up()

    assert [r.duplicate for r in recorded + again] == [False, True]
    message_id = UUID(id_of("1"))
    assert side.queries.message(message_id, "acme") == message_json(ledger.get_message(message_id))
    [row] = listed(side)
    assert (row["outcome"], row["counts"]) == ("alert", {"delivered": 1, "error": 1})
    ana = recipient_row(side, "1", "ana@example.com")
    assert (ana["status"], ana["failed"]) == ("error", 1)
    assert recipient_row(side, "1", "bob@example.org")["delivered"] == 1


def test_a_message_wide_event_decodes_from_the_store_and_from_a_snapshot(
    database_url: str, ledger: Ledger
) -> None:
    ledger.register([a_registration("1", "ana@example.com", "bob@example.org")])
    ledger.record([REFUSED])
    # Enough events after it for a snapshot to hold the message-wide fact.
    ledger.record(
        [
            an_event("1", K.OPENED, 10 + n, "ana@example.com", event_id=f"o{n}")
            for n in range(SNAPSHOT_INTERVAL)
        ]
    )
    message_id = UUID(id_of("1"))
    expected = ledger.get_message(message_id)
    with open_ledger(parse_database_url(database_url)) as other:
        # Another process: nothing cached, the events and the snapshot decoded from the store.
        state = other.get_message(message_id)
        assert other.snapshots is not None
        assert list(other.snapshots.get(message_id))
        history = [e for e in other.events.get(message_id) if isinstance(e, Message.Failed)]
    assert state == expected
    [bob] = [r for r in state.recipients if r.address == "bob@example.org"]
    assert (bob.status, bob.failed) == (K.ERROR, True)
    assert [event.recipient for event in history] == [None]
