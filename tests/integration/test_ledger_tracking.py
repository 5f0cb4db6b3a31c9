"""What a consumer relies on: positions saved with the events, replays told apart, owned caches."""

from __future__ import annotations

import pytest
from eventsourcing.persistence import Tracking

from adapters.storage.database import open_ledger, parse_database_url
from domain.cache import MessageCache
from domain.errors import AlreadyTrackedError, BatchRejectedError
from domain.kinds import EventKind
from domain.ledger import Ledger
from tests.conftest import a_send, an_observation


def test_the_position_is_saved_with_the_events_and_survives_reopening(database_url: str) -> None:
    with open_ledger(parse_database_url(database_url)) as ledger:
        assert ledger.tracked_position("events:0") is None
        ledger.record([an_observation(EventKind.DELIVERED, 1)], tracking=Tracking("events:0", 10))
        ledger.record([], tracking=Tracking("events:1", 4))

    with open_ledger(parse_database_url(database_url)) as reopened:
        assert reopened.tracked_position("events:0") == 10
        assert reopened.tracked_position("events:1") == 4
        assert reopened.get_message(an_observation(EventKind.DELIVERED, 1).message_id)


def test_a_batch_whose_position_is_already_saved_records_nothing(ledger: Ledger) -> None:
    first = an_observation(EventKind.DELIVERED, 1)
    ledger.record([first], tracking=Tracking("events:0", 10))
    version: int = ledger.repository.get(first.message_id).version

    late = an_observation(EventKind.OPENED, 2)
    with pytest.raises(AlreadyTrackedError, match="events:0 is already recorded up to 10"):
        ledger.record([late], tracking=Tracking("events:0", 10))
    with pytest.raises(AlreadyTrackedError):
        ledger.record([late], tracking=Tracking("events:0", 7))

    assert ledger.repository.get(first.message_id).version == version
    assert ledger.tracked_position("events:0") == 10


def test_conflicting_registrations_are_named_and_nothing_of_the_batch_is_saved(
    ledger: Ledger,
) -> None:
    ledger.register([a_send("ana@example.com")])
    conflicting = a_send("bob@example.com")  # same message, other recipients
    fine = a_send(provider_message_id="msg-2", external_ref="inv-2")

    with pytest.raises(BatchRejectedError) as rejected:
        ledger.register([fine, conflicting], tracking=Tracking("messages:0", 2), reject_each=True)

    assert list(rejected.value.rejected) == [1]
    assert "recipients" in str(rejected.value.rejected[1])
    assert ledger.tracked_position("messages:0") is None
    [result] = ledger.register([fine], tracking=Tracking("messages:0", 2))
    assert not result.duplicate
    assert ledger.tracked_position("messages:0") == 2


class OtherWriter(Ledger):
    name = Ledger.name  # the application's name is its PostgreSQL table's name


def test_a_cached_message_another_writer_changed_is_read_again(database_url: str) -> None:
    database = parse_database_url(database_url)
    with open_ledger(database) as owner, OtherWriter(env=database.env) as other:
        owner.cache = MessageCache(100)
        owner.record([an_observation(EventKind.SENT, 1)])
        other.record([an_observation(EventKind.DELIVERED, 2)])  # behind the owner's back

        owner.record([an_observation(EventKind.OPENED, 3)])

        state = owner.get_message(an_observation(EventKind.SENT, 1).message_id)
        kinds = [f.kind for f in state.recipients[0].facts]
        assert kinds == [EventKind.SENT, EventKind.DELIVERED, EventKind.OPENED]


def test_a_cached_message_gives_the_state_a_fresh_load_gives(database_url: str) -> None:
    database = parse_database_url(database_url)
    with open_ledger(database) as cached, open_ledger(database) as fresh:
        cached.cache = MessageCache(100)
        for minute, kind in enumerate([EventKind.SENT, EventKind.DELIVERED, EventKind.OPENED]):
            cached.record([an_observation(kind, minute)])
        message_id = an_observation(EventKind.SENT, 0).message_id

        assert len(cached.cache) == 1
        assert cached.get_message(message_id) == fresh.get_message(message_id)
