"""Brevo (formerly Sendinblue) transactional e-mail webhooks, as Brevo posts them.

Brevo posts one JSON object per event, or, for a webhook created with ``batched: true``, a
JSON array of such objects (up to 500 events gathered over five minutes). Both are read.

- Message id: ``message-id``, raw (``<...@smtp-relay.mailin.fr>``; the domain drops the
  angle brackets). Brevo has no per-event id (its ``id`` is the webhook's), so ``event_id``
  is None and the domain stands a content hash in for it.
- Time: the first of ``TIME_FIELDS`` the event carries: ``ts_event`` (epoch seconds in
  UTC), else ``ts_epoch`` (documented in milliseconds, shown in seconds in several of
  Brevo's examples), else ``s_epoch`` (the field Brevo's documented proxy open carries
  instead), else ``ts`` (documented as the event's time in seconds). Each is read with the
  shared rule: 10^11 or more is milliseconds. ``date`` is wall-clock time without an offset
  and is never read.
- Correlation: ``X-Mailin-custom`` echoes the header the platform set on the send, either a
  JSON object (``{"tenant": "acme", "dossier_id": "BK-1"}``) or ``key:value`` pairs joined by
  ``|`` (``tenant:acme|dossier_id:BK-1``); see ``adapters.providers.correlation`` for the
  keys. Anything else in it is ignored. ``tags`` (or, where Brevo sends only ``tag``, that)
  go into details.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any, Required

import orjson
from pydantic import ConfigDict, Field, Strict, TypeAdapter, ValidationError
from typing_extensions import TypedDict

from adapters.providers import json_values
from adapters.providers.correlation import correlation
from adapters.providers.errors import BodyError
from adapters.providers.parsed import Notice, Parsed, Rejected, unknown_type
from adapters.providers.schema import Schema
from adapters.providers.set_aside import raw_type_of, set_aside, whole_body_aside
from adapters.providers.timestamps import from_epoch_either
from adapters.providers.validation import event_error, is_array, validate_fast
from domain.errors import InvalidObservationError
from domain.kinds import MACHINE_OPEN, EventKind
from domain.values import Observation

NAME = "brevo"

MAPPING: dict[str, EventKind | None] = {
    "request": EventKind.SENT,
    "delivered": EventKind.DELIVERED,
    "deferred": EventKind.DEFERRED,
    "soft_bounce": EventKind.SOFT_BOUNCE,
    "hard_bounce": EventKind.HARD_BOUNCE,
    "blocked": EventKind.BLOCKED,
    "invalid_email": EventKind.INVALID_EMAIL,
    "error": EventKind.ERROR,
    "spam": EventKind.SPAM,
    "complaint": EventKind.SPAM,
    "unique_opened": EventKind.OPENED,
    "opened": EventKind.OPENED,
    "unique_proxy_open": EventKind.OPENED,
    "proxy_open": EventKind.OPENED,
    "click": EventKind.CLICKED,
    "unsubscribed": EventKind.UNSUBSCRIBED,
    "list_addition": None,
    "contact_updated": None,
    "contact_deleted": None,
}
"""Brevo's ``event`` names onto mailledger's kinds.

``request`` is Brevo's "Sent": the message was accepted and pushed for delivery.
``complaint`` is the name Brevo's docs give the spam-complaint event next to ``spam``.
``unique_opened`` is the first open and ``opened`` a later one; ``unique_proxy_open`` and
``proxy_open`` are the same for an open through a privacy proxy (Apple Mail Privacy
Protection, image proxies) and carry ``proxy_open: true`` in details. The raw type keeps the
first/later distinction. ``list_addition``, ``contact_updated`` and ``contact_deleted`` are
Brevo's contact-list events (marketing webhooks): known, answered with a notice, not recorded.
"""

_PROXY_OPENS = frozenset({"proxy_open", "unique_proxy_open"})
_CONTACT_EVENT = "a Brevo contact-list event, not a delivery fact about a message; not recorded"

TIME_FIELDS = ("ts_event", "ts_epoch", "s_epoch", "ts")
"""Where an event's time is read, in this order: the first one the event carries."""
# An SMTP reply leads Brevo's reason ("RecipientError: 550 5.1.1 ..."); look no further.
_REPLY_TOKENS = 6

EpochNumber = Annotated[float, Strict()]
"""A JSON number (integer or not), never a string or a boolean."""


class Event(TypedDict, total=False):
    """One transactional e-mail event as Brevo documents it; other fields are ignored.

    Only ``event`` is required here: the message id, recipient and time are required of the
    events that become observations, and checked there, so that a contact-list event or an
    event of a type added since is still well-formed. A key the body lacks is left out.
    """

    __pydantic_config__ = ConfigDict(extra="ignore")  # type: ignore[misc]
    event: Required[str]
    email: str | None
    message_id: Annotated[str | None, Field(alias="message-id")]
    ts_event: EpochNumber | None
    ts_epoch: EpochNumber | None
    # Brevo's documented proxy open carries its time here, with no ts_event or ts_epoch.
    s_epoch: EpochNumber | None
    ts: EpochNumber | None
    subject: str | None
    sender_email: str | None
    sending_ip: str | None
    template_id: int | None
    tags: list[str] | None
    tag: str | list[str] | None
    x_mailin_custom: Annotated[Any, Field(alias="X-Mailin-custom")]
    reason: str | None
    link: str | None
    user_agent: str | None


# One schema validates a whole body in one pass; the body's first byte picks which.
SINGLE: Schema[Event] = Schema(Event, name="BrevoEvent")
BATCH: Schema[list[Event]] = Schema(list[Event], name="BrevoEvent")


_ELEMENTS: TypeAdapter[list[Any]] = TypeAdapter(list[Any])


def parse(body: bytes) -> Parsed:
    """The observations of one Brevo webhook body, in body order, its notices, and the events
    of it that cannot be read.

    Raises BodyError only when the body is not Brevo's format as a whole: not JSON, or
    neither an object nor an array.
    """
    batch = is_array(body)
    rejected: list[Rejected] = []
    elements = _Elements(body)
    try:
        events = list(enumerate(_events(body, batch)))
    except BodyError as problem:
        if problem.index is None or (not batch and problem.field is None):
            raise
        events = _each(body, batch, elements, rejected)
    observations: list[Observation] = []
    notices: list[Notice] = []
    for index, event in events:
        raw_type = event["event"]
        kind = MAPPING.get(raw_type, _UNKNOWN)
        if kind is None:
            notices.append(Notice(index, raw_type, _CONTACT_EVENT, known=True))
        elif kind is _UNKNOWN:
            notices.append(unknown_type(index, raw_type, NAME))
        else:
            try:
                observations.append(_observation(index, event, kind))
            except BodyError as problem:
                rejected.append(_rejection(body, batch, elements, index, problem))
    rejected.sort(key=lambda one: one.index)
    return Parsed(observations, notices, rejected)


_UNKNOWN: Any = object()
"""Stands for an event name MAPPING does not know (None there is a known contact event)."""


def _events(body: bytes, batch: bool) -> list[Event]:
    """The body's events: a batched webhook's array, or the one event of a plain webhook."""
    if batch:
        return validate_fast(NAME, BATCH, body, batch=True)
    return [validate_fast(NAME, SINGLE, body, batch=False)]


def _each(
    body: bytes, batch: bool, elements: _Elements, rejected: list[Rejected]
) -> list[tuple[int, Event]]:
    """The events of a body with one the schema refuses, each validated alone.

    A refused event goes to ``rejected``; a plain webhook's one event is the whole body.
    """
    if not batch:
        problem = _single_problem(body)
        rejected.append(_rejection(body, batch, elements, 0, problem))
        return []
    valid: list[tuple[int, Event]] = []
    for index, element in enumerate(elements.all()):
        try:
            valid.append((index, SINGLE.fast.validate_python(element)))
        except ValidationError:
            try:
                SINGLE.models.validate_python(element)
                problem = BodyError(NAME, index, None, "not a Brevo event")
            except ValidationError as refused:
                problem = event_error(NAME, refused, index)
            rejected.append(_rejection(body, batch, elements, index, problem))
    return valid


def _single_problem(body: bytes) -> BodyError:
    """Why a plain webhook's one event is refused, worded as the models word it."""
    try:
        validate_fast(NAME, SINGLE, body, batch=False)
    except BodyError as problem:
        return problem
    return BodyError(NAME, 0, None, "not a Brevo event")


class _Elements:
    """A batch's elements, decoded once, when the first of them is needed: most bodies are
    read whole by the fast path and never need them."""

    def __init__(self, body: bytes) -> None:
        self._body = body
        self._decoded: list[Any] | None = None

    def all(self) -> list[Any]:
        if self._decoded is None:
            self._decoded = _ELEMENTS.validate_json(self._body)
        return self._decoded


def _rejection(
    body: bytes, batch: bool, elements: _Elements, index: int, problem: BodyError
) -> Rejected:
    """One event set aside, alone as a body Brevo could have posted."""
    if batch:
        element = elements.all()[index]
        return set_aside(problem, index, element, raw_type_of(element, "event"))
    return whole_body_aside(problem, body, raw_type_of(json_values.loads(body), "event"))


def _observation(index: int, event: Event, kind: EventKind) -> Observation:
    """The observation of one event whose type is a delivery fact."""
    message_id = event.get("message_id")
    if message_id is None or not message_id.strip():
        raise BodyError(NAME, index, "message-id", "missing; Brevo names the message by it")
    recipient = event.get("email")
    if recipient is None:
        raise BodyError(NAME, index, "email", "missing; Brevo names the recipient by it")
    ts_event = event.get("ts_event")
    if ts_event is not None:
        occurred_at = from_epoch_either(ts_event, NAME, index, "ts_event")
    else:
        occurred_at = _occurred_at(index, event)
    custom = event.get("x_mailin_custom")
    metadata = _metadata_of_header(custom) if type(custom) is str else _metadata(custom)
    try:
        return Observation(
            provider=NAME,
            provider_message_id=message_id,
            recipient=recipient,
            kind=kind,
            occurred_at=occurred_at,
            event_id=None,
            raw_type=event["event"],
            details=_details(event),
            metadata=metadata,
        )
    except InvalidObservationError as error:
        raise BodyError(NAME, index, error.field, error.problem) from None


def _occurred_at(index: int, event: Event) -> datetime:
    """The event's instant from the first of ``TIME_FIELDS`` it carries."""
    times = (event.get("ts_event"), event.get("ts_epoch"), event.get("s_epoch"), event.get("ts"))
    for field, value in zip(TIME_FIELDS, times, strict=True):
        if value is not None:
            return from_epoch_either(value, NAME, index, field)
    raise BodyError(
        NAME, index, "ts_event", "missing, and no ts_epoch, s_epoch or ts stands in for it"
    )


def _details(event: Event) -> dict[str, Any]:
    """The event's facts in mailledger's detail names, without the values that are missing.

    The names, order and filter of ``details(...)``, without its keyword call: a text is kept
    when it is not empty, any other value when it is not None.
    """
    found: dict[str, Any] = {}
    get = event.get
    reason = event.get("reason")
    if reason:
        reason = reason.strip()
        if reason:
            smtp_code, smtp_status = _smtp_reply(reason)
            if smtp_code is not None:
                found["smtp_code"] = smtp_code
            if smtp_status:
                found["smtp_status"] = smtp_status
            found["reason"] = reason
    if value := get("link"):
        found["url"] = value
    if value := get("user_agent"):
        found["user_agent"] = value
    if event["event"] in _PROXY_OPENS:
        # A privacy proxy fetched the pixel: proof of delivery, not of a reader.
        found["proxy_open"] = True
        found[MACHINE_OPEN] = True
    if value := get("sending_ip"):
        found["sending_ip"] = value
    tags = _tags(event)
    if tags is not None:
        found["tags"] = tags
    if value := get("subject"):
        found["subject"] = value
    if value := get("sender_email"):
        found["sender"] = value
    template_id = get("template_id")
    if template_id is not None:
        # No shared name fits Brevo's template number; it is kept under its own.
        found["template_id"] = template_id
    return found


def _smtp_reply(reason: str) -> tuple[int | None, str | None]:
    """The basic and enhanced SMTP codes at the start of a reason, where there are any."""
    code: int | None = None
    status: str | None = None
    for token in reason.split(None, _REPLY_TOKENS)[:_REPLY_TOKENS]:
        token = token.rstrip(":,;")
        if token[:1] not in {"2", "4", "5"}:
            continue
        if code is None and len(token) == 3 and token.isdigit():
            code = int(token)
        elif status is None and _is_enhanced_status(token):
            status = token
    return code, status


def _is_enhanced_status(token: str) -> bool:
    """True for an RFC 3463 status code such as 5.1.1 or 4.7.26."""
    parts = token.split(".")
    return (
        len(parts) == 3
        and len(parts[0]) == 1
        and all(part.isdigit() and len(part) <= 3 for part in parts)
    )


def _tags(event: Event) -> list[str] | None:
    """The send's tags: ``tags``, or the older ``tag`` where Brevo sends only that."""
    tags = event.get("tags")
    if tags:
        return tags  # a fresh list of this event's own, from validation
    tag = event.get("tag")
    if isinstance(tag, list):
        return list(tag) or None
    if tag is None or not tag.strip():
        return None
    return list(_tags_of_text(tag.strip()))


@lru_cache(maxsize=1024)
def _tags_of_text(tag: str) -> tuple[str, ...]:
    """Brevo's ``tag`` text: a JSON array of tags serialised into a string, or one tag."""
    if tag.startswith("["):
        try:
            # orjson: text nested too deep is a ValueError to it, a RecursionError to json.
            decoded = orjson.loads(tag)
        except orjson.JSONDecodeError:
            return (tag,)
        if isinstance(decoded, list) and all(isinstance(item, str) for item in decoded):
            return tuple(decoded)
    return (tag,)


def _metadata(custom: Any) -> Mapping[str, str]:
    """Our correlation ids from the ``X-Mailin-custom`` value, or none."""
    if isinstance(custom, str):
        return _metadata_of_header(custom)
    if isinstance(custom, dict):
        return correlation(custom)
    return {}


@lru_cache(maxsize=4096)
def _metadata_of_header(header: str) -> Mapping[str, str]:
    """Correlation ids from an X-Mailin-custom header (cached: a message's events repeat it).

    The header belongs to the platform: text in neither accepted form yields nothing rather
    than an error, so that a delivery fact is never refused because of it.
    """
    text = header.strip()
    if text.startswith("{"):
        try:
            fields = orjson.loads(text)
        except orjson.JSONDecodeError:
            return {}
        return correlation(fields) if isinstance(fields, dict) else {}
    pairs: dict[str, str] = {}
    for pair in text.split("|"):
        key, colon, value = pair.partition(":")
        if colon:
            pairs.setdefault(key.strip(), value.strip())
    return correlation(pairs)
