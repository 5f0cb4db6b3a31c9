"""SparkPost's event webhook: a JSON array of ``{"msys": {"<class>_event": {...}}}`` objects.

Each element wraps one event in its class: ``message_event`` (injection, delivery, bounces,
delays, rejections, complaints), ``track_event`` (opens and clicks), ``gen_event``
(generation failures and rejections), ``unsubscribe_event``, and three classes that name no
message of ours: ``relay_event`` (inbound relay), ``ab_test_event`` and ``ingest_event``.
When a webhook is created or validated SparkPost posts ``[{"msys": {}}]``: an empty
``msys`` is its validation ping, a known notice.

The message is named by ``transmission_id``: the id SparkPost's Transmissions API returns
when a platform sends, so the one a registration knows, and the one every recipient event
carries (generation events carry no ``message_id``). SparkPost's per-recipient
``message_id`` stands in only when an event carries no ``transmission_id``. The event id is
``event_id``; the time is ``timestamp``, epoch seconds as text ("1460989507") or a number,
or ISO-8601 text with an offset as the Message Events API gives it. Our correlation ids are
read from ``rcpt_meta`` (transmission and recipient metadata, merged by SparkPost).

``bounce`` and ``out_of_band`` name several kinds, decided by ``bounce_class`` (see
``BOUNCE_CLASSES``). Authenticity is checked by ``adapters.verification.sparkpost``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, TypeAdapter

from adapters.providers.correlation import CORRELATION_KEYS, correlation
from adapters.providers.errors import BodyError
from adapters.providers.parsed import Notice, Parsed, unknown_type
from adapters.providers.timestamps import from_epoch, from_iso
from adapters.providers.validation import validate_body
from domain.errors import InvalidObservationError
from domain.kinds import EventKind
from domain.values import Observation

NAME = "sparkpost"

MAPPING: dict[str, EventKind | None] = {
    # message_event
    "injection": EventKind.QUEUED,
    "delivery": EventKind.DELIVERED,
    # The usual kind; recipient_event() decides each by its bounce_class (BOUNCE_CLASSES).
    "bounce": EventKind.HARD_BOUNCE,
    "out_of_band": EventKind.HARD_BOUNCE,
    "delay": EventKind.DEFERRED,
    "policy_rejection": EventKind.BLOCKED,
    "spam_complaint": EventKind.SPAM,
    "sms_status": None,
    # track_event
    "open": EventKind.OPENED,
    "initial_open": EventKind.OPENED,
    "amp_open": EventKind.OPENED,
    "amp_initial_open": EventKind.OPENED,
    "click": EventKind.CLICKED,
    "amp_click": EventKind.CLICKED,
    # gen_event
    "generation_failure": EventKind.ERROR,
    "generation_rejection": EventKind.BLOCKED,
    # unsubscribe_event
    "list_unsubscribe": EventKind.UNSUBSCRIBED,
    "link_unsubscribe": EventKind.UNSUBSCRIBED,
    # relay_event
    "relay_injection": None,
    "relay_rejection": None,
    "relay_delivery": None,
    "relay_tempfail": None,
    "relay_permfail": None,
    # ab_test_event
    "ab_test_completed": None,
    "ab_test_cancelled": None,
    # ingest_event
    "success": None,
    "error": None,
}
"""Every event type SparkPost documents, by raw name; None for those that are no delivery fact."""

CLASSES: dict[str, frozenset[str]] = {
    "message_event": frozenset(
        {
            "injection",
            "delivery",
            "bounce",
            "out_of_band",
            "delay",
            "policy_rejection",
            "spam_complaint",
            "sms_status",
        }
    ),
    "track_event": frozenset(
        {"open", "initial_open", "amp_open", "amp_initial_open", "click", "amp_click"}
    ),
    "gen_event": frozenset({"generation_failure", "generation_rejection"}),
    "unsubscribe_event": frozenset({"list_unsubscribe", "link_unsubscribe"}),
    "relay_event": frozenset(
        {"relay_injection", "relay_rejection", "relay_delivery", "relay_tempfail", "relay_permfail"}
    ),
    "ab_test_event": frozenset({"ab_test_completed", "ab_test_cancelled"}),
    "ingest_event": frozenset({"success", "error"}),
}
"""The documented types of each event class; a type is known only within its own class."""

NOT_DELIVERY_FACTS: dict[str, str] = {
    "sms_status": "an SMS delivery status; mailledger tracks e-mail",
    "relay_event": (
        "an inbound relay event (mail received for an inbound domain), "
        "not about a message sent through SparkPost"
    ),
    "ab_test_event": "an A/B test completed or was cancelled; it names no message or recipient",
    "ingest_event": "an Ingest API batch report; it names no message or recipient",
    "relay_message": (
        "an inbound message posted by a relay webhook, not an event about a sent message"
    ),
}
"""Why each documented type (or whole class) that maps to None is recorded as no observation."""

PING = "ping"
"""The raw type given to SparkPost's validation ping ``{"msys": {}}``."""

PING_REASON = (
    "SparkPost's validation ping (an empty msys), posted when a webhook is created or "
    "validated; nothing to record"
)


class BounceClass(NamedTuple):
    """One of SparkPost's bounce classification codes."""

    name: str
    category: str
    kind: EventKind | None


BOUNCE_CLASSES: dict[str, BounceClass] = {
    "1": BounceClass("Undetermined", "Undetermined", EventKind.SOFT_BOUNCE),
    "10": BounceClass("Invalid Recipient", "Hard", EventKind.INVALID_EMAIL),
    "20": BounceClass("Soft Bounce", "Soft", EventKind.SOFT_BOUNCE),
    "21": BounceClass("DNS Failure", "Soft", EventKind.SOFT_BOUNCE),
    "22": BounceClass("Mailbox Full", "Soft", EventKind.SOFT_BOUNCE),
    "23": BounceClass("Too Large", "Soft", EventKind.SOFT_BOUNCE),
    "24": BounceClass("Timeout", "Soft", EventKind.SOFT_BOUNCE),
    "25": BounceClass("Admin Failure", "Admin", EventKind.BLOCKED),
    "26": BounceClass("Smart Send Suppression", "Admin", EventKind.BLOCKED),
    "30": BounceClass("Generic Bounce: No RCPT", "Hard", EventKind.HARD_BOUNCE),
    "40": BounceClass("Generic Bounce", "Soft", EventKind.SOFT_BOUNCE),
    "50": BounceClass("Mail Block", "Block", EventKind.BLOCKED),
    "51": BounceClass("Spam Block", "Block", EventKind.BLOCKED),
    "52": BounceClass("Spam Content", "Block", EventKind.BLOCKED),
    "53": BounceClass("Prohibited Attachment", "Block", EventKind.BLOCKED),
    "54": BounceClass("Relaying Denied", "Block", EventKind.BLOCKED),
    "60": BounceClass("Auto-Reply", "Soft", None),
    "70": BounceClass("Transient Failure", "Soft", EventKind.SOFT_BOUNCE),
    "80": BounceClass("Subscribe", "Admin", None),
    "90": BounceClass("Unsubscribe", "Hard", EventKind.UNSUBSCRIBED),
    "100": BounceClass("Challenge-Response", "Soft", EventKind.SOFT_BOUNCE),
}
"""SparkPost's bounce classification codes and the kind of a bounce or out-of-band bounce.

Invalid recipient (10) is ``invalid_email``; the other hard classes ``hard_bounce``; soft and
undetermined classes (SparkPost: "usually temporary") ``soft_bounce``; blocks by the
receiver (50-54) and SparkPost's own policy failures such as its suppression list (25, 26)
``blocked``. An unsubscribe request answered through the bounce channel (90) is
``unsubscribed``. An auto-reply (60) or a subscribe request (80) is no delivery failure:
it becomes a known notice. A class absent from this table keeps the type's usual kind, a
permanent rejection (``hard_bounce``).
"""

_BOUNCE_TYPES = frozenset({"bounce", "out_of_band"})
# In these classes ip_address is the engaging client's; in message events the receiving host's.
_ENGAGEMENT_CLASSES = frozenset({"track_event", "unsubscribe_event"})
# SparkPost itself decided these, so its `reason` is its own explanation, not a server's answer.
_SPARKPOST_DECISIONS = frozenset({"policy_rejection", "generation_failure", "generation_rejection"})
_RECIPIENT_CLASSES = frozenset({"message_event", "track_event", "gen_event", "unsubscribe_event"})
_CORRELATION_FIELDS = tuple(CORRELATION_KEYS)


class RecipientEvent(BaseModel):
    """A message, track, generation or unsubscribe event: one recipient of one message.

    SparkPost documents ids and codes as text ("554"); a number is read as the same text.
    Fields typed ``Any`` are read by the parser for what they hold: ``timestamp`` (text or
    number), the platform's ``rcpt_meta`` and ``rcpt_tags``, and the codes, whose odd shape
    must not fail a delivery fact.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    type: str
    timestamp: Any = None
    event_id: str | int | None = None
    transmission_id: str | int | None = None
    message_id: str | int | None = None
    rcpt_to: str | None = None
    raw_rcpt_to: str | None = None
    rcpt_type: str | None = None
    rcpt_meta: Any = None
    rcpt_tags: Any = None
    campaign_id: str | None = None
    subject: str | None = None
    friendly_from: str | None = None
    bounce_class: Any = None
    error_code: Any = None
    raw_reason: str | None = None
    reason: str | None = None
    num_retries: Any = None
    queue_time: Any = None
    sending_ip: str | None = None
    ip_address: str | None = None
    user_agent: str | None = None
    target_link_url: str | None = None
    fbtype: str | None = None


class OtherEvent(BaseModel):
    """A relay, A/B test or ingest event: it names no message sent through SparkPost."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    type: str


class Msys(BaseModel):
    """The ``msys`` wrapper: one event under its class's key, or nothing (the ping).

    Extra keys are allowed so that a class SparkPost adds is reported, not refused.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    message_event: RecipientEvent | None = None
    track_event: RecipientEvent | None = None
    gen_event: RecipientEvent | None = None
    unsubscribe_event: RecipientEvent | None = None
    relay_event: OtherEvent | None = None
    ab_test_event: OtherEvent | None = None
    ingest_event: OtherEvent | None = None
    relay_message: dict[str, Any] | None = None


class Envelope(BaseModel):
    """One element of the array SparkPost posts."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    msys: Msys


_BODY: TypeAdapter[list[Envelope]] = TypeAdapter(list[Envelope])


def parse(body: bytes) -> Parsed:
    """The observations and notices of one webhook batch, exactly as SparkPost posts it."""
    envelopes = validate_body(NAME, _BODY, body, batch=True)
    observations: list[Observation] = []
    notices: list[Notice] = []
    add_observation = observations.append
    add_notice = notices.append
    # The events of one body mostly repeat a message's rcpt_meta: its metadata is read once.
    metadata_by_meta: dict[tuple[Any, ...], dict[str, str]] = {}
    for index, envelope in enumerate(envelopes):
        msys = envelope.msys
        present = msys.model_fields_set
        if len(present) == 1:
            event_class = next(iter(present))
            if event_class in _RECIPIENT_CLASSES:
                event = getattr(msys, event_class)
                if event is not None:
                    result = recipient_event(index, event_class, event, metadata_by_meta)
                    if type(result) is Observation:
                        add_observation(result)
                    else:
                        add_notice(result)  # type: ignore[arg-type]
                    continue
        result = read_event(index, msys)
        if isinstance(result, Notice):
            add_notice(result)
        else:
            add_observation(result)
    return Parsed(observations=observations, notices=notices)


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


def details_of(
    event_class: str, event: RecipientEvent, bounce_class: str | None, bounce: BounceClass | None
) -> dict[str, Any]:
    """The event's facts in the shared vocabulary, plus three SparkPost facts of its own.

    The text SparkPost gives in ``raw_reason`` (exact) or ``reason`` (canonicalised) is the
    receiving server's answer, the ``diagnostic``; on a rejection or generation event
    SparkPost itself decided, so it is the ``reason``. The send's own facts (tags, subject,
    sender, campaign) are the same on every event of a message: they are kept once, on the
    ``injection``. ``campaign_id``, ``recipient_type`` (cc, bcc) and ``queue_time_ms`` have
    no shared slot and keep plain names.
    """
    engagement = event_class in _ENGAGEMENT_CLASSES
    raw_type = event.type
    answer = event.raw_reason or event.reason
    send = raw_type == "injection"
    # Built as details() would be, in the same key order: a value of None or "" is left out.
    found: dict[str, Any] = {}
    error_code = event.error_code
    code = smtp_code(
        error_code if type(error_code) is str or error_code is None else text(error_code), answer
    )
    if code is not None:
        found["smtp_code"] = code
    if answer:
        status = enhanced_status(answer)
        if status:
            found["smtp_status"] = status
        found["reason" if raw_type in _SPARKPOST_DECISIONS else "diagnostic"] = answer
    if bounce is not None:
        found["bounce_type"] = bounce.category
    if bounce_class:
        found["bounce_subtype"] = bounce_class
    ip_address = event.ip_address
    if ip_address and not engagement:
        found["remote_mta"] = ip_address
    if raw_type == "delay":
        attempt = whole(event.num_retries)
        if attempt is not None:
            found["attempt"] = attempt
    value = event.target_link_url
    if value:
        found["url"] = value
    value = event.user_agent
    if value:
        found["user_agent"] = value
    if ip_address and engagement:
        found["ip"] = ip_address
    value = event.fbtype
    if value:
        found["feedback_type"] = value
    value = event.sending_ip
    if value:
        found["sending_ip"] = value
    if send:
        tags = tags_of(event.rcpt_tags)
        if tags:
            found["tags"] = tags
        value = event.subject
        if value:
            found["subject"] = value
        value = event.friendly_from
        if value:
            found["sender"] = value
        if event.campaign_id:
            found["campaign_id"] = event.campaign_id
    if event.rcpt_type:
        found["recipient_type"] = event.rcpt_type
    queue_time = event.queue_time
    if queue_time is not None:
        queue_time = whole(queue_time)
        if queue_time is not None:
            found["queue_time_ms"] = queue_time
    return found


def text(value: Any) -> str | None:
    """A value SparkPost documents as text; a number as its digits; any other shape None."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def smtp_code(error_code: str | None, diagnostic: str | None) -> int | None:
    """The basic SMTP reply code: SparkPost's ``error_code``, else the diagnostic's first word."""
    for text in (error_code, diagnostic):
        if text and len(text) >= 3:
            head = text[:3]
            if head[0] in "2345" and head.isdigit() and (len(text) == 3 or text[3] in " -"):
                return int(head)
    return None


def enhanced_status(diagnostic: str | None) -> str | None:
    """The enhanced status code ("5.1.1") after the basic code in a server's answer, if any."""
    if not diagnostic:
        return None
    words = diagnostic.split(None, 2)
    if len(words) < 2:
        return None
    parts = words[1].split(".")
    if len(parts) == 3 and parts[0] in {"2", "4", "5"} and all(p.isdigit() for p in parts):
        return words[1]
    return None


def whole(value: Any) -> int | None:
    """A count SparkPost gives as text ("2"), or None when it is not a whole number."""
    digits = text(value)
    if digits is None or not digits.strip().isdigit():
        return None
    return int(digits)


def tags_of(value: Any) -> list[str] | None:
    """The send's tags (``rcpt_tags``); entries that are not text are left out."""
    if not isinstance(value, list):
        return None
    tags = [tag for tag in value if isinstance(tag, str)]
    return tags or None
