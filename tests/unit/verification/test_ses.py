"""Amazon SNS message signatures (versions 1 and 2) with certificates from a local store."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from adapters.errors import SettingError
from adapters.verification.errors import AuthenticityError
from adapters.verification.request import WebhookRequest
from adapters.verification.ses import (
    CERTIFICATES_VARIABLE,
    MAX_AGE_VARIABLE,
    SIGNED_FIELDS,
    TOPIC_ARNS_VARIABLE,
    SesVerification,
    string_to_sign,
)

RECEIVED_AT = datetime(2026, 11, 23, 9, 5, 0, tzinfo=UTC)
TOPIC = "arn:aws:sns:eu-west-1:123456789012:mailledger-ses-events"
CERTIFICATE_FILE = "SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem"
CERTIFICATE_URL = f"https://sns.eu-west-1.amazonaws.com/{CERTIFICATE_FILE}"
RECORD = (
    '{"eventType":"Delivery","mail":{"timestamp":"2026-11-23T09:04:58.120Z",'
    '"messageId":"0102019aa1b2c3d4-000000","destination":["alice@example.com"]},'
    '"delivery":{"timestamp":"2026-11-23T09:04:59.330Z","recipients":["alice@example.com"]}}'
)
HASHES = {"1": hashes.SHA1(), "2": hashes.SHA256()}


def a_certificate(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> x509.Certificate:
    """A self-signed certificate valid through 2026, standing in for SNS's."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime(2026, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2027, 1, 1, tzinfo=UTC))
        .sign(key, hashes.SHA256())
    )


KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
CERTIFICATE = a_certificate(KEY)
VERIFIER = SesVerification(certificates={CERTIFICATE_FILE: CERTIFICATE})


def sign(message: dict[str, Any], key: rsa.RSAPrivateKey = KEY) -> dict[str, Any]:
    """``message`` with the Signature SNS would give it with ``key``."""
    signed = string_to_sign(message, SIGNED_FIELDS[message["Type"]])
    algorithm = HASHES[message["SignatureVersion"]]
    signature = key.sign(signed, padding.PKCS1v15(), algorithm)
    return {**message, "Signature": base64.b64encode(signature).decode()}


def a_notification(version: str = "1", **fields: Any) -> dict[str, Any]:
    """An SES notification as SNS posts it, unsigned; ``fields`` override (None drops)."""
    message = {
        "Type": "Notification",
        "MessageId": "8b3d2c90-3e4f-5051-8c1d-2e3f4a5b6c7d",
        "TopicArn": TOPIC,
        "Message": RECORD,
        "Timestamp": "2026-11-23T09:04:59.512Z",
        "SignatureVersion": version,
        "SigningCertURL": CERTIFICATE_URL,
        "UnsubscribeURL": f"https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&Arn={TOPIC}",
    }
    message.update(fields)
    return {key: value for key, value in message.items() if value is not None}


def a_confirmation(kind: str = "SubscriptionConfirmation", version: str = "1") -> dict[str, Any]:
    return {
        "Type": kind,
        "MessageId": "69b50a7e-1c2d-5e3f-8e4f-a6b7c8d9e0f1",
        "Token": "2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92",
        "TopicArn": TOPIC,
        "Message": f"You have chosen to subscribe to the topic {TOPIC}.\nTo confirm the "
        "subscription, visit the SubscribeURL included in this message.",
        "SubscribeURL": f"https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&"
        f"TopicArn={TOPIC}&Token=2336412f",
        "Timestamp": "2026-11-23T09:04:30.751Z",
        "SignatureVersion": version,
        "SigningCertURL": CERTIFICATE_URL,
    }


def a_request(message: dict[str, Any], received_at: datetime = RECEIVED_AT) -> WebhookRequest:
    headers = {"x-amz-sns-message-type": str(message.get("Type")), "Content-Type": "text/plain"}
    return WebhookRequest(
        body=json.dumps(message, indent=2).encode(), received_at=received_at, headers=headers
    )


def rejection(request: WebhookRequest, verifier: SesVerification = VERIFIER) -> str:
    with pytest.raises(AuthenticityError) as caught:
        verifier.verify(request)
    assert caught.value.provider == "ses"
    return caught.value.problem


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_notification_sns_signed_is_accepted(version: str) -> None:
    VERIFIER.verify(a_request(sign(a_notification(version))))


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_notification_with_a_subject_signs_it_too(version: str) -> None:
    message = sign(a_notification(version, Subject="Amazon SES Email Event Notification"))

    VERIFIER.verify(a_request(message))
    assert rejection(a_request({**message, "Subject": "Changed"})) == (
        "the signature does not match the message"
    )


@pytest.mark.parametrize("kind", ["SubscriptionConfirmation", "UnsubscribeConfirmation"])
@pytest.mark.parametrize("version", ["1", "2"])
def test_confirmations_sns_signed_are_accepted(kind: str, version: str) -> None:
    VERIFIER.verify(a_request(sign(a_confirmation(kind, version))))


def test_the_string_to_sign_is_the_documented_one() -> None:
    message = a_notification(Subject="Hello")

    assert (
        string_to_sign(message, SIGNED_FIELDS["Notification"])
        == (
            f"Message\n{RECORD}\nMessageId\n8b3d2c90-3e4f-5051-8c1d-2e3f4a5b6c7d\nSubject\nHello\n"
            f"Timestamp\n2026-11-23T09:04:59.512Z\nTopicArn\n{TOPIC}\nType\nNotification\n"
        ).encode()
    )
    without_subject = string_to_sign(a_notification(), SIGNED_FIELDS["Notification"])
    assert b"Subject" not in without_subject


def test_a_tampered_message_is_refused() -> None:
    message = sign(a_notification())
    message["Message"] = message["Message"].replace("Delivery", "Bounce")

    assert rejection(a_request(message)) == "the signature does not match the message"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("MessageId", "8b3d2c90-3e4f-5051-8c1d-2e3f4a5b6c7e"),
        ("TopicArn", "arn:aws:sns:eu-west-1:123456789012:another-topic"),
        ("Timestamp", "2026-11-23T09:04:59.513Z"),
        ("Type", "SubscriptionConfirmation"),
    ],
)
def test_a_tampered_signed_field_is_refused(field: str, value: str) -> None:
    message = {**sign(a_notification()), field: value}
    if field == "Type":
        message.update(SubscribeURL=CERTIFICATE_URL, Token="0")

    assert "signature does not match" in rejection(a_request(message))


def test_a_tampered_confirmation_token_is_refused() -> None:
    message = sign(a_confirmation())
    message["Token"] = "0" * 64

    assert "signature does not match" in rejection(a_request(message))


def test_a_tampered_signature_is_refused() -> None:
    message = sign(a_notification())
    raw = bytearray(base64.b64decode(message["Signature"]))
    raw[10] ^= 0x01
    message["Signature"] = base64.b64encode(bytes(raw)).decode()

    assert rejection(a_request(message)) == "the signature does not match the message"


def test_a_signature_of_the_other_version_is_refused() -> None:
    message = sign(a_notification("1"))
    message["SignatureVersion"] = "2"

    assert "signature does not match" in rejection(a_request(message))


def test_a_message_signed_with_another_key_is_refused() -> None:
    message = sign(a_notification(), key=OTHER_KEY)

    assert rejection(a_request(message)) == "the signature does not match the message"


def test_a_wrong_certificate_under_the_file_name_is_refused() -> None:
    verifier = SesVerification(certificates={CERTIFICATE_FILE: a_certificate(OTHER_KEY)})

    problem = rejection(a_request(sign(a_notification())), verifier)

    assert problem == "the signature does not match the message"


def test_a_certificate_that_is_not_in_the_store_is_refused() -> None:
    url = "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0000.pem"

    problem = rejection(a_request(sign(a_notification(SigningCertURL=url))))

    assert problem == "no certificate 'SimpleNotificationService-0000.pem' in the local store"


@pytest.mark.parametrize(
    "url",
    [
        f"http://sns.eu-west-1.amazonaws.com/{CERTIFICATE_FILE}",
        f"https://sns.eu-west-1.amazonaws.com.example.com/{CERTIFICATE_FILE}",
        f"https://example.com/{CERTIFICATE_FILE}",
        f"https://sqs.eu-west-1.amazonaws.com/{CERTIFICATE_FILE}",
        f"https://sns.amazonaws.com/{CERTIFICATE_FILE}",
        f"https://sns.eu_west!1.amazonaws.com/{CERTIFICATE_FILE}",
        f"https://sns.eu-west-1.amazonaws.com:8443/{CERTIFICATE_FILE}",
        f"https://user@sns.eu-west-1.amazonaws.com/{CERTIFICATE_FILE}",
    ],
)
def test_a_certificate_url_sns_would_not_use_is_refused_before_any_lookup(url: str) -> None:
    # The store holds the certificate under that file name: the URL alone must refuse it.
    problem = rejection(a_request(sign(a_notification(SigningCertURL=url))))

    assert "is not on an https://sns.<region>.amazonaws.com" in problem


@pytest.mark.parametrize(
    "path", ["/", "/certs/" + CERTIFICATE_FILE, "/cert.txt", f"/{CERTIFICATE_FILE}?x=1"]
)
def test_a_certificate_url_that_names_no_certificate_file_is_refused(path: str) -> None:
    url = f"https://sns.eu-west-1.amazonaws.com{path}"

    assert "does not name a certificate file" in rejection(
        a_request(sign(a_notification(SigningCertURL=url)))
    )


def test_the_china_partition_of_sns_is_accepted() -> None:
    url = f"https://sns.cn-north-1.amazonaws.com.cn/{CERTIFICATE_FILE}"

    VERIFIER.verify(a_request(sign(a_notification(SigningCertURL=url))))


def test_a_stale_message_is_refused() -> None:
    message = sign(a_notification())
    late = RECEIVED_AT + timedelta(hours=1, seconds=1)

    assert "stale or future message" in rejection(a_request(message, received_at=late))


def test_a_retry_within_the_hour_is_accepted() -> None:
    message = sign(a_notification())

    VERIFIER.verify(a_request(message, received_at=RECEIVED_AT + timedelta(minutes=55)))


def test_a_message_from_the_future_is_refused() -> None:
    message = sign(a_notification(Timestamp="2026-11-23T10:30:00.000Z"))

    assert "stale or future message" in rejection(a_request(message))


def test_the_window_is_configurable() -> None:
    verifier = SesVerification(certificates={CERTIFICATE_FILE: CERTIFICATE}, max_age=60)
    message = sign(a_notification())

    verifier.verify(a_request(message, received_at=RECEIVED_AT))
    late = RECEIVED_AT + timedelta(minutes=2)
    assert "stale" in rejection(a_request(message, received_at=late), verifier)


def test_a_certificate_that_expired_is_refused() -> None:
    later = datetime(2027, 3, 1, tzinfo=UTC)
    message = sign(a_notification(Timestamp="2027-03-01T00:00:00.000Z"))

    assert "certificate was not valid" in rejection(a_request(message, received_at=later))


@pytest.mark.parametrize("signature", [None, ""])
def test_an_unsigned_message_is_refused(signature: str | None) -> None:
    message = a_notification()
    if signature is not None:
        message["Signature"] = signature

    assert rejection(a_request(message)) == "unsigned: the message has no 'Signature'"


def test_a_signature_that_is_not_base64_is_refused() -> None:
    message = {**sign(a_notification()), "Signature": "not base64!"}

    assert rejection(a_request(message)) == "'Signature' is not base64"


@pytest.mark.parametrize("version", ["3", "", None, 1])
def test_an_unsupported_signature_version_is_refused(version: object) -> None:
    message = {**sign(a_notification()), "SignatureVersion": version}

    assert "unsupported SignatureVersion" in rejection(a_request(message))


def test_a_topic_not_allowed_is_refused_when_topics_are_configured() -> None:
    verifier = SesVerification(
        certificates={CERTIFICATE_FILE: CERTIFICATE},
        topic_arns=frozenset({"arn:aws:sns:eu-west-1:123456789012:other"}),
    )

    problem = rejection(a_request(sign(a_notification())), verifier)

    assert problem == f"topic {TOPIC!r} is not one of the allowed topics"


def test_an_allowed_topic_is_accepted() -> None:
    verifier = SesVerification(
        certificates={CERTIFICATE_FILE: CERTIFICATE}, topic_arns=frozenset({TOPIC})
    )

    verifier.verify(a_request(sign(a_notification())))


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b"\xff\xfe", b""])
def test_a_body_that_is_not_an_sns_message_is_refused(body: bytes) -> None:
    request = WebhookRequest(body=body, received_at=RECEIVED_AT)

    assert rejection(request).startswith("the body is not a JSON")


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"Type": "Teleport"}, "'Type' 'Teleport' is not an SNS message type"),
        ({"Type": None}, "'Type' is missing"),
        ({"TopicArn": None}, "'TopicArn' is missing"),
        ({"Timestamp": "yesterday"}, "'Timestamp' 'yesterday' is not an ISO-8601 time"),
        (
            {"Timestamp": "2026-11-23T09:04:59"},
            "'Timestamp' '2026-11-23T09:04:59' has no UTC offset",
        ),
        ({"SigningCertURL": None}, "'SigningCertURL' is missing"),
    ],
)
def test_a_message_missing_or_garbling_a_field_is_refused(
    fields: dict[str, Any], problem: str
) -> None:
    message = {**sign(a_notification()), **fields}

    assert rejection(a_request({k: v for k, v in message.items() if v is not None})) == problem


def test_a_certificate_without_an_rsa_key_is_refused() -> None:
    verifier = SesVerification(
        certificates={CERTIFICATE_FILE: a_certificate(ec.generate_private_key(ec.SECP256R1()))}
    )

    problem = rejection(a_request(sign(a_notification())), verifier)

    assert problem == "the signing certificate does not hold an RSA key"


# --- configuration ------------------------------------------------------------------------------


def a_store(folder: Path, **certificates: x509.Certificate) -> Path:
    for name, certificate in certificates.items():
        (folder / name).write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return folder


def test_from_env_reads_the_store_topics_and_window(tmp_path: Path) -> None:
    store = a_store(tmp_path, **{CERTIFICATE_FILE: CERTIFICATE})
    (tmp_path / "README.txt").write_text("not a certificate, and not read")

    verifier = SesVerification.from_env(
        {
            CERTIFICATES_VARIABLE: str(store),
            TOPIC_ARNS_VARIABLE: f" {TOPIC} , arn:aws:sns:eu-west-1:123456789012:other,",
            MAX_AGE_VARIABLE: "600",
        }
    )

    assert set(verifier.certificates) == {CERTIFICATE_FILE}
    assert verifier.topic_arns == {TOPIC, "arn:aws:sns:eu-west-1:123456789012:other"}
    assert verifier.max_age == 600
    verifier.verify(a_request(sign(a_notification())))


def test_from_env_takes_any_topic_only_when_told_so_within_an_hour(tmp_path: Path) -> None:
    store = a_store(tmp_path, **{CERTIFICATE_FILE: CERTIFICATE})

    verifier = SesVerification.from_env(
        {CERTIFICATES_VARIABLE: str(store), TOPIC_ARNS_VARIABLE: " any "}
    )

    assert (verifier.topic_arns, verifier.max_age) == (frozenset(), 3600)


@pytest.mark.parametrize("topics", [None, "", " , "])
def test_from_env_without_an_allow_list_names_the_setting(
    tmp_path: Path, topics: str | None
) -> None:
    store = a_store(tmp_path, **{CERTIFICATE_FILE: CERTIFICATE})
    environ = {CERTIFICATES_VARIABLE: str(store)}
    if topics is not None:
        environ[TOPIC_ARNS_VARIABLE] = topics

    with pytest.raises(SettingError) as caught:
        SesVerification.from_env(environ)

    assert caught.value.variable == TOPIC_ARNS_VARIABLE
    assert "'any'" in str(caught.value)


@pytest.mark.parametrize("environ", [{}, {CERTIFICATES_VARIABLE: "  "}])
def test_from_env_without_the_store_names_the_variable(environ: dict[str, str]) -> None:
    with pytest.raises(SettingError) as caught:
        SesVerification.from_env(environ)

    assert caught.value.variable == CERTIFICATES_VARIABLE
    assert str(caught.value).startswith(f"{CERTIFICATES_VARIABLE}: not set")


def test_from_env_refuses_a_store_that_is_not_a_folder(tmp_path: Path) -> None:
    with pytest.raises(SettingError) as caught:
        SesVerification.from_env({CERTIFICATES_VARIABLE: str(tmp_path / "missing")})

    assert caught.value.variable == CERTIFICATES_VARIABLE
    assert "is not a folder" in str(caught.value)


def test_from_env_refuses_an_empty_store(tmp_path: Path) -> None:
    with pytest.raises(SettingError) as caught:
        SesVerification.from_env({CERTIFICATES_VARIABLE: str(tmp_path)})

    assert "holds no .pem certificate" in str(caught.value)


def test_from_env_refuses_a_pem_file_that_is_no_certificate(tmp_path: Path) -> None:
    (tmp_path / "broken.pem").write_text("-----BEGIN CERTIFICATE-----\nAAAA\n")

    with pytest.raises(SettingError) as caught:
        SesVerification.from_env({CERTIFICATES_VARIABLE: str(tmp_path)})

    assert caught.value.variable == CERTIFICATES_VARIABLE
    assert "broken.pem is not a PEM certificate" in str(caught.value)


def test_from_env_refuses_a_window_that_is_not_seconds(tmp_path: Path) -> None:
    store = a_store(tmp_path, **{CERTIFICATE_FILE: CERTIFICATE})

    with pytest.raises(SettingError) as caught:
        SesVerification.from_env({CERTIFICATES_VARIABLE: str(store), MAX_AGE_VARIABLE: "1h"})

    assert caught.value.variable == MAX_AGE_VARIABLE


@pytest.mark.parametrize("window", ["604801", "9" * 400])
def test_from_env_refuses_a_window_wider_than_a_week(tmp_path: Path, window: str) -> None:
    store = a_store(tmp_path, **{CERTIFICATE_FILE: CERTIFICATE})
    environ = {CERTIFICATES_VARIABLE: str(store), TOPIC_ARNS_VARIABLE: "any"}

    with pytest.raises(SettingError) as caught:
        SesVerification.from_env({**environ, MAX_AGE_VARIABLE: window})

    assert caught.value.variable == MAX_AGE_VARIABLE
    assert "a week" in str(caught.value)
