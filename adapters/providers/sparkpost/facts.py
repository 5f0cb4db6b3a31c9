"""A recipient event's facts in the shared vocabulary, and the readings of SparkPost's values."""

from __future__ import annotations

from typing import Any

from adapters.providers.sparkpost.bounce_classes import BounceClass
from adapters.providers.sparkpost.payload import RecipientEvent

# In these classes ip_address is the engaging client's; in message events the receiving host's.
_ENGAGEMENT_CLASSES = frozenset({"track_event", "unsubscribe_event"})
# SparkPost itself decided these, so its `reason` is its own explanation, not a server's answer.
_SPARKPOST_DECISIONS = frozenset({"policy_rejection", "generation_failure", "generation_rejection"})


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
