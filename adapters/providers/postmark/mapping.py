"""Postmark's record types and bounce types onto mailledger's kinds, and why some record nothing."""

from __future__ import annotations

from domain.kinds import EventKind

NAME = "postmark"

MAPPING: dict[str, EventKind | None] = {
    "Delivery": EventKind.DELIVERED,
    # The kind of a Bounce depends on its Type: see BOUNCE_TYPES.
    "Bounce": EventKind.HARD_BOUNCE,
    "SpamComplaint": EventKind.SPAM,
    "Open": EventKind.OPENED,
    "Click": EventKind.CLICKED,
    # Only a recipient's own suppression (ManualSuppression, not by the account) is an
    # unsubscription; every other subscription change is a known notice.
    "SubscriptionChange": EventKind.UNSUBSCRIBED,
    # An inbound e-mail (no RecordType, MessageStream "inbound"): nothing we sent.
    "Inbound": None,
}
"""Postmark's record types onto mailledger's kinds (None: recognised, recorded as no fact)."""

BOUNCE_TYPES: dict[str, EventKind | None] = {
    "HardBounce": EventKind.HARD_BOUNCE,
    "SoftBounce": EventKind.SOFT_BOUNCE,
    "Transient": EventKind.SOFT_BOUNCE,
    "DnsError": EventKind.SOFT_BOUNCE,
    # An NDR Postmark could not classify: a failure, not known to be permanent.
    "Unknown": EventKind.SOFT_BOUNCE,
    "BadEmailAddress": EventKind.INVALID_EMAIL,
    "Blocked": EventKind.BLOCKED,
    "ManuallyDeactivated": EventKind.BLOCKED,
    "Unconfirmed": EventKind.BLOCKED,
    "DMARCPolicy": EventKind.BLOCKED,
    "VirusNotification": EventKind.BLOCKED,
    "SpamNotification": EventKind.SPAM,
    "SpamComplaint": EventKind.SPAM,
    "Unsubscribe": EventKind.UNSUBSCRIBED,
    # The message is held until the sender answers the challenge: still in flight.
    "ChallengeVerification": EventKind.DEFERRED,
    "SMTPApiError": EventKind.ERROR,
    "TemplateRenderingFailed": EventKind.ERROR,
    "AutoResponder": None,
    "AddressChange": None,
    "Subscribe": None,
    "SubscriptionChange": None,
    "OpenRelayTest": None,
    "InboundError": None,
}
"""A Bounce's ``Type`` onto mailledger's kinds (None: a known notice, see BOUNCE_NOTICES)."""

BOUNCE_NOTICES: dict[str, str] = {
    "AutoResponder": (
        "an automatic reply (out of office, or an NDR without a reason): it proves neither "
        "a delivery nor a failure"
    ),
    "AddressChange": "the recipient announced a new address; not a delivery fact",
    "Subscribe": "a request to be added to a mailing list; not a delivery fact",
    "SubscriptionChange": (
        "a change to the address's subscription reported as a bounce; the SubscriptionChange "
        "record, not this one, says which change it was"
    ),
    "OpenRelayTest": "a probe testing whether a server is an open relay; not about this send",
    "InboundError": "an inbound e-mail could not be posted to the inbound webhook; not a send",
}
"""Why each bounce type that is not a delivery fact is recorded as no observation."""

SUBSCRIPTION_TYPES = frozenset({"Unsubscribe", "Subscribe", "SubscriptionChange"})
"""Bounce types about the address's subscription, not about a delivery: Postmark may post them
without an ``Email``, naming no recipient, and such a record is a known notice."""

NO_RECIPIENT = (
    "a subscription bounce that names no recipient (no Email); nothing to record about anyone"
)
