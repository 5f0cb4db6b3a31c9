"""The console's signals page: the tenant's webhook subscriptions, their state and last
deliveries, enabling a disabled one and sending a delivery again; never a secret, never
another tenant's, only for those who manage subscriptions, every form with its CSRF token."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from adapters.signals.delivery import Dispatcher
from adapters.signals.subscriptions import Subscription
from adapters.signals.urls import Target
from domain.kinds import EventKind
from domain.values import utc_now
from projections.signal_outbox import SignalKind
from tests.conftest import a_send, an_observation
from tests.integration.console.conftest import OTHER_TENANT, TENANT, SignedInConsole, text_of

OURS = "http://127.0.0.1:9/acme-hook"
THEIRS = "http://127.0.0.1:9/globex-hook"


@dataclass
class Receiver:
    """Answers every delivery with ``status``; keeps what it received."""

    status: int = 500
    received: list[bytes] = field(default_factory=list)

    def __call__(
        self, target: Target, headers: Mapping[str, str], body: bytes, timeout: float
    ) -> int:
        self.received.append(body)
        return self.status


@dataclass
class Signals:
    console: SignedInConsole
    receiver: Receiver
    ours: Subscription
    theirs: Subscription
    secrets: tuple[str, str]

    def state(self, subscription: Subscription) -> Subscription:
        found = self.console.context.dispatcher.stores.subscriptions.get(
            subscription.subscription_id, subscription.tenant
        )
        assert found is not None
        return found

    def disable(self, subscription: Subscription) -> None:
        store = self.console.context.dispatcher.stores.subscriptions
        store.failed(subscription.subscription_id, utc_now() - timedelta(hours=25), None)
        store.disable(subscription.subscription_id, utc_now())


@pytest.fixture
def signals(console: SignedInConsole) -> Signals:
    """acme and globex each subscribed to suppressions; each had an address suppressed, and
    the first delivery of each failed with a 500."""
    receiver = Receiver()
    old = console.context.dispatcher
    console.context.dispatcher = Dispatcher(old.stores, old.policy, sender=receiver)
    subscribe = console.context.dispatcher.subscribe
    kinds = frozenset({SignalKind.ADDRESS_SUPPRESSED})
    ours = subscribe(TENANT, OURS, kinds=kinds, at=utc_now())
    theirs = subscribe(OTHER_TENANT, THEIRS, at=utc_now())
    console.record(
        [
            a_send("ana@example.com"),
            a_send("zed@example.com", tenant=OTHER_TENANT, provider_message_id="msg-g"),
            an_observation(EventKind.HARD_BOUNCE, 2, "ana@example.com"),
            an_observation(
                EventKind.HARD_BOUNCE,
                2,
                "zed@example.com",
                tenant=OTHER_TENANT,
                provider_message_id="msg-g",
            ),
        ]
    )
    console.context.dispatcher.run_once(utc_now())
    assert len(receiver.received) == 2
    return Signals(
        console,
        receiver,
        ours.subscription,
        theirs.subscription,
        (ours.secret, theirs.secret),
    )


def signal_of(signals: Signals, subscription: Subscription) -> str:
    page = signals.console.context.dispatcher.stores.log.attempts(subscription.subscription_id, 10)
    return str(page.items[0].signal_id)


def test_the_page_shows_each_subscription_its_state_kinds_and_last_deliveries(
    signals: Signals,
) -> None:
    page = signals.console.get("/subscriptions")
    assert page.status_code == 200
    text = text_of(page)
    assert OURS in text
    assert "Enabled, failing" in text
    assert "An address was suppressed" in text and "address.suppressed" in text
    assert "Failed, will be retried" in text and "HTTP 500" in text
    assert signal_of(signals, signals.ours) in text
    assert 'class="inline resend-form"' in page.text
    assert 'class="inline enable-form"' not in page.text


def test_no_secret_is_ever_shown(signals: Signals) -> None:
    page = signals.console.get("/subscriptions")
    for secret in signals.secrets:
        assert secret not in page.text
    assert "mlwhsec_" not in page.text


def test_a_failed_delivery_is_sent_again_and_the_page_says_how_it_went(signals: Signals) -> None:
    signals.receiver.status = 204
    done = signals.console.post(
        "/subscriptions/resend",
        {"subscription": signals.ours.subscription_id, "signal": signal_of(signals, signals.ours)},
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/subscriptions?done=delivered"
    assert len(signals.receiver.received) == 3
    page = signals.console.get(done.headers["location"])
    text = text_of(page)
    assert "The signal was sent again and delivered." in text
    assert "Delivered" in text
    assert 'class="inline resend-form"' not in page.text
    assert signals.state(signals.ours).failures == 0

    signals.receiver.status = 500
    again = signals.console.post(
        "/subscriptions/resend",
        {"subscription": signals.ours.subscription_id, "signal": signal_of(signals, signals.ours)},
    )
    assert again.headers["location"] == "/subscriptions?done=retrying"


def test_an_unknown_delivery_is_not_found(signals: Signals) -> None:
    sid = signals.ours.subscription_id
    for signal in ("not-a-uuid", "00000000-0000-4000-8000-000000000000"):
        answer = signals.console.post(
            "/subscriptions/resend", {"subscription": sid, "signal": signal}
        )
        assert answer.status_code == 404
        assert "There is no such delivery to this subscription." in text_of(answer)
    assert len(signals.receiver.received) == 2


def test_a_disabled_subscription_says_why_and_is_enabled_again(signals: Signals) -> None:
    signals.disable(signals.ours)
    page = signals.console.get("/subscriptions")
    text = text_of(page)
    assert "Disabled" in text
    assert "no delivery succeeded for 24 hours" in text
    assert 'class="inline enable-form"' in page.text

    done = signals.console.post(
        "/subscriptions/enable", {"subscription": signals.ours.subscription_id}
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/subscriptions?done=enabled"
    state = signals.state(signals.ours)
    assert state.active and state.failures == 0
    assert "The subscription is enabled again" in text_of(
        signals.console.get(done.headers["location"])
    )


@pytest.mark.parametrize(
    ("csrf", "headers"),
    [(None, {}), ("forged", {}), ("own", {"Origin": "https://elsewhere.example"})],
)
def test_a_form_without_the_sessions_token_is_refused_and_changes_nothing(
    signals: Signals, csrf: str | None, headers: dict[str, str]
) -> None:
    signals.disable(signals.ours)
    sid = signals.ours.subscription_id
    enable = signals.console.post(
        "/subscriptions/enable", {"subscription": sid}, csrf=csrf, headers=headers
    )
    resend = signals.console.post(
        "/subscriptions/resend",
        {"subscription": sid, "signal": signal_of(signals, signals.ours)},
        csrf=csrf,
        headers=headers,
    )
    assert (enable.status_code, resend.status_code) == (403, 403)
    assert not signals.state(signals.ours).active
    assert len(signals.receiver.received) == 2


@pytest.mark.parametrize("who", ["viewer", "auditor", "sender"])
def test_only_those_who_manage_subscriptions_see_or_change_them(signals: Signals, who: str) -> None:
    signals.disable(signals.ours)
    page = signals.console.get("/subscriptions", who=who)
    assert page.status_code == 403
    assert OURS not in page.text
    sid = signals.ours.subscription_id
    enable = signals.console.post("/subscriptions/enable", {"subscription": sid}, who=who)
    resend = signals.console.post(
        "/subscriptions/resend",
        {"subscription": sid, "signal": signal_of(signals, signals.ours)},
        who=who,
    )
    assert (enable.status_code, resend.status_code) == (403, 403)
    assert not signals.state(signals.ours).active
    assert len(signals.receiver.received) == 2


def test_another_tenants_subscriptions_are_neither_shown_nor_changed(signals: Signals) -> None:
    ours = signals.console.get("/subscriptions")
    assert THEIRS not in ours.text
    assert signals.theirs.subscription_id not in ours.text
    theirs = signals.console.get("/subscriptions", who="other_admin")
    assert THEIRS in theirs.text and OURS not in theirs.text

    signals.disable(signals.theirs)
    sid = signals.theirs.subscription_id
    enable = signals.console.post("/subscriptions/enable", {"subscription": sid})
    resend = signals.console.post(
        "/subscriptions/resend", {"subscription": sid, "signal": signal_of(signals, signals.theirs)}
    )
    unknown = signals.console.post("/subscriptions/enable", {"subscription": "sub_nothing"})
    assert (enable.status_code, resend.status_code, unknown.status_code) == (404, 404, 404)
    assert text_of(enable) == text_of(unknown)
    assert not signals.state(signals.theirs).active
    assert len(signals.receiver.received) == 2


def test_a_tenant_without_subscriptions_is_told_what_that_means(console: SignedInConsole) -> None:
    page = console.get("/subscriptions")
    assert page.status_code == 200
    assert "Your organisation has no subscription to signals" in text_of(page)
