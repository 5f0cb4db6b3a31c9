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
from typing import Annotated, Any

from pydantic import AliasChoices, ConfigDict, Field
from typing_extensions import TypedDict

from adapters.providers.correlation import CORRELATION_KEYS, correlation
from adapters.providers.details import details
from adapters.providers.errors import BodyError
from adapters.providers.parsed import Notice, Parsed, unknown_type
from adapters.providers.schema import Schema
from adapters.providers.timestamps import from_iso
from adapters.providers.validation import is_array, validate_fast
from domain.errors import InvalidObservationError
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


# The schema, declared once: every body is read into these TypedDicts, and a body they refuse
# is told against models derived from them (see adapters.providers.schema). A key the body
# lacks is left out of the dict; the fields a record type does not carry are left out too.

_IGNORE = ConfigDict(extra="ignore")


class _Named(TypedDict, total=False):
    """An open's or click's e-mail client or operating system."""

    __pydantic_config__ = _IGNORE  # type: ignore[misc]
    Name: str | None


class _Geo(TypedDict, total=False):
    """Where an open or click came from."""

    __pydantic_config__ = _IGNORE  # type: ignore[misc]
    IP: str | None


class Record(TypedDict, total=False):
    """Any Postmark webhook record."""

    __pydantic_config__ = _IGNORE  # type: ignore[misc]
    RecordType: str | None
    # The webhook pages say MessageID / ServerID; Postmark's Node library types the delivery
    # payload with MessageId / ServerId. Both spellings are read.
    MessageID: Annotated[str | None, Field(validation_alias=AliasChoices("MessageID", "MessageId"))]
    ServerID: Annotated[int | None, Field(validation_alias=AliasChoices("ServerID", "ServerId"))]
    MessageStream: str | None
    Tag: str | None
    Metadata: dict[str, Any] | None
    # Delivery, Open, Click, SubscriptionChange
    Recipient: str | None
    # Bounce and SpamComplaint
    ID: int | None
    Type: str | None
    Email: str | None
    From: str | None
    Subject: str | None
    Description: str | None
    Details: str | None
    Inactive: bool | None
    CanActivate: bool | None
    # Timestamps, one per record type
    DeliveredAt: str | None
    BouncedAt: str | None
    ReceivedAt: str | None
    ChangedAt: str | None
    # Open and Click
    FirstOpen: bool | None
    ReadSeconds: int | None
    Platform: str | None
    UserAgent: str | None
    Client: _Named | None
    OS: _Named | None
    Geo: _Geo | None
    OriginalLink: str | None
    ClickLocation: str | None
    # SubscriptionChange
    Origin: str | None
    SuppressSending: bool | None
    SuppressionReason: str | None


ONE: Schema[Record] = Schema(Record, name="PostmarkEvent")
BATCH: Schema[list[Record]] = Schema(list[Record], name="PostmarkEvent")

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


def _delivery(index: int, event: Record) -> Reading:
    code, status = _smtp(event.get("Details"))
    return _observe(
        index,
        event,
        EventKind.DELIVERED,
        "Recipient",
        event.get("Recipient"),
        "DeliveredAt",
        event.get("DeliveredAt"),
        None,
        # details(...)'s names first, then Postmark's own (see _observe)
        {
            "smtp_code": code,
            "smtp_status": status,
            "diagnostic": event.get("Details"),
            "tags": [event.get("Tag")] if event.get("Tag") else None,
            "server_id": event.get("ServerID"),
            "message_stream": event.get("MessageStream"),
        },
    )


def _bounce(index: int, event: Record) -> Reading:
    bounce_type = event.get("Type")
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
            details=details(bounce_type=bounce_type, reason=event.get("Description")),
        )
    return _bounce_record(index, event, kind)


def _spam_complaint(index: int, event: Record) -> Reading:
    return _bounce_record(index, event, EventKind.SPAM)


def _bounce_record(index: int, event: Record, kind: EventKind) -> Observation:
    """A Bounce or SpamComplaint record: both are bounce records, with a bounce ID."""
    code, status = _smtp(event.get("Details"))
    return _observe(
        index,
        event,
        kind,
        "Email",
        event.get("Email"),
        "BouncedAt",
        event.get("BouncedAt"),
        None if event.get("ID") is None else str(event.get("ID")),
        {
            "smtp_code": code,
            "smtp_status": status,
            "diagnostic": event.get("Details"),
            "reason": event.get("Description"),
            "bounce_type": event.get("Type"),
            "tags": [event.get("Tag")] if event.get("Tag") else None,
            "subject": event.get("Subject"),
            "sender": event.get("From"),
            "inactive": event.get("Inactive"),
            "can_activate": event.get("CanActivate"),
            "server_id": event.get("ServerID"),
            "message_stream": event.get("MessageStream"),
        },
    )


def _open(index: int, event: Record) -> Reading:
    client, os, geo = event.get("Client"), event.get("OS"), event.get("Geo")
    return _observe(
        index,
        event,
        EventKind.OPENED,
        "Recipient",
        event.get("Recipient"),
        "ReceivedAt",
        event.get("ReceivedAt"),
        None,
        {
            "user_agent": event.get("UserAgent"),
            "ip": None if geo is None else geo.get("IP"),
            "tags": [event.get("Tag")] if event.get("Tag") else None,
            "first_open": event.get("FirstOpen"),
            "read_seconds": event.get("ReadSeconds"),
            "platform": event.get("Platform"),
            "client": None if client is None else client.get("Name"),
            "os": None if os is None else os.get("Name"),
            "message_stream": event.get("MessageStream"),
        },
    )


def _click(index: int, event: Record) -> Reading:
    client, os, geo = event.get("Client"), event.get("OS"), event.get("Geo")
    return _observe(
        index,
        event,
        EventKind.CLICKED,
        "Recipient",
        event.get("Recipient"),
        "ReceivedAt",
        event.get("ReceivedAt"),
        None,
        {
            "url": event.get("OriginalLink"),
            "user_agent": event.get("UserAgent"),
            "ip": None if geo is None else geo.get("IP"),
            "tags": [event.get("Tag")] if event.get("Tag") else None,
            "click_location": event.get("ClickLocation"),
            "platform": event.get("Platform"),
            "client": None if client is None else client.get("Name"),
            "os": None if os is None else os.get("Name"),
            "message_stream": event.get("MessageStream"),
        },
    )


def _subscription_change(index: int, event: Record) -> Reading:
    """An unsubscription when the recipient suppressed the address; otherwise a notice.

    Postmark suppresses an address after a hard bounce or a spam complaint (each reported by
    its own Bounce or SpamComplaint record), when the recipient unsubscribes
    (ManualSuppression, Origin Recipient) and when the account suppresses it by hand
    (ManualSuppression, Origin Customer or Admin, with no MessageID); SuppressSending false
    is a reactivation.
    """
    if event.get("SuppressSending") is None:
        raise BodyError(
            NAME, index, "SuppressSending", "missing; it says suppressed or reactivated"
        )
    reason = event.get("SuppressionReason")
    if not event.get("SuppressSending"):
        return _change_notice(index, event, "a reactivation: the address may be sent to again")
    if reason in ("HardBounce", "SpamComplaint"):
        return _change_notice(
            index, event, f"a suppression after a {reason}, which its own record reports"
        )
    if reason is None:
        return _change_notice(index, event, "a suppression without a reason; not a delivery fact")
    if reason != "ManualSuppression":
        return unknown_type(index, f"SubscriptionChange/{reason}", NAME)
    if event.get("Origin") in _ACCOUNT_ORIGINS:
        return _change_notice(
            index, event, f"suppressed by the account ({event.get('Origin')}), not by the recipient"
        )
    return _observe(
        index,
        event,
        EventKind.UNSUBSCRIBED,
        "Recipient",
        event.get("Recipient"),
        "ChangedAt",
        event.get("ChangedAt"),
        None,
        {
            "reason": reason,
            "tags": [event.get("Tag")] if event.get("Tag") else None,
            "origin": event.get("Origin"),
            "server_id": event.get("ServerID"),
            "message_stream": event.get("MessageStream"),
        },
    )


def _change_notice(index: int, event: Record, why: str) -> Notice:
    return Notice(
        index=index,
        raw_type="SubscriptionChange",
        reason=f"subscription change: {why}",
        known=True,
        details=_postmark(
            suppress_sending=event.get("SuppressSending"),
            reason=event.get("SuppressionReason"),
            origin=event.get("Origin"),
        ),
    )


def _inbound(index: int, event: Record) -> Notice:
    return Notice(
        index=index,
        raw_type="Inbound",
        reason="an inbound e-mail posted by Postmark's inbound webhook; not a send of ours",
        known=True,
    )


_READERS: dict[str, Callable[[int, Record], Reading]] = {
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
    event: Record,
    kind: EventKind,
    recipient_field: str,
    recipient: str | None,
    at_field: str,
    at: str | None,
    event_id: str | None,
    facts: dict[str, Any],
) -> Observation:
    """The observation of one record; ``recipient`` and ``at`` are read from the named fields.

    ``facts`` are details(...)'s names, then Postmark's own (as ``_postmark``), unfiltered.
    """
    message_id = event.get("MessageID")
    if message_id is None or not message_id.strip():
        raise BodyError(NAME, index, "MessageID", "missing")
    if recipient is None or not recipient.strip():
        raise BodyError(NAME, index, recipient_field, "missing")
    occurred_at = instant(at, index, at_field)
    try:
        return Observation(
            provider=NAME,
            provider_message_id=message_id,
            recipient=recipient,
            kind=kind,
            occurred_at=occurred_at,
            event_id=event_id,
            raw_type=event.get("RecordType"),
            details={
                key: value for key, value in facts.items() if value is not None and value != ""
            },
            metadata=_correlation(event.get("Metadata")),
        )
    except InvalidObservationError as error:
        raise BodyError(NAME, index, error.field, error.problem) from None


_CORRELATIONS: dict[tuple[tuple[str, Any], ...], dict[str, str]] = {}
_CORRELATIONS_KEPT = 4096


def _correlation(metadata: dict[str, Any] | None) -> dict[str, str]:
    """``correlation(metadata)``, remembered: a message's records repeat its Metadata.

    Metadata is remembered only when every value ``correlation`` reads (under a
    CORRELATION_KEYS name) is text, so that a hit is exact: such a key equals no key holding a
    number or boolean there (1 == 1.0 == True would make it ambiguous), and the values under
    other names, which ``correlation`` ignores, cannot change its result. The result is
    shared; an observation keeps its own copy of it.
    """
    if not metadata:
        return {}
    try:
        key = tuple(metadata.items())
        found = _CORRELATIONS.get(key)
    except TypeError:  # a list or object among the values: nothing to remember it by
        return correlation(metadata)
    if found is None:
        found = correlation(metadata)
        if all(type(value) is str for name, value in key if name in CORRELATION_KEYS):
            if len(_CORRELATIONS) >= _CORRELATIONS_KEPT:
                _CORRELATIONS.clear()
            _CORRELATIONS[key] = found
    return found


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
    first = words[0] if words else ""
    code = int(first) if len(first) == 3 and first.isascii() and first.isdigit() else None
    status = words[1] if len(words) > 1 and _enhanced(words[1]) else None
    return code, status


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _enhanced(text: str) -> bool:
    parts = text.split(".")
    return (
        len(parts) == 3 and parts[0] in ("2", "4", "5") and _digits(parts[1]) and _digits(parts[2])
    )


def _postmark(**facts: Any) -> dict[str, Any]:
    """Postmark's facts that mailledger's detail vocabulary has no slot for, without blanks."""
    return {key: value for key, value in facts.items() if value is not None and value != ""}
