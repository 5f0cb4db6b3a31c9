"""The replay window: a signed timestamp must be close to the moment the request came."""

from __future__ import annotations

from adapters.verification.errors import AuthenticityError
from adapters.verification.request import WebhookRequest

MAX_EPOCH_DIGITS = 12
"""Epoch seconds have 10 digits until the year 2286; more than 12 is no real timestamp, and
arithmetic on hundreds of digits would overflow a float before the signature is checked."""


def epoch_seconds(provider: str, text: str, what: str) -> int:
    """``text`` as whole epoch seconds; an AuthenticityError naming ``what`` otherwise."""
    value = text.strip()
    if not (value.isascii() and value.isdigit()) or len(value) > MAX_EPOCH_DIGITS:
        raise AuthenticityError(provider, f"{what} is not epoch seconds")
    return int(value)


def check_window(provider: str, epoch_seconds: int, request: WebhookRequest, max_age: int) -> None:
    """Refuse a signature made more than ``max_age`` seconds before or after the request came.

    Both ways: a timestamp from the future is as suspect as an old one.
    """
    received_at = request.received_at
    if received_at.tzinfo is None or received_at.utcoffset() is None:
        raise ValueError("request.received_at must carry a UTC offset")
    age = received_at.timestamp() - epoch_seconds
    if abs(age) > max_age:
        when = "before" if age >= 0 else "after"
        raise AuthenticityError(
            provider,
            f"the signature's timestamp is {abs(age):.0f} s {when} the request's arrival, "
            f"outside the {max_age} s replay window",
        )
