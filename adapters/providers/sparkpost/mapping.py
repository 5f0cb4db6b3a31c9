"""SparkPost's event classes and types onto mailledger's kinds, and why some record nothing."""

from __future__ import annotations

from domain.kinds import EventKind

NAME = "sparkpost"

MAPPING: dict[str, EventKind | None] = {
    # message_event. SparkPost accepted the message: the provider's acceptance is `sent`
    # (`queued` is what a registration alone says).
    "injection": EventKind.SENT,
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
            # SparkPost's samples post generation events under gen_event; the Message Events
            # API and webhooks seen in the wild also put them under message_event.
            "generation_failure",
            "generation_rejection",
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
