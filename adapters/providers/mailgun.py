"""Mailgun's webhooks: one event per POST, wrapped with its signature.

Mailgun posts ``{"signature": {...}, "event-data": {...}}`` as JSON, one event a request.
``event-data.event`` names the type; ``event-data.timestamp`` is epoch seconds with a
fraction; ``event-data.id`` is unique only within a day, so the observation's event id is
that id prefixed with the event's UTC day. The message id is the ``message-id`` header of
``event-data.message.headers`` (the domain drops angle brackets if Mailgun keeps them), and
our correlation ids are read from ``event-data.user-variables``, which Mailgun sends as an
object, an empty object or an empty list.

``failed`` is one raw type for several kinds, decided by ``severity`` and ``reason``
(see ``failed_kind``). The signature is checked by ``adapters.authenticity.mailgun``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from adapters.providers.correlation import correlation
from adapters.providers.details import details
from adapters.providers.errors import BodyError
from adapters.providers.parsed import Notice, Parsed, unknown_type
from adapters.providers.timestamps import from_epoch
from adapters.providers.validation import converting, validate_body
from domain.kinds import EventKind
from domain.values import Observation

NAME = "mailgun"

MAPPING: dict[str, EventKind | None] = {
    "accepted": EventKind.QUEUED,
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

_MESSAGE_ID_FIELD = "event-data.message.headers.message-id"
_RECIPIENT_FIELD = "event-data.recipient"
_TIMESTAMP_FIELD = "event-data.timestamp"
_SOURCE_FIELDS = {
    "provider_message_id": _MESSAGE_ID_FIELD,
    "recipient": _RECIPIENT_FIELD,
    "occurred_at": _TIMESTAMP_FIELD,
}
"""Where in the body each Observation field the domain may refuse comes from."""


class _Model(BaseModel):
    # Mailgun adds fields over time and promises never to remove any: ignore the unknown ones.
    model_config = ConfigDict(extra="ignore", frozen=True)


class MessageHeaders(_Model):
    """The headers Mailgun echoes from the sent message."""

    message_id: str | None = Field(default=None, alias="message-id")
    subject: str | None = None
    from_: str | None = Field(default=None, alias="from")


class MessageIn(_Model):
    """``event-data.message``."""

    headers: MessageHeaders | None = None


class DeliveryStatus(_Model):
    """``event-data.delivery-status``: the receiving server's answer to the last attempt."""

    code: int | str | None = None
    message: str | None = None
    description: str | None = None
    enhanced_code: str | None = Field(default=None, alias="enhanced-code")
    mx_host: str | None = Field(default=None, alias="mx-host")
    attempt_no: int | None = Field(default=None, alias="attempt-no")


class ClientInfo(_Model):
    """``event-data.client-info`` of an open, click or unsubscribe."""

    user_agent: str | None = Field(default=None, alias="user-agent")
    client_type: str | None = Field(default=None, alias="client-type")


class Envelope(_Model):
    """``event-data.envelope``: how Mailgun sent the message."""

    sending_ip: str | None = Field(default=None, alias="sending-ip")


class Reject(_Model):
    """``event-data.reject`` of a rejected event: why Mailgun refused the send."""

    reason: str | None = None
    description: str | None = None


class EventData(_Model):
    """One Mailgun event; only ``event`` and ``timestamp`` are guaranteed for every type."""

    event: str
    # A JSON number only: lax validation would read `true` as 1970-01-01T00:00:01.
    timestamp: float = Field(strict=True)
    id: str | None = None
    recipient: str | None = None
    message: MessageIn | None = None
    severity: str | None = None
    reason: str | None = None
    delivery_status: DeliveryStatus | None = Field(default=None, alias="delivery-status")
    reject: Reject | None = None
    url: str | None = None
    ip: str | None = None
    client_info: ClientInfo | None = Field(default=None, alias="client-info")
    envelope: Envelope | None = None
    tags: list[Any] | None = None
    # An object when the send carried variables, else {} or [] (both seen from Mailgun).
    user_variables: Any = Field(default=None, alias="user-variables")


class WebhookBody(_Model):
    """What Mailgun posts; the ``signature`` block is read by the verifier, not here."""

    event_data: EventData = Field(alias="event-data")


_BODY: TypeAdapter[WebhookBody] = TypeAdapter(WebhookBody)


def parse(body: bytes) -> Parsed:
    """The observation (or notice) of one Mailgun webhook body, exactly as Mailgun posts it."""
    event = validate_body(NAME, _BODY, body, batch=False).event_data
    raw_type = event.event
    if raw_type not in MAPPING:
        return Parsed(notices=[unknown_type(0, raw_type, NAME)])
    kind = MAPPING[raw_type]
    if kind is None:
        notice = Notice(index=0, raw_type=raw_type, reason=NOT_DELIVERY_FACTS[raw_type], known=True)
        return Parsed(notices=[notice])
    if raw_type == "failed":
        kind = failed_kind(event.severity, event.reason)
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
    headers = event.message.headers if event.message is not None else None
    message_id = headers.message_id if headers is not None else None
    if not message_id or not message_id.strip():
        raise BodyError(NAME, 0, _MESSAGE_ID_FIELD, "missing; it names the message")
    if not event.recipient:
        raise BodyError(NAME, 0, _RECIPIENT_FIELD, "missing; it names the recipient")
    recipient = event.recipient
    occurred_at = from_epoch(event.timestamp, NAME, 0, _TIMESTAMP_FIELD)
    user_variables = event.user_variables
    try:
        return converting(
            NAME,
            0,
            lambda: Observation(
                provider=NAME,
                provider_message_id=message_id,
                recipient=recipient,
                kind=kind,
                occurred_at=occurred_at,
                event_id=event_id(event.id, occurred_at),
                raw_type=event.event,
                details=event_details(event, headers),
                metadata=correlation(user_variables if isinstance(user_variables, dict) else None),
            ),
        )
    except BodyError as error:
        # Name the field as it is in Mailgun's body, not as the domain calls it.
        field = _SOURCE_FIELDS.get(error.field or "", error.field)
        raise BodyError(NAME, 0, field, error.problem) from None


def event_id(raw_id: str | None, occurred_at: datetime) -> str | None:
    """Mailgun's event id made unique: ``YYYY-MM-DD/<id>`` with the event's UTC day.

    Mailgun promises an id unique only within a day; without an id the domain hashes content.
    """
    if raw_id is None or not raw_id.strip():
        return None
    return f"{occurred_at.date().isoformat()}/{raw_id.strip()}"


def event_details(event: EventData, headers: MessageHeaders | None) -> dict[str, Any]:
    """The event's facts in mailledger's detail names."""
    status = event.delivery_status
    reject = event.reject
    client = event.client_info
    found = details(
        smtp_code=smtp_code(status.code) if status else None,
        smtp_status=status.enhanced_code if status else None,
        diagnostic=(status.message if status else None) or (reject.description if reject else None),
        reason=(status.description if status else None) or (reject.reason if reject else None),
        bounce_type=event.severity,
        bounce_subtype=event.reason,
        remote_mta=status.mx_host if status else None,
        attempt=status.attempt_no if status else None,
        url=event.url,
        user_agent=client.user_agent if client else None,
        ip=event.ip,
        sending_ip=event.envelope.sending_ip if event.envelope else None,
        tags=text_tags(event.tags),
        subject=headers.subject if headers else None,
        sender=headers.from_ if headers else None,
    )
    if client and client.client_type:
        # No slot in the shared vocabulary: Mailgun's own classification of the client.
        found["client_type"] = client.client_type
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
