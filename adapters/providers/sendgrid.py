"""SendGrid's Event Webhook: a JSON array of events, many messages and recipients a body.

Each event names its type in ``event``, its time in ``timestamp`` (epoch seconds, or
milliseconds for Marketing Campaigns events, told apart by magnitude), its recipient in
``email``, the message in ``sg_message_id`` (the X-Message-Id followed by a per-recipient
routing suffix, which the domain cuts at ``.filter`` or ``.recvd``) and itself in
``sg_event_id``. The send's custom args (v3 Mail Send ``custom_args``, SMTP API
``unique_args``) come back flattened into the event as top-level keys: our correlation ids
are read from the event's extra keys.

Two raw types name several kinds, decided by ``event_kind``:

- ``bounce``: ``type`` "bounce" (or none) is a hard bounce, "blocked" a block;
- ``dropped``: SendGrid refused to send; the ``reason`` decides (see ``DROP_REASONS``).

SendGrid documents that an asynchronous bounce carries no ``sg_message_id``, nor does an
unsubscribe from its legacy newsletter tool: such an event names no message and becomes a
known notice. Any other event that cannot be read is set aside as ``Rejected`` on its own,
and the rest of the batch is read; only a body that is not a JSON array as a whole is
refused. The signature is checked by ``adapters.verification.sendgrid``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from operator import attrgetter
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, TypeAdapter, ValidationError

from adapters.providers.correlation import CORRELATION_KEYS, correlation
from adapters.providers.errors import BodyError
from adapters.providers.parsed import Notice, Parsed, Rejected, unknown_type
from adapters.providers.timestamps import from_epoch_either
from adapters.providers.validation import body_error, event_error
from domain.errors import InvalidObservationError
from domain.kinds import MACHINE_OPEN, EventKind
from domain.values import Observation

NAME = "sendgrid"

MAPPING: dict[str, EventKind | None] = {
    # SendGrid accepted the send: a provider's acceptance is "sent" ("queued" is for a
    # registration alone).
    "processed": EventKind.SENT,
    # The usual kind; event_kind() decides each drop by its reason.
    "dropped": EventKind.BLOCKED,
    "delivered": EventKind.DELIVERED,
    "deferred": EventKind.DEFERRED,
    # The usual kind; event_kind() makes a bounce of type "blocked" a block.
    "bounce": EventKind.HARD_BOUNCE,
    "open": EventKind.OPENED,
    "click": EventKind.CLICKED,
    "spamreport": EventKind.SPAM,
    "unsubscribe": EventKind.UNSUBSCRIBED,
    "group_unsubscribe": EventKind.UNSUBSCRIBED,
    "group_resubscribe": None,
    "account_status_change": None,
}
"""Every event type SendGrid documents, by raw name; None for those that are no delivery fact."""

NOT_DELIVERY_FACTS: dict[str, str] = {
    "group_resubscribe": (
        "the recipient rejoined a SendGrid unsubscribe group; a subscription change, "
        "not a delivery fact"
    ),
    "account_status_change": (
        "SendGrid changed the account's status for compliance; it names no message or recipient"
    ),
}
"""Why each documented type that maps to None is recorded as no observation."""

DROP_REASONS: dict[str, EventKind] = {
    "invalid": EventKind.INVALID_EMAIL,
    "invalid address": EventKind.INVALID_EMAIL,
    "invalid smtpapi header": EventKind.ERROR,
    "recipient list over package quota": EventKind.ERROR,
    "bounced address": EventKind.BLOCKED,
    "unsubscribed address": EventKind.BLOCKED,
    "spam reporting address": EventKind.BLOCKED,
}
"""The kind of a ``dropped`` event by its documented reason (lower-cased).

A drop is SendGrid refusing to send: an invalid address is ``invalid_email``, a fault of the
send itself (a bad SMTP API header, a plan's quota) is ``error``, and a suppression
(an earlier bounce, unsubscribe or spam report) is ``blocked``; so are spam content and
any reason not listed here.
"""

BLOCKED_TYPE = "blocked"
"""The ``type`` of a bounce the receiving server refused without SendGrid suppressing it."""

# Engagement events report the recipient's IP; delivery events the IP SendGrid sent from.
_RECIPIENT_IP_TYPES = frozenset(
    {"open", "click", "unsubscribe", "group_unsubscribe", "group_resubscribe", "spamreport"}
)
# The domain's names of the fields it refuses, as SendGrid names them in the body.
_FIELDS = {"recipient": "email", "provider_message_id": "sg_message_id"}


def _epoch(value: Any) -> Any:
    # Lax float validation would read JSON true as 1.0; a boolean is no time.
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a time in epoch seconds")
    return value


class SendGridEvent(BaseModel):
    """One event of the array SendGrid posts; only ``event`` and ``timestamp`` are in all types.

    Of the other keys only those read are modelled: the send's flattened custom args that
    carry our correlation ids, kept unvalidated (``Any``) as the platform set them, and the
    nested args objects. Every other key is ignored.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    event: str
    # Epoch seconds, or milliseconds for Marketing Campaigns events; documented as a string in
    # one place, so numeric text is accepted too.
    timestamp: Annotated[float, BeforeValidator(_epoch)]
    email: str | None = None
    sg_message_id: str | None = None
    sg_event_id: str | None = None
    category: str | list[str] | None = None
    type: str | None = None
    bounce_classification: str | None = None
    reason: str | None = None
    status: str | None = None
    response: str | None = None
    attempt: int | None = None
    url: str | None = None
    useragent: str | None = None
    ip: str | None = None
    sg_machine_open: bool | None = None
    tls: bool | None = None
    asm_group_id: int | None = None
    # Set by SendGrid's legacy newsletter tool, whose unsubscribes name no message.
    newsletter: Any = None
    # The flattened custom args that name our correlation ids (CORRELATION_KEYS).
    tenant: Any = None
    dossier_id: Any = None
    dossier: Any = None
    external_ref: Any = None
    mailledger_tenant: Any = None
    mailledger_dossier_id: Any = None
    mailledger_dossier: Any = None
    mailledger_external_ref: Any = None
    # SendGrid echoes these nested objects when the send set them as objects, not flattened.
    custom_args: Any = None
    unique_args: Any = None


_BODY: TypeAdapter[list[SendGridEvent]] = TypeAdapter(list[SendGridEvent])
_ELEMENTS: TypeAdapter[list[Any]] = TypeAdapter(list[Any])

_CORRELATION_FIELDS = tuple(CORRELATION_KEYS)
_correlation_values = attrgetter(*_CORRELATION_FIELDS)
_UNKNOWN: Any = object()


def parse(body: bytes) -> Parsed:
    """The observations and notices of one Event Webhook body, exactly as SendGrid posts it,
    and the events of it that cannot be read.

    Raises BodyError only when the body is not a JSON array as a whole.
    """
    try:
        events = _BODY.validate_json(body)
    except ValidationError as error:
        # Nearly every body validates whole; only one that does not is read event by event.
        return _parse_each(body, error)
    return _read(body, enumerate(events), [])


def _parse_each(body: bytes, error: ValidationError) -> Parsed:
    """A body whose array holds an event the model refuses: each event validated alone."""
    if any(not problem["loc"] for problem in error.errors(include_url=False)):
        raise body_error(NAME, error, batch=True) from None
    elements = _ELEMENTS.validate_json(body)
    valid: list[tuple[int, SendGridEvent]] = []
    rejected: list[Rejected] = []
    for index, element in enumerate(elements):
        try:
            valid.append((index, SendGridEvent.model_validate(element)))
        except ValidationError as refused:
            problem = event_error(NAME, refused, index)
            rejected.append(rejection(index, element, problem))
    return _read(body, valid, rejected, elements)


def _read(
    body: bytes,
    events: Iterable[tuple[int, SendGridEvent]],
    rejected: list[Rejected],
    elements: list[Any] | None = None,
) -> Parsed:
    """The observations and notices of validated events; one that cannot be read is rejected."""
    observations: list[Observation] = []
    notices: list[Notice] = []
    add_observation = observations.append
    add_notice = notices.append
    # The events of one body mostly repeat the same custom args: their metadata is read once.
    metadata_by_args: dict[tuple[Any, ...], dict[str, str]] = {}
    for index, event in events:
        try:
            found = _event(index, event, metadata_by_args)
        except BodyError as problem:
            if elements is None:
                elements = _ELEMENTS.validate_json(body)
            rejected.append(rejection(index, elements[index], problem))
            continue
        if isinstance(found, Notice):
            add_notice(found)
        else:
            add_observation(found)
    rejected.sort(key=attrgetter("index"))
    return Parsed(observations=observations, notices=notices, rejected=rejected)


def _event(
    index: int, event: SendGridEvent, metadata_by_args: dict[tuple[Any, ...], dict[str, str]]
) -> Observation | Notice:
    """The observation or notice of one event; BodyError when it cannot be read."""
    raw_type = event.event
    usual = MAPPING.get(raw_type, _UNKNOWN)
    if usual is _UNKNOWN:
        return unknown_type(index, raw_type, NAME)
    if usual is None:
        return not_delivery_fact(index, event)
    message_id = event.sg_message_id
    if message_id is None or not message_id.strip():
        if raw_type == "bounce":
            return asynchronous_bounce(index, event)
        if raw_type == "unsubscribe" and event.newsletter is not None:
            return legacy_newsletter_unsubscribe(index, event)
        raise BodyError(NAME, index, "sg_message_id", "missing; every message event carries one")
    kind = event_kind(event, usual)
    recipient = event.email
    if recipient is None:
        raise BodyError(NAME, index, "email", "missing; every message event names its recipient")
    occurred_at = from_epoch_either(event.timestamp, NAME, index, "timestamp")
    facts = details_of(event)
    try:
        return Observation(
            provider=NAME,
            provider_message_id=message_id,
            recipient=recipient,
            kind=kind,
            occurred_at=occurred_at,
            event_id=event.sg_event_id,
            raw_type=raw_type,
            details=facts,
            metadata=_metadata(event, metadata_by_args),
        )
    except InvalidObservationError as refused:
        return refusal(index, event, kind, facts, refused)


def _metadata(
    event: SendGridEvent, metadata_by_args: dict[tuple[Any, ...], dict[str, str]]
) -> dict[str, str]:
    """``metadata_of(event)``, read once for the custom args a body's events repeat."""
    if event.custom_args is not None or event.unique_args is not None:
        return metadata_of(event)
    values = _correlation_values(event)
    try:
        return metadata_by_args[values]
    except KeyError:
        metadata = metadata_of(event)
        if all(value is None or type(value) is str for value in values):
            metadata_by_args[values] = metadata
        return metadata
    except TypeError:  # an unhashable custom arg: read as it is
        return metadata_of(event)


def rejection(index: int, element: Any, problem: BodyError) -> Rejected:
    """One event set aside: its reason, and itself alone as a body SendGrid could have posted."""
    raw_type = element.get("event") if isinstance(element, dict) else None
    return Rejected(
        index=index,
        reason=str(problem),
        data=json.dumps([element], ensure_ascii=False).encode(),
        raw_type=raw_type if isinstance(raw_type, str) else None,
    )


def event_kind(event: SendGridEvent, usual: EventKind) -> EventKind:
    """The kind of a message event: its type's usual kind, or as its fields decide for two types."""
    if event.event == "bounce":
        return EventKind.BLOCKED if event.type == BLOCKED_TYPE else EventKind.HARD_BOUNCE
    if event.event == "dropped":
        return DROP_REASONS.get((event.reason or "").strip().lower(), EventKind.BLOCKED)
    return usual


def refusal(
    index: int,
    event: SendGridEvent,
    kind: EventKind,
    facts: dict[str, Any],
    refused: InvalidObservationError,
) -> Notice:
    """The domain's refusal of an event's values, told by SendGrid's field names.

    A drop for an address so invalid the domain refuses it as a recipient is a known notice:
    SendGrid posts such drops, and they must not make the rest of the batch unreadable.
    """
    if kind is EventKind.INVALID_EMAIL and refused.field == "recipient":
        reason = f"SendGrid dropped a send to an invalid address: {refused.problem}"
        return Notice(index, event.event, reason, known=True, details=facts)
    field = _FIELDS.get(refused.field or "", refused.field)
    raise BodyError(NAME, index, field, refused.problem) from None


def details_of(event: SendGridEvent) -> dict[str, Any]:
    """The event's facts in the shared vocabulary, plus ``tls`` and ``unsubscribe_group``.

    A drop's ``reason`` is SendGrid's own; on other events ``reason`` is the receiving
    server's answer, so it is the diagnostic unless a ``response`` carries that answer.
    Built as ``details()`` would be, in the same key order: a value of None or "" is left out.
    """
    raw_type = event.event
    response = event.response
    if raw_type == "dropped" or response:
        diagnostic, reason = response, event.reason
    else:
        diagnostic, reason = event.reason, None
    engagement = raw_type in _RECIPIENT_IP_TYPES
    found: dict[str, Any] = {}
    code = smtp_code(diagnostic)
    if code is not None:
        found["smtp_code"] = code
    value: Any = event.status
    if value:
        found["smtp_status"] = value
    if diagnostic:
        found["diagnostic"] = diagnostic
    if reason:
        found["reason"] = reason
    if raw_type == "bounce":
        value = event.type
        if value:
            found["bounce_type"] = value
    value = event.bounce_classification
    if value:
        found["bounce_subtype"] = value
    value = event.attempt
    if value is not None:
        found["attempt"] = value
    value = event.url
    if value:
        found["url"] = value
    value = event.useragent
    if value:
        found["user_agent"] = value
    ip = event.ip
    if ip:
        found["ip" if engagement else "sending_ip"] = ip
    if event.sg_machine_open:
        # SendGrid's flag for an open a machine made (Apple Mail Privacy Protection).
        found[MACHINE_OPEN] = True
    category = event.category
    if category is not None:
        tags = tags_of(category)
        if tags is not None:
            found["tags"] = tags
    # No shared slot holds these; they are kept under plain names.
    if event.tls is not None:
        found["tls"] = event.tls
    if raw_type == "group_unsubscribe" and event.asm_group_id is not None:
        found["unsubscribe_group"] = event.asm_group_id
    return found


def smtp_code(text: str | None) -> int | None:
    """The basic SMTP reply code that starts a server's answer ("550 5.1.1 ..."), if any."""
    if not text or len(text) < 3:
        return None
    head = text[:3]
    if head[0] not in "2345" or not head.isdigit() or (len(text) > 3 and text[3] not in " -"):
        return None
    return int(head)


def tags_of(category: str | list[str] | None) -> list[str] | None:
    """SendGrid's categories, sent back as a string or a list, as a list of tags."""
    if category is None:
        return None
    tags = [category] if isinstance(category, str) else category
    return [tag for tag in tags if tag] or None


def metadata_of(event: SendGridEvent) -> dict[str, str]:
    """Our correlation ids from the flattened custom args, or from a nested args object."""
    flattened = {
        key: value
        for key, value in zip(_CORRELATION_FIELDS, _correlation_values(event), strict=True)
        if value is not None
    }
    found = correlation(flattened)
    for nested in (event.custom_args, event.unique_args):
        if isinstance(nested, dict):
            found = {**correlation(nested), **found}
    return found


def not_delivery_fact(index: int, event: SendGridEvent) -> Notice:
    """The known notice of a documented type that is no delivery fact about a recipient."""
    facts: dict[str, Any] = {}
    if event.type:
        facts["type"] = event.type
    if event.asm_group_id is not None:
        facts["unsubscribe_group"] = event.asm_group_id
    return Notice(index, event.event, NOT_DELIVERY_FACTS[event.event], known=True, details=facts)


def asynchronous_bounce(index: int, event: SendGridEvent) -> Notice:
    """The known notice of a bounce without ``sg_message_id``, which names no message."""
    from_epoch_either(event.timestamp, NAME, index, "timestamp")
    reason = (
        "SendGrid asynchronous bounce without sg_message_id: it names no message, "
        "so it is not recorded"
    )
    return Notice(index, event.event, reason, known=True, details=details_of(event))


def legacy_newsletter_unsubscribe(index: int, event: SendGridEvent) -> Notice:
    """The known notice of an unsubscribe from SendGrid's legacy newsletter tool.

    SendGrid documents it with a ``newsletter`` object and no ``sg_message_id``: it names a
    newsletter send, not a message, so there is nothing of ours to record it on.
    """
    from_epoch_either(event.timestamp, NAME, index, "timestamp")
    reason = (
        "SendGrid legacy newsletter unsubscribe without sg_message_id: it names no message, "
        "so it is not recorded"
    )
    facts: dict[str, Any] = {}
    tags = tags_of(event.category)
    if tags is not None:
        facts["tags"] = tags
    return Notice(index, event.event, reason, known=True, details=facts)
