"""From one Postmark record to its observation, with our identifiers from its Metadata."""

from __future__ import annotations

from typing import Any

from adapters.providers.correlation import CORRELATION_KEYS, correlation
from adapters.providers.errors import BodyError
from adapters.providers.parsed import Notice
from adapters.providers.postmark.mapping import NAME
from adapters.providers.postmark.payload import Record
from adapters.providers.postmark.times import instant
from domain.errors import InvalidObservationError
from domain.kinds import EventKind
from domain.values import Observation

Reading = Observation | Notice
"""What one record yields: an observation, or a notice of why it yields none."""


def observe(
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

    ``facts`` are details(...)'s names, then Postmark's own, unfiltered.
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
