"""The normalised vocabulary of delivery events and message outcomes."""

from __future__ import annotations

from enum import StrEnum


class EventKind(StrEnum):
    """What a provider said happened to one recipient of one message."""

    QUEUED = "queued"
    SENT = "sent"
    DEFERRED = "deferred"
    SOFT_BOUNCE = "soft_bounce"
    DELIVERED = "delivered"
    OPENED = "opened"
    CLICKED = "clicked"
    UNSUBSCRIBED = "unsubscribed"
    SPAM = "spam"
    BLOCKED = "blocked"
    INVALID_EMAIL = "invalid_email"
    HARD_BOUNCE = "hard_bounce"
    ERROR = "error"

    @property
    def rank(self) -> int:
        """Tie-break between events of one instant: the declaration order above."""
        return _RANKS[self]


_RANKS = {kind: index for index, kind in enumerate(EventKind)}

FAILURES = frozenset(
    {
        EventKind.SOFT_BOUNCE,
        EventKind.HARD_BOUNCE,
        EventKind.BLOCKED,
        EventKind.INVALID_EMAIL,
        EventKind.ERROR,
    }
)
"""Delivery facts that mean the message did not reach the recipient (a soft bounce for now)."""

DELIVERIES = frozenset({EventKind.DELIVERED, EventKind.OPENED, EventKind.CLICKED, EventKind.SPAM})
"""Delivery facts that prove the message reached the mailbox: opens, clicks and complaints too."""

IN_FLIGHT = frozenset({EventKind.SENT, EventKind.DEFERRED})
"""Delivery facts that mean the provider is still trying."""

DELIVERY_FACTS = FAILURES | DELIVERIES | IN_FLIGHT
"""Kinds that decide whether a recipient is delivered or failed; queued and unsubscribed do not."""


MACHINE_OPEN = "machine"
"""The details key set True on an ``opened`` fact that a machine made, not a person: a
privacy proxy fetching images ahead of the reader (Apple Mail Privacy Protection, Brevo's
proxy opens, SendGrid's ``sg_machine_open``, Mailgun's ``client-info.bot``). Such opens are
shown as such and left out of open counts and open rates."""


class Outcome(StrEnum):
    """A message's outcome rolled up over its recipients."""

    PENDING = "pending"
    DELIVERED = "delivered"
    ALERT = "alert"
    ERROR = "error"
