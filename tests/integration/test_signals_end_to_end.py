"""From the log to the receivers, on both databases: events recorded, the signals projection
deciding them into the outbox, the dispatcher delivering each, signed, to a receiver on
loopback, once by id, after the subscription was made and not before."""

from __future__ import annotations

from collections import Counter

from adapters.signals.delivery import Dispatcher
from adapters.signals.stores import SignalStores
from adapters.signals.urls import UrlPolicy
from adapters.storage.database import parse_database_url
from adapters.storage.read_side import open_read_side
from domain.kinds import EventKind
from domain.ledger import Ledger
from projections.signal_outbox import SignalKind
from tests.conftest import a_send, an_observation, bound
from tests.unit.signals.receiver import Clock, Receiver

ANA, BOB = "ana@example.com", "bob@example.com"


def send(ledger: Ledger, ref: str, *events: tuple[EventKind, float, str]) -> None:
    ledger.register([a_send(ANA, BOB, provider_message_id=ref, external_ref=ref)])
    ledger.record(
        bound(
            an_observation(kind, minutes, address, provider_message_id=ref)
            for kind, minutes, address in events
        )
    )


def test_signals_decided_from_events_reach_the_subscription_verified(
    database_url: str, ledger: Ledger
) -> None:
    database = parse_database_url(database_url)
    clock = Clock()
    receiver = Receiver(clock)
    receiver.start()
    try:
        with open_read_side(database, ledger) as side, SignalStores(database) as stores:
            # Decided before the subscription: not for it.
            send(ledger, "early", (EventKind.HARD_BOUNCE, 1, ANA), (EventKind.HARD_BOUNCE, 1, BOB))
            side.catch_up()
            dispatcher = Dispatcher(stores, UrlPolicy(allow_http_loopback=True), timeout=5)
            created = dispatcher.subscribe(
                "acme",
                receiver.url("/hook"),
                kinds=frozenset({SignalKind.MESSAGE_ALERT, SignalKind.MESSAGE_ERROR}),
                at=clock.now,
            )
            receiver.secrets["/hook"] = created.secret

            send(ledger, "half", (EventKind.DELIVERED, 1, ANA), (EventKind.HARD_BOUNCE, 2, BOB))
            side.catch_up()
            dispatcher.run_once(clock.now)
            ledger.record(
                bound([an_observation(EventKind.HARD_BOUNCE, 30, ANA, provider_message_id="half")])
            )
            side.catch_up()
            dispatcher.run_once(clock.advance(seconds=1))
            dispatcher.run_once(clock.advance(seconds=1))  # nothing new: nothing again
    finally:
        receiver.stop()

    got = Counter(
        (r.body["kind"], r.body["message"]["provider_message_id"]) for r in receiver.received
    )
    assert got == {("message.alert", "half"): 1, ("message.error", "half"): 1}
    assert len({r.signal_id for r in receiver.received}) == 2
    assert receiver.refused == []
    assert all(r.body["tenant"] == "acme" and r.body["format"] == 1 for r in receiver.received)
