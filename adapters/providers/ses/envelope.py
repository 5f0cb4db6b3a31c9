"""The SNS message a body is: a confirmation, or a notification holding one SES record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import orjson

from adapters.providers.errors import BodyError
from adapters.providers.parsed import Notice, Parsed, unknown_type
from adapters.providers.ses.bounces import bounced, complained
from adapters.providers.ses.delivery import delayed, delivered, rejected, rendering_failed, sent
from adapters.providers.ses.engagement import clicked, opened, subscription_changed
from adapters.providers.ses.mapping import NAME, NOTICES, TOPIC_VALIDATED
from adapters.providers.ses.payload import ENVELOPE, RECORD, RECORD_WITH_HEADERS, Envelope, Record
from adapters.providers.set_aside import raw_type_of, whole_body_aside
from adapters.providers.validation import validate_fast

Handler = Callable[[Record, str, str], Parsed]
"""A reader of one record type: (record, event id, raw type) to what it yields."""

_HANDLERS: dict[str, Handler] = {
    "Send": sent,
    "Reject": rejected,
    "Rendering Failure": rendering_failed,
    "Delivery": delivered,
    "DeliveryDelay": delayed,
    "Bounce": bounced,
    "Complaint": complained,
    "Open": opened,
    "Click": clicked,
    "Subscription": subscription_changed,
}


def parse(body: bytes) -> Parsed:
    """The observations of one SNS message body, exactly as SNS posts it.

    A body that is no SNS message is refused (BodyError); a notification whose SES record
    cannot be read is set aside whole (``Parsed.rejected``), being the one event it holds.
    """
    envelope = validate_fast(NAME, ENVELOPE, body, batch=False)
    try:
        return _notification(envelope)
    except BodyError as error:
        return Parsed(rejected=[whole_body_aside(error, body, _raw_type(envelope["message"]))])


def _notification(envelope: Envelope) -> Parsed:
    """What the SNS message says: a confirmation's notice, or its SES record's observations."""
    if envelope["type"] != "Notification":
        return Parsed(notices=[_sns_notice(envelope)])
    message = envelope["message"]
    if message == TOPIC_VALIDATED:
        facts = {"topic_arn": envelope.get("topic_arn")}
        return Parsed(notices=[_notice("Notification", facts)])
    record = _record(message)
    raw_type = record.get("event_type") or record.get("notification_type")
    if not raw_type:
        raise BodyError(NAME, 0, "Message.eventType", "missing (nor is there a notificationType)")
    handler = _HANDLERS.get(raw_type)
    if handler is not None:
        return handler(record, envelope["message_id"], raw_type)
    if raw_type in NOTICES:
        return Parsed(notices=[_notice(raw_type, {"topic_arn": envelope.get("topic_arn")})])
    return Parsed(notices=[unknown_type(0, raw_type, NAME)])


def _raw_type(message: str) -> str | None:
    """The SES record's type, if the message is a JSON object that names one."""
    try:
        record = orjson.loads(message)
    except orjson.JSONDecodeError:
        return None
    return raw_type_of(record, "eventType") or raw_type_of(record, "notificationType")


def _record(message: str) -> Record:
    """The SES record inside the envelope's ``Message`` string; its errors name ``Message.…``.

    Headers are validated only for a record without tags, the one place they are read: they
    are most of a record's size, and skipping them saves a third of its validation.
    """
    try:
        if '"tags"' in message:
            # The same keys as a Record's, less mail.headers: a Record for every reader.
            return cast(Record, validate_fast(NAME, RECORD, message, batch=False))
        return validate_fast(NAME, RECORD_WITH_HEADERS, message, batch=False)
    except BodyError as error:
        field = "Message" if error.field is None else f"Message.{error.field}"
        raise BodyError(NAME, 0, field, error.problem) from None


def _sns_notice(envelope: Envelope) -> Notice:
    """A subscription or unsubscription confirmation, with what confirming it needs."""
    if envelope["type"] not in {"SubscriptionConfirmation", "UnsubscribeConfirmation"}:
        return unknown_type(0, envelope["type"], NAME)
    return _notice(
        envelope["type"],
        {
            "topic_arn": envelope.get("topic_arn"),
            "subscribe_url": envelope.get("subscribe_url"),
            "token": envelope.get("token"),
        },
    )


def _notice(raw_type: str, facts: dict[str, Any]) -> Notice:
    """A known type that records nothing, with its facts (those that are present)."""
    given = {key: value for key, value in facts.items() if value is not None}
    return Notice(index=0, raw_type=raw_type, reason=NOTICES[raw_type], known=True, details=given)
