"""SparkPost's webhook authentication: basic credentials or a token, nothing signed.

SparkPost signs no webhook body. A webhook is configured with ``auth_type`` ``basic`` (it
sends ``Authorization: Basic`` with the credentials set on the webhook) or ``oauth2`` (it
fetches a token from the configured authorization server and sends ``Authorization:
Bearer <token>``); webhooks made before those existed may still send the deprecated
``X-MessageSystems-Webhook-Token`` header. mailledger checks the basic credentials, or a
token it is given (the one the authorization server issues, or the deprecated header's).
Neither covers the body, and there is no timestamp, so no replay window: the transport
(HTTPS) protects the body.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from adapters.errors import SettingError
from adapters.verification.basic_auth import verify_basic_auth, verify_bearer_token
from adapters.verification.errors import AuthenticityError
from adapters.verification.request import WebhookRequest
from adapters.verification.settings import required

PROVIDER = "sparkpost"
USERNAME_VARIABLE = "MAILLEDGER_SPARKPOST_WEBHOOK_USERNAME"
PASSWORD_VARIABLE = "MAILLEDGER_SPARKPOST_WEBHOOK_PASSWORD"
TOKEN_VARIABLE = "MAILLEDGER_SPARKPOST_WEBHOOK_TOKEN"
LEGACY_TOKEN_HEADER = "X-MessageSystems-Webhook-Token"


@dataclass(frozen=True)
class SparkPostVerification:
    """Checks a SparkPost webhook request against its basic credentials or its token.

    At least one of the two is configured; when both are, a request may carry either.
    """

    username: str | None = None
    password: str | None = None
    token: str | None = None

    def __post_init__(self) -> None:
        if self.username is None and self.token is None:
            raise ValueError("configure basic credentials, a token, or both")
        if self.username is not None and self.password is None:
            raise ValueError("basic credentials need a password")

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> SparkPostVerification:
        """Basic credentials (username and password) and/or a token from the environment."""
        username = environ.get(USERNAME_VARIABLE, "").strip() or None
        token = environ.get(TOKEN_VARIABLE, "").strip() or None
        if username is None and token is None:
            raise SettingError(
                USERNAME_VARIABLE,
                f"not set; set it and {PASSWORD_VARIABLE} to the webhook's basic "
                f"credentials, or set {TOKEN_VARIABLE} to the token SparkPost presents",
            )
        password = None
        if username is not None:
            password = required(environ, PASSWORD_VARIABLE, "the webhook's basic-auth password")
        return cls(username=username, password=password, token=token)

    def verify(self, request: WebhookRequest) -> None:
        """Accept the request only when it carries the configured credentials or token."""
        header = request.header("Authorization")
        if header is None:
            self.verify_legacy_token(request)
            return
        scheme = header.strip().partition(" ")[0].lower()
        if scheme == "basic" and self.username is not None and self.password is not None:
            verify_basic_auth(PROVIDER, request, self.username, self.password)
        elif scheme == "bearer" and self.token is not None:
            verify_bearer_token(PROVIDER, request, self.token)
        else:
            raise AuthenticityError(
                PROVIDER, f"the Authorization header does not carry {self.accepted()}"
            )

    def verify_legacy_token(self, request: WebhookRequest) -> None:
        """Accept a request without Authorization only by the deprecated token header."""
        presented = request.header(LEGACY_TOKEN_HEADER)
        if presented is None or self.token is None:
            raise AuthenticityError(
                PROVIDER, f"no Authorization header ({self.accepted()} expected)"
            )
        if not hmac.compare_digest(presented.strip().encode(), self.token.encode()):
            raise AuthenticityError(PROVIDER, "wrong token")

    def accepted(self) -> str:
        """What this configuration accepts, for error messages."""
        kinds = []
        if self.username is not None:
            kinds.append("basic credentials")
        if self.token is not None:
            kinds.append("a bearer token")
        return " or ".join(kinds)
