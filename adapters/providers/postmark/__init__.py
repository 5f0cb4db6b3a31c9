"""Postmark webhooks: one JSON object per POST, dispatched on its ``RecordType``.

Postmark posts Delivery, Bounce, SpamComplaint, Open, Click and SubscriptionChange records
(and, from an inbound stream, inbound e-mails without a RecordType). A Bounce is told apart by
its textual ``Type``; the numeric ``TypeCode`` is never read, because Postmark's own sources
disagree on it (a SpamComplaint is 100001 in the bounce-type table and 512 in the spam
complaint webhook example). A JSON array of such objects is accepted too, so that stored
webhooks can be replayed in one body.
"""

from __future__ import annotations

from adapters.providers.postmark.mapping import BOUNCE_NOTICES, BOUNCE_TYPES, MAPPING, NAME
from adapters.providers.postmark.records import parse
from adapters.providers.postmark.times import instant, to_microseconds

__all__ = [
    "BOUNCE_NOTICES",
    "BOUNCE_TYPES",
    "MAPPING",
    "NAME",
    "instant",
    "parse",
    "to_microseconds",
]
