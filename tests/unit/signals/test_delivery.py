"""The dispatcher against a real receiver on loopback that verifies every signature, fails
with 500s, goes down and comes back: every expected signal arrives, verified, once by id."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from uuid import UUID

from adapters.signals.delivery import Dispatcher
from adapters.signals.delivery_log import Outcome, State
from adapters.signals.stores import SignalStores
from adapters.signals.urls import Target, UrlPolicy
from projections.signal_outbox import SignalKind
from tests.unit.signals.outbox_rows import OutboxWriter
from tests.unit.signals.receiver import Clock, Receiver


def subscribe(
    dispatcher: Dispatcher, receiver: Receiver, clock: Clock, path: str, **options: object
) -> str:
    tenant = str(options.pop("tenant", "acme"))
    created = dispatcher.subscribe(tenant, receiver.url(path), at=clock.now, **options)  # type: ignore[arg-type]
    receiver.secrets[path] = created.secret
    return created.subscription.subscription_id


def test_every_signal_arrives_verified_once_through_500s_and_an_outage(
    dispatcher: Dispatcher,
    stores: SignalStores,
    outbox: OutboxWriter,
    receiver: Receiver,
    clock: Clock,
) -> None:
    before = outbox.add()  # decided before the subscription: not for it
    everything = subscribe(dispatcher, receiver, clock, "/all")
    invoices = subscribe(
        dispatcher,
        receiver,
        clock,
        "/invoice-errors",
        kinds=frozenset({SignalKind.MESSAGE_ERROR}),
        category="invoices",
    )
    first = [
        outbox.add(SignalKind.MESSAGE_ERROR, category="invoices"),
        outbox.add(SignalKind.MESSAGE_ALERT, category="invoices"),
        outbox.add(SignalKind.MESSAGE_ERROR, category="reminders"),
        outbox.add(SignalKind.ADDRESS_SUPPRESSED),
        outbox.add(SignalKind.MESSAGE_ERROR, tenant="globex", category="invoices"),
    ]
    summary = dispatcher.run_once(clock.now)
    assert summary.delivered == 5 and summary.failed_attempts == 0
    assert receiver.ids("/all") == first[:4]
    assert receiver.ids("/invoice-errors") == [first[0]]

    receiver.statuses["/all"] = 500
    second = [outbox.add(SignalKind.MESSAGE_ERROR, category="invoices"), outbox.add()]
    # One failed attempt per round ends the subscription's turn; each signal has its own
    # next attempt (10 s after its first failure, then 30 s).
    assert dispatcher.run_once(clock.advance(seconds=1)).failed_attempts == 1  # A: 500
    # The failing receiver never holds back the other subscription.
    assert receiver.ids("/invoice-errors") == [first[0], second[0]]
    assert dispatcher.run_once(clock.advance(seconds=5)).failed_attempts == 1  # B: 500
    # A's second 500 is the third failure in a row: the subscription pauses until A is due.
    assert dispatcher.run_once(clock.advance(seconds=6)).failed_attempts == 1
    assert dispatcher.run_once(clock.advance(seconds=29)).failed_attempts == 0  # paused
    receiver.stop()
    summary = dispatcher.run_once(clock.advance(seconds=2))  # A: nobody listens
    assert summary.failed_attempts == 1
    receiver.statuses["/all"] = 204
    receiver.start()  # the same port again
    # Unreachable: paused as long as A waits now (2 min), B with it.
    assert dispatcher.run_once(clock.advance(seconds=119)).delivered == 0
    assert receiver.ids("/all") == first[:4]
    summary = dispatcher.run_once(clock.advance(seconds=2))
    assert summary.delivered == 2

    expected_all = set(first[:4] + second)
    assert set(receiver.ids("/all")) == expected_all
    assert len(receiver.ids("/all")) == len(expected_all)  # once each, none beyond
    assert set(receiver.ids("/invoice-errors")) == {first[0], second[0]}
    assert before not in receiver.ids("/all")
    assert receiver.refused == []

    log = stores.log.attempts(everything, limit=100).items
    failed = [a for a in log if a.outcome is Outcome.RETRYING]
    statuses = {
        signal: [a.status for a in reversed(failed) if a.signal_id == UUID(signal)]
        for signal in second
    }
    assert statuses == {second[0]: [500, 500, None], second[1]: [500]}
    refused = next(a for a in failed if a.status is None)
    assert refused.error and "refused" in refused.error.lower()
    assert all(a.next_attempt_at is not None and a.next_attempt_at > a.at for a in failed)
    delivered = stores.log.delivery(everything, UUID(second[0]))
    assert delivered is not None and delivered.state is State.DELIVERED
    assert delivered.attempts == 4
    healthy = stores.subscriptions.get(everything, "acme")
    assert healthy is not None and healthy.failures == 0 and healthy.active
    assert stores.subscriptions.get(invoices, "acme") is not None


def test_a_signal_the_receiver_refuses_does_not_hold_back_the_next_ones(
    dispatcher: Dispatcher,
    stores: SignalStores,
    outbox: OutboxWriter,
    receiver: Receiver,
    clock: Clock,
) -> None:
    subscription = subscribe(dispatcher, receiver, clock, "/picky")
    poison = outbox.add()
    receiver.statuses["/picky"] = 422
    dispatcher.run_once(clock.now)
    receiver.statuses["/picky"] = 204
    later = [outbox.add(), outbox.add()]
    dispatcher.run_once(clock.advance(seconds=1))  # the refused one is not due yet
    assert receiver.ids("/picky") == later
    state = stores.subscriptions.get(subscription, "acme")
    assert state is not None and state.failures == 0 and state.paused_until is None
    dispatcher.run_once(clock.advance(seconds=10))
    assert receiver.ids("/picky") == [*later, poison]


def test_a_signal_is_retried_for_24_hours_then_given_up_and_the_subscription_disabled(
    dispatcher: Dispatcher,
    stores: SignalStores,
    outbox: OutboxWriter,
    receiver: Receiver,
    clock: Clock,
) -> None:
    broken = subscribe(dispatcher, receiver, clock, "/broken")
    subscribe(
        dispatcher, receiver, clock, "/admins", kinds=frozenset({SignalKind.SUBSCRIPTION_DISABLED})
    )
    subscribe(dispatcher, receiver, clock, "/other-tenant", tenant="globex")
    subscribe(dispatcher, receiver, clock, "/healthy")
    receiver.statuses["/broken"] = 503
    signal = outbox.add()
    start = clock.now
    dispatcher.run_once(clock.now)
    while clock.now - start < timedelta(hours=30):
        summary = dispatcher.run_once(clock.advance(minutes=5))
        if summary.disabled:
            break
    assert summary.disabled == [broken]
    assert timedelta(hours=24) <= clock.now - start <= timedelta(hours=28)

    delivery = stores.log.delivery(broken, UUID(signal))
    assert delivery is not None and delivery.state is State.FAILED
    attempts = stores.log.attempts(broken, limit=100).items
    assert attempts[0].outcome is Outcome.FAILED and attempts[0].next_attempt_at is None
    assert all(a.status == 503 for a in attempts)
    assert 15 <= len(attempts) <= 20  # the backoff schedule over a day
    disabled = stores.subscriptions.get(broken, "acme")
    assert disabled is not None and not disabled.active and disabled.disabled_at is not None

    dispatcher.run_once(clock.advance(seconds=1))
    notices = [r for r in receiver.received if r.path == "/admins"]
    assert len(notices) == 1
    notice = notices[0].body
    assert notice["kind"] == "subscription.disabled" and notice["tenant"] == "acme"
    assert notice["subscription"]["id"] == broken
    assert receiver.ids("/healthy") == [signal, notice["id"]]
    assert receiver.ids("/other-tenant") == []
    assert receiver.refused == []

    # Disabled: nothing more is tried, until an admin enables it again.
    later = outbox.add()
    dispatcher.run_once(clock.advance(hours=3))
    assert len(stores.log.attempts(broken, limit=100).items) == len(attempts)
    receiver.statuses["/broken"] = 200
    stores.subscriptions.enable(broken)
    dispatcher.run_once(clock.advance(seconds=1))
    assert receiver.ids("/broken") == [later]


def test_a_resend_sends_the_same_bytes_again_with_a_new_attempt(
    dispatcher: Dispatcher,
    stores: SignalStores,
    outbox: OutboxWriter,
    receiver: Receiver,
    clock: Clock,
) -> None:
    subscription = subscribe(dispatcher, receiver, clock, "/hook")
    signal = outbox.add()
    dispatcher.run_once(clock.now)
    attempt = dispatcher.resend(subscription, UUID(signal), clock.advance(hours=30))
    assert attempt is not None and attempt.attempt == 2 and attempt.outcome is Outcome.DELIVERED
    first, again = receiver.received
    assert first.signal_id == again.signal_id == signal and first.body == again.body
    assert dispatcher.resend(subscription, UUID(outbox.add()), clock.now) is None


def test_a_url_that_turns_internal_after_subscribing_is_not_connected_to(
    stores: SignalStores, outbox: OutboxWriter, clock: Clock
) -> None:
    answers = ["93.184.215.14"]
    sent: list[str] = []
    policy = UrlPolicy(resolver=lambda host, port: list(answers))

    def sender(target: Target, headers: Mapping[str, str], body: bytes, timeout: float) -> int:
        sent.append(target.address)
        return 204

    dispatcher = Dispatcher(stores, policy, sender=sender)
    subscription = dispatcher.subscribe("acme", "https://hooks.example.com/in", at=clock.now)
    outbox.add()
    dispatcher.run_once(clock.now)
    assert sent == ["93.184.215.14"]
    answers[:] = ["169.254.169.254"]  # the name now points at the metadata service
    outbox.add()
    dispatcher.run_once(clock.advance(seconds=1))
    assert sent == ["93.184.215.14"]
    attempt = stores.log.attempts(subscription.subscription.subscription_id, limit=1).items[0]
    assert attempt.outcome is Outcome.RETRYING and attempt.status is None
    assert attempt.error is not None and "link-local" in attempt.error
