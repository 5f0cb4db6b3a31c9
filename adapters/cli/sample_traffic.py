"""Realistic sends and provider events, for the demo and the benchmarks."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from typing import Any

from domain.content import Attachment, MessageContent
from domain.kinds import EventKind
from domain.values import Observation, Recipient, Send

K = EventKind

SCENARIOS: dict[str, tuple[tuple[EventKind, float], ...]] = {
    # name: (kind, minutes after the send)
    "delivered": ((K.SENT, 0.1), (K.DELIVERED, 0.5)),
    "opened": ((K.SENT, 0.1), (K.DELIVERED, 0.4), (K.OPENED, 35.0)),
    "clicked": ((K.SENT, 0.1), (K.DELIVERED, 0.3), (K.OPENED, 12.0), (K.CLICKED, 13.5)),
    "soft_then_delivered": (
        (K.SENT, 0.1),
        (K.SOFT_BOUNCE, 2.0),
        (K.DEFERRED, 20.0),
        (K.DELIVERED, 75.0),
    ),
    "deferred": ((K.SENT, 0.1), (K.DEFERRED, 5.0)),
    "hard_bounce": ((K.SENT, 0.1), (K.HARD_BOUNCE, 0.8)),
    "late_hard_bounce": ((K.SENT, 0.1), (K.DELIVERED, 0.6), (K.HARD_BOUNCE, 240.0)),
    "spam": ((K.SENT, 0.1), (K.DELIVERED, 0.2), (K.OPENED, 3.0), (K.SPAM, 4.0)),
    "blocked": ((K.SENT, 0.1), (K.BLOCKED, 0.2)),
    "invalid": ((K.INVALID_EMAIL, 0.05),),
    "unsubscribed": ((K.SENT, 0.1), (K.DELIVERED, 0.5), (K.OPENED, 50.0), (K.UNSUBSCRIBED, 51.0)),
}

_WEIGHTS = {
    "delivered": 30,
    "opened": 30,
    "clicked": 12,
    "soft_then_delivered": 5,
    "deferred": 3,
    "hard_bounce": 5,
    "late_hard_bounce": 2,
    "spam": 1,
    "blocked": 2,
    "invalid": 2,
    "unsubscribed": 2,
}

_DETAILS: dict[EventKind, dict[str, Any]] = {
    K.SOFT_BOUNCE: {"smtp_code": 452, "reason": "4.2.2 mailbox full", "bounce_class": "soft"},
    K.HARD_BOUNCE: {"smtp_code": 550, "reason": "5.1.1 user unknown", "bounce_class": "hard"},
    K.BLOCKED: {"smtp_code": 554, "reason": "5.7.1 rejected by recipient policy"},
    K.DEFERRED: {"smtp_code": 421, "reason": "4.7.0 try again later"},
    K.CLICKED: {"url": "https://pay.example.com/invoice", "user_agent": "Mozilla/5.0"},
    K.OPENED: {"user_agent": "Mozilla/5.0", "ip": "198.51.100.7"},
}


@dataclass(frozen=True)
class PlannedSend:
    """A send and the scenario each of its recipients lives through."""

    send: Send
    scenarios: tuple[str, ...]


def observations_of(planned: PlannedSend, *, until: datetime | None = None) -> list[Observation]:
    """The provider events each recipient's scenario produces, up to ``until``."""
    send = planned.send
    if send.provider is None or send.provider_message_id is None:
        raise ValueError(f"send {send.external_ref} was refused: it has no provider events")
    events = []
    for recipient, scenario in zip(send.recipients, planned.scenarios, strict=True):
        for index, (kind, minutes) in enumerate(SCENARIOS[scenario]):
            occurred_at = send.sent_at + timedelta(minutes=minutes)
            if until is not None and occurred_at > until:
                break
            events.append(
                Observation(
                    provider=send.provider,
                    provider_message_id=send.provider_message_id,
                    recipient=recipient.address,
                    kind=kind,
                    occurred_at=occurred_at,
                    event_id=f"{send.provider_message_id}-{recipient.address}-{index}",
                    raw_type=kind.value,
                    details=_DETAILS.get(kind, {}),
                    tenant=send.tenant,
                )
            )
    return events


def arrival_order(
    observations: Sequence[Observation], rng: random.Random, duplicate_share: float
) -> list[Observation]:
    """The events as webhooks really bring them: shuffled, some twice."""
    arriving = list(observations)
    arriving += [o for o in observations if rng.random() < duplicate_share]
    rng.shuffle(arriving)
    return arriving


_PROVIDERS = ("sendgrid", "mailgun", "postmark", "brevo", "ses")
_CATEGORIES = (
    ("invoice", "Invoice {n}"),
    ("contract", "Contract {n} ready for signature"),
    ("invitation", "Meeting invitation: dossier review {n}"),
    ("reminder", "Reminder: balance due for booking {n}"),
)


def synthetic_sends(
    rng: random.Random, count: int, start: datetime, tenants: int = 20
) -> list[PlannedSend]:
    """``count`` sends over a day from ``start``, with 1 to 4 recipients and weighted scenarios."""
    names = list(_WEIGHTS)
    weights = list(_WEIGHTS.values())
    planned = []
    for n in range(count):
        category, subject = _CATEGORIES[n % len(_CATEGORIES)]
        provider = _PROVIDERS[n % len(_PROVIDERS)]
        tenant = f"tenant-{n % tenants:03d}"
        recipients = tuple(
            Recipient(f"user{n}-{i}@client{n % 97}.example") for i in range(1 + rng.randrange(4))
        )
        send = Send(
            tenant=tenant,
            external_ref=f"{category}-{n:08d}",
            recipients=recipients,
            sent_at=start + timedelta(seconds=n * 86400 / max(count, 1)),
            provider=provider,
            provider_message_id=f"{provider}-{n:010d}",
            dossier_id=f"DOS-{n // 7:07d}",
            category=category,
            subject=subject.format(n=n),
            sender=f"noreply@{tenant}.example",
        )
        planned.append(PlannedSend(send, tuple(rng.choices(names, weights, k=len(recipients)))))
    return planned


_ATTACHMENTS: dict[str, tuple[str, int, str]] = {
    # category: (file name pattern, size in bytes, content type)
    "invoice": ("{ref}.pdf", 48_213, "application/pdf"),
    "contract": ("{ref}-for-signature.pdf", 212_730, "application/pdf"),
    "invitation": ("{ref}.ics", 1_942, "text/calendar"),
    "confirmation": ("booking-{ref}.pdf", 96_504, "application/pdf"),
}

_BODIES: dict[str, tuple[str, str]] = {
    # category: (opening line, what to do)
    "invoice": (
        "Please find attached your invoice for dossier {dossier}.",
        "The amount is due within 30 days; you can pay online from your account.",
    ),
    "contract": (
        "Your document for dossier {dossier} is ready for signature.",
        "Please review the attached agreement and sign it before Friday.",
    ),
    "invitation": (
        "You are invited to a meeting about dossier {dossier}.",
        "The attached invitation adds it to your calendar; reply to let us know.",
    ),
    "reminder": (
        "This is a friendly reminder about dossier {dossier}.",
        "If you have already taken care of it, please disregard this message.",
    ),
    "confirmation": (
        "Thank you: your booking {dossier} is confirmed.",
        "Your confirmation is attached; keep it with you when you travel.",
    ),
}


def sample_content(category: str, subject: str, dossier: str, sender: str) -> MessageContent:
    """The e-mail a demo send carried: a text and an HTML body, and the attachment its
    kind of e-mail has (an invoice's PDF, an invitation's calendar entry…)."""
    opening, action = _BODIES.get(category, _BODIES["reminder"])
    opening = opening.format(dossier=dossier)
    signature = sender.split("@", 1)[1].split(".", 1)[0].replace("-", " ").title()
    text = f"Hello,\n\n{opening}\n{action}\n\nKind regards,\n{signature}\n"
    html = (
        f"<html><body><p>Hello,</p><p>{escape(opening)}<br>{escape(action)}</p>"
        f"<p>Kind regards,<br><strong>{escape(signature)}</strong></p>"
        f'<p style="color:#888;font-size:12px">{escape(subject)}</p>'
        # The open-tracking pixel providers add: the console's copy must never fetch it.
        '<img src="https://pixel.mail-tracking.example/o.gif" alt="" width="1" height="1">'
        "</body></html>"
    )
    attachments: tuple[Attachment, ...] = ()
    if category in _ATTACHMENTS:
        name, size, content_type = _ATTACHMENTS[category]
        reference = subject.split()[1] if category == "invoice" else dossier
        attachments = (Attachment(name.format(ref=reference), size, content_type),)
    return MessageContent(text=text, html=html, attachments=attachments)
