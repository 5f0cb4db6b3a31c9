"""SendGrid's Signed Event Webhook: ECDSA (P-256, SHA-256) over timestamp + body.

SendGrid signs the bytes of the ``X-Twilio-Email-Event-Webhook-Timestamp`` header followed
by the raw body with the account's private key, and sends the base64 DER signature in
``X-Twilio-Email-Event-Webhook-Signature``. The verification key SendGrid shows (Mail
Settings, or ``GET /v3/user/webhooks/event/settings/signed``) is the base64 DER
SubjectPublicKeyInfo of the public key. A timestamp further than ``max_age`` seconds from
``request.received_at``, before or after, is refused. Within that window a captured request
could be replayed: refusing one already seen is the caller's to track (the verifier is a
pure function and keeps no state).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key, load_pem_public_key

from adapters.errors import SettingError
from adapters.verification.errors import AuthenticityError
from adapters.verification.request import WebhookRequest
from adapters.verification.settings import required, seconds
from adapters.verification.window import check_window, epoch_seconds

PROVIDER = "sendgrid"
VERIFICATION_KEY_VARIABLE = "MAILLEDGER_SENDGRID_VERIFICATION_KEY"
MAX_AGE_VARIABLE = "MAILLEDGER_SENDGRID_MAX_AGE"
DEFAULT_MAX_AGE = 300
SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"


@dataclass(frozen=True)
class SendGridVerification:
    """Checks a SendGrid Event Webhook request against the account's verification key."""

    public_key: ec.EllipticCurvePublicKey
    max_age: int = DEFAULT_MAX_AGE

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> SendGridVerification:
        """The verification key and the timestamp window (seconds, default 300)."""
        key = required(
            environ,
            VERIFICATION_KEY_VARIABLE,
            "the Signed Event Webhook verification key SendGrid shows (base64)",
        )
        try:
            public_key = verification_key(key)
        except ValueError as error:
            raise SettingError(VERIFICATION_KEY_VARIABLE, str(error)) from None
        return cls(
            public_key=public_key, max_age=seconds(environ, MAX_AGE_VARIABLE, DEFAULT_MAX_AGE)
        )

    def verify(self, request: WebhookRequest) -> None:
        """Accept the request only when SendGrid signed this timestamp and body, recently."""
        signature = request.header(SIGNATURE_HEADER)
        timestamp = request.header(TIMESTAMP_HEADER)
        if signature is None or not signature.strip():
            raise AuthenticityError(PROVIDER, f"no {SIGNATURE_HEADER} header")
        if timestamp is None or not timestamp.strip():
            raise AuthenticityError(PROVIDER, f"no {TIMESTAMP_HEADER} header")
        signed_at = epoch_seconds(PROVIDER, timestamp, f"the {TIMESTAMP_HEADER}")
        check_window(PROVIDER, signed_at, request, self.max_age)
        try:
            decoded = base64.b64decode(signature.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise AuthenticityError(PROVIDER, "the signature is not valid base64") from None
        try:
            self.public_key.verify(
                decoded, timestamp.encode() + request.body, ec.ECDSA(hashes.SHA256())
            )
        except InvalidSignature:
            raise AuthenticityError(
                PROVIDER, "the signature does not match the timestamp and body"
            ) from None


def verification_key(text: str) -> ec.EllipticCurvePublicKey:
    """The P-256 public key from SendGrid's base64 verification key (a PEM block also does)."""
    value = text.strip()
    try:
        if value.startswith("-----BEGIN"):
            key = load_pem_public_key(value.encode())
        else:
            key = load_der_public_key(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError, UnsupportedAlgorithm):
        raise ValueError("not a base64 DER public key as SendGrid shows it") from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ValueError("not an ECDSA P-256 public key, which SendGrid signs with")
    return key
