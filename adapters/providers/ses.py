"""Amazon SES events, as Amazon SNS posts them to an HTTP(S) subscription.

A body is one SNS message: a JSON envelope whose ``Type`` is ``Notification``,
``SubscriptionConfirmation`` or ``UnsubscribeConfirmation``. A notification's ``Message`` is
a JSON *string* holding one SES record, in either of SES's two formats, both read here:

- event publishing through a configuration set: ``eventType`` is one of Send, Reject,
  Bounce, Complaint, Delivery, Open, Click, Rendering Failure, DeliveryDelay, Subscription;
- the older feedback notifications of an identity: ``notificationType`` is Bounce,
  Complaint or Delivery (or AmazonSnsSubscriptionSucceeded once the topic is set up).

One record may name several recipients; each gets its own observation. The message id is
``mail.messageId``; the event id is the SNS envelope's ``MessageId``, which SNS keeps when
it retries, so a retried notification is a duplicate (per recipient, as the domain counts).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Generic, Required, TypeVar, cast

from pydantic import ConfigDict, Field
from typing_extensions import TypedDict

from adapters.providers.correlation import CORRELATION_KEYS, correlation
from adapters.providers.errors import BodyError
from adapters.providers.parsed import Notice, Parsed, unknown_type
from adapters.providers.schema import Schema
from adapters.providers.timestamps import from_iso
from adapters.providers.validation import validate_fast
from domain.errors import InvalidObservationError
from domain.kinds import EventKind
from domain.values import Observation

NAME = "ses"

MAPPING: dict[str, EventKind | None] = {
    "Send": EventKind.SENT,
    "Delivery": EventKind.DELIVERED,
    "DeliveryDelay": EventKind.DEFERRED,
    "Bounce": EventKind.HARD_BOUNCE,
    "Complaint": EventKind.SPAM,
    "Reject": EventKind.BLOCKED,
    "Open": EventKind.OPENED,
    "Click": EventKind.CLICKED,
    "Rendering Failure": EventKind.ERROR,
    "Subscription": EventKind.UNSUBSCRIBED,
    "AmazonSnsSubscriptionSucceeded": None,
    "Received": None,
    "SubscriptionConfirmation": None,
    "UnsubscribeConfirmation": None,
}
"""Every type SES and SNS document, by raw name, onto mailledger's kinds.

Three types depend on their fields, and the parser applies these rules:

- ``Bounce`` (hard_bounce above) by ``bounceType``: ``Permanent`` is hard_bounce, except the
  sub-types ``Suppressed`` and ``OnAccountSuppressionList``, where SES refused to send
  (blocked); ``Transient`` and ``Undetermined`` are soft_bounce; a recipient whose DSN
  ``action`` is ``delayed`` is deferred. Another ``bounceType`` is reported as unknown.
- ``Complaint`` (spam above): ``complaintSubType`` ``OnAccountSuppressionList`` is blocked
  (SES did not send); ``complaintFeedbackType`` ``not-spam`` is a report that the message is
  *not* spam, so it records nothing (a known notice).
- ``Subscription`` (unsubscribed above): unsubscribed when ``newTopicPreferences``
  unsubscribes the contact from all topics; any other preference change is a known notice.

``None``: SNS's subscription messages, SES's set-up notice and inbound mail (``Received``)
are not delivery facts about a recipient; they are known notices.
"""

TOPIC_VALIDATED = "Successfully validated SNS topic for Amazon SES event publishing."
"""The plain-text notification SES publishes when a configuration set's SNS destination is set."""

_NOTICES = {
    "SubscriptionConfirmation": (
        "SNS asks this endpoint to confirm its subscription to the topic: visit subscribe_url "
        "(or call ConfirmSubscription with the token)"
    ),
    "UnsubscribeConfirmation": (
        "SNS confirms this endpoint was unsubscribed from the topic; subscribe_url subscribes it "
        "again"
    ),
    "AmazonSnsSubscriptionSucceeded": "SES confirms it now publishes notifications to this topic",
    "Received": "an e-mail SES received for the account (email receiving), not a delivery event",
    "Notification": "SES validated this SNS topic as an event-publishing destination",
}
_SUPPRESSED = frozenset({"Suppressed", "OnAccountSuppressionList"})
_BOUNCE_KINDS = {
    "Permanent": EventKind.HARD_BOUNCE,
    "Transient": EventKind.SOFT_BOUNCE,
    "Undetermined": EventKind.SOFT_BOUNCE,
}
_TAGS_HEADER = "x-ses-message-tags"

T = TypeVar("T")


# --- the schema, declared once: every body is read into these TypedDicts ------------------
#
# A body they refuse is told against models derived from them (see adapters.providers.schema);
# nested objects keep these names, the models' names in the errors. A key the body lacks is
# left out of the dict (``.get`` reads it as None, or as the default the reader names).

# SES and SNS add fields; ignoring them (rather than keeping them) is also the faster.
_IGNORE = ConfigDict(extra="ignore")


class Envelope(TypedDict, total=False):
    """The SNS message: a notification or a (un)subscription confirmation."""

    __pydantic_config__ = _IGNORE  # type: ignore[misc]
    type: Required[Annotated[str, Field(alias="Type")]]
    message_id: Required[Annotated[str, Field(alias="MessageId", min_length=1)]]
    message: Required[Annotated[str, Field(alias="Message")]]
    topic_arn: Annotated[str | None, Field(alias="TopicArn")]
    subscribe_url: Annotated[str | None, Field(alias="SubscribeURL")]
    token: Annotated[str | None, Field(alias="Token")]


class Header(TypedDict):
    """One of the original e-mail's headers (when the notification includes them)."""

    __pydantic_config__ = _IGNORE  # type: ignore[misc]
    name: str
    value: str


class Mail(TypedDict, total=False):
    """The e-mail an event is about."""

    __pydantic_config__ = _IGNORE  # type: ignore[misc]
    message_id: Required[Annotated[str, Field(alias="messageId", min_length=1)]]
    timestamp: Required[str]
    source: str | None
    destination: list[str]
    tags: dict[str, Any] | None


class MailWithHeaders(Mail, total=False):
    """The e-mail with its original headers, read only where tags must come from them."""

    headers: list[Header] | None


class BouncedRecipient(TypedDict, total=False):
    """A recipient of a bounce, with the DSN's fields when one was attached."""

    __pydantic_config__ = _IGNORE  # type: ignore[misc]
    email_address: Required[Annotated[str, Field(alias="emailAddress")]]
    action: str | None
    status: str | None
    diagnostic_code: Annotated[str | None, Field(alias="diagnosticCode")]


class Bounce(TypedDict, total=False):
    """A hard bounce, or a soft bounce SES stopped retrying."""

    __pydantic_config__ = _IGNORE  # type: ignore[misc]
    bounce_type: Required[Annotated[str, Field(alias="bounceType")]]
    bounce_subtype: Annotated[str | None, Field(alias="bounceSubType")]
    bounced_recipients: Required[
        Annotated[list[BouncedRecipient], Field(alias="bouncedRecipients")]
    ]
    timestamp: Required[str]
    feedback_id: Annotated[str | None, Field(alias="feedbackId")]
    reporting_mta: Annotated[str | None, Field(alias="reportingMTA")]
    remote_mta_ip: Annotated[str | None, Field(alias="remoteMtaIp")]


class ComplainedRecipient(TypedDict):
    """A recipient who may have complained."""

    __pydantic_config__ = _IGNORE  # type: ignore[misc]
    email_address: Annotated[str, Field(alias="emailAddress")]


class Complaint(TypedDict, total=False):
    """A complaint (feedback loop report) about the e-mail."""

    __pydantic_config__ = _IGNORE  # type: ignore[misc]
    complained_recipients: Required[
        Annotated[list[ComplainedRecipient], Field(alias="complainedRecipients")]
    ]
    timestamp: Required[str]
    feedback_id: Annotated[str | None, Field(alias="feedbackId")]
    complaint_subtype: Annotated[str | None, Field(alias="complaintSubType")]
    complaint_feedback_type: Annotated[str | None, Field(alias="complaintFeedbackType")]
    user_agent: Annotated[str | None, Field(alias="userAgent")]
    arrival_date: Annotated[str | None, Field(alias="arrivalDate")]


class Delivery(TypedDict, total=False):
    """The receiving server accepted the e-mail."""

    __pydantic_config__ = _IGNORE  # type: ignore[misc]
    timestamp: Required[str]
    recipients: Required[list[str]]
    processing_time_millis: Annotated[int | None, Field(alias="processingTimeMillis")]
    smtp_response: Annotated[str | None, Field(alias="smtpResponse")]
    reporting_mta: Annotated[str | None, Field(alias="reportingMTA")]
    remote_mta_ip: Annotated[str | None, Field(alias="remoteMtaIp")]


class DelayedRecipient(TypedDict, total=False):
    """A recipient whose delivery is delayed."""

    __pydantic_config__ = _IGNORE  # type: ignore[misc]
    email_address: Required[Annotated[str, Field(alias="emailAddress")]]
    status: str | None
    diagnostic_code: Annotated[str | None, Field(alias="diagnosticCode")]


class DeliveryDelay(TypedDict, total=False):
    """A temporary failure; SES keeps trying until ``expirationTime``."""

    __pydantic_config__ = _IGNORE  # type: ignore[misc]
    timestamp: Required[str]
    delay_type: Annotated[str | None, Field(alias="delayType")]
    delayed_recipients: Required[
        Annotated[list[DelayedRecipient], Field(alias="delayedRecipients")]
    ]
    expiration_time: Annotated[str | None, Field(alias="expirationTime")]
    reporting_mta: Annotated[str | None, Field(alias="reportingMTA")]


class Reject(TypedDict, total=False):
    """SES refused to send the e-mail (it found a virus)."""

    __pydantic_config__ = _IGNORE  # type: ignore[misc]
    reason: str | None


class Open(TypedDict, total=False):
    """The e-mail was opened (the tracking image was loaded)."""

    __pydantic_config__ = _IGNORE  # type: ignore[misc]
    timestamp: Required[str]
    ip_address: Annotated[str | None, Field(alias="ipAddress")]
    user_agent: Annotated[str | None, Field(alias="userAgent")]


class Click(TypedDict, total=False):
    """A tracked link of the e-mail was followed."""

    __pydantic_config__ = _IGNORE  # type: ignore[misc]
    timestamp: Required[str]
    link: str | None
    ip_address: Annotated[str | None, Field(alias="ipAddress")]
    user_agent: Annotated[str | None, Field(alias="userAgent")]


class Failure(TypedDict, total=False):
    """The template could not be rendered, so the e-mail was not sent."""

    __pydantic_config__ = _IGNORE  # type: ignore[misc]
    error_message: Annotated[str | None, Field(alias="errorMessage")]
    template_name: Annotated[str | None, Field(alias="templateName")]


class TopicStatus(TypedDict, total=False):
    """A contact's subscription to one topic of a contact list."""

    __pydantic_config__ = _IGNORE  # type: ignore[misc]
    topic_name: Annotated[str | None, Field(alias="topicName")]
    subscription_status: Annotated[str | None, Field(alias="subscriptionStatus")]


class TopicPreferences(TypedDict, total=False):
    """A contact's preferences in a contact list (``unsubscribeAll`` is false when absent)."""

    __pydantic_config__ = _IGNORE  # type: ignore[misc]
    unsubscribe_all: Annotated[bool, Field(alias="unsubscribeAll")]
    topic_subscription_status: Annotated[list[TopicStatus], Field(alias="topicSubscriptionStatus")]


class Subscription(TypedDict, total=False):
    """A contact changed its preferences through SES list management."""

    __pydantic_config__ = _IGNORE  # type: ignore[misc]
    timestamp: Required[str]
    contact_list: Annotated[str | None, Field(alias="contactList")]
    source: str | None
    new_topic_preferences: Annotated[TopicPreferences | None, Field(alias="newTopicPreferences")]


MailT = TypeVar("MailT", Mail, MailWithHeaders)


class RecordOf(TypedDict, Generic[MailT], total=False):
    """One SES record: event publishing (``eventType``) or a notification (``notificationType``),
    its mail read with or without the headers."""

    __pydantic_config__ = _IGNORE  # type: ignore[misc]
    event_type: Annotated[str | None, Field(alias="eventType")]
    notification_type: Annotated[str | None, Field(alias="notificationType")]
    mail: MailT | None
    bounce: Bounce | None
    complaint: Complaint | None
    delivery: Delivery | None
    delivery_delay: Annotated[DeliveryDelay | None, Field(alias="deliveryDelay")]
    reject: Reject | None
    open: Open | None
    click: Click | None
    failure: Failure | None
    subscription: Subscription | None


Record = RecordOf[MailWithHeaders]
"""A record as every reader takes it; ``mail.headers`` is there only when it was read."""

ENVELOPE: Schema[Envelope] = Schema(Envelope)
RECORD: Schema[RecordOf[Mail]] = Schema(RecordOf[Mail], name="SesRecord")
RECORD_WITH_HEADERS: Schema[Record] = Schema(Record, name="SesRecordWithHeaders")


def parse(body: bytes) -> Parsed:
    """The observations of one SNS message body, exactly as SNS posts it."""
    envelope = validate_fast(NAME, ENVELOPE, body, batch=False)
    if envelope["type"] != "Notification":
        return Parsed(notices=[_sns_notice(envelope)])
    message = envelope["message"]
    if message == TOPIC_VALIDATED:
        facts = {"topic_arn": envelope.get("topic_arn")}
        return Parsed(notices=[_notice("Notification", facts)])
    record = _record(message)
    raw_type = record.get("event_type") or record.get("notification_type")
    if not raw_type:
        raise BodyError(NAME, 0, "Message.eventType", "missing (nor is there a notificationType)")
    handler = _HANDLERS.get(raw_type)
    if handler is not None:
        return handler(record, envelope["message_id"], raw_type)
    if raw_type in _NOTICES:
        return Parsed(notices=[_notice(raw_type, {"topic_arn": envelope.get("topic_arn")})])
    return Parsed(notices=[unknown_type(0, raw_type, NAME)])


def _record(message: str) -> Record:
    """The SES record inside the envelope's ``Message`` string; its errors name ``Message.…``.

    Headers are validated only for a record without tags, the one place they are read: they
    are most of a record's size, and skipping them saves a third of its validation.
    """
    try:
        if '"tags"' in message:
            # The same keys as a Record's, less mail.headers: a Record for every reader.
            return cast(Record, validate_fast(NAME, RECORD, message, batch=False))
        return validate_fast(NAME, RECORD_WITH_HEADERS, message, batch=False)
    except BodyError as error:
        field = "Message" if error.field is None else f"Message.{error.field}"
        raise BodyError(NAME, 0, field, error.problem) from None


def _sns_notice(envelope: Envelope) -> Notice:
    """A subscription or unsubscription confirmation, with what confirming it needs."""
    if envelope["type"] not in {"SubscriptionConfirmation", "UnsubscribeConfirmation"}:
        return unknown_type(0, envelope["type"], NAME)
    return _notice(
        envelope["type"],
        {
            "topic_arn": envelope.get("topic_arn"),
            "subscribe_url": envelope.get("subscribe_url"),
            "token": envelope.get("token"),
        },
    )


def _notice(raw_type: str, facts: dict[str, Any]) -> Notice:
    """A known type that records nothing, with its facts (those that are present)."""
    given = {key: value for key, value in facts.items() if value is not None}
    return Notice(index=0, raw_type=raw_type, reason=_NOTICES[raw_type], known=True, details=given)


# --- one function per type ------------------------------------------------------------------

Handler = Callable[[Record, str, str], Parsed]


def _send(record: Record, event_id: str, raw_type: str) -> Parsed:
    """Sent to every address the e-mail was sent to; SES names no recipient of its own."""
    mail = _mail(record)
    at = _time(mail["timestamp"], "mail.timestamp")
    facts = _given({"sender": mail.get("source")})
    return _each(mail, event_id, raw_type, EventKind.SENT, _destination(mail), at, facts)


def _reject(record: Record, event_id: str, raw_type: str) -> Parsed:
    """SES refused the whole e-mail, so every address of it is blocked."""
    mail = _mail(record)
    reject = _part(record.get("reject"), "reject")
    at = _time(mail["timestamp"], "mail.timestamp")
    facts = _given({"reason": reject.get("reason")})
    return _each(mail, event_id, raw_type, EventKind.BLOCKED, _destination(mail), at, facts)


def _rendering_failure(record: Record, event_id: str, raw_type: str) -> Parsed:
    """The template failed, so nothing was sent to any address of the e-mail."""
    mail = _mail(record)
    failure = _part(record.get("failure"), "failure")
    at = _time(mail["timestamp"], "mail.timestamp")
    facts = _given({"reason": failure.get("error_message")})
    template = failure.get("template_name")
    if template:
        facts["template"] = template
    return _each(mail, event_id, raw_type, EventKind.ERROR, _destination(mail), at, facts)


def _delivery(record: Record, event_id: str, raw_type: str) -> Parsed:
    """Delivered to each recipient the delivery names."""
    mail = _mail(record)
    delivery = _part(record.get("delivery"), "delivery")
    at = _time(delivery["timestamp"], "delivery.timestamp")
    response = delivery.get("smtp_response")
    code = _smtp_code(response)
    facts = _given(
        {
            "smtp_code": code,
            "smtp_status": _enhanced_status(response) if code is not None else None,
            "diagnostic": response,
            "remote_mta": delivery.get("remote_mta_ip"),
            "sending_ip": _first_tag(mail, "ses:outgoing-ip"),
        }
    )
    recipients = delivery["recipients"]
    return _each(mail, event_id, raw_type, EventKind.DELIVERED, recipients, at, facts)


def _delivery_delay(record: Record, event_id: str, raw_type: str) -> Parsed:
    """Deferred, for each delayed recipient with its own SMTP status."""
    mail = _mail(record)
    delay = _part(record.get("delivery_delay"), "deliveryDelay")
    at = _time(delay["timestamp"], "deliveryDelay.timestamp")
    metadata = _metadata(mail)
    delay_type = delay.get("delay_type")
    observations = []
    for recipient in delay["delayed_recipients"]:
        diagnostic = recipient.get("diagnostic_code")
        facts = _given(
            {
                "smtp_code": _smtp_code(diagnostic),
                "smtp_status": recipient.get("status"),
                "diagnostic": diagnostic,
                "reason": delay_type,
            }
        )
        observations.append(
            _observation(
                mail,
                event_id,
                raw_type,
                EventKind.DEFERRED,
                recipient["email_address"],
                at,
                facts,
                metadata,
            )
        )
    return _parsed(observations, raw_type)


def _bounce(record: Record, event_id: str, raw_type: str) -> Parsed:
    """A bounce, its kind by bounce type and sub-type (see MAPPING), per bounced recipient."""
    mail = _mail(record)
    bounce = _part(record.get("bounce"), "bounce")
    bounce_type = bounce["bounce_type"]
    kind = _BOUNCE_KINDS.get(bounce_type)
    if kind is None:
        return Parsed(notices=[unknown_type(0, f"{raw_type} {bounce_type}", NAME)])
    bounce_subtype = bounce.get("bounce_subtype")
    if kind is EventKind.HARD_BOUNCE and bounce_subtype in _SUPPRESSED:
        kind = EventKind.BLOCKED
    at = _time(bounce["timestamp"], "bounce.timestamp")
    metadata = _metadata(mail)
    remote_mta = bounce.get("remote_mta_ip")
    observations = []
    for recipient in bounce["bounced_recipients"]:
        diagnostic = recipient.get("diagnostic_code")
        facts = _given(
            {
                "smtp_code": _smtp_code(diagnostic),
                "smtp_status": recipient.get("status"),
                "diagnostic": diagnostic,
                "bounce_type": bounce_type,
                "bounce_subtype": bounce_subtype,
                "remote_mta": remote_mta,
            }
        )
        delayed = recipient.get("action") == "delayed"
        observations.append(
            _observation(
                mail,
                event_id,
                raw_type,
                EventKind.DEFERRED if delayed else kind,
                recipient["email_address"],
                at,
                facts,
                metadata,
            )
        )
    return _parsed(observations, raw_type)


def _complaint(record: Record, event_id: str, raw_type: str) -> Parsed:
    """Spam, for every recipient SES thinks may have complained (see MAPPING for the rules)."""
    mail = _mail(record)
    complaint = _part(record.get("complaint"), "complaint")
    feedback = complaint.get("complaint_feedback_type")
    if feedback == "not-spam":
        reason = "the feedback report says the message is not spam; nothing to record"
        return Parsed(notices=[Notice(0, raw_type, reason, known=True)])
    subtype = complaint.get("complaint_subtype")
    kind = EventKind.BLOCKED if subtype == "OnAccountSuppressionList" else EventKind.SPAM
    at = _time(complaint["timestamp"], "complaint.timestamp")
    facts = _given({"feedback_type": feedback, "reason": subtype})
    addresses = [recipient["email_address"] for recipient in complaint["complained_recipients"]]
    return _each(mail, event_id, raw_type, kind, addresses, at, facts)


def _open(record: Record, event_id: str, raw_type: str) -> Parsed:
    """Opened, by the e-mail's one recipient (SES does not say who opened a shared copy)."""
    mail = _mail(record)
    opened = _part(record.get("open"), "open")
    at = _time(opened["timestamp"], "open.timestamp")
    facts = _given({"ip": opened.get("ip_address"), "user_agent": opened.get("user_agent")})
    return _sole(mail, event_id, raw_type, EventKind.OPENED, at, facts)


def _click(record: Record, event_id: str, raw_type: str) -> Parsed:
    """Clicked, by the e-mail's one recipient (SES does not say who clicked a shared copy)."""
    mail = _mail(record)
    click = _part(record.get("click"), "click")
    at = _time(click["timestamp"], "click.timestamp")
    facts = _given(
        {
            "url": click.get("link"),
            "ip": click.get("ip_address"),
            "user_agent": click.get("user_agent"),
        }
    )
    return _sole(mail, event_id, raw_type, EventKind.CLICKED, at, facts)


def _subscription(record: Record, event_id: str, raw_type: str) -> Parsed:
    """Unsubscribed when the contact left every topic of the list; otherwise a notice."""
    mail = _mail(record)
    subscription = _part(record.get("subscription"), "subscription")
    preferences = subscription.get("new_topic_preferences")
    contact_list = subscription.get("contact_list")
    if preferences is None or not preferences.get("unsubscribe_all", False):
        topics = preferences.get("topic_subscription_status", []) if preferences else []
        reason = "a contact changed its topic preferences without leaving the list"
        facts: dict[str, Any] = {
            "contact_list": contact_list,
            "topics": {
                t.get("topic_name"): t.get("subscription_status")
                for t in topics
                if t.get("topic_name")
            },
        }
        return Parsed(notices=[Notice(0, raw_type, reason, known=True, details=facts)])
    at = _time(subscription["timestamp"], "subscription.timestamp")
    facts = _given({"reason": subscription.get("source")})
    if contact_list:
        facts["contact_list"] = contact_list
    return _sole(mail, event_id, raw_type, EventKind.UNSUBSCRIBED, at, facts)


_HANDLERS: dict[str, Handler] = {
    "Send": _send,
    "Reject": _reject,
    "Rendering Failure": _rendering_failure,
    "Delivery": _delivery,
    "DeliveryDelay": _delivery_delay,
    "Bounce": _bounce,
    "Complaint": _complaint,
    "Open": _open,
    "Click": _click,
    "Subscription": _subscription,
}


# --- shared pieces --------------------------------------------------------------------------


def _mail(record: Record) -> MailWithHeaders:
    """The record's ``mail``; every delivery event carries it."""
    mail = record.get("mail")
    if mail is None:
        raise BodyError(NAME, 0, "Message.mail", "missing; it holds the message id")
    return mail


def _destination(mail: MailWithHeaders) -> list[str]:
    """``mail.destination``, empty when the record has none."""
    return mail.get("destination", [])


def _part(part: T | None, field: str) -> T:
    """The record's object of its own type (``bounce`` for a Bounce...), which must be there."""
    if part is None:
        raise BodyError(NAME, 0, f"Message.{field}", "missing for this event type")
    return part


def _time(value: str, field: str) -> datetime:
    """An ISO-8601 time of the record (SES writes 'Z', or '+0000' in older notifications)."""
    return from_iso(value, NAME, 0, f"Message.{field}")


def _given(facts: dict[str, Any]) -> dict[str, Any]:
    """The facts in mailledger's detail names (``details.details``' names), without the
    missing ones: what ``details(**facts)`` gives, without its keyword call."""
    return {key: value for key, value in facts.items() if value is not None and value != ""}


def _each(
    mail: MailWithHeaders,
    event_id: str,
    raw_type: str,
    kind: EventKind,
    addresses: list[str],
    at: datetime,
    facts: dict[str, Any],
) -> Parsed:
    """One observation per address, all with the same facts."""
    metadata = _metadata(mail)
    observations = [
        _observation(mail, event_id, raw_type, kind, address, at, facts, metadata)
        for address in addresses
    ]
    return _parsed(observations, raw_type)


def _sole(
    mail: MailWithHeaders,
    event_id: str,
    raw_type: str,
    kind: EventKind,
    at: datetime,
    facts: dict[str, Any],
) -> Parsed:
    """An event about the e-mail's one recipient; with several, SES cannot say which it was."""
    destination = _destination(mail)
    if len(destination) == 1:
        return _each(mail, event_id, raw_type, kind, destination, at, facts)
    reason = (
        f"the e-mail went to {len(destination)} addresses and SES does not say which of "
        f"them this {raw_type} event is about; nothing recorded"
    )
    notice_facts = {"message_id": mail["message_id"]}
    return Parsed(notices=[Notice(0, raw_type, reason, known=True, details=notice_facts)])


def _parsed(observations: list[Observation], raw_type: str) -> Parsed:
    """The observations, or a notice when the event names no recipient at all."""
    if observations:
        return Parsed(observations=observations)
    reason = f"the {raw_type} event names no recipient; nothing recorded"
    return Parsed(notices=[Notice(0, raw_type, reason, known=True)])


def _observation(
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
            recipient=_address(address),
            kind=kind,
            occurred_at=at,
            event_id=event_id,
            raw_type=raw_type,
            details=facts,
            metadata=metadata,
        )
    except InvalidObservationError as error:
        raise BodyError(NAME, 0, error.field, error.problem) from None


def _address(value: str) -> str:
    """The bare address of ``Name <address>``, the form SES repeats when the sender used it."""
    if value.endswith(">") and "<" in value:
        return value[value.rindex("<") + 1 : -1]
    return value


def _metadata(mail: MailWithHeaders) -> dict[str, str]:
    """Our identifiers from the message tags (first value of each), else the tags header.

    Only a record read with its headers has ``mail.headers`` (see _record).
    """
    tags = mail.get("tags")
    if tags is not None:
        firsts = {
            key: value[0] if isinstance(value, list) and value else value
            for key, value in tags.items()
            if key in CORRELATION_KEYS
        }
        return correlation(firsts)
    headers = mail.get("headers")
    return correlation(_header_tags(headers)) if headers else {}


def _header_tags(headers: list[Header] | None) -> dict[str, str]:
    """The ``X-SES-MESSAGE-TAGS: name=value, name=value`` header of the original e-mail.

    Notifications of an identity carry no ``tags``; they carry the original headers when the
    identity is set to include them, and a sender that tags through SMTP sets this header.
    """
    for header in headers or ():
        if header["name"].lower() == _TAGS_HEADER:
            pairs = (item.partition("=") for item in header["value"].split(","))
            return {name.strip(): value.strip() for name, sep, value in pairs if sep}
    return {}


def _first_tag(mail: MailWithHeaders, name: str) -> str | None:
    """The first value of one of SES's own tags (``ses:outgoing-ip``...)."""
    values = (mail.get("tags") or {}).get(name)
    if isinstance(values, list) and values and isinstance(values[0], str):
        return values[0]
    return None


def _smtp_code(text: str | None) -> int | None:
    """The basic reply code a response or diagnostic starts with ('smtp; 550 5.1.1 …' → 550)."""
    if not text:
        return None
    # A DSN's Diagnostic-Code is typed ('smtp; 550 …'); a delivery's smtpResponse is not.
    prefix, typed, rest = text.partition(";")
    label = prefix.strip()
    head = rest if typed and label and " " not in label and not label[0].isdigit() else text
    head = head.lstrip()
    code = head[:3]
    if code.isdigit() and code[0] in "245" and head[3:4] in {"", " ", "-"}:
        return int(code)
    return None


def _enhanced_status(text: str | None) -> str | None:
    """The enhanced status code ('2.6.0') that follows the reply code of an SMTP response."""
    if _smtp_code(text) is None or text is None:
        return None
    parts = text.split(None, 2)
    candidate = parts[1] if len(parts) > 1 else ""
    pieces = candidate.split(".")
    if len(pieces) == 3 and all(piece.isdigit() for piece in pieces) and pieces[0] in "245":
        return candidate
    return None
