"""Delivery, Bounce and SpamComplaint records: what became of a send at the receiving end."""

from __future__ import annotations

from adapters.providers.details import details
from adapters.providers.errors import BodyError
from adapters.providers.parsed import Notice, unknown_type
from adapters.providers.postmark.mapping import (
    BOUNCE_NOTICES,
    BOUNCE_TYPES,
    NAME,
    NO_RECIPIENT,
    SUBSCRIPTION_TYPES,
)
from adapters.providers.postmark.observation import Reading, observe
from adapters.providers.postmark.payload import Record
from adapters.providers.postmark.smtp import smtp_reply
from domain.kinds import EventKind
from domain.values import Observation


def delivered(index: int, event: Record) -> Reading:
    """Delivered to the record's Recipient, with the receiving server's answer."""
    code, status = smtp_reply(event.get("Details"))
    return observe(
        index,
        event,
        EventKind.DELIVERED,
        "Recipient",
        event.get("Recipient"),
        "DeliveredAt",
        event.get("DeliveredAt"),
        None,
        # details(...)'s names first, then Postmark's own (see observe)
        {
            "smtp_code": code,
            "smtp_status": status,
            "diagnostic": event.get("Details"),
            "tags": [event.get("Tag")] if event.get("Tag") else None,
            "server_id": event.get("ServerID"),
            "message_stream": event.get("MessageStream"),
        },
    )


def bounced(index: int, event: Record) -> Reading:
    """The kind of its bounce Type (see BOUNCE_TYPES), or a notice for a type that is none."""
    bounce_type = event.get("Type")
    if not bounce_type:
        raise BodyError(NAME, index, "Type", "missing; a Bounce names its bounce type")
    if bounce_type not in BOUNCE_TYPES:
        return unknown_type(index, f"Bounce/{bounce_type}", NAME)
    kind = BOUNCE_TYPES[bounce_type]
    if kind is None:
        return _bounce_notice(index, event, bounce_type, BOUNCE_NOTICES[bounce_type])
    email = event.get("Email")
    if bounce_type in SUBSCRIPTION_TYPES and (email is None or not email.strip()):
        return _bounce_notice(index, event, bounce_type, NO_RECIPIENT)
    return bounce_record(index, event, kind)


def _bounce_notice(index: int, event: Record, bounce_type: str, why: str) -> Notice:
    return Notice(
        index=index,
        raw_type="Bounce",
        reason=f"bounce type {bounce_type}: {why}",
        known=True,
        details=details(bounce_type=bounce_type, reason=event.get("Description")),
    )


def spam_complained(index: int, event: Record) -> Reading:
    """Spam: a complaint is a bounce record of its own RecordType."""
    return bounce_record(index, event, EventKind.SPAM)


def bounce_record(index: int, event: Record, kind: EventKind) -> Observation:
    """A Bounce or SpamComplaint record: both are bounce records, with a bounce ID."""
    code, status = smtp_reply(event.get("Details"))
    return observe(
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
