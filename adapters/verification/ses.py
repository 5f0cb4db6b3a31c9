"""Amazon SNS message signatures, which prove that an SES notification came from AWS.

SNS signs every message it posts (notifications and (un)subscription confirmations) with
RSA: ``SignatureVersion`` "1" over SHA-1, "2" over SHA-256, ``Signature`` in base64. The
signed text is a fixed list of the envelope's fields, each as ``name\\nvalue\\n``, in byte
order: ``Message, MessageId, Subject (only when present), Timestamp, TopicArn, Type`` for a
notification, ``Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn, Type`` for a
confirmation.

The signing certificate is named by ``SigningCertURL``. It is never fetched here: it is
looked up by that URL's file name in a local store (a folder of PEM files the operator
downloads from SNS and keeps), and only for a URL on ``https://sns.<region>.amazonaws.com``
(or ``.amazonaws.com.cn``) so that a forged message cannot name a certificate of its own.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from adapters.errors import SettingError
from adapters.verification.errors import AuthenticityError
from adapters.verification.request import WebhookRequest
from adapters.verification.settings import required, seconds

PROVIDER = "ses"
CERTIFICATES_VARIABLE = "MAILLEDGER_SES_CERTIFICATES"
TOPIC_ARNS_VARIABLE = "MAILLEDGER_SES_TOPIC_ARNS"
MAX_AGE_VARIABLE = "MAILLEDGER_SES_MAX_AGE"
ANY_TOPIC = "any"
"""The value of MAILLEDGER_SES_TOPIC_ARNS that accepts every topic, said explicitly."""
DEFAULT_MAX_AGE = 3600
"""Seconds: SNS retries a notification for up to about an hour, keeping its Timestamp."""

SIGNED_FIELDS: dict[str, tuple[str, ...]] = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": (
        "Message",
        "MessageId",
        "SubscribeURL",
        "Timestamp",
        "Token",
        "TopicArn",
        "Type",
    ),
    "UnsubscribeConfirmation": (
        "Message",
        "MessageId",
        "SubscribeURL",
        "Timestamp",
        "Token",
        "TopicArn",
        "Type",
    ),
}
"""The fields each message type signs, in the byte order SNS signs them."""

_OPTIONAL_FIELDS = frozenset({"Subject"})
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {"1": hashes.SHA1, "2": hashes.SHA256}
_SNS_DOMAINS = (("amazonaws", "com"), ("amazonaws", "com", "cn"))
_REGION_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


@dataclass(frozen=True)
class SesVerification:
    """SNS signature checking with certificates from a local store, by file name."""

    certificates: Mapping[str, x509.Certificate]
    topic_arns: frozenset[str] = field(default_factory=frozenset)
    max_age: int = DEFAULT_MAX_AGE

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> SesVerification:
        """The store from ``MAILLEDGER_SES_CERTIFICATES``, the allowed topics from
        ``MAILLEDGER_SES_TOPIC_ARNS`` (comma-separated, or ``any``: required, so that no
        server takes every AWS account's notifications by omission) and
        ``MAILLEDGER_SES_MAX_AGE``."""
        folder = required(
            environ,
            CERTIFICATES_VARIABLE,
            "a folder of the SNS signing certificates (PEM files named as in SigningCertURL)",
        )
        certificates = load_certificates(Path(folder))
        max_age = seconds(environ, MAX_AGE_VARIABLE, DEFAULT_MAX_AGE)
        return cls(certificates=certificates, topic_arns=allowed_topics(environ), max_age=max_age)

    def verify(self, request: WebhookRequest) -> None:
        """Accept the request only when SNS signed exactly this message, recently, for us."""
        message = _message(request.body)
        kind = _text(message, "Type")
        signed = SIGNED_FIELDS.get(kind)
        if signed is None:
            raise _refused(f"'Type' {kind!r} is not an SNS message type")
        signature = _signature(message)
        algorithm = _algorithm(message)
        certificate = self._certificate(_text(message, "SigningCertURL"))
        self._check_topic(_text(message, "TopicArn"))
        self._check_age(_timestamp(message), request.received_at)
        _check_validity(certificate, request.received_at)
        _check_signature(certificate, signature, string_to_sign(message, signed), algorithm)

    def _certificate(self, url: str) -> x509.Certificate:
        """The stored certificate that ``SigningCertURL`` names, if SNS may have named it."""
        name = certificate_name(url)
        certificate = self.certificates.get(name)
        if certificate is None:
            raise _refused(f"no certificate {name!r} in the local store")
        return certificate

    def _check_topic(self, topic_arn: str) -> None:
        if self.topic_arns and topic_arn not in self.topic_arns:
            raise _refused(f"topic {topic_arn!r} is not one of the allowed topics")

    def _check_age(self, sent_at: datetime, received_at: datetime) -> None:
        # SNS keeps a message's Timestamp when it retries, so the window covers its retries.
        if abs(received_at - sent_at) > timedelta(seconds=self.max_age):
            raise _refused(
                f"stale or future message: sent {sent_at.isoformat()}, received "
                f"{received_at.isoformat()}, more than {self.max_age} s apart"
            )


def allowed_topics(environ: Mapping[str, str]) -> frozenset[str]:
    """The topics of MAILLEDGER_SES_TOPIC_ARNS, empty for ``any``; unset, a SettingError."""
    what = (
        "the SNS topic ARNs your SES notifications come from, comma-separated "
        f"(or {ANY_TOPIC!r} to accept every topic, which any AWS account can create)"
    )
    topics = required(environ, TOPIC_ARNS_VARIABLE, what)
    allowed = frozenset(arn.strip() for arn in topics.split(",") if arn.strip())
    if not allowed:
        raise SettingError(TOPIC_ARNS_VARIABLE, f"names no topic; set it to {what}")
    return frozenset() if allowed == {ANY_TOPIC} else allowed


def load_certificates(folder: Path) -> dict[str, x509.Certificate]:
    """Every ``*.pem`` certificate of ``folder``, by file name."""
    if not folder.is_dir():
        raise SettingError(CERTIFICATES_VARIABLE, f"{folder} is not a folder")
    certificates: dict[str, x509.Certificate] = {}
    for path in sorted(folder.glob("*.pem")):
        try:
            certificates[path.name] = x509.load_pem_x509_certificate(path.read_bytes())
        except ValueError:
            raise SettingError(
                CERTIFICATES_VARIABLE, f"{path.name} is not a PEM certificate"
            ) from None
    if not certificates:
        raise SettingError(CERTIFICATES_VARIABLE, f"{folder} holds no .pem certificate")
    return certificates


def certificate_name(url: str) -> str:
    """The file name of an SNS ``SigningCertURL``; a URL SNS would not use is refused."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _refused(f"SigningCertURL {url!r} is not a URL") from None
    host = (parts.hostname or "").split(".")
    if (
        parts.scheme != "https"
        or port is not None
        or parts.username is not None
        or len(host) < 4
        or host[0] != "sns"
        or not host[1]
        or not set(host[1]) <= _REGION_CHARACTERS
        or tuple(host[2:]) not in _SNS_DOMAINS
    ):
        raise _refused(f"SigningCertURL {url!r} is not on an https://sns.<region>.amazonaws.com")
    name = parts.path.removeprefix("/")
    if not name.endswith(".pem") or "/" in name or name.startswith(".") or parts.query:
        raise _refused(f"SigningCertURL {url!r} does not name a certificate file")
    return name


def string_to_sign(message: Mapping[str, Any], signed: tuple[str, ...]) -> bytes:
    """The text SNS signs: each field as ``name\\nvalue\\n``, in the order given."""
    text = []
    for name in signed:
        if name in _OPTIONAL_FIELDS and message.get(name) is None:
            continue
        text.append(f"{name}\n{_text(message, name)}\n")
    return "".join(text).encode()


def _message(body: bytes) -> dict[str, Any]:
    """The SNS message: a JSON object."""
    try:
        # orjson, not json: nesting deeper than 1024 levels is a ValueError, not RecursionError.
        message = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise _refused("the body is not a JSON SNS message (or is nested too deep)") from None
    if not isinstance(message, dict):
        raise _refused("the body is not a JSON object")
    return message


def _text(message: Mapping[str, Any], name: str) -> str:
    value = message.get(name)
    if not isinstance(value, str):
        raise _refused(f"'{name}' is missing" if value is None else f"'{name}' is not text")
    return value


def _signature(message: Mapping[str, Any]) -> bytes:
    if not message.get("Signature"):
        raise _refused("unsigned: the message has no 'Signature'")
    try:
        return base64.b64decode(_text(message, "Signature"), validate=True)
    except (binascii.Error, ValueError):
        raise _refused("'Signature' is not base64") from None


def _algorithm(message: Mapping[str, Any]) -> hashes.HashAlgorithm:
    version = message.get("SignatureVersion")
    algorithm = _HASHES.get(version) if isinstance(version, str) else None
    if algorithm is None:
        raise _refused(f"unsupported SignatureVersion {version!r} (expected '1' or '2')")
    return algorithm()


def _timestamp(message: Mapping[str, Any]) -> datetime:
    raw = _text(message, "Timestamp")
    try:
        sent_at = datetime.fromisoformat(raw)
    except ValueError:
        raise _refused(f"'Timestamp' {raw!r} is not an ISO-8601 time") from None
    if sent_at.utcoffset() is None:
        raise _refused(f"'Timestamp' {raw!r} has no UTC offset")
    return sent_at


def _check_validity(certificate: x509.Certificate, received_at: datetime) -> None:
    if not certificate.not_valid_before_utc <= received_at <= certificate.not_valid_after_utc:
        raise _refused("the signing certificate was not valid when the message was received")


def _check_signature(
    certificate: x509.Certificate,
    signature: bytes,
    signed: bytes,
    algorithm: hashes.HashAlgorithm,
) -> None:
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise _refused("the signing certificate does not hold an RSA key")
    try:
        key.verify(signature, signed, padding.PKCS1v15(), algorithm)
    except InvalidSignature:
        raise _refused("the signature does not match the message") from None


def _refused(problem: str) -> AuthenticityError:
    return AuthenticityError(PROVIDER, problem)
