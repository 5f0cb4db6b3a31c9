"""Verifiers given the tokens seen, for the providers whose signatures can be replayed."""

from __future__ import annotations

import dataclasses

from adapters.verification.mailgun import MailgunVerification, TokenClaims
from adapters.verification.registry import Verifier


def with_seen_tokens(verifier: Verifier, seen: TokenClaims) -> Verifier:
    """``verifier`` refusing a Mailgun token reused with another body; others unchanged."""
    if isinstance(verifier, MailgunVerification):
        return dataclasses.replace(verifier, seen=seen)
    return verifier
