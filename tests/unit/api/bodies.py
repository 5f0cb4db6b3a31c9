"""Request bodies the API tests post: registrations and signed provider webhooks."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.unit.providers.bodies import body

MAILGUN_KEY = "key-api-tests-0123456789abcdef"
"""The Mailgun signing key the API tests configure (MAILLEDGER_MAILGUN_SIGNING_KEY)."""

SENT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def registration(
    ref: str = "inv-1",
    *,
    tenant: str | None = "acme",
    provider_message_id: str | None = None,
    provider: str = "sendgrid",
    recipients: list[Any] | None = None,
    dossier_id: str | None = "D-1",
    subject: str = "Invoice",
    sent_at: datetime = SENT,
    **extra: Any,
) -> dict[str, Any]:
    """One send in the ``mailledger register`` format; ``tenant`` None leaves it out."""
    shape: dict[str, Any] = {
        "external_ref": ref,
        "dossier_id": dossier_id,
        "subject": subject,
        "sender": "billing@acme.example",
        "provider": provider,
        "provider_message_id": provider_message_id or f"pm-{ref}",
        "recipients": recipients or ["ana@example.com"],
        "sent_at": sent_at.isoformat(),
        **extra,
    }
    if tenant is not None:
        shape["tenant"] = tenant
    return shape


def mailgun_webhook(
    *,
    key: str = MAILGUN_KEY,
    tamper: bool = False,
    message_id: str | None = None,
    recipient: str | None = None,
    event: str = "delivered",
    at: datetime | None = None,
) -> bytes:
    """A Mailgun fixture body signed now with ``key`` (``tamper``: changed after signing)."""
    posted = json.loads(body("mailgun", "delivered"))
    data = posted["event-data"]
    data["event"] = event
    if message_id is not None:
        data["message"]["headers"]["message-id"] = message_id
    if recipient is not None:
        data["recipient"] = recipient
    if at is not None:
        data["timestamp"] = at.timestamp()
    data["id"] = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:22]
    timestamp, token = (
        str(int(time.time())),
        hashlib.sha256(str(time.time_ns()).encode()).hexdigest(),
    )
    digest = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    posted["signature"] = {"timestamp": timestamp, "token": token, "signature": digest}
    if tamper:
        posted["signature"]["token"] = token[::-1]
    return json.dumps(posted).encode()


def generic_line(
    provider_message_id: str,
    recipient: str = "ana@example.com",
    event: str = "delivered",
    *,
    provider: str = "sendgrid",
    minutes: float = 1,
    event_id: str | None = None,
) -> str:
    """One line of mailledger's generic format."""
    return json.dumps(
        {
            "provider": provider,
            "provider_message_id": provider_message_id,
            "recipient": recipient,
            "event": event,
            "occurred_at": (SENT + timedelta(minutes=minutes)).isoformat(),
            "event_id": event_id or f"{provider_message_id}-{recipient}-{event}-{minutes}",
        }
    )
