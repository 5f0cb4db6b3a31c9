"""Mailgun's webhooks: one event per POST, wrapped with its signature.

Mailgun posts ``{"signature": {...}, "event-data": {...}}`` as JSON, one event a request.
``event-data.event`` names the type; ``event-data.timestamp`` is epoch seconds with a
fraction (an epoch of 10^11 or more would be read as milliseconds, the rule every parser
here shares); ``event-data.id`` is unique only within a day, so the observation's event id is
that id prefixed with the event's UTC day. The message id is the ``message-id`` header of
``event-data.message.headers`` (the domain drops angle brackets if Mailgun keeps them), and
our correlation ids are read from ``event-data.user-variables``, which Mailgun sends as an
object, an empty object or an empty list.

``failed`` is one raw type for several kinds, decided by ``severity`` and ``reason``
(see ``failed_kind``). ``client-info.bot`` names the machine that made an open or a click
(Apple Mail Privacy Protection, Gmail's image proxy, a scanner): such an event carries
``details.machine``.

``rejected`` is Mailgun refusing the whole send at acceptance: it may name no recipient, and
then it is an ``error`` about the whole message (``recipient`` None), which the domain holds
for every recipient of it, registered before or after. A ``rejected`` event without a message
id names no message either: it is set aside like any event that cannot be read.

A body that is not one JSON object with an ``event-data`` object raises BodyError; an
``event-data`` that cannot be read is returned as ``Rejected``, with the whole body as its
data, since a Mailgun body is one event. The signature is checked by
``adapters.verification.mailgun``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Required

from pydantic import ConfigDict, Field
from typing_extensions import TypedDict

from adapters.providers.correlation import CORRELATION_KEYS, correlation
from adapters.providers.errors import BodyError
from adapters.providers.parsed import Notice, Parsed, Rejected, unknown_type
from adapters.providers.schema import Schema
from adapters.providers.timestamps import from_epoch_either
from adapters.providers.validation import validate_fast
from domain.errors import InvalidObservationError
from domain.kinds import MACHINE_OPEN, EventKind
from domain.values import Observation

NAME = "mailgun"

MAPPING: dict[str, EventKind | None] = {
    # Mailgun accepted the send: a provider's acceptance is "sent" ("queued" is for a
    # registration alone).
    "accepted": EventKind.SENT,
    "rejected": EventKind.ERROR,
    "delivered": EventKind.DELIVERED,
    # The usual kind; failed_kind() decides each event by its severity and reason.
    "failed": EventKind.HARD_BOUNCE,
    "opened": EventKind.OPENED,
    "clicked": EventKind.CLICKED,
    "unsubscribed": EventKind.UNSUBSCRIBED,
    "complained": EventKind.SPAM,
    "stored": None,
    "list_member_uploaded": None,
    "list_member_upload_error": None,
    "list_uploaded": None,
}
"""Every event type Mailgun documents, by its raw name; None for those that are no delivery fact."""

NOT_DELIVERY_FACTS: dict[str, str] = {
    "stored": "Mailgun stored an incoming message; not a delivery fact about a sent one",
    "list_member_uploaded": "a member was added to a Mailgun mailing list; not a delivery fact",
    "list_member_upload_error": (
        "a member could not be added to a Mailgun mailing list; not a delivery fact"
    ),
    "list_uploaded": "members were uploaded to a Mailgun mailing list; not a delivery fact",
}
"""Why each documented type that maps to None is recorded as no observation."""

ABOUT_THE_WHOLE_SEND = frozenset({"rejected"})
"""Types that, naming no recipient, are about every recipient of the message."""

_MESSAGE_ID_FIELD = "event-data.message.headers.message-id"
_RECIPIENT_FIELD = "event-data.recipient"
_TIMESTAMP_FIELD = "event-data.timestamp"
_SOURCE_FIELDS = {
    "provider_message_id": _MESSAGE_ID_FIELD,
    "recipient": _RECIPIENT_FIELD,
    "occurred_at": _TIMESTAMP_FIELD,
}
"""Where in the body each Observation field the domain may refuse comes from."""


# --- the schema, declared once: every body is read into these TypedDicts ------------------
#
# A body they refuse is told against models derived from them (see adapters.providers.schema);
# nested objects keep these names, the models' names in the errors.

_IGNORE = ConfigDict(extra="ignore")  # Mailgun adds fields over time and never removes any


class MessageHeaders(TypedDict, total=False):
    """The headers Mailgun echoes from the sent message."""

    __pydantic_config__ = _IGNORE  # type: ignore[misc]
    message_id: Annotated[str | None, Field(alias="message-id")]
    subject: str | None
    from_: Annotated[str | None, Field(alias="from")]


class MessageIn(TypedDict, total=False):
    """``event-data.message``."""

    __pydantic_config__ = _IGNORE  # type: ignore[misc]
    headers: MessageHeaders | None


class DeliveryStatus(TypedDict, total=False):
    """``event-data.delivery-status``: the receiving server's answer to the last attempt."""

    __pydantic_config__ = _IGNORE  # type: ignore[misc]
    code: int | str | None
    message: str | None
    description: str | None
    enhanced_code: Annotated[str | None, Field(alias="enhanced-code")]
    mx_host: Annotated[str | None, Field(alias="mx-host")]
    attempt_no: Annotated[int | None, Field(alias="attempt-no")]


class ClientInfo(TypedDict, total=False):
    """``event-data.client-info`` of an open, click or unsubscribe."""

    __pydantic_config__ = _IGNORE  # type: ignore[misc]
    user_agent: Annotated[str | None, Field(alias="user-agent")]
    client_type: Annotated[str | None, Field(alias="client-type")]
    # "apple", "gmail" or "generic" when Mailgun detected a machine; empty for a person.
    bot: str | None


class Envelope(TypedDict, total=False):
    """``event-data.envelope``: how Mailgun sent the message."""

    __pydantic_config__ = _IGNORE  # type: ignore[misc]
    sending_ip: Annotated[str | None, Field(alias="sending-ip")]


class Reject(TypedDict, total=False):
    """``event-data.reject`` of a rejected event: why Mailgun refused the send."""

    __pydantic_config__ = _IGNORE  # type: ignore[misc]
    reason: str | None
    description: str | None


class EventData(TypedDict, total=False):
    """One Mailgun event; only ``event`` and ``timestamp`` are guaranteed for every type.

    A key the body lacks is left out (``.get`` gives None).
    """

    __pydantic_config__ = _IGNORE  # type: ignore[misc]
    event: Required[str]
    # A JSON number only: lax validation would read `true` as 1970-01-01T00:00:01.
    timestamp: Required[Annotated[float, Field(strict=True)]]
    id: str | None
    recipient: str | None
    message: MessageIn | None
    severity: str | None
    reason: str | None
    delivery_status: Annotated[DeliveryStatus | None, Field(alias="delivery-status")]
    reject: Reject | None
    url: str | None
    ip: str | None
    client_info: Annotated[ClientInfo | None, Field(alias="client-info")]
    envelope: Envelope | None
    tags: list[Any] | None
    # An object when the send carried variables, else {} or [] (both seen from Mailgun).
    user_variables: Annotated[Any, Field(alias="user-variables")]


class WebhookBody(TypedDict):
    """What Mailgun posts; the ``signature`` block is read by the verifier, not here."""

    __pydantic_config__ = _IGNORE  # type: ignore[misc]
    event_data: Annotated[EventData, Field(alias="event-data")]


BODY: Schema[WebhookBody] = Schema(WebhookBody)


_WHOLE_BODY_FIELDS = (None, "event-data")
"""A problem at these places means the body is not Mailgun's format at all."""


def parse(body: bytes) -> Parsed:
    """The observation (or notice) of one Mailgun webhook body, exactly as Mailgun posts it.

    Raises BodyError when the body is not a JSON object with an ``event-data`` object; an
    event of it that cannot be read is rejected instead.
    """
    try:
        event = validate_fast(NAME, BODY, body, batch=False)["event_data"]
        return _parse_event(event)
    except BodyError as problem:
        if problem.field in _WHOLE_BODY_FIELDS:
            raise
        return Parsed(rejected=[rejection(body, problem)])


def rejection(body: bytes, problem: BodyError) -> Rejected:
    """The body's one event set aside, the whole body as its data: Mailgun posts one event."""
    try:
        raw_type = json.loads(body)["event-data"]["event"]
    except (ValueError, TypeError, KeyError):
        raw_type = None
    return Rejected(
        index=0,
        reason=str(problem),
        data=body,
        raw_type=raw_type if isinstance(raw_type, str) else None,
    )


def _parse_event(event: EventData) -> Parsed:
    """The observation or notice of a validated event; BodyError when it cannot be read."""
    raw_type = event["event"]
    if raw_type not in MAPPING:
        return Parsed(notices=[unknown_type(0, raw_type, NAME)])
    kind = MAPPING[raw_type]
    if kind is None:
        notice = Notice(index=0, raw_type=raw_type, reason=NOT_DELIVERY_FACTS[raw_type], known=True)
        return Parsed(notices=[notice])
    if raw_type == "failed":
        kind = failed_kind(event.get("severity"), event.get("reason"))
    return Parsed(observations=[observation(event, kind)])


def failed_kind(severity: str | None, reason: str | None) -> EventKind:
    """The kind of a ``failed`` event.

    - reason ``old``: Mailgun gave up after retrying past its time limit → soft_bounce;
    - severity ``temporary``: Mailgun will try again → deferred;
    - reason ``suppress-*`` (bounce, complaint, unsubscribe lists) or ``espblock``: no
      delivery was let through, the address itself may be fine → blocked;
    - any other permanent failure (``bounce``, ``generic``…) → hard_bounce.
    """
    if reason == "old":
        return EventKind.SOFT_BOUNCE
    if severity == "temporary":
        return EventKind.DEFERRED
    if reason is not None and (reason.startswith("suppress-") or reason == "espblock"):
        return EventKind.BLOCKED
    return EventKind.HARD_BOUNCE


def observation(event: EventData, kind: EventKind) -> Observation:
    """The domain's Observation of one delivery event."""
    message = event.get("message")
    headers = message.get("headers") if message else None
    message_id = headers.get("message_id") if headers else None
    if not message_id or not message_id.strip():
        raise BodyError(NAME, 0, _MESSAGE_ID_FIELD, "missing; it names the message")
    recipient = event.get("recipient") or None
    if recipient is None and event["event"] not in ABOUT_THE_WHOLE_SEND:
        raise BodyError(NAME, 0, _RECIPIENT_FIELD, "missing; it names the recipient")
    occurred_at = from_epoch_either(event["timestamp"], NAME, 0, _TIMESTAMP_FIELD)
    user_variables = event.get("user_variables")
    try:
        return Observation(
            provider=NAME,
            provider_message_id=message_id,
            recipient=recipient,
            kind=kind,
            occurred_at=occurred_at,
            event_id=event_id(event.get("id"), occurred_at),
            raw_type=event["event"],
            details=event_details(event, headers),
            metadata=_correlation(user_variables) if type(user_variables) is dict else {},
        )
    except InvalidObservationError as error:
        # Name the field as it is in Mailgun's body, not as the domain calls it.
        field = _SOURCE_FIELDS.get(error.field or "", error.field)
        raise BodyError(NAME, 0, field, error.problem) from None


def event_id(raw_id: str | None, occurred_at: datetime) -> str | None:
    """Mailgun's event id made unique: ``YYYY-MM-DD/<id>`` with the event's UTC day.

    Mailgun promises an id unique only within a day; without an id the domain hashes content.
    """
    if raw_id is None:
        return None
    raw_id = raw_id.strip()
    if not raw_id:
        return None
    return f"{occurred_at.date().isoformat()}/{raw_id}"


_NO_VALUE = (None, "")


def event_details(event: EventData, headers: MessageHeaders | None) -> dict[str, Any]:
    """The event's facts in mailledger's detail names (those of ``details.details``).

    Built as one dict literal filtered once: the same dict ``details(...)`` gives, without
    the keyword call.
    """
    status = event.get("delivery_status") or {}
    reject = event.get("reject") or {}
    client = event.get("client_info") or {}
    envelope = event.get("envelope") or {}
    headers = headers or {}
    code = status.get("code")
    tags = event.get("tags")
    found = {
        "smtp_code": smtp_code(code) if code is not None else None,
        "smtp_status": status.get("enhanced_code"),
        "diagnostic": status.get("message") or reject.get("description"),
        "reason": status.get("description") or reject.get("reason"),
        "bounce_type": event.get("severity"),
        "bounce_subtype": event.get("reason"),
        "remote_mta": status.get("mx_host"),
        "attempt": status.get("attempt_no"),
        "url": event.get("url"),
        "user_agent": client.get("user_agent"),
        "ip": event.get("ip"),
        "sending_ip": envelope.get("sending_ip"),
        "tags": text_tags(tags) if tags else None,
        "subject": headers.get("subject"),
        "sender": headers.get("from_"),
    }
    found = {key: value for key, value in found.items() if value not in _NO_VALUE}
    client_type = client.get("client_type")
    if client_type:
        # No slot in the shared vocabulary: Mailgun's own classification of the client.
        found["client_type"] = client_type
    bot = client.get("bot")
    if bot and bot.strip():
        found[MACHINE_OPEN] = True
        # Which machine Mailgun detected ("apple", "gmail", "generic"): Mailgun's own word.
        found["bot"] = bot.strip()
    return found


def text_tags(tags: list[Any] | None) -> list[str] | None:
    """The event's tags that are text; None when there are none."""
    if not tags:
        return None
    return [tag for tag in tags if isinstance(tag, str)] or None


def smtp_code(code: int | str | None) -> int | None:
    """The reply code as a number; Mailgun's 0 (no answer) and non-numbers are left out."""
    if isinstance(code, str):
        code = int(code) if code.strip().isdigit() else None
    return code or None


def _correlation(variables: dict[str, Any]) -> dict[str, str]:
    """``correlation(variables)``, with no call for variables that carry none of its keys."""
    if not variables or variables.keys().isdisjoint(CORRELATION_KEYS):
        return {}
    return correlation(variables)
