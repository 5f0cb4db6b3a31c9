"""The Ledger on real SQLite and PostgreSQL stores, through eventsourcing's recorders."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.application import project_aggregate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.storage.database import open_ledger, parse_database_url
from domain.errors import RegistrationConflictError, UnknownMessageError, UnknownVersionError
from domain.kinds import EventKind as K
from domain.kinds import Outcome
from domain.ledger import SNAPSHOT_INTERVAL, BatchReader, Ledger
from domain.message import Message
from domain.values import Observation
from tests.conftest import T0, TENANT, a_send, an_observation


def test_state_survives_closing_and_reopening_the_store(database_url: str) -> None:
    send = a_send("a@x.example", "b@y.example")
    with open_ledger(parse_database_url(database_url)) as ledger:
        ledger.register([send])
        ledger.record(
            [
                an_observation(K.DELIVERED, 1, "a@x.example"),
                an_observation(K.HARD_BOUNCE, 2, "b@y.example"),
            ]
        )
        before = ledger.get_message(send.message_id)
    with open_ledger(parse_database_url(database_url)) as reopened:
        after = reopened.get_message(send.message_id)
    assert after == before
    assert after.outcome is Outcome.ALERT


def test_provider_events_before_the_registration_meet_it_on_one_message(ledger: Ledger) -> None:
    ledger.record([an_observation(K.DELIVERED, 1)])
    ledger.register([a_send()])
    state = ledger.get_message(a_send().message_id)
    assert state.registration is not None and state.outcome is Outcome.DELIVERED
    assert list(ledger.message_ids()) == [state.id]


def test_recording_the_same_batch_twice_records_nothing_new(ledger: Ledger) -> None:
    batch = [an_observation(K.SENT, 0), an_observation(K.DELIVERED, 1), an_observation(K.OPENED, 9)]
    first = ledger.record(batch)
    second = ledger.record(batch)
    assert [r.duplicate for r in first] == [False, False, False]
    assert [r.duplicate for r in second] == [True, True, True]
    assert len(ledger.get_history(a_send().message_id)) == 4


def test_a_batch_that_fails_half_way_records_nothing(ledger: Ledger) -> None:
    ledger.register([a_send(external_ref="first")])
    other = a_send(provider_message_id="msg-2", external_ref="second")
    conflicting = a_send("someone@else.example", external_ref="first")
    with pytest.raises(RegistrationConflictError):
        ledger.register([other, conflicting])
    with pytest.raises(UnknownMessageError):
        ledger.get_message(other.message_id)


def test_snapshots_give_exactly_the_state_a_full_replay_gives(ledger: Ledger) -> None:
    ledger.register([a_send("a@x.example", "b@y.example")])
    events = [
        an_observation(
            K.OPENED,
            minutes,
            "a@x.example" if minutes % 2 else "b@y.example",
            event_id=f"o{minutes}",
        )
        for minutes in range(SNAPSHOT_INTERVAL * 2 + 7)
    ]
    ledger.record(events[:150])
    ledger.record(events[150:])
    message_id = a_send().message_id
    assert ledger.snapshots is not None
    assert list(ledger.snapshots.get(message_id)), "a snapshot was taken"
    from_snapshot: Message = ledger.repository.get(message_id)
    replayed = project_aggregate(None, ledger.events.get(message_id))
    assert replayed is not None
    assert from_snapshot.state() == replayed.state()
    assert from_snapshot.facts == replayed.facts


def test_history_lists_every_stored_event_in_log_order(ledger: Ledger) -> None:
    ledger.register([a_send()])
    ledger.record([an_observation(K.DELIVERED, 1), an_observation(K.OPENED, 2)])
    history = ledger.get_history(a_send().message_id)
    assert [type(e).__qualname__ for e in history] == [
        "Message.Created",
        "Message.Registered",
        "Message.Delivered",
        "Message.Opened",
    ]
    assert [e.originator_version for e in history] == [1, 2, 3, 4]


def test_state_as_of_a_version_or_a_moment(ledger: Ledger) -> None:
    ledger.register([a_send()])
    ledger.record([an_observation(K.DELIVERED, 1)])
    message_id = a_send().message_id
    delivered_known_at = ledger.get_history(message_id)[-1]
    ledger.record([an_observation(K.HARD_BOUNCE, 300)])
    assert ledger.get_message_at(message_id, version=2).outcome is Outcome.PENDING
    assert ledger.get_message_at(message_id, version=3).outcome is Outcome.DELIVERED
    at = delivered_known_at.timestamp  # type: ignore[attr-defined]
    assert ledger.get_message_at(message_id, at=at).outcome is Outcome.DELIVERED
    assert ledger.get_message(message_id).outcome is Outcome.ERROR
    with pytest.raises(UnknownVersionError, match="versions 1 to 4"):
        ledger.get_message_at(message_id, version=9)
    with pytest.raises(UnknownMessageError):
        ledger.get_message_at(message_id, at=at - timedelta(days=1))


def test_unknown_message_is_reported_by_the_reference_given(ledger: Ledger) -> None:
    with pytest.raises(UnknownMessageError, match="sendgrid:nope"):
        ledger.get_message(UUID(int=1), reference="sendgrid:nope")


class InterruptedLedger(Ledger):
    """Lets another writer append to the same message between this one's read and its write."""

    name = Ledger.name  # the application's name is its PostgreSQL table's name
    other: Ledger
    interruptions = 1

    def _record(self, processing_event: Any) -> Any:
        if self.interruptions:
            self.interruptions -= 1
            self.other.record([an_observation(K.OPENED, 30, event_id="from-the-other-writer")])
        return super()._record(processing_event)


def test_a_concurrent_writer_makes_the_batch_retry_and_nothing_is_lost(database_url: str) -> None:
    database = parse_database_url(database_url)
    with open_ledger(database) as first:
        first.register([a_send()])
    with InterruptedLedger(env=database.env) as interrupted, open_ledger(database) as other:
        interrupted.other = other
        interrupted.record([an_observation(K.DELIVERED, 1, event_id="from-this-writer")])
        state = other.get_message(a_send().message_id)
    assert sorted(f.event_id for f in state.recipients[0].facts) == [
        "from-the-other-writer",
        "from-this-writer",
    ]


@st.composite
def batched_arrivals(draw: st.DrawFn, pmid: str) -> list[list[Observation]]:
    events = [
        Observation(
            tenant=TENANT,
            provider="postmark",
            provider_message_id=pmid,
            recipient=draw(st.sampled_from(["a@x.example", "b@y.example"])),
            kind=draw(st.sampled_from(list(K))),
            occurred_at=T0 + timedelta(minutes=draw(st.integers(0, 4))),
            event_id=f"e{i}",
        )
        for i in range(draw(st.integers(1, 12)))
    ]
    arriving = draw(st.permutations(events + draw(st.lists(st.sampled_from(events), max_size=6))))
    cuts = sorted(draw(st.lists(st.integers(0, len(arriving)), max_size=3)))
    bounds = [0, *cuts, len(arriving)]
    return [arriving[a:b] for a, b in pairwise(bounds) if arriving[a:b]]


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_stored_state_does_not_depend_on_batches_order_or_duplicates(
    ledger: Ledger, data: st.DataObject
) -> None:
    pmid = (
        f"prop-{uuid4()}"  # the store outlives each example, so every example needs its own message
    )
    batches = data.draw(batched_arrivals(pmid))
    distinct = {o.event_id: o for batch in batches for o in batch}
    for batch in batches:
        ledger.record(batch)
    in_memory = Message(tenant=TENANT, provider="postmark", provider_message_id=pmid)
    for observation in sorted(distinct.values(), key=lambda o: str(o.event_id)):
        in_memory.observe(observation)
    stored = ledger.get_message(in_memory.id)
    assert stored.recipients == in_memory.state().recipients
    assert stored.outcome == in_memory.state().outcome


def test_both_stores_load_a_batch_of_messages_with_batch_reads(database_url: str) -> None:
    with open_ledger(parse_database_url(database_url)) as ledger:
        assert isinstance(ledger.recorder, BatchReader)
        assert ledger.snapshots is not None
        assert isinstance(ledger.snapshots.recorder, BatchReader)
        many = [  # more messages than SQLite binds into one query
            an_observation(K.DELIVERED, 1, provider_message_id=f"m-{n}", event_id=f"d-{n}")
            for n in range(600)
        ]
        ledger.record(many)
        ledger.record(
            [an_observation(K.OPENED, 2, provider_message_id=f"m-{n}") for n in range(600)]
        )
        states = list(ledger.get_messages([o.message_id for o in many], batch_size=550))
    assert len(states) == 600
    assert all(s.recipients[0].status is K.OPENED and s.version == 3 for s in states)
