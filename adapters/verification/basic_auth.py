"""HTTP basic authentication, the way Postmark, Brevo and SparkPost secure their webhooks.

They send the credentials configured with the webhook URL in an ``Authorization: Basic``
header; the comparison is constant-time so the secret cannot be guessed byte by byte.
"""

from __future__ import annotations

import base64
import binascii
import hmac

from adapters.verification.errors import AuthenticityError
from adapters.verification.request import WebhookRequest


def verify_basic_auth(provider: str, request: WebhookRequest, username: str, password: str) -> None:
    """Accept the request only when it carries exactly these credentials."""
    header = request.header("Authorization")
    if header is None:
        raise AuthenticityError(provider, "no Authorization header (basic credentials expected)")
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        raise AuthenticityError(provider, "the Authorization header is not basic credentials")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise AuthenticityError(provider, "the basic credentials are not valid base64") from None
    expected = f"{username}:{password}".encode()
    if not hmac.compare_digest(decoded, expected):
        raise AuthenticityError(provider, "wrong credentials")


def verify_bearer_token(provider: str, request: WebhookRequest, token: str) -> None:
    """Accept the request only when it carries ``Authorization: Bearer <token>``."""
    header = request.header("Authorization")
    if header is None:
        raise AuthenticityError(provider, "no Authorization header (a bearer token expected)")
    scheme, _, presented = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        raise AuthenticityError(provider, "the Authorization header is not a bearer token")
    if not hmac.compare_digest(presented.strip().encode(), token.encode()):
        raise AuthenticityError(provider, "wrong token")
