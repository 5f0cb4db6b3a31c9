"""Records of a send's way out: sent, rejected, not rendered, delivered, delayed."""

from __future__ import annotations

from adapters.providers.parsed import Parsed
from adapters.providers.ses.observations import (
    destination_of,
    each,
    given,
    instant,
    mail_of,
    observation,
    parsed,
    part_of,
)
from adapters.providers.ses.payload import Record
from adapters.providers.ses.smtp import enhanced_status, smtp_code
from adapters.providers.ses.tags import first_tag, metadata_of
from domain.kinds import EventKind


def sent(record: Record, event_id: str, raw_type: str) -> Parsed:
    """Sent to every address the e-mail was sent to; SES names no recipient of its own."""
    mail = mail_of(record)
    at = instant(mail["timestamp"], "mail.timestamp")
    facts = given({"sender": mail.get("source")})
    return each(mail, event_id, raw_type, EventKind.SENT, destination_of(mail), at, facts)


def rejected(record: Record, event_id: str, raw_type: str) -> Parsed:
    """SES refused the whole e-mail, so every address of it is blocked."""
    mail = mail_of(record)
    reject = part_of(record.get("reject"), "reject")
    at = instant(mail["timestamp"], "mail.timestamp")
    facts = given({"reason": reject.get("reason")})
    return each(mail, event_id, raw_type, EventKind.BLOCKED, destination_of(mail), at, facts)


def rendering_failed(record: Record, event_id: str, raw_type: str) -> Parsed:
    """The template failed, so nothing was sent to any address of the e-mail."""
    mail = mail_of(record)
    failure = part_of(record.get("failure"), "failure")
    at = instant(mail["timestamp"], "mail.timestamp")
    facts = given({"reason": failure.get("error_message")})
    template = failure.get("template_name")
    if template:
        facts["template"] = template
    return each(mail, event_id, raw_type, EventKind.ERROR, destination_of(mail), at, facts)


def delivered(record: Record, event_id: str, raw_type: str) -> Parsed:
    """Delivered to each recipient the delivery names."""
    mail = mail_of(record)
    delivery = part_of(record.get("delivery"), "delivery")
    at = instant(delivery["timestamp"], "delivery.timestamp")
    response = delivery.get("smtp_response")
    code = smtp_code(response)
    facts = given(
        {
            "smtp_code": code,
            "smtp_status": enhanced_status(response) if code is not None else None,
            "diagnostic": response,
            "remote_mta": delivery.get("remote_mta_ip"),
            "sending_ip": first_tag(mail, "ses:outgoing-ip"),
        }
    )
    recipients = delivery["recipients"]
    return each(mail, event_id, raw_type, EventKind.DELIVERED, recipients, at, facts)


def delayed(record: Record, event_id: str, raw_type: str) -> Parsed:
    """Deferred, for each delayed recipient with its own SMTP status."""
    mail = mail_of(record)
    delay = part_of(record.get("delivery_delay"), "deliveryDelay")
    at = instant(delay["timestamp"], "deliveryDelay.timestamp")
    metadata = metadata_of(mail)
    delay_type = delay.get("delay_type")
    observations = []
    for recipient in delay["delayed_recipients"]:
        diagnostic = recipient.get("diagnostic_code")
        facts = given(
            {
                "smtp_code": smtp_code(diagnostic),
                "smtp_status": recipient.get("status"),
                "diagnostic": diagnostic,
                "reason": delay_type,
            }
        )
        observations.append(
            observation(
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
    return parsed(observations, raw_type)
