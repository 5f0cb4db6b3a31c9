"""SparkPost's bounce classification codes, and the kind of a bounce of each."""

from __future__ import annotations

from typing import NamedTuple

from domain.kinds import EventKind


class BounceClass(NamedTuple):
    """One of SparkPost's bounce classification codes."""

    name: str
    category: str
    kind: EventKind | None


BOUNCE_CLASSES: dict[str, BounceClass] = {
    "1": BounceClass("Undetermined", "Undetermined", EventKind.SOFT_BOUNCE),
    "10": BounceClass("Invalid Recipient", "Hard", EventKind.INVALID_EMAIL),
    "20": BounceClass("Soft Bounce", "Soft", EventKind.SOFT_BOUNCE),
    "21": BounceClass("DNS Failure", "Soft", EventKind.SOFT_BOUNCE),
    "22": BounceClass("Mailbox Full", "Soft", EventKind.SOFT_BOUNCE),
    "23": BounceClass("Too Large", "Soft", EventKind.SOFT_BOUNCE),
    "24": BounceClass("Timeout", "Soft", EventKind.SOFT_BOUNCE),
    "25": BounceClass("Admin Failure", "Admin", EventKind.BLOCKED),
    "26": BounceClass("Smart Send Suppression", "Admin", EventKind.BLOCKED),
    "30": BounceClass("Generic Bounce: No RCPT", "Hard", EventKind.HARD_BOUNCE),
    "40": BounceClass("Generic Bounce", "Soft", EventKind.SOFT_BOUNCE),
    "50": BounceClass("Mail Block", "Block", EventKind.BLOCKED),
    "51": BounceClass("Spam Block", "Block", EventKind.BLOCKED),
    "52": BounceClass("Spam Content", "Block", EventKind.BLOCKED),
    "53": BounceClass("Prohibited Attachment", "Block", EventKind.BLOCKED),
    "54": BounceClass("Relaying Denied", "Block", EventKind.BLOCKED),
    "60": BounceClass("Auto-Reply", "Soft", None),
    "70": BounceClass("Transient Failure", "Soft", EventKind.SOFT_BOUNCE),
    "80": BounceClass("Subscribe", "Admin", None),
    "90": BounceClass("Unsubscribe", "Hard", EventKind.UNSUBSCRIBED),
    "100": BounceClass("Challenge-Response", "Soft", EventKind.SOFT_BOUNCE),
}
"""SparkPost's bounce classification codes and the kind of a bounce or out-of-band bounce.

Invalid recipient (10) is ``invalid_email``; the other hard classes ``hard_bounce``; soft and
undetermined classes (SparkPost: "usually temporary") ``soft_bounce``; blocks by the
receiver (50-54) and SparkPost's own policy failures such as its suppression list (25, 26)
``blocked``. An unsubscribe request answered through the bounce channel (90) is
``unsubscribed``. An auto-reply (60) or a subscribe request (80) is no delivery failure:
it becomes a known notice. A class absent from this table keeps the type's usual kind, a
permanent rejection (``hard_bounce``).
"""
