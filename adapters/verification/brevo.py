"""Brevo's ways of securing a webhook: basic credentials in its URL, or a bearer token.

Brevo signs nothing. A webhook is secured either by writing ``username:password@`` into its
URL, which Brevo sends as ``Authorization: Basic``, or by creating it with
``"auth": {"type": "bearer", "token": ...}``, which Brevo sends as ``Authorization: Bearer``.
Neither carries a time, so there is no replay window to check.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from adapters.errors import SettingError
from adapters.verification.basic_auth import verify_basic_auth, verify_bearer_token
from adapters.verification.errors import AuthenticityError
from adapters.verification.request import WebhookRequest
from adapters.verification.settings import required

PROVIDER = "brevo"
USERNAME_VARIABLE = "MAILLEDGER_BREVO_WEBHOOK_USERNAME"
PASSWORD_VARIABLE = "MAILLEDGER_BREVO_WEBHOOK_PASSWORD"
TOKEN_VARIABLE = "MAILLEDGER_BREVO_WEBHOOK_TOKEN"


@dataclass(frozen=True)
class BrevoCredentials:
    """The username and password written into the webhook's URL."""

    username: str
    password: str


@dataclass(frozen=True)
class BrevoVerification:
    """Accepts a request carrying the configured credentials or the configured token.

    With both configured, either is accepted: a webhook may be moved from one to the other.
    """

    credentials: BrevoCredentials | None = None
    token: str | None = None

    def __post_init__(self) -> None:
        if self.credentials is None and not self.token:
            raise ValueError("Brevo verification needs basic credentials, a bearer token, or both")

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> BrevoVerification:
        """The credentials and/or the token from the MAILLEDGER_BREVO_WEBHOOK_* variables.

        A username without its password (or the reverse) names the one that is missing; with
        neither credentials nor token the error names the token and says both ways.
        """
        token = environ.get(TOKEN_VARIABLE, "").strip() or None
        credentials = _credentials(environ)
        if credentials is None and token is None:
            raise SettingError(
                TOKEN_VARIABLE,
                f"not set, nor {USERNAME_VARIABLE} and {PASSWORD_VARIABLE}; set the token the "
                "Brevo webhook sends as a bearer token, or the username and password written "
                "into the webhook's URL (one of the two is needed)",
            )
        return cls(credentials=credentials, token=token)

    def verify(self, request: WebhookRequest) -> None:
        """Raise AuthenticityError unless the request carries the configured secret."""
        scheme = _scheme(request)
        if self.token is not None and (scheme == "bearer" or self.credentials is None):
            verify_bearer_token(PROVIDER, request, self.token)
            return
        if self.credentials is not None and (scheme == "basic" or self.token is None):
            verify_basic_auth(
                PROVIDER, request, self.credentials.username, self.credentials.password
            )
            return
        if scheme is None:
            raise AuthenticityError(
                PROVIDER, "no Authorization header (basic credentials or a bearer token expected)"
            )
        raise AuthenticityError(
            PROVIDER, "the Authorization header is neither basic credentials nor a bearer token"
        )


def _credentials(environ: Mapping[str, str]) -> BrevoCredentials | None:
    """Both halves of the URL's credentials, or None when neither is set."""
    if not any(environ.get(name, "").strip() for name in (USERNAME_VARIABLE, PASSWORD_VARIABLE)):
        return None
    return BrevoCredentials(
        username=required(environ, USERNAME_VARIABLE, "the username in the Brevo webhook's URL"),
        password=required(environ, PASSWORD_VARIABLE, "the password in the Brevo webhook's URL"),
    )


def _scheme(request: WebhookRequest) -> str | None:
    """The lower-cased scheme of the Authorization header, or None without one."""
    header = request.header("Authorization")
    if header is None:
        return None
    return header.strip().partition(" ")[0].lower()
