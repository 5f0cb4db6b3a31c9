"""Postmark webhooks: one JSON object per POST, dispatched on its ``RecordType``.

Postmark posts Delivery, Bounce, SpamComplaint, Open, Click and SubscriptionChange records
(and, from an inbound stream, inbound e-mails without a RecordType). A Bounce is told apart by
its textual ``Type``; the numeric ``TypeCode`` is never read, because Postmark's own sources
disagree on it (a SpamComplaint is 100001 in the bounce-type table and 512 in the spam
complaint webhook example). A JSON array of such objects is accepted too, so that stored
webhooks can be replayed in one body.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, TypeAdapter

from adapters.providers.correlation import correlation
from adapters.providers.details import details
from adapters.providers.errors import BodyError
from adapters.providers.parsed import Notice, Parsed, unknown_type
from adapters.providers.timestamps import from_iso
from adapters.providers.validation import converting, validate_body
from domain.kinds import EventKind
from domain.values import Observation

NAME = "postmark"

MAPPING: dict[str, EventKind | None] = {
    "Delivery": EventKind.DELIVERED,
    # The kind of a Bounce depends on its Type: see BOUNCE_TYPES.
    "Bounce": EventKind.HARD_BOUNCE,
    "SpamComplaint": EventKind.SPAM,
    "Open": EventKind.OPENED,
    "Click": EventKind.CLICKED,
    # Only a recipient's own suppression (ManualSuppression, not by the account) is an
    # unsubscription; every other subscription change is a known notice.
    "SubscriptionChange": EventKind.UNSUBSCRIBED,
    # An inbound e-mail (no RecordType, MessageStream "inbound"): nothing we sent.
    "Inbound": None,
}
"""Postmark's record types onto mailledger's kinds (None: recognised, recorded as no fact)."""

BOUNCE_TYPES: dict[str, EventKind | None] = {
    "HardBounce": EventKind.HARD_BOUNCE,
    "SoftBounce": EventKind.SOFT_BOUNCE,
    "Transient": EventKind.SOFT_BOUNCE,
    "DnsError": EventKind.SOFT_BOUNCE,
    # An NDR Postmark could not classify: a failure, not known to be permanent.
    "Unknown": EventKind.SOFT_BOUNCE,
    "BadEmailAddress": EventKind.INVALID_EMAIL,
    "Blocked": EventKind.BLOCKED,
    "ManuallyDeactivated": EventKind.BLOCKED,
    "Unconfirmed": EventKind.BLOCKED,
    "DMARCPolicy": EventKind.BLOCKED,
    "VirusNotification": EventKind.BLOCKED,
    "SpamNotification": EventKind.SPAM,
    "SpamComplaint": EventKind.SPAM,
    "Unsubscribe": EventKind.UNSUBSCRIBED,
    # The message is held until the sender answers the challenge: still in flight.
    "ChallengeVerification": EventKind.DEFERRED,
    "SMTPApiError": EventKind.ERROR,
    "TemplateRenderingFailed": EventKind.ERROR,
    "AutoResponder": None,
    "AddressChange": None,
    "Subscribe": None,
    "OpenRelayTest": None,
    "InboundError": None,
}
"""A Bounce's ``Type`` onto mailledger's kinds (None: a known notice, see BOUNCE_NOTICES)."""

BOUNCE_NOTICES: dict[str, str] = {
    "AutoResponder": (
        "an automatic reply (out of office, or an NDR without a reason): it proves neither "
        "a delivery nor a failure"
    ),
    "AddressChange": "the recipient announced a new address; not a delivery fact",
    "Subscribe": "a request to be added to a mailing list; not a delivery fact",
    "OpenRelayTest": "a probe testing whether a server is an open relay; not about this send",
    "InboundError": "an inbound e-mail could not be posted to the inbound webhook; not a send",
}
"""Why each bounce type that is not a delivery fact is recorded as no observation."""

_INBOUND_STREAM = "inbound"
_ACCOUNT_ORIGINS = frozenset({"Customer", "Admin"})


class _Named(BaseModel):
    """An open's or click's e-mail client or operating system."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    Name: str | None = None


class _Geo(BaseModel):
    """Where an open or click came from."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    IP: str | None = None


class PostmarkEvent(BaseModel):
    """Any Postmark webhook record; the fields a record type does not carry stay None."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    RecordType: str | None = None
    # The webhook pages say MessageID / ServerID; Postmark's Node library types the delivery
    # payload with MessageId / ServerId. Both spellings are read.
    MessageID: str | None = Field(
        default=None, validation_alias=AliasChoices("MessageID", "MessageId")
    )
    ServerID: int | None = Field(
        default=None, validation_alias=AliasChoices("ServerID", "ServerId")
    )
    MessageStream: str | None = None
    Tag: str | None = None
    Metadata: dict[str, Any] | None = None
    # Delivery, Open, Click, SubscriptionChange
    Recipient: str | None = None
    # Bounce and SpamComplaint
    ID: int | None = None
    Type: str | None = None
    Email: str | None = None
    From: str | None = None
    Subject: str | None = None
    Description: str | None = None
    Details: str | None = None
    Inactive: bool | None = None
    CanActivate: bool | None = None
    # Timestamps, one per record type
    DeliveredAt: str | None = None
    BouncedAt: str | None = None
    ReceivedAt: str | None = None
    ChangedAt: str | None = None
    # Open and Click
    FirstOpen: bool | None = None
    ReadSeconds: int | None = None
    Platform: str | None = None
    UserAgent: str | None = None
    Client: _Named | None = None
    OS: _Named | None = None
    Geo: _Geo | None = None
    OriginalLink: str | None = None
    ClickLocation: str | None = None
    # SubscriptionChange
    Origin: str | None = None
    SuppressSending: bool | None = None
    SuppressionReason: str | None = None


_EVENT = TypeAdapter(PostmarkEvent)
_EVENTS = TypeAdapter(list[PostmarkEvent])

Reading = Observation | Notice
"""What one record yields: an observation, or a notice of why it yields none."""


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


def _validate(body: bytes) -> list[PostmarkEvent]:
    """The body's records: Postmark's single object, or an array of them."""
    if body.lstrip()[:1] == b"[":
        return validate_body(NAME, _EVENTS, body, batch=True)
    return [validate_body(NAME, _EVENT, body, batch=False)]


def _read(index: int, event: PostmarkEvent) -> Reading:
    """One record, dispatched on its RecordType."""
    record_type = event.RecordType
    if not record_type:
        if event.MessageStream == _INBOUND_STREAM:
            return _inbound(index, event)
        raise BodyError(NAME, index, "RecordType", "missing; every Postmark webhook record has one")
    reader = _READERS.get(record_type)
    if reader is None:
        return unknown_type(index, record_type, NAME)
    return reader(index, event)


def _delivery(index: int, event: PostmarkEvent) -> Reading:
    code, status = _smtp(event.Details)
    return _observe(
        index,
        event,
        EventKind.DELIVERED,
        recipient=("Recipient", event.Recipient),
        at=("DeliveredAt", event.DeliveredAt),
        event_id=None,
        facts={
            **details(
                smtp_code=code, smtp_status=status, diagnostic=event.Details, tags=_tags(event)
            ),
            **_postmark(server_id=event.ServerID, message_stream=event.MessageStream),
        },
    )


def _bounce(index: int, event: PostmarkEvent) -> Reading:
    bounce_type = event.Type
    if not bounce_type:
        raise BodyError(NAME, index, "Type", "missing; a Bounce names its bounce type")
    if bounce_type not in BOUNCE_TYPES:
        return unknown_type(index, f"Bounce/{bounce_type}", NAME)
    kind = BOUNCE_TYPES[bounce_type]
    if kind is None:
        return Notice(
            index=index,
            raw_type="Bounce",
            reason=f"bounce type {bounce_type}: {BOUNCE_NOTICES[bounce_type]}",
            known=True,
            details=details(bounce_type=bounce_type, reason=event.Description),
        )
    return _bounce_record(index, event, kind)


def _spam_complaint(index: int, event: PostmarkEvent) -> Reading:
    return _bounce_record(index, event, EventKind.SPAM)


def _bounce_record(index: int, event: PostmarkEvent, kind: EventKind) -> Observation:
    """A Bounce or SpamComplaint record: both are bounce records, with a bounce ID."""
    code, status = _smtp(event.Details)
    return _observe(
        index,
        event,
        kind,
        recipient=("Email", event.Email),
        at=("BouncedAt", event.BouncedAt),
        event_id=None if event.ID is None else str(event.ID),
        facts={
            **details(
                smtp_code=code,
                smtp_status=status,
                diagnostic=event.Details,
                reason=event.Description,
                bounce_type=event.Type,
                tags=_tags(event),
                subject=event.Subject,
                sender=event.From,
            ),
            **_postmark(
                inactive=event.Inactive,
                can_activate=event.CanActivate,
                server_id=event.ServerID,
                message_stream=event.MessageStream,
            ),
        },
    )


def _open(index: int, event: PostmarkEvent) -> Reading:
    return _observe(
        index,
        event,
        EventKind.OPENED,
        recipient=("Recipient", event.Recipient),
        at=("ReceivedAt", event.ReceivedAt),
        event_id=None,
        facts={
            **details(user_agent=event.UserAgent, ip=_ip(event), tags=_tags(event)),
            **_postmark(
                first_open=event.FirstOpen,
                read_seconds=event.ReadSeconds,
                platform=event.Platform,
                client=_name(event.Client),
                os=_name(event.OS),
                message_stream=event.MessageStream,
            ),
        },
    )


def _click(index: int, event: PostmarkEvent) -> Reading:
    return _observe(
        index,
        event,
        EventKind.CLICKED,
        recipient=("Recipient", event.Recipient),
        at=("ReceivedAt", event.ReceivedAt),
        event_id=None,
        facts={
            **details(
                url=event.OriginalLink, user_agent=event.UserAgent, ip=_ip(event), tags=_tags(event)
            ),
            **_postmark(
                click_location=event.ClickLocation,
                platform=event.Platform,
                client=_name(event.Client),
                os=_name(event.OS),
                message_stream=event.MessageStream,
            ),
        },
    )


def _subscription_change(index: int, event: PostmarkEvent) -> Reading:
    """An unsubscription when the recipient suppressed the address; otherwise a notice.

    Postmark suppresses an address after a hard bounce or a spam complaint (each reported by
    its own Bounce or SpamComplaint record), when the recipient unsubscribes
    (ManualSuppression, Origin Recipient) and when the account suppresses it by hand
    (ManualSuppression, Origin Customer or Admin, with no MessageID); SuppressSending false
    is a reactivation.
    """
    if event.SuppressSending is None:
        raise BodyError(
            NAME, index, "SuppressSending", "missing; it says suppressed or reactivated"
        )
    reason = event.SuppressionReason
    if not event.SuppressSending:
        return _change_notice(index, event, "a reactivation: the address may be sent to again")
    if reason in ("HardBounce", "SpamComplaint"):
        return _change_notice(
            index, event, f"a suppression after a {reason}, which its own record reports"
        )
    if reason is None:
        return _change_notice(index, event, "a suppression without a reason; not a delivery fact")
    if reason != "ManualSuppression":
        return unknown_type(index, f"SubscriptionChange/{reason}", NAME)
    if event.Origin in _ACCOUNT_ORIGINS:
        return _change_notice(
            index, event, f"suppressed by the account ({event.Origin}), not by the recipient"
        )
    return _observe(
        index,
        event,
        EventKind.UNSUBSCRIBED,
        recipient=("Recipient", event.Recipient),
        at=("ChangedAt", event.ChangedAt),
        event_id=None,
        facts={
            **details(reason=reason, tags=_tags(event)),
            **_postmark(
                origin=event.Origin, server_id=event.ServerID, message_stream=event.MessageStream
            ),
        },
    )


def _change_notice(index: int, event: PostmarkEvent, why: str) -> Notice:
    return Notice(
        index=index,
        raw_type="SubscriptionChange",
        reason=f"subscription change: {why}",
        known=True,
        details=_postmark(
            suppress_sending=event.SuppressSending,
            reason=event.SuppressionReason,
            origin=event.Origin,
        ),
    )


def _inbound(index: int, event: PostmarkEvent) -> Notice:
    return Notice(
        index=index,
        raw_type="Inbound",
        reason="an inbound e-mail posted by Postmark's inbound webhook; not a send of ours",
        known=True,
    )


_READERS: dict[str, Callable[[int, PostmarkEvent], Reading]] = {
    "Delivery": _delivery,
    "Bounce": _bounce,
    "SpamComplaint": _spam_complaint,
    "Open": _open,
    "Click": _click,
    "SubscriptionChange": _subscription_change,
    "Inbound": _inbound,
}


def _observe(
    index: int,
    event: PostmarkEvent,
    kind: EventKind,
    *,
    recipient: tuple[str, str | None],
    at: tuple[str, str | None],
    event_id: str | None,
    facts: dict[str, Any],
) -> Observation:
    """The observation of one record; ``recipient`` and ``at`` are (Postmark field, value)."""
    message_id = _required(index, "MessageID", event.MessageID)
    address = _required(index, *recipient)
    occurred_at = instant(at[1], index, at[0])
    return converting(
        NAME,
        index,
        lambda: Observation(
            provider=NAME,
            provider_message_id=message_id,
            recipient=address,
            kind=kind,
            occurred_at=occurred_at,
            event_id=event_id,
            raw_type=event.RecordType,
            details=facts,
            metadata=correlation(event.Metadata),
        ),
    )


def _required(index: int, field: str, value: str | None) -> str:
    if value is None or not value.strip():
        raise BodyError(NAME, index, field, "missing")
    return value


def instant(value: str | None, index: int, field: str) -> datetime:
    """A Postmark time (ISO-8601 with 'Z' or an offset, often 7 fractional digits) in UTC.

    Digits past the microsecond are dropped where the parser refuses them.
    """
    if value is None or not value.strip():
        raise BodyError(NAME, index, field, "missing")
    try:
        return from_iso(value, NAME, index, field)
    except BodyError:
        truncated = to_microseconds(value)
        if truncated == value:
            raise
    return from_iso(truncated, NAME, index, field)


def to_microseconds(value: str) -> str:
    """``value`` with a fraction of seconds cut to six digits (the offset kept)."""
    dot = value.find(".", value.find("T") + 1)
    if dot < 0:
        return value
    end = dot + 1
    while end < len(value) and value[end].isdigit():
        end += 1
    if end - dot - 1 <= 6:
        return value
    return value[: dot + 7] + value[end:]


def _smtp(text: str | None) -> tuple[int | None, str | None]:
    """The reply code and enhanced status of an ``smtp;550 5.1.1 ...`` diagnostic."""
    if not text or text[:5].lower() != "smtp;":
        return None, None
    words = text[5:].split(None, 2)
    code = int(words[0]) if words and _digits(words[0]) and len(words[0]) == 3 else None
    status = words[1] if len(words) > 1 and _enhanced(words[1]) else None
    return code, status


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _enhanced(text: str) -> bool:
    parts = text.split(".")
    return (
        len(parts) == 3 and parts[0] in ("2", "4", "5") and _digits(parts[1]) and _digits(parts[2])
    )


def _tags(event: PostmarkEvent) -> list[str] | None:
    return [event.Tag] if event.Tag else None


def _ip(event: PostmarkEvent) -> str | None:
    return event.Geo.IP if event.Geo is not None else None


def _name(named: _Named | None) -> str | None:
    return named.Name if named is not None else None


def _postmark(**facts: Any) -> dict[str, Any]:
    """Postmark's facts that mailledger's detail vocabulary has no slot for, without blanks."""
    return {key: value for key, value in facts.items() if value is not None and value != ""}
