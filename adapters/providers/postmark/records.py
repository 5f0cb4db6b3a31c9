"""A Postmark body's records, each dispatched on its RecordType to its reader."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from adapters.providers import json_values
from adapters.providers.errors import BodyError
from adapters.providers.parsed import Notice, Parsed, Rejected, unknown_type
from adapters.providers.postmark.deliveries import bounced, delivered, spam_complained
from adapters.providers.postmark.engagement import clicked, opened
from adapters.providers.postmark.mapping import NAME
from adapters.providers.postmark.observation import Reading
from adapters.providers.postmark.payload import BATCH, ONE, Record
from adapters.providers.postmark.subscriptions import subscription_changed
from adapters.providers.set_aside import raw_type_of, set_aside, whole_body_aside
from adapters.providers.validation import is_array, validate_fast
from domain.values import Observation

_INBOUND_STREAM = "inbound"


def parse(body: bytes) -> Parsed:
    """A Postmark webhook body as observations and notices, in body order.

    A record that cannot be read is set aside (``Parsed.rejected``) and the others are read:
    only a body that is not JSON, or neither an object nor an array, is refused whole.
    """
    observations: list[Observation] = []
    notices: list[Notice] = []
    rejected: list[Rejected] = []
    array = is_array(body)
    elements: list[Any] | None = None
    for index, event in enumerate(_batch(body) if array else _single(body)):
        try:
            if isinstance(event, BodyError):  # refused by validation: set aside alike
                raise event
            outcome = _read(index, event)
        except BodyError as error:
            if not array:
                rejected.append(
                    whole_body_aside(
                        error, body, raw_type_of(json_values.loads(body), "RecordType")
                    )
                )
                continue
            if elements is None:
                elements = json_values.loads(body)
            element = elements[index]
            rejected.append(set_aside(error, index, element, raw_type_of(element, "RecordType")))
            continue
        if isinstance(outcome, Notice):
            notices.append(outcome)
        else:
            observations.append(outcome)
    return Parsed(observations=observations, notices=notices, rejected=rejected)


def _single(body: bytes) -> list[Record | BodyError]:
    """Postmark's single object; a record of it that fails validation is set aside."""
    try:
        return [validate_fast(NAME, ONE, body, batch=False)]
    except BodyError as error:
        if error.index is None or not isinstance(json_values.loads(body), dict):
            raise
        return [error]


def _batch(body: bytes) -> list[Record | BodyError]:
    """An array of records, each validated on its own once the whole array fails."""
    try:
        records: list[Record] = validate_fast(NAME, BATCH, body, batch=True)
        return list(records)
    except BodyError as error:
        if error.index is None:
            raise
    return [_one_of(index, element) for index, element in enumerate(json_values.loads(body))]


def _one_of(index: int, element: Any) -> Record | BodyError:
    try:
        return validate_fast(NAME, ONE, json_values.dumps(element), batch=False)
    except BodyError as error:
        return BodyError(NAME, index, error.field, error.problem)


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
