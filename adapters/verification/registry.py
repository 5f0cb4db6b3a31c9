"""Each provider's verifier, configured from the environment."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

from adapters.verification import brevo, mailgun, postmark, sendgrid, ses, sparkpost
from adapters.verification.request import WebhookRequest


class UnverifiableProviderError(ValueError):
    """The provider's bodies carry nothing to verify."""


class Verifier(Protocol):
    """Checks one request; raises AuthenticityError when it is not the provider's."""

    def verify(self, request: WebhookRequest) -> None: ...


VERIFIERS: dict[str, Callable[[Mapping[str, str]], Verifier]] = {
    "brevo": brevo.BrevoVerification.from_env,
    "mailgun": mailgun.MailgunVerification.from_env,
    "postmark": postmark.PostmarkVerification.from_env,
    "sendgrid": sendgrid.SendGridVerification.from_env,
    "ses": ses.SesVerification.from_env,
    "sparkpost": sparkpost.SparkPostVerification.from_env,
}
"""Verifier factories by provider name; the generic format has no verification."""


def verifier_for(provider: str, environ: Mapping[str, str]) -> Verifier:
    """The verifier of ``provider`` with its secret or key from ``environ``.

    Raises UnverifiableProviderError for a provider without verification and SettingError
    for a setting that is missing.
    """
    factory = VERIFIERS.get(provider)
    if factory is None:
        raise UnverifiableProviderError(
            f"{provider} bodies carry no signature to verify; "
            f"--verify applies to {', '.join(VERIFIERS)}"
        )
    return factory(environ)
