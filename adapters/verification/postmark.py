"""Postmark's webhook authenticity: the basic credentials set with the webhook's URL.

Postmark does not sign its webhook requests. It sends the user name and password configured
with the webhook (in the URL, ``https://user:password@host/path``, or in its HttpAuth setting)
as an ``Authorization: Basic`` header, so the credentials prove the sender but nothing binds
them to the body; HTTPS keeps both intact in transit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from adapters.verification.basic_auth import verify_basic_auth
from adapters.verification.request import WebhookRequest
from adapters.verification.settings import required

PROVIDER = "postmark"
USERNAME_VARIABLE = "MAILLEDGER_POSTMARK_WEBHOOK_USERNAME"
PASSWORD_VARIABLE = "MAILLEDGER_POSTMARK_WEBHOOK_PASSWORD"


@dataclass(frozen=True)
class PostmarkVerification:
    """The credentials configured with the Postmark webhook."""

    username: str
    password: str = field(repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> PostmarkVerification:
        """The credentials from MAILLEDGER_POSTMARK_WEBHOOK_USERNAME and _PASSWORD."""
        return cls(
            username=required(
                environ, USERNAME_VARIABLE, "the user name of the Postmark webhook's basic auth"
            ),
            password=required(
                environ, PASSWORD_VARIABLE, "the password of the Postmark webhook's basic auth"
            ),
        )

    def verify(self, request: WebhookRequest) -> None:
        """Accept the request only when it carries exactly these credentials."""
        verify_basic_auth(PROVIDER, request, self.username, self.password)
