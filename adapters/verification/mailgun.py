"""Mailgun's webhook signature: HMAC-SHA256 of timestamp + token with the signing key.

Mailgun puts the signature inside the JSON body, beside the event:
``{"signature": {"timestamp": "...", "token": "...", "signature": "<hex>"}, "event-data": ...}``.
The HMAC covers only the timestamp and the token, not ``event-data``. A timestamp outside
the replay window around ``request.received_at`` is refused. Within the window a captured
request could be replayed around other ``event-data``: given the seen tokens (kept in the
database by ``adapters/storage/seen_tokens.py``), a token already seen with another body is
refused, while the same body again (Mailgun's retry) passes.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import orjson

from adapters.verification.errors import AuthenticityError
from adapters.verification.request import WebhookRequest
from adapters.verification.settings import required, seconds
from adapters.verification.window import check_window, epoch_seconds

PROVIDER = "mailgun"
SIGNING_KEY_VARIABLE = "MAILLEDGER_MAILGUN_SIGNING_KEY"
MAX_AGE_VARIABLE = "MAILLEDGER_MAILGUN_MAX_AGE"
DEFAULT_MAX_AGE = 300


class TokenClaims(Protocol):
    """Where tokens seen within the window are kept."""

    def claim(
        self, provider: str, token: str, body_sha256: str, seen_at: datetime, keep_for: int
    ) -> bool:
        """True for a new token or the same body again; False for another body."""
        ...


@dataclass(frozen=True)
class Signature:
    """The ``signature`` block of a Mailgun body."""

    timestamp: str
    token: str
    signature: str


@dataclass(frozen=True)
class MailgunVerification:
    """Checks a Mailgun webhook against the account's HTTP webhook signing key."""

    signing_key: str
    max_age: int = DEFAULT_MAX_AGE
    seen: TokenClaims | None = None
    """The tokens already seen; None checks signatures only (a single file, a test)."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> MailgunVerification:
        """The signing key and replay window (seconds, default 300) from the environment."""
        return cls(
            signing_key=required(
                environ, SIGNING_KEY_VARIABLE, "Mailgun's HTTP webhook signing key"
            ),
            max_age=seconds(environ, MAX_AGE_VARIABLE, DEFAULT_MAX_AGE),
        )

    def verify(self, request: WebhookRequest) -> None:
        """Accept the request only when its signature is Mailgun's and its timestamp recent."""
        signed = signature_of(request.body)
        expected = hmac.new(
            self.signing_key.encode(),
            (signed.timestamp + signed.token).encode(),
            hashlib.sha256,
        ).hexdigest()
        if not hmac.compare_digest(expected.encode(), signed.signature.strip().lower().encode()):
            raise AuthenticityError(PROVIDER, "the signature does not match")
        signed_at = epoch_seconds(PROVIDER, signed.timestamp, "signature.timestamp")
        check_window(PROVIDER, signed_at, request, self.max_age)
        digest = hashlib.sha256(request.body).hexdigest()
        # Kept for twice the window: a timestamp may be max_age before or after arrival.
        if self.seen is not None and not self.seen.claim(
            PROVIDER, signed.token, digest, request.received_at, 2 * self.max_age
        ):
            raise AuthenticityError(
                PROVIDER,
                "this signature's token was already used with another body; a signature "
                "block is good for one webhook only",
            )


def signature_of(body: bytes) -> Signature:
    """The body's ``signature`` block; anything else is an AuthenticityError."""
    try:
        # orjson, not json: it refuses nesting deeper than 1024 levels with a ValueError
        # where json would raise RecursionError.
        parsed: Any = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise AuthenticityError(
            PROVIDER, "the body is not JSON (or is nested too deep), so it carries no signature"
        ) from None
    block = parsed.get("signature") if isinstance(parsed, dict) else None
    if not isinstance(block, dict):
        raise AuthenticityError(PROVIDER, "the body has no 'signature' object")
    timestamp = block.get("timestamp")
    if isinstance(timestamp, int) and not isinstance(timestamp, bool):
        timestamp = str(timestamp)
    token = block.get("token")
    signature = block.get("signature")
    if not isinstance(timestamp, str) or not (timestamp.isascii() and timestamp.isdigit()):
        raise AuthenticityError(PROVIDER, "signature.timestamp is missing or not epoch seconds")
    if not isinstance(token, str) or not token:
        raise AuthenticityError(PROVIDER, "signature.token is missing")
    if not isinstance(signature, str) or not signature.strip():
        raise AuthenticityError(PROVIDER, "signature.signature is missing")
    return Signature(timestamp=timestamp, token=token, signature=signature)
