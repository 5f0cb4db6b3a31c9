"""The dispatcher: outbox signals to the tenants' webhook subscriptions, signed, retried.

Each ``run_once(now)`` does two things. It reads the outbox after each active
subscription's cursor and queues, in the delivery log, every signal the subscription takes;
the cursor moves past what was read (queuing twice is harmless: a delivery is one per
subscription and signal). Then each subscription that is not pausing takes its turn, the turns
side by side in a few threads: it POSTs its due deliveries in order, re-checking the URL
first (DNS rebinding) and connecting to the address checked. A 2xx delivers. A failure
schedules that signal's next attempt by the backoff of ``retries.py`` and ends the turn; the
next round goes on with the signals after it, so a signal the receiver refuses holds back no
other for longer than a round. No answer at all (refused, timed out, the URL refused) also
pauses the whole subscription as long. A failing receiver thus costs one attempt, one
timeout at most, per round, in a thread of its own: it never holds back another
subscription.

Time comes from the caller: tests advance it instead of sleeping through 24 hours.
"""

from __future__ import annotations

import http.client
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

import structlog

from adapters.errors import first_line
from adapters.signals.cursors import subscription_cursor
from adapters.signals.delivery_log import Attempt, Delivery, Outcome
from adapters.signals.disabled_notice import disabled_signal
from adapters.signals.posting import Sender, post
from adapters.signals.retries import (
    DISABLE_AFTER,
    GIVE_UP_AFTER,
    PAUSE_AFTER_FAILURES,
    backoff,
)
from adapters.signals.signing import SIGNAL_ID_HEADER, SIGNATURE_HEADER, sign
from adapters.signals.stores import SignalStores
from adapters.signals.subscriptions import CreatedSubscription, Subscription
from adapters.signals.urls import UrlPolicy, UrlRefusedError
from projections.signal_outbox import Signal, SignalKind

log = structlog.get_logger()

BATCH = 500
"""Outbox rows read, and deliveries of one subscription tried, per step."""
DEFAULT_TIMEOUT = 10.0
"""Seconds a receiver has to connect and answer."""
USER_AGENT = "mailledger-signals/1"
TURNS_AT_ONCE = 8
"""Subscriptions whose deliveries are under way at the same time."""


@dataclass
class RunSummary:
    """What one step did."""

    queued: int = 0
    delivered: int = 0
    failed_attempts: int = 0
    given_up: int = 0
    disabled: list[str] = field(default_factory=list)


class Dispatcher:
    """Delivers the outbox to the webhook subscriptions of one database."""

    def __init__(
        self,
        stores: SignalStores,
        policy: UrlPolicy,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        sender: Sender = post,
        batch: int = BATCH,
    ) -> None:
        self.stores = stores
        self.policy = policy
        self.timeout = timeout
        self._sender = sender
        self._batch = batch

    def subscribe(
        self,
        tenant: str,
        url: str,
        *,
        kinds: frozenset[SignalKind] = frozenset(),
        category: str | None = None,
        template: str | None = None,
        at: datetime,
    ) -> CreatedSubscription:
        """A new subscription, after its URL passed the policy (UrlRefusedError otherwise);
        it receives the signals decided from now on."""
        self.policy.check(url)
        created = self.stores.subscriptions.create(
            tenant, url, kinds=kinds, category=category, template=template, at=at
        )
        cursor = subscription_cursor(created.subscription.subscription_id)
        self.stores.cursors.set(cursor, self.stores.outbox.end())
        return created

    def remove(self, subscription_id: str) -> None:
        """Delete a subscription, its cursor and its delivery log."""
        self.stores.subscriptions.remove(subscription_id)
        self.stores.log.forget(subscription_id)
        self.stores.cursors.remove(subscription_cursor(subscription_id))

    def run_once(self, now: datetime) -> RunSummary:
        """Queue what the outbox has for each active subscription, then deliver what is due."""
        subscriptions = self.stores.subscriptions.active()
        queued = self._queue(subscriptions, now)
        turns = [
            s.subscription_id
            for s in subscriptions
            if s.paused_until is None or s.paused_until <= now
        ]
        with ThreadPoolExecutor(max_workers=TURNS_AT_ONCE) as pool:
            summaries = list(pool.map(lambda sid: self._turn(sid, now), turns))
        summary = RunSummary(queued=queued)
        for turn in summaries:
            summary.delivered += turn.delivered
            summary.failed_attempts += turn.failed_attempts
            summary.given_up += turn.given_up
            summary.disabled.extend(turn.disabled)
        return summary

    def _turn(self, subscription_id: str, now: datetime) -> RunSummary:
        summary = RunSummary()
        for delivery in self.stores.log.due(subscription_id, now, self._batch):
            attempt = self._attempt(subscription_id, delivery, now, summary)
            if attempt is None or attempt.outcome is not Outcome.DELIVERED:
                break
        return summary

    def resend(self, subscription_id: str, signal_id: UUID, now: datetime) -> Attempt | None:
        """Send a delivery again now, whatever its state, with a fresh 24 h of retries;
        None when the subscription never had that signal."""
        delivery = self.stores.log.delivery(subscription_id, signal_id)
        if delivery is None:
            return None
        restarted = self.stores.log.restart(delivery)
        return self._attempt(subscription_id, restarted, now, RunSummary())

    def _queue(self, subscriptions: list[Subscription], now: datetime) -> int:
        cursors: dict[str, int] = {}
        for subscription in subscriptions:
            name = subscription_cursor(subscription.subscription_id)
            seq = self.stores.cursors.get(name)
            if seq is None:  # created by an older version, or its cursor was lost
                seq = self.stores.outbox.end()
                self.stores.cursors.set(name, seq)
            cursors[subscription.subscription_id] = seq
        if not cursors:
            return 0
        queued = 0
        start = min(cursors.values())
        while True:
            signals = self.stores.outbox.after(start, self._batch)
            for signal in signals:
                queued += self._queue_signal(signal, subscriptions, cursors, now)
            if not signals:
                return queued
            start = signals[-1].seq
            for subscription in subscriptions:
                sid = subscription.subscription_id
                if cursors[sid] < start:
                    self.stores.cursors.set(subscription_cursor(sid), start)
                    cursors[sid] = start
            if len(signals) < self._batch:
                return queued

    def _queue_signal(
        self,
        signal: Signal,
        subscriptions: list[Subscription],
        cursors: dict[str, int],
        now: datetime,
    ) -> int:
        queued = 0
        for subscription in subscriptions:
            sid = subscription.subscription_id
            if cursors[sid] < signal.seq and subscription.matches(signal):
                self.stores.log.enqueue(
                    sid, signal.signal_id, signal.seq, signal.kind.value, signal.body, now
                )
                queued += 1
        return queued

    def _attempt(
        self, subscription_id: str, delivery: Delivery, now: datetime, summary: RunSummary
    ) -> Attempt | None:
        # Read again: an earlier attempt of this step may have ended or grown the streak.
        subscription = self.stores.subscriptions.get(subscription_id, None)
        if subscription is None:
            return None
        status, error = self._send(subscription, delivery, now)
        number = delivery.attempts + 1
        if status is not None and 200 <= status < 300:
            attempt = Attempt(
                subscription_id,
                delivery.signal_id,
                number,
                now,
                status,
                None,
                Outcome.DELIVERED,
                None,
            )
            self.stores.log.record(delivery, attempt)
            self.stores.subscriptions.succeeded(subscription_id)
            summary.delivered += 1
            log.info(
                "signal.delivered",
                subscription_id=subscription_id,
                signal_id=str(delivery.signal_id),
                attempt=number,
                status=status,
            )
            return attempt
        next_at = now + backoff(number)
        first = delivery.first_attempt_at or now
        given_up = now - first >= GIVE_UP_AFTER
        attempt = Attempt(
            subscription_id,
            delivery.signal_id,
            number,
            now,
            status,
            error,
            Outcome.FAILED if given_up else Outcome.RETRYING,
            None if given_up else next_at,
        )
        self.stores.log.record(delivery, attempt)
        # A receiver that cannot be reached, or that has failed several signals in a row, is
        # left alone until this signal is due again; one signal it refuses while taking
        # others pauses nothing.
        streak = subscription.failures + 1
        pause = status is None or streak >= PAUSE_AFTER_FAILURES
        self.stores.subscriptions.failed(subscription_id, now, next_at if pause else None)
        summary.failed_attempts += 1
        summary.given_up += given_up
        log.warning(
            "signal.delivery_failed",
            subscription_id=subscription_id,
            signal_id=str(delivery.signal_id),
            attempt=number,
            status=status,
            error=error,
            given_up=given_up,
        )
        failing_since = subscription.failing_since or now
        if subscription.active and now - failing_since >= DISABLE_AFTER:
            self._disable(subscription_id, now)
            summary.disabled.append(subscription_id)
        return attempt

    def _send(
        self, subscription: Subscription, delivery: Delivery, now: datetime
    ) -> tuple[int | None, str | None]:
        try:
            target = self.policy.check(subscription.url)
        except UrlRefusedError as error:
            return None, str(error)
        secret = self.stores.subscriptions.secret(subscription.subscription_id) or ""
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            SIGNATURE_HEADER: sign(secret, delivery.body, int(now.timestamp())),
            SIGNAL_ID_HEADER: str(delivery.signal_id),
        }
        try:
            return self._sender(target, headers, delivery.body, self.timeout), None
        except (OSError, http.client.HTTPException) as error:
            return None, first_line(error) or type(error).__name__

    def _disable(self, subscription_id: str, now: datetime) -> None:
        subscriptions = self.stores.subscriptions
        subscriptions.disable(subscription_id, now)
        disabled = subscriptions.get(subscription_id, None)
        assert disabled is not None  # just updated
        identity, body = disabled_signal(disabled, now)
        kind = SignalKind.SUBSCRIPTION_DISABLED
        for other in subscriptions.active():
            # A signal about no message: the category and template filters let it pass.
            if other.tenant == disabled.tenant and other.takes(
                kind, other.category, other.template
            ):
                self.stores.log.enqueue(
                    other.subscription_id, identity, None, kind.value, body, now
                )
