"""From an SES record to its observations: the parts every reader takes, one per recipient."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from adapters.providers.errors import BodyError
from adapters.providers.parsed import Notice, Parsed
from adapters.providers.ses.mapping import NAME
from adapters.providers.ses.payload import MailWithHeaders, Record
from adapters.providers.ses.tags import metadata_of
from adapters.providers.timestamps import from_iso
from domain.errors import InvalidObservationError
from domain.kinds import EventKind
from domain.values import Observation

T = TypeVar("T")


def mail_of(record: Record) -> MailWithHeaders:
    """The record's ``mail``; every delivery event carries it."""
    mail = record.get("mail")
    if mail is None:
        raise BodyError(NAME, 0, "Message.mail", "missing; it holds the message id")
    return mail


def destination_of(mail: MailWithHeaders) -> list[str]:
    """``mail.destination``, empty when the record has none."""
    return mail.get("destination", [])


def part_of(part: T | None, field: str) -> T:
    """The record's object of its own type (``bounce`` for a Bounce...), which must be there."""
    if part is None:
        raise BodyError(NAME, 0, f"Message.{field}", "missing for this event type")
    return part


def instant(value: str, field: str) -> datetime:
    """An ISO-8601 time of the record (SES writes 'Z', or '+0000' in older notifications)."""
    return from_iso(value, NAME, 0, f"Message.{field}")


def given(facts: dict[str, Any]) -> dict[str, Any]:
    """The facts in mailledger's detail names (``details.details``' names), without the
    missing ones: what ``details(**facts)`` gives, without its keyword call."""
    return {key: value for key, value in facts.items() if value is not None and value != ""}


def each(
    mail: MailWithHeaders,
    event_id: str,
    raw_type: str,
    kind: EventKind,
    addresses: list[str],
    at: datetime,
    facts: dict[str, Any],
) -> Parsed:
    """One observation per address, all with the same facts."""
    metadata = metadata_of(mail)
    observations = [
        observation(mail, event_id, raw_type, kind, address, at, facts, metadata)
        for address in addresses
    ]
    return parsed(observations, raw_type)


def sole(
    mail: MailWithHeaders,
    event_id: str,
    raw_type: str,
    kind: EventKind,
    at: datetime,
    facts: dict[str, Any],
) -> Parsed:
    """An event about the e-mail's one recipient; with several, SES cannot say which it was."""
    destination = destination_of(mail)
    if len(destination) == 1:
        return each(mail, event_id, raw_type, kind, destination, at, facts)
    reason = (
        f"the e-mail went to {len(destination)} addresses and SES does not say which of "
        f"them this {raw_type} event is about; nothing recorded"
    )
    notice_facts = {"message_id": mail["message_id"]}
    return Parsed(notices=[Notice(0, raw_type, reason, known=True, details=notice_facts)])


def parsed(observations: list[Observation], raw_type: str) -> Parsed:
    """The observations, or a notice when the event names no recipient at all."""
    if observations:
        return Parsed(observations=observations)
    reason = f"the {raw_type} event names no recipient; nothing recorded"
    return Parsed(notices=[Notice(0, raw_type, reason, known=True)])


def observation(
    mail: MailWithHeaders,
    event_id: str,
    raw_type: str,
    kind: EventKind,
    address: str,
    at: datetime,
    facts: dict[str, Any],
    metadata: dict[str, str],
) -> Observation:
    """The observation of one recipient; the domain's refusal of a value is a BodyError."""
    try:
        return Observation(
            provider=NAME,
            provider_message_id=mail["message_id"],
            recipient=bare_address(address),
            kind=kind,
            occurred_at=at,
            event_id=event_id,
            raw_type=raw_type,
            details=facts,
            metadata=metadata,
        )
    except InvalidObservationError as error:
        raise BodyError(NAME, 0, error.field, error.problem) from None


def bare_address(value: str) -> str:
    """The bare address of ``Name <address>``, the form SES repeats when the sender used it."""
    if value.endswith(">") and "<" in value:
        return value[value.rindex("<") + 1 : -1]
    return value
