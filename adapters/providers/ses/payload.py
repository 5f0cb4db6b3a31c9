"""The SNS envelope and the SES record, declared once: what every body is read into.

A body they refuse is told against models derived from them (see adapters.providers.schema);
nested objects keep these names, the models' names in the errors. A key the body lacks is
left out of the dict (``.get`` reads it as None, or as the default the reader names).
"""

from __future__ import annotations

from typing import Annotated, Any, Generic, Required, TypeVar

from pydantic import ConfigDict, Field
from typing_extensions import TypedDict

from adapters.providers.schema import Schema

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
