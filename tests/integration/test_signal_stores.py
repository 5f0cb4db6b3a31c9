"""The signal senders' tables on both databases: subscriptions, cursors, the delivery log,
and a dispatcher delivering to a real receiver on loopback through a failure."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from uuid import UUID

import pytest

from adapters.signals.delivery import Dispatcher
from adapters.signals.delivery_log import Attempt, Outcome, State
from adapters.signals.stores import SignalStores
from adapters.signals.urls import UrlPolicy
from adapters.storage.database import Database, parse_database_url
from projections.signal_outbox import SignalKind
from tests.unit.signals.outbox_rows import OutboxWriter
from tests.unit.signals.receiver import Clock, Receiver


@pytest.fixture
def database(database_url: str) -> Database:
    return parse_database_url(database_url)


@pytest.fixture
def stores(database: Database) -> Iterator[SignalStores]:
    with SignalStores(database) as opened:
        yield opened


def test_subscriptions_are_kept_per_tenant_with_their_state(stores: SignalStores) -> None:
    clock = Clock()
    created = stores.subscriptions.create(
        "acme",
        "https://hooks.example.com/in",
        kinds=frozenset({SignalKind.MESSAGE_ERROR}),
        category="invoices",
        at=clock.now,
    )
    other = stores.subscriptions.create("globex", "https://globex.example.com/", at=clock.now)
    sid = created.subscription.subscription_id
    assert stores.subscriptions.secret(sid) == created.secret
    assert [s.subscription_id for s in stores.subscriptions.listed("acme")] == [sid]
    assert stores.subscriptions.get(sid, "globex") is None
    assert stores.subscriptions.get(other.subscription.subscription_id, None) is not None

    stores.subscriptions.failed(sid, clock.now, clock.now + timedelta(seconds=10))
    stores.subscriptions.failed(sid, clock.advance(seconds=11), clock.now + timedelta(seconds=30))
    failing = stores.subscriptions.get(sid, "acme")
    assert failing is not None and failing.failures == 2
    assert failing.failing_since == Clock().now
    assert failing.paused_until == clock.now + timedelta(seconds=30)
    stores.subscriptions.disable(sid, clock.now)
    assert [s.subscription_id for s in stores.subscriptions.active()] == [
        other.subscription.subscription_id
    ]
    stores.subscriptions.enable(sid)
    enabled = stores.subscriptions.get(sid, "acme")
    assert enabled is not None and enabled.active and enabled.failures == 0
    assert enabled.kinds == frozenset({SignalKind.MESSAGE_ERROR}) and enabled.category == "invoices"
    stores.subscriptions.remove(sid)
    assert stores.subscriptions.get(sid, None) is None


def test_cursors_and_the_delivery_log_hold_on_both_databases(stores: SignalStores) -> None:
    clock = Clock()
    stores.cursors.set("kafka:t", 4)
    stores.cursors.set("kafka:t", 9)
    assert stores.cursors.get("kafka:t") == 9 and stores.cursors.get("other") is None

    signal = UUID("6f1c2a4e-0000-4000-8000-000000000001")
    stores.log.enqueue("sub_a", signal, 3, "message.error", b'{"id":1}', clock.now)
    stores.log.enqueue("sub_a", signal, 3, "message.error", b'{"id":1}', clock.now)
    pending = stores.log.due("sub_a", clock.now, 10)
    assert len(pending) == 1 and pending[0].body == b'{"id":1}' and pending[0].seq == 3
    for number in (1, 2, 3):
        outcome = Outcome.DELIVERED if number == 3 else Outcome.RETRYING
        delivery = stores.log.delivery("sub_a", signal)
        assert delivery is not None
        stores.log.record(
            delivery,
            Attempt(
                "sub_a", signal, number, clock.advance(seconds=number), 500, None, outcome, None
            ),
        )
    delivered = stores.log.delivery("sub_a", signal)
    assert delivered is not None and delivered.state is State.DELIVERED
    assert delivered.attempts == 3
    assert delivered.first_attempt_at == Clock().now + timedelta(seconds=1)
    first = stores.log.attempts("sub_a", 2)
    assert [a.attempt for a in first.items] == [3, 2] and first.next_cursor
    rest = stores.log.attempts("sub_a", 2, first.next_cursor)
    assert [a.attempt for a in rest.items] == [1] and rest.next_cursor is None
    assert stores.log.due("sub_a", clock.now + timedelta(days=1), 10) == []
    stores.log.forget("sub_a")
    assert stores.log.delivery("sub_a", signal) is None


def test_a_dispatcher_delivers_through_a_failure_on_both_databases(
    database: Database, stores: SignalStores
) -> None:
    clock = Clock()
    receiver = Receiver(clock)
    receiver.start()
    outbox = OutboxWriter(database)
    try:
        dispatcher = Dispatcher(stores, UrlPolicy(allow_http_loopback=True), timeout=5)
        created = dispatcher.subscribe("acme", receiver.url("/hook"), at=clock.now)
        receiver.secrets["/hook"] = created.secret
        receiver.statuses["/hook"] = 500
        expected = [outbox.add(), outbox.add(SignalKind.ADDRESS_SUPPRESSED)]
        dispatcher.run_once(clock.now)
        receiver.statuses["/hook"] = 200
        dispatcher.run_once(clock.advance(seconds=11))
        assert receiver.ids("/hook") == expected
        log = stores.log.attempts(created.subscription.subscription_id, 10).items
        # The first 500 ended the turn; both went in the next round.
        assert sorted((a.attempt, a.status, a.outcome.value) for a in log) == [
            (1, 200, "delivered"),
            (1, 500, "retrying"),
            (2, 200, "delivered"),
        ]
    finally:
        outbox.close()
        receiver.stop()
