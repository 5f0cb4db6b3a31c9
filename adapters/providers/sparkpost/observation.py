"""One recipient event's observation: its message, recipient, time and our identifiers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from adapters.providers.correlation import CORRELATION_KEYS, correlation
from adapters.providers.errors import BodyError
from adapters.providers.sparkpost.facts import text
from adapters.providers.sparkpost.mapping import NAME
from adapters.providers.sparkpost.payload import RecipientEvent
from adapters.providers.timestamps import from_epoch, from_iso
from domain.errors import InvalidObservationError
from domain.kinds import EventKind
from domain.values import Observation

_CORRELATION_FIELDS = tuple(CORRELATION_KEYS)


def observation_of(
    index: int,
    event_class: str,
    event: RecipientEvent,
    kind: EventKind,
    facts: dict[str, Any],
    metadata_by_meta: dict[tuple[Any, ...], dict[str, str]] | None = None,
) -> Observation:
    """The normalised observation of one recipient event of a known kind."""
    message = text(event.transmission_id) or text(event.message_id)
    if message is None or not message.strip():
        field = f"msys.{event_class}.transmission_id"
        raise BodyError(NAME, index, field, "missing; every recipient event names its message")
    recipient = event.rcpt_to or event.raw_rcpt_to
    if recipient is None:
        field = f"msys.{event_class}.rcpt_to"
        raise BodyError(NAME, index, field, "missing; every recipient event names its recipient")
    timestamp = event.timestamp
    if type(timestamp) is str:
        try:
            seconds = float(timestamp)
        except ValueError:
            occurred_at = instant(timestamp, index, f"msys.{event_class}.timestamp")
        else:
            occurred_at = from_epoch(seconds, NAME, index, f"msys.{event_class}.timestamp")
    else:
        occurred_at = instant(timestamp, index, f"msys.{event_class}.timestamp")
    meta = event.rcpt_meta
    if type(meta) is not dict:
        metadata = correlation(meta) if isinstance(meta, dict) else {}
    elif metadata_by_meta is None:
        metadata = correlation(meta)
    else:
        values = tuple(map(meta.get, _CORRELATION_FIELDS))
        try:
            metadata = metadata_by_meta[values]
        except KeyError:
            metadata = correlation(meta)
            if all(value is None or type(value) is str for value in values):
                metadata_by_meta[values] = metadata
        except TypeError:  # an unhashable value: read as it is
            metadata = correlation(meta)
    event_id = event.event_id
    if type(event_id) is not str:
        event_id = text(event_id)
    try:
        return Observation(
            provider=NAME,
            provider_message_id=message,
            recipient=recipient,
            kind=kind,
            occurred_at=occurred_at,
            event_id=event_id,
            raw_type=event.type,
            details=facts,
            metadata=metadata,
        )
    except InvalidObservationError as error:
        raise BodyError(NAME, index, error.field, error.problem) from None


def instant(value: Any, index: int, field: str) -> datetime:
    """The event's time: epoch seconds as a number or text, or ISO-8601 text with an offset."""
    if isinstance(value, str):
        try:
            seconds = float(value)
        except ValueError:
            return from_iso(value, NAME, index, field)
        return from_epoch(seconds, NAME, index, field)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return from_epoch(value, NAME, index, field)
    if value is None:
        raise BodyError(NAME, index, field, "missing; every recipient event has one")
    raise BodyError(NAME, index, field, f"{value!r} is neither epoch seconds nor ISO-8601 text")
