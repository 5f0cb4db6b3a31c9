"""SendGrid's Signed Event Webhook: ECDSA P-256 over timestamp + body, within a time window."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from adapters.errors import SettingError
from adapters.verification.errors import AuthenticityError
from adapters.verification.request import WebhookRequest
from adapters.verification.sendgrid import (
    MAX_AGE_VARIABLE,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    VERIFICATION_KEY_VARIABLE,
    SendGridVerification,
    verification_key,
)

RECEIVED_AT = datetime(2026, 11, 23, 9, 5, 0, tzinfo=UTC)
SIGNED_AT = str(int(RECEIVED_AT.timestamp()) - 2)
BODY = (
    b'[{"email":"alex@example.com","timestamp":1795424475,"event":"delivered",'
    b'"sg_event_id":"rWVYmVk90MjZJ9iohOBa3w==",'
    b'"sg_message_id":"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0"}]\r\n'
)


def a_private_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def shown_key(private_key: ec.EllipticCurvePrivateKey) -> str:
    """The verification key as SendGrid shows it: base64 of the DER SubjectPublicKeyInfo."""
    der = private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


def sign(private_key: ec.EllipticCurvePrivateKey, timestamp: str, body: bytes) -> str:
    return base64.b64encode(
        private_key.sign(timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    ).decode()


PRIVATE_KEY = a_private_key()
VERIFIER = SendGridVerification.from_env({VERIFICATION_KEY_VARIABLE: shown_key(PRIVATE_KEY)})


def a_request(
    *,
    body: bytes = BODY,
    timestamp: str | None = SIGNED_AT,
    signature: str | None = None,
    received_at: datetime = RECEIVED_AT,
) -> WebhookRequest:
    """A request SendGrid signed, unless the signature or timestamp are given (None: absent)."""
    headers = {"Content-Type": "application/json"}
    if timestamp is not None:
        headers[TIMESTAMP_HEADER] = timestamp
        headers[SIGNATURE_HEADER] = signature or sign(PRIVATE_KEY, timestamp, BODY)
    elif signature is not None:
        headers[SIGNATURE_HEADER] = signature
    return WebhookRequest(body=body, received_at=received_at, headers=headers)


def rejection(verifier: SendGridVerification, request: WebhookRequest) -> str:
    with pytest.raises(AuthenticityError) as caught:
        verifier.verify(request)
    assert caught.value.provider == "sendgrid"
    return caught.value.problem


def test_a_request_sendgrid_signed_is_accepted() -> None:
    VERIFIER.verify(a_request())


def test_header_names_are_matched_without_regard_to_case() -> None:
    request = a_request()
    lowered = {name.lower(): value for name, value in request.headers.items()}
    VERIFIER.verify(WebhookRequest(body=BODY, received_at=RECEIVED_AT, headers=lowered))


def test_an_empty_batch_signed_is_accepted() -> None:
    VERIFIER.verify(a_request(body=b"[]", signature=sign(PRIVATE_KEY, SIGNED_AT, b"[]")))


def test_a_tampered_body_is_rejected() -> None:
    tampered = BODY.replace(b"delivered", b"bounce")
    assert "does not match" in rejection(VERIFIER, a_request(body=tampered))


def test_a_body_reserialised_even_without_a_change_in_meaning_is_rejected() -> None:
    assert "does not match" in rejection(VERIFIER, a_request(body=BODY.rstrip()))


def test_a_tampered_signature_is_rejected() -> None:
    signature = bytearray(base64.b64decode(sign(PRIVATE_KEY, SIGNED_AT, BODY)))
    signature[-1] ^= 0x01
    request = a_request(signature=base64.b64encode(bytes(signature)).decode())
    assert "does not match" in rejection(VERIFIER, request)


def test_a_signature_over_another_timestamp_is_rejected() -> None:
    other = str(int(SIGNED_AT) - 1)
    request = a_request(signature=sign(PRIVATE_KEY, other, BODY))
    assert "does not match" in rejection(VERIFIER, request)


def test_a_signature_that_is_not_base64_is_rejected() -> None:
    assert "base64" in rejection(VERIFIER, a_request(signature="not*base64!"))


def test_a_signature_by_another_key_is_rejected() -> None:
    other_key = a_private_key()
    request = a_request(signature=sign(other_key, SIGNED_AT, BODY))
    assert "does not match" in rejection(VERIFIER, request)
    other_verifier = SendGridVerification.from_env(
        {VERIFICATION_KEY_VARIABLE: shown_key(other_key)}
    )
    assert "does not match" in rejection(other_verifier, a_request())


@pytest.mark.parametrize("skew", [301, -301, 86_400])
def test_a_timestamp_outside_the_window_is_rejected(skew: int) -> None:
    timestamp = str(int(RECEIVED_AT.timestamp()) - skew)
    request = a_request(timestamp=timestamp, signature=sign(PRIVATE_KEY, timestamp, BODY))
    assert "outside the 300 s replay window" in rejection(VERIFIER, request)


@pytest.mark.parametrize("skew", [300, -300, 0])
def test_a_timestamp_inside_the_window_is_accepted(skew: int) -> None:
    timestamp = str(int(RECEIVED_AT.timestamp()) - skew)
    VERIFIER.verify(a_request(timestamp=timestamp, signature=sign(PRIVATE_KEY, timestamp, BODY)))


def test_the_window_is_measured_from_when_the_request_was_received() -> None:
    late = RECEIVED_AT + timedelta(minutes=10)
    assert "outside" in rejection(VERIFIER, a_request(received_at=late))
    patient = SendGridVerification(public_key=VERIFIER.public_key, max_age=3600)
    patient.verify(a_request(received_at=late))


@pytest.mark.parametrize("timestamp", ["soon", "1795424698.5", "-1795424698"])
def test_a_timestamp_that_is_not_epoch_seconds_is_rejected(timestamp: str) -> None:
    request = a_request(timestamp=timestamp, signature=sign(PRIVATE_KEY, timestamp, BODY))
    assert "not epoch seconds" in rejection(VERIFIER, request)


def test_a_missing_signature_is_rejected() -> None:
    request = a_request()
    headers = {k: v for k, v in request.headers.items() if k != SIGNATURE_HEADER}
    unsigned = WebhookRequest(body=BODY, received_at=RECEIVED_AT, headers=headers)
    assert SIGNATURE_HEADER in rejection(VERIFIER, unsigned)


def test_a_missing_timestamp_is_rejected() -> None:
    request = a_request(timestamp=None, signature=sign(PRIVATE_KEY, SIGNED_AT, BODY))
    assert TIMESTAMP_HEADER in rejection(VERIFIER, request)


def test_a_request_without_any_headers_is_rejected() -> None:
    bare = WebhookRequest(body=BODY, received_at=RECEIVED_AT)
    assert SIGNATURE_HEADER in rejection(VERIFIER, bare)


def test_from_env_reads_the_key_and_the_window() -> None:
    verifier = SendGridVerification.from_env(
        {VERIFICATION_KEY_VARIABLE: f"  {shown_key(PRIVATE_KEY)}\n", MAX_AGE_VARIABLE: "60"}
    )
    assert verifier.max_age == 60
    assert VERIFIER.max_age == 300
    verifier.verify(a_request())


def test_from_env_without_the_key_names_the_variable() -> None:
    with pytest.raises(SettingError) as caught:
        SendGridVerification.from_env({MAX_AGE_VARIABLE: "60"})
    assert caught.value.variable == VERIFICATION_KEY_VARIABLE
    assert VERIFICATION_KEY_VARIABLE in str(caught.value)


def test_from_env_with_a_bad_window_names_the_variable() -> None:
    with pytest.raises(SettingError) as caught:
        SendGridVerification.from_env(
            {VERIFICATION_KEY_VARIABLE: shown_key(PRIVATE_KEY), MAX_AGE_VARIABLE: "five"}
        )
    assert caught.value.variable == MAX_AGE_VARIABLE


@pytest.mark.parametrize(
    "key",
    [
        "not base64 at all!",
        base64.b64encode(b"not a DER public key").decode(),
        base64.b64encode(
            ec.generate_private_key(ec.SECP384R1())
            .public_key()
            .public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        ).decode(),
    ],
)
def test_from_env_with_an_unreadable_key_names_the_variable(key: str) -> None:
    with pytest.raises(SettingError) as caught:
        SendGridVerification.from_env({VERIFICATION_KEY_VARIABLE: key})
    assert caught.value.variable == VERIFICATION_KEY_VARIABLE


def test_a_pem_block_is_read_as_the_same_key() -> None:
    pem = (
        PRIVATE_KEY.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    SendGridVerification(public_key=verification_key(pem)).verify(a_request())


def test_a_received_at_without_offset_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="UTC offset"):
        VERIFIER.verify(a_request(received_at=RECEIVED_AT.replace(tzinfo=None)))
