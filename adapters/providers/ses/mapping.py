"""The raw types of SES and SNS onto mailledger's kinds, and why some record nothing."""

from __future__ import annotations

from domain.kinds import EventKind

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

NOTICES: dict[str, str] = {
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
"""Why each known type that records nothing is a notice (``Notification``: the topic check)."""
