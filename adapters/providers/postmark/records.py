"""A Postmark body's records, each dispatched on its RecordType to its reader."""

from __future__ import annotations

from collections.abc import Callable

from adapters.providers.errors import BodyError
from adapters.providers.parsed import Notice, Parsed, unknown_type
from adapters.providers.postmark.deliveries import bounced, delivered, spam_complained
from adapters.providers.postmark.engagement import clicked, opened
from adapters.providers.postmark.mapping import NAME
from adapters.providers.postmark.observation import Reading
from adapters.providers.postmark.payload import BATCH, ONE, Record
from adapters.providers.postmark.subscriptions import subscription_changed
from adapters.providers.validation import is_array, validate_fast
from domain.values import Observation

_INBOUND_STREAM = "inbound"


def parse(body: bytes) -> Parsed:
    """A Postmark webhook body as observations and notices, in body order."""
    observations: list[Observation] = []
    notices: list[Notice] = []
    for index, event in enumerate(_validate(body)):
        outcome = _read(index, event)
        if isinstance(outcome, Notice):
            notices.append(outcome)
        else:
            observations.append(outcome)
    return Parsed(observations=observations, notices=notices)


def _validate(body: bytes) -> list[Record]:
    """The body's records: Postmark's single object, or an array of them."""
    if is_array(body):
        return validate_fast(NAME, BATCH, body, batch=True)
    return [validate_fast(NAME, ONE, body, batch=False)]


def _read(index: int, event: Record) -> Reading:
    """One record, dispatched on its RecordType."""
    record_type = event.get("RecordType")
    if not record_type:
        if event.get("MessageStream") == _INBOUND_STREAM:
            return _inbound(index, event)
        raise BodyError(NAME, index, "RecordType", "missing; every Postmark webhook record has one")
    reader = _READERS.get(record_type)
    if reader is None:
        return unknown_type(index, record_type, NAME)
    return reader(index, event)


def _inbound(index: int, event: Record) -> Notice:
    return Notice(
        index=index,
        raw_type="Inbound",
        reason="an inbound e-mail posted by Postmark's inbound webhook; not a send of ours",
        known=True,
    )


_READERS: dict[str, Callable[[int, Record], Reading]] = {
    "Delivery": delivered,
    "Bounce": bounced,
    "SpamComplaint": spam_complained,
    "Open": opened,
    "Click": clicked,
    "SubscriptionChange": subscription_changed,
    "Inbound": _inbound,
}
