"""How a delivery is signed, and how a receiver checks it.

``Mailledger-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>``,
the scheme of the providers we accept (Stripe's): the timestamp is signed with the body, so
a captured delivery cannot be sent again later than the receiver's tolerance. More than one
``v1=`` may appear (one per secret while a secret is being replaced); one matching is enough.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "Mailledger-Signature"
SIGNAL_ID_HEADER = "Mailledger-Signal-Id"
SCHEME = "v1"
TOLERANCE_SECONDS = 300
"""How far from a receiver's clock a signature's timestamp may be: five minutes."""


class SignatureError(ValueError):
    """A signature that does not prove the body came from mailledger just now."""


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    signed = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The ``Mailledger-Signature`` header's value for ``body`` sent at ``timestamp``."""
    return f"t={timestamp},{SCHEME}={_mac(secret, timestamp, body)}"


def verify(
    secret: str, header: str, body: bytes, now: float, tolerance: int = TOLERANCE_SECONDS
) -> int:
    """The signed timestamp when ``header`` signs ``body`` with ``secret`` within
    ``tolerance`` seconds of ``now``; SignatureError otherwise."""
    timestamp: int | None = None
    macs: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            timestamp = int(value)
        elif name == SCHEME:
            macs.append(value)
    if timestamp is None or not macs:
        raise SignatureError(f"the header needs t=<unix seconds> and {SCHEME}=<hex>")
    if abs(now - timestamp) > tolerance:
        raise SignatureError(f"the timestamp is more than {tolerance} s from now")
    expected = _mac(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, mac) for mac in macs):
        raise SignatureError("no signature matches the body")
    return timestamp
