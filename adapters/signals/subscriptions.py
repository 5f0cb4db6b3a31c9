"""Webhook subscriptions: per tenant, a URL, the signal kinds it takes, optional filters by
category or template, and the secret that signs its deliveries.

The secret is shown once, when the subscription is created, and never again by the API or
the command line. Unlike an API key it is kept as it is, not as a hash: mailledger signs
every delivery with it, so it must be able to read it back.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog

from adapters.storage.micros import micros, moment
from adapters.storage.plain_connection import PlainConnection
from projections.signal_outbox import Signal, SignalKind

log = structlog.get_logger()

TABLE = "signal_subscriptions"
SECRET_PREFIX = "mlwhsec_"
MAX_FILTER = 200
"""The longest category or template filter, in characters."""
MAX_PER_TENANT = 20
"""A tenant's subscriptions at most: each signal is sent once per subscription, so many
would turn one signal into as many requests from mailledger's addresses."""

_COLUMNS = (
    "subscription_id, tenant, url, kinds, category, template, active, failures, "
    "failing_since_us, paused_until_us, disabled_us, created_us"
)
_CREATE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (subscription_id TEXT PRIMARY KEY, "
    "tenant TEXT NOT NULL, url TEXT NOT NULL, kinds TEXT NOT NULL, category TEXT, "
    "template TEXT, secret TEXT NOT NULL, active INTEGER NOT NULL, failures INTEGER NOT NULL, "
    "failing_since_us BIGINT, paused_until_us BIGINT, disabled_us BIGINT, "
    "created_us BIGINT NOT NULL)"
)
_INDEX = f"CREATE INDEX IF NOT EXISTS {TABLE}_tenant ON {TABLE} (tenant, created_us)"


class SubscriptionInputError(ValueError):
    """Kinds or filters a subscription cannot have, or one subscription too many; ``field``
    names the part of the request at fault (None: the request as a whole)."""

    def __init__(self, field: str | None, problem: str) -> None:
        super().__init__(f"{field}: {problem}" if field else problem)
        self.field = field


@dataclass(frozen=True)
class Subscription:
    """A subscription as stored, without its secret."""

    subscription_id: str
    tenant: str
    url: str
    kinds: frozenset[SignalKind]
    """Empty: every kind."""
    category: str | None
    template: str | None
    active: bool
    failures: int
    """Failed attempts since the last success."""
    failing_since: datetime | None
    """The first failure since the last success."""
    paused_until: datetime | None
    """No attempt before then: the backoff after the receiver could not be reached."""
    disabled_at: datetime | None
    created_at: datetime

    def takes(
        self, kind: SignalKind, category: str | None = None, template: str | None = None
    ) -> bool:
        """Whether a signal of this kind goes to this subscription; ``category`` and
        ``template`` are a message's (None for a signal about no message).

        The filters narrow the signals about messages: a message of another category (or
        none) is left out, while signals about no message, such as an address suppressed
        or a subscription disabled, pass them.
        """
        if self.kinds and kind not in self.kinds:
            return False
        if self.category is not None and category != self.category:
            return False
        return self.template is None or template == self.template

    def matches(self, signal: Signal) -> bool:
        """Whether this outbox signal goes to this subscription."""
        if signal.tenant != self.tenant:
            return False
        if signal.message_id is None:
            return self.takes(signal.kind, self.category, self.template)
        return self.takes(signal.kind, signal.category, signal.template)

    def to_json(self) -> dict[str, Any]:
        """The subscription as the API and the command line show it: never the secret."""
        return {
            "id": self.subscription_id,
            "tenant": self.tenant,
            "url": self.url,
            "kinds": sorted(k.value for k in self.kinds),
            "category": self.category,
            "template": self.template,
            "active": self.active,
            "failures": self.failures,
            "failing_since": _iso(self.failing_since),
            "paused_until": _iso(self.paused_until),
            "disabled_at": _iso(self.disabled_at),
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True)
class CreatedSubscription:
    """A subscription just created, with the secret that is shown this once."""

    subscription: Subscription
    secret: str


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def parse_kinds(kinds: Sequence[str]) -> frozenset[SignalKind]:
    """Kind names as signal kinds; SubscriptionInputError naming an unknown one."""
    parsed: set[SignalKind] = set()
    for name in kinds:
        try:
            parsed.add(SignalKind(name))
        except ValueError:
            known = ", ".join(k.value for k in SignalKind)
            raise SubscriptionInputError(
                "kinds", f"{name!r} is not a signal kind; the kinds are {known}"
            ) from None
    return frozenset(parsed)


def _check_filter(name: str, value: str | None) -> str | None:
    if value is None:
        return None
    if not value or len(value) > MAX_FILTER or not value.isprintable():
        raise SubscriptionInputError(
            name, f"must be 1 to {MAX_FILTER} printable characters, or left out"
        )
    return value


class SubscriptionStore:
    """The subscriptions of one database, on a connection shared with the delivery log."""

    def __init__(self, connection: PlainConnection) -> None:
        self._connection = connection
        connection.create(_CREATE, _INDEX)

    def create(
        self,
        tenant: str,
        url: str,
        *,
        kinds: frozenset[SignalKind] = frozenset(),
        category: str | None = None,
        template: str | None = None,
        at: datetime,
    ) -> CreatedSubscription:
        """A new active subscription (its URL checked by the caller) and its secret."""
        category = _check_filter("category", category)
        template = _check_filter("template", template)
        if len(self.listed(tenant)) >= MAX_PER_TENANT:
            raise SubscriptionInputError(
                None,
                f"the tenant has {MAX_PER_TENANT} subscriptions, the most it may; remove one first",
            )
        subscription_id = "sub_" + secrets.token_hex(8)
        secret = SECRET_PREFIX + secrets.token_urlsafe(32)
        kind_text = ",".join(sorted(k.value for k in kinds))
        with self._connection.lock:
            self._connection.execute(
                f"INSERT INTO {TABLE} (subscription_id, tenant, url, kinds, category, template, "
                "secret, active, failures, created_us) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, 1, 0, %s)",
                [subscription_id, tenant, url, kind_text, category, template, secret, micros(at)],
            )
        log.info("subscription.created", subscription_id=subscription_id, tenant=tenant)
        found = self.get(subscription_id, tenant)
        assert found is not None  # just inserted
        return CreatedSubscription(found, secret)

    def listed(self, tenant: str | None) -> list[Subscription]:
        """Oldest first: the tenant's (every tenant's when None)."""
        where, params = ("WHERE tenant = %s ", [tenant]) if tenant is not None else ("", [])
        with self._connection.lock:
            rows = self._connection.execute(
                f"SELECT {_COLUMNS} FROM {TABLE} {where}ORDER BY created_us, subscription_id",
                params,
            )
        return [_subscription(row) for row in rows]

    def active(self) -> list[Subscription]:
        """Every active subscription, oldest first."""
        return [s for s in self.listed(None) if s.active]

    def get(self, subscription_id: str, tenant: str | None) -> Subscription | None:
        """One subscription; None when there is none, or it is another tenant's."""
        with self._connection.lock:
            rows = self._connection.execute(
                f"SELECT {_COLUMNS} FROM {TABLE} WHERE subscription_id = %s", [subscription_id]
            )
        if not rows:
            return None
        found = _subscription(rows[0])
        return found if tenant is None or found.tenant == tenant else None

    def secret(self, subscription_id: str) -> str | None:
        """The secret that signs the subscription's deliveries."""
        with self._connection.lock:
            rows = self._connection.execute(
                f"SELECT secret FROM {TABLE} WHERE subscription_id = %s", [subscription_id]
            )
        return str(rows[0][0]) if rows else None

    def remove(self, subscription_id: str) -> None:
        """Delete the subscription for good (its delivery log goes with it, see Dispatcher)."""
        with self._connection.lock:
            self._connection.execute(
                f"DELETE FROM {TABLE} WHERE subscription_id = %s", [subscription_id]
            )
        log.info("subscription.removed", subscription_id=subscription_id)

    def succeeded(self, subscription_id: str) -> None:
        """A delivery got a 2xx: the failure streak ends."""
        self._update(
            subscription_id,
            "failures = 0, failing_since_us = NULL, paused_until_us = NULL",
            [],
        )

    def failed(self, subscription_id: str, at: datetime, paused_until: datetime | None) -> None:
        """A delivery failed: the streak grows; with ``paused_until`` (the receiver could not
        be reached), nothing goes to it before then."""
        self._update(
            subscription_id,
            "failures = failures + 1, failing_since_us = COALESCE(failing_since_us, %s), "
            "paused_until_us = %s",
            [micros(at), micros(paused_until) if paused_until else None],
        )

    def disable(self, subscription_id: str, at: datetime) -> None:
        """Stop delivering to the subscription until an admin enables it again."""
        self._update(subscription_id, "active = 0, disabled_us = %s", [micros(at)])
        log.warning("subscription.disabled", subscription_id=subscription_id)

    def enable(self, subscription_id: str) -> None:
        """Deliver again, from a clean streak; what waited is delivered first."""
        self._update(
            subscription_id,
            "active = 1, disabled_us = NULL, failures = 0, failing_since_us = NULL, "
            "paused_until_us = NULL",
            [],
        )
        log.info("subscription.enabled", subscription_id=subscription_id)

    def _update(self, subscription_id: str, assignments: str, params: list[Any]) -> None:
        with self._connection.lock:
            self._connection.execute(
                f"UPDATE {TABLE} SET {assignments} WHERE subscription_id = %s",
                [*params, subscription_id],
            )


def _subscription(row: Sequence[Any]) -> Subscription:
    (sid, tenant, url, kinds, category, template, active, failures, since, paused, disabled, at) = (
        row
    )
    return Subscription(
        subscription_id=sid,
        tenant=tenant,
        url=url,
        kinds=frozenset(SignalKind(k) for k in kinds.split(",") if k),
        category=category,
        template=template,
        active=bool(active),
        failures=int(failures),
        failing_since=moment(since) if since is not None else None,
        paused_until=moment(paused) if paused is not None else None,
        disabled_at=moment(disabled) if disabled is not None else None,
        created_at=moment(at),
    )
