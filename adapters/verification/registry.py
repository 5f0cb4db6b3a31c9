"""Each provider's verifier, configured from its settings (``MAILLEDGER_<PROVIDER>_*``)."""

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

VARIABLES: dict[str, tuple[str, ...]] = {
    "brevo": (brevo.USERNAME_VARIABLE, brevo.PASSWORD_VARIABLE, brevo.TOKEN_VARIABLE),
    "mailgun": (mailgun.SIGNING_KEY_VARIABLE, mailgun.MAX_AGE_VARIABLE),
    "postmark": (postmark.USERNAME_VARIABLE, postmark.PASSWORD_VARIABLE),
    "sendgrid": (sendgrid.VERIFICATION_KEY_VARIABLE, sendgrid.MAX_AGE_VARIABLE),
    "ses": (ses.CERTIFICATES_VARIABLE, ses.TOPIC_ARNS_VARIABLE, ses.MAX_AGE_VARIABLE),
    "sparkpost": (
        sparkpost.USERNAME_VARIABLE,
        sparkpost.PASSWORD_VARIABLE,
        sparkpost.TOKEN_VARIABLE,
    ),
}
"""The settings each provider's verifier reads."""


def verifier_for(provider: str, environ: Mapping[str, str]) -> Verifier:
    """The verifier of ``provider`` with its secret or key from the settings ``environ``.

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


def configured_verifiers(environ: Mapping[str, str]) -> dict[str, Verifier]:
    """The verifier of every provider that has any of its settings; a setting that is
    malformed or incomplete raises SettingError naming it, so a process can refuse to start."""
    return {
        provider: factory(environ)
        for provider, factory in VERIFIERS.items()
        if any(environ.get(name, "").strip() for name in VARIABLES[provider])
    }
