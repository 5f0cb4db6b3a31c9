"""Bounce and Complaint records: the kind each recipient's failure or report is."""

from __future__ import annotations

from adapters.providers.parsed import Notice, Parsed, unknown_type
from adapters.providers.ses.mapping import NAME
from adapters.providers.ses.observations import (
    each,
    given,
    instant,
    mail_of,
    observation,
    parsed,
    part_of,
)
from adapters.providers.ses.payload import Record
from adapters.providers.ses.smtp import smtp_code
from adapters.providers.ses.tags import metadata_of
from domain.kinds import EventKind

_SUPPRESSED = frozenset({"Suppressed", "OnAccountSuppressionList"})
_BOUNCE_KINDS = {
    "Permanent": EventKind.HARD_BOUNCE,
    "Transient": EventKind.SOFT_BOUNCE,
    "Undetermined": EventKind.SOFT_BOUNCE,
}


def bounced(record: Record, event_id: str, raw_type: str) -> Parsed:
    """A bounce, its kind by bounce type and sub-type (see MAPPING), per bounced recipient."""
    mail = mail_of(record)
    bounce = part_of(record.get("bounce"), "bounce")
    bounce_type = bounce["bounce_type"]
    kind = _BOUNCE_KINDS.get(bounce_type)
    if kind is None:
        return Parsed(notices=[unknown_type(0, f"{raw_type} {bounce_type}", NAME)])
    bounce_subtype = bounce.get("bounce_subtype")
    if kind is EventKind.HARD_BOUNCE and bounce_subtype in _SUPPRESSED:
        kind = EventKind.BLOCKED
    at = instant(bounce["timestamp"], "bounce.timestamp")
    metadata = metadata_of(mail)
    remote_mta = bounce.get("remote_mta_ip")
    observations = []
    for recipient in bounce["bounced_recipients"]:
        diagnostic = recipient.get("diagnostic_code")
        facts = given(
            {
                "smtp_code": smtp_code(diagnostic),
                "smtp_status": recipient.get("status"),
                "diagnostic": diagnostic,
                "bounce_type": bounce_type,
                "bounce_subtype": bounce_subtype,
                "remote_mta": remote_mta,
            }
        )
        delayed = recipient.get("action") == "delayed"
        observations.append(
            observation(
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
    return parsed(observations, raw_type)


def complained(record: Record, event_id: str, raw_type: str) -> Parsed:
    """Spam, for every recipient SES thinks may have complained (see MAPPING for the rules)."""
    mail = mail_of(record)
    complaint = part_of(record.get("complaint"), "complaint")
    feedback = complaint.get("complaint_feedback_type")
    if feedback == "not-spam":
        reason = "the feedback report says the message is not spam; nothing to record"
        return Parsed(notices=[Notice(0, raw_type, reason, known=True)])
    subtype = complaint.get("complaint_subtype")
    kind = EventKind.BLOCKED if subtype == "OnAccountSuppressionList" else EventKind.SPAM
    at = instant(complaint["timestamp"], "complaint.timestamp")
    facts = given({"feedback_type": feedback, "reason": subtype})
    addresses = [recipient["email_address"] for recipient in complaint["complained_recipients"]]
    return each(mail, event_id, raw_type, kind, addresses, at, facts)
