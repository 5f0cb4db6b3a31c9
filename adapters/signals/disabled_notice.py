"""The ``subscription.disabled`` signal: told to the tenant's other subscriptions when one
of its subscriptions is turned off after failing too long.

It is about a subscription, not an event of the log, so it does not pass through the
outbox: the dispatcher hands it straight to the subscriptions that take it.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from adapters.signals.subscriptions import Subscription
from adapters.storage.micros import micros
from projections.signal_outbox import SIGNAL_FORMAT, SignalKind, encode_body, signal_id


def disabled_signal(subscription: Subscription, at: datetime) -> tuple[UUID, bytes]:
    """The id and body of the signal that ``subscription`` was disabled at ``at``."""
    kind = SignalKind.SUBSCRIPTION_DISABLED
    identity = signal_id(f"{subscription.subscription_id}:{micros(at)}:{kind.value}")
    failing_since = subscription.failing_since
    body = encode_body(
        {
            "format": SIGNAL_FORMAT,
            "id": str(identity),
            "kind": kind.value,
            "tenant": subscription.tenant,
            "decided_at": at.isoformat(),
            "subscription": {
                "id": subscription.subscription_id,
                "url": subscription.url,
                "failures": subscription.failures,
                "failing_since": failing_since.isoformat() if failing_since else None,
            },
        }
    )
    return identity, body.encode()
