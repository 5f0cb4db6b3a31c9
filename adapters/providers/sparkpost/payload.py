"""The array SparkPost posts, as pydantic models: every body is validated into them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, TypeAdapter


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


BODY: TypeAdapter[list[Envelope]] = TypeAdapter(list[Envelope])
