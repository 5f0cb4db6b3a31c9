"""SubscriptionChange records: a recipient's unsubscription, or a notice of another change."""

from __future__ import annotations

from typing import Any

from adapters.providers.errors import BodyError
from adapters.providers.parsed import Notice, unknown_type
from adapters.providers.postmark.mapping import NAME
from adapters.providers.postmark.observation import Reading, observe
from adapters.providers.postmark.payload import Record
from domain.kinds import EventKind

_ACCOUNT_ORIGINS = frozenset({"Customer", "Admin"})


def subscription_changed(index: int, event: Record) -> Reading:
    """An unsubscription when the recipient suppressed the address; otherwise a notice.

    Postmark suppresses an address after a hard bounce or a spam complaint (each reported by
    its own Bounce or SpamComplaint record), when the recipient unsubscribes
    (ManualSuppression, Origin Recipient) and when the account suppresses it by hand
    (ManualSuppression, Origin Customer or Admin, with no MessageID); SuppressSending false
    is a reactivation.
    """
    if event.get("SuppressSending") is None:
        raise BodyError(
            NAME, index, "SuppressSending", "missing; it says suppressed or reactivated"
        )
    reason = event.get("SuppressionReason")
    if not event.get("SuppressSending"):
        return _change_notice(index, event, "a reactivation: the address may be sent to again")
    if reason in ("HardBounce", "SpamComplaint"):
        return _change_notice(
            index, event, f"a suppression after a {reason}, which its own record reports"
        )
    if reason is None:
        return _change_notice(index, event, "a suppression without a reason; not a delivery fact")
    if reason != "ManualSuppression":
        return unknown_type(index, f"SubscriptionChange/{reason}", NAME)
    if event.get("Origin") in _ACCOUNT_ORIGINS:
        return _change_notice(
            index, event, f"suppressed by the account ({event.get('Origin')}), not by the recipient"
        )
    return observe(
        index,
        event,
        EventKind.UNSUBSCRIBED,
        "Recipient",
        event.get("Recipient"),
        "ChangedAt",
        event.get("ChangedAt"),
        None,
        {
            "reason": reason,
            "tags": [event.get("Tag")] if event.get("Tag") else None,
            "origin": event.get("Origin"),
            "server_id": event.get("ServerID"),
            "message_stream": event.get("MessageStream"),
        },
    )


def _change_notice(index: int, event: Record, why: str) -> Notice:
    return Notice(
        index=index,
        raw_type="SubscriptionChange",
        reason=f"subscription change: {why}",
        known=True,
        details=_postmark(
            suppress_sending=event.get("SuppressSending"),
            reason=event.get("SuppressionReason"),
            origin=event.get("Origin"),
        ),
    )


def _postmark(**facts: Any) -> dict[str, Any]:
    """Postmark's facts that mailledger's detail vocabulary has no slot for, without blanks."""
    return {key: value for key, value in facts.items() if value is not None and value != ""}
