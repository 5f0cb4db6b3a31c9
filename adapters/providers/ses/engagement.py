"""Open, Click and Subscription records: what the e-mail's one recipient did with it."""

from __future__ import annotations

from typing import Any

from adapters.providers.parsed import Notice, Parsed
from adapters.providers.ses.observations import given, instant, mail_of, part_of, sole
from adapters.providers.ses.payload import Record
from domain.kinds import EventKind


def opened(record: Record, event_id: str, raw_type: str) -> Parsed:
    """Opened, by the e-mail's one recipient (SES does not say who opened a shared copy)."""
    mail = mail_of(record)
    opening = part_of(record.get("open"), "open")
    at = instant(opening["timestamp"], "open.timestamp")
    facts = given({"ip": opening.get("ip_address"), "user_agent": opening.get("user_agent")})
    return sole(mail, event_id, raw_type, EventKind.OPENED, at, facts)


def clicked(record: Record, event_id: str, raw_type: str) -> Parsed:
    """Clicked, by the e-mail's one recipient (SES does not say who clicked a shared copy)."""
    mail = mail_of(record)
    click = part_of(record.get("click"), "click")
    at = instant(click["timestamp"], "click.timestamp")
    facts = given(
        {
            "url": click.get("link"),
            "ip": click.get("ip_address"),
            "user_agent": click.get("user_agent"),
        }
    )
    return sole(mail, event_id, raw_type, EventKind.CLICKED, at, facts)


def subscription_changed(record: Record, event_id: str, raw_type: str) -> Parsed:
    """Unsubscribed when the contact left every topic of the list; otherwise a notice."""
    mail = mail_of(record)
    subscription = part_of(record.get("subscription"), "subscription")
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
    at = instant(subscription["timestamp"], "subscription.timestamp")
    facts = given({"reason": subscription.get("source")})
    if contact_list:
        facts["contact_list"] = contact_list
    return sole(mail, event_id, raw_type, EventKind.UNSUBSCRIBED, at, facts)
