"""A SparkPost batch's events, each read by its class: an observation, or a notice."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter, ValidationError

from adapters.providers import json_values
from adapters.providers.errors import BodyError
from adapters.providers.parsed import Notice, Parsed, Rejected, unknown_type
from adapters.providers.set_aside import raw_type_of, set_aside
from adapters.providers.sparkpost.bounce_classes import BOUNCE_CLASSES, BounceClass
from adapters.providers.sparkpost.facts import details_of, text
from adapters.providers.sparkpost.mapping import (
    CLASSES,
    MAPPING,
    NAME,
    NOT_DELIVERY_FACTS,
    PING,
    PING_REASON,
)
from adapters.providers.sparkpost.observation import observation_of
from adapters.providers.sparkpost.payload import BODY, Envelope, Msys, OtherEvent, RecipientEvent
from adapters.providers.validation import body_error, validate_body
from domain.values import Observation

_BOUNCE_TYPES = frozenset({"bounce", "out_of_band"})
_RECIPIENT_CLASSES = frozenset({"message_event", "track_event", "gen_event", "unsubscribe_event"})
_ENVELOPE: TypeAdapter[Envelope] = TypeAdapter(Envelope)


def parse(body: bytes) -> Parsed:
    """The observations and notices of one webhook batch, exactly as SparkPost posts it.

    An event that cannot be read is set aside (``Parsed.rejected``) and the others are read:
    only a body that is not JSON, or not an array, is refused whole.
    """
    observations: list[Observation] = []
    notices: list[Notice] = []
    rejected: list[Rejected] = []
    add_observation = observations.append
    add_notice = notices.append
    elements: list[Any] | None = None
    # The events of one body mostly repeat a message's rcpt_meta: its metadata is read once.
    metadata_by_meta: dict[tuple[Any, ...], dict[str, str]] = {}
    for index, envelope in enumerate(_envelopes(body)):
        try:
            if isinstance(envelope, BodyError):  # refused by validation: set aside alike
                raise envelope
            result = _read(index, envelope.msys, metadata_by_meta)
        except BodyError as error:
            if elements is None:
                elements = json_values.loads(body)
            element = elements[index]
            rejected.append(set_aside(error, index, element, _raw_type(element)))
            continue
        if type(result) is Observation:
            add_observation(result)
        else:
            add_notice(result)  # type: ignore[arg-type]
    return Parsed(observations=observations, notices=notices, rejected=rejected)


def _envelopes(body: bytes) -> list[Envelope | BodyError]:
    """The batch's elements, each validated on its own once the whole batch fails."""
    try:
        envelopes: list[Envelope] = validate_body(NAME, BODY, body, batch=True)
        return list(envelopes)
    except BodyError as error:
        if error.index is None:
            raise
    return [_envelope_of(index, element) for index, element in enumerate(json_values.loads(body))]


def _envelope_of(index: int, element: Any) -> Envelope | BodyError:
    try:
        return _ENVELOPE.validate_python(element)
    except ValidationError as error:
        found = body_error(NAME, error, batch=False)
        return BodyError(NAME, index, found.field, found.problem)


def _raw_type(element: Any) -> str | None:
    """The type of the one event under the element's ``msys``, if it has one."""
    msys = element.get("msys") if isinstance(element, dict) else None
    if not isinstance(msys, dict) or len(msys) != 1:
        return None
    return raw_type_of(next(iter(msys.values())), "type")


def _read(
    index: int, msys: Msys, metadata_by_meta: dict[tuple[Any, ...], dict[str, str]]
) -> Observation | Notice:
    """One ``msys``: the common case, one recipient event, read without the general checks."""
    present = msys.model_fields_set
    if len(present) == 1:
        event_class = next(iter(present))
        if event_class in _RECIPIENT_CLASSES:
            event = getattr(msys, event_class)
            if event is not None:
                return recipient_event(index, event_class, event, metadata_by_meta)
    return read_event(index, msys)


def read_event(index: int, msys: Msys) -> Observation | Notice:
    """The observation, or the notice, of one ``msys`` object."""
    # The set fields include extra keys: a class SparkPost adds counts as one too.
    present = list(msys.model_fields_set)
    if not present:
        return Notice(index, PING, PING_REASON, known=True)
    if len(present) > 1:
        found = ", ".join(sorted(present))
        raise BodyError(NAME, index, "msys", f"expected one event class, found {found}")
    event_class = present[0]
    if event_class in _RECIPIENT_CLASSES:
        event = getattr(msys, event_class)
        if event is None:
            raise BodyError(NAME, index, f"msys.{event_class}", "expected a JSON object")
        return recipient_event(index, event_class, event)
    return other_event(index, event_class, msys)


def recipient_event(
    index: int,
    event_class: str,
    event: RecipientEvent,
    metadata_by_meta: dict[tuple[Any, ...], dict[str, str]] | None = None,
) -> Observation | Notice:
    """A recipient event's observation; a notice for a type that is unknown or no fact.

    ``metadata_by_meta`` keeps the metadata already read from a body's ``rcpt_meta``.
    """
    raw_type = event.type
    if raw_type not in CLASSES[event_class]:
        return unknown_type(index, raw_type, NAME)
    kind = MAPPING[raw_type]
    if kind is None:
        return Notice(index, raw_type, NOT_DELIVERY_FACTS[raw_type], known=True)
    bounce_class = text(event.bounce_class)
    bounce = BOUNCE_CLASSES.get(bounce_class) if bounce_class is not None else None
    facts = details_of(event_class, event, bounce_class, bounce)
    if bounce is not None and raw_type in _BOUNCE_TYPES:
        if bounce.kind is None:
            return bounce_notice(index, raw_type, bounce, facts)
        kind = bounce.kind
    return observation_of(index, event_class, event, kind, facts, metadata_by_meta)


def other_event(index: int, event_class: str, msys: Msys) -> Notice:
    """The notice of an event in a class that names no message of ours, or an unknown class."""
    if event_class == "relay_message":
        return Notice(index, event_class, NOT_DELIVERY_FACTS[event_class], known=True)
    event = getattr(msys, event_class, None)
    if isinstance(event, OtherEvent):
        if event.type in CLASSES[event_class]:
            return Notice(index, event.type, NOT_DELIVERY_FACTS[event_class], known=True)
        return unknown_type(index, event.type, NAME)
    if event_class in CLASSES:
        raise BodyError(NAME, index, f"msys.{event_class}", "expected a JSON object")
    inner = (msys.model_extra or {}).get(event_class)
    raw_type = inner.get("type") if isinstance(inner, dict) else None
    return unknown_type(index, raw_type if isinstance(raw_type, str) else event_class, NAME)


def bounce_notice(index: int, raw_type: str, bounce: BounceClass, facts: dict[str, Any]) -> Notice:
    """The known notice of a bounce whose class says it is no delivery failure."""
    reason = (
        f"SparkPost classified this {raw_type} as {bounce.name!r}: an answer from the "
        "recipient's side, not a delivery failure"
    )
    return Notice(index, raw_type, reason, known=True, details=facts)
