"""Mailgun's webhook signature: HMAC-SHA256 of timestamp + token, and its replay window."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from adapters.errors import SettingError
from adapters.verification.errors import AuthenticityError
from adapters.verification.mailgun import MailgunVerification
from adapters.verification.request import WebhookRequest
from tests.unit.providers.bodies import body, names

# The fixtures under tests/fixtures/mailgun/ are signed with this key.
FIXTURE_KEY = "fixture-signing-key-not-a-secret"
KEY = "key-3f1e2d4c5b6a79880716253443526170"
TOKEN = "c64484e12479010f0346e09c8d26c85f53016c4bce5ea4f7b0"
SIGNED_AT = 1795426203
ARRIVED = datetime.fromtimestamp(SIGNED_AT, UTC) + timedelta(seconds=2)


def mailgun_signature(timestamp: str, token: str, key: str = KEY) -> str:
    """What Mailgun computes: hex HMAC-SHA256 of timestamp followed by token."""
    return hmac.new(key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()


def signed_body(
    *,
    timestamp: Any = str(SIGNED_AT),
    token: str = TOKEN,
    key: str = KEY,
    signature: str | None = None,
    event_data: dict[str, Any] | None = None,
) -> bytes:
    """A Mailgun body whose signature block is computed as Mailgun does, unless given."""
    block = {
        "timestamp": timestamp,
        "token": token,
        "signature": signature or mailgun_signature(str(timestamp), token, key),
    }
    data = event_data or {"event": "delivered", "timestamp": SIGNED_AT - 1.5}
    return json.dumps({"signature": block, "event-data": data}).encode()


def request(raw: bytes, received_at: datetime = ARRIVED) -> WebhookRequest:
    return WebhookRequest(body=raw, received_at=received_at, headers={})


VERIFIER = MailgunVerification(signing_key=KEY)


def rejected(raw: bytes, received_at: datetime = ARRIVED) -> str:
    with pytest.raises(AuthenticityError) as caught:
        VERIFIER.verify(request(raw, received_at))
    assert caught.value.provider == "mailgun"
    return caught.value.problem


@pytest.mark.parametrize("name", names("mailgun"))
def test_every_fixture_is_signed_as_mailgun_signs(name: str) -> None:
    raw = body("mailgun", name)
    signed_at = int(json.loads(raw)["signature"]["timestamp"])
    arrived = datetime.fromtimestamp(signed_at + 3, UTC)
    MailgunVerification(signing_key=FIXTURE_KEY).verify(request(raw, arrived))


def test_a_known_good_request_is_accepted() -> None:
    VERIFIER.verify(request(signed_body()))


def test_a_timestamp_sent_as_a_number_is_accepted() -> None:
    VERIFIER.verify(request(signed_body(timestamp=SIGNED_AT)))


def test_an_upper_case_hex_signature_is_accepted() -> None:
    upper = mailgun_signature(str(SIGNED_AT), TOKEN).upper()
    VERIFIER.verify(request(signed_body(signature=upper)))


def test_a_tampered_signature_is_rejected() -> None:
    good = mailgun_signature(str(SIGNED_AT), TOKEN)
    tampered = ("0" if good[0] != "0" else "1") + good[1:]
    assert "does not match" in rejected(signed_body(signature=tampered))


def test_a_tampered_token_is_rejected() -> None:
    raw = signed_body().replace(TOKEN.encode(), (TOKEN[:-1] + "x").encode())
    assert "does not match" in rejected(raw)


def test_a_tampered_timestamp_is_rejected() -> None:
    data = json.loads(signed_body())
    data["signature"]["timestamp"] = str(SIGNED_AT + 1)
    assert "does not match" in rejected(json.dumps(data).encode())


def test_a_signature_made_with_another_key_is_rejected() -> None:
    assert "does not match" in rejected(signed_body(key="key-of-someone-else"))


def test_a_fixture_is_rejected_under_another_key() -> None:
    raw = body("mailgun", "delivered")
    signed_at = int(json.loads(raw)["signature"]["timestamp"])
    with pytest.raises(AuthenticityError):
        VERIFIER.verify(request(raw, datetime.fromtimestamp(signed_at, UTC)))


def test_the_event_data_is_not_covered_by_mailguns_signature() -> None:
    # Mailgun signs timestamp + token only; the event beside them is not protected by it.
    # A captured signature block is refused once the replay window has passed.
    original = signed_body(event_data={"event": "delivered", "timestamp": SIGNED_AT})
    altered = signed_body(event_data={"event": "failed", "timestamp": SIGNED_AT})
    assert original != altered
    VERIFIER.verify(request(original))
    VERIFIER.verify(request(altered))


@pytest.mark.parametrize("offset", [0, 299, 300, -300])
def test_a_timestamp_within_the_replay_window_is_accepted(offset: int) -> None:
    VERIFIER.verify(request(signed_body(), datetime.fromtimestamp(SIGNED_AT + offset, UTC)))


@pytest.mark.parametrize("offset", [301, 3600, -301])
def test_a_timestamp_outside_the_replay_window_is_rejected(offset: int) -> None:
    arrived = datetime.fromtimestamp(SIGNED_AT + offset, UTC)
    assert "outside the 300 s replay window" in rejected(signed_body(), arrived)


def test_the_replay_window_is_configurable() -> None:
    strict = MailgunVerification(signing_key=KEY, max_age=10)
    arrived = datetime.fromtimestamp(SIGNED_AT + 11, UTC)
    with pytest.raises(AuthenticityError, match="outside the 10 s replay window"):
        strict.verify(request(signed_body(), arrived))
    strict.verify(request(signed_body(), datetime.fromtimestamp(SIGNED_AT + 10, UTC)))


def test_the_clock_is_the_requests_arrival_in_any_offset() -> None:
    VERIFIER.verify(request(signed_body(), ARRIVED.astimezone(timezone(timedelta(hours=1)))))


def test_an_arrival_time_without_offset_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="UTC offset"):
        VERIFIER.verify(request(signed_body(), ARRIVED.replace(tzinfo=None)))


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b"", "not JSON"),
        (b"timestamp=1795426203&token=abc&signature=def", "not JSON"),
        (b'{"signature": \xff}', "not JSON"),
        (b"[]", "no 'signature' object"),
        (b'{"event-data": {"event": "delivered"}}', "no 'signature' object"),
        (b'{"signature": "abc"}', "no 'signature' object"),
    ],
)
def test_a_body_without_a_signature_block_is_rejected(raw: bytes, problem: str) -> None:
    assert problem in rejected(raw)


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("timestamp", None, "signature.timestamp"),
        ("timestamp", "", "signature.timestamp"),
        ("timestamp", "1795426203.5", "signature.timestamp"),
        ("timestamp", "yesterday", "signature.timestamp"),
        ("timestamp", True, "signature.timestamp"),
        ("token", None, "signature.token"),
        ("token", "", "signature.token"),
        ("token", 12345, "signature.token"),
        ("signature", None, "signature.signature"),
        ("signature", "", "signature.signature"),
        ("signature", ["ab"], "signature.signature"),
    ],
)
def test_a_missing_or_malformed_signature_field_is_rejected(
    field: str, value: Any, problem: str
) -> None:
    data = json.loads(signed_body())
    if value is None:
        del data["signature"][field]
    else:
        data["signature"][field] = value
    assert problem in rejected(json.dumps(data).encode())


def test_a_non_ascii_signature_is_rejected_not_crashed() -> None:
    assert "does not match" in rejected(signed_body(signature="é" * 64))


def test_from_env_reads_the_key_and_the_default_window() -> None:
    verifier = MailgunVerification.from_env({"MAILLEDGER_MAILGUN_SIGNING_KEY": f" {KEY} "})
    assert verifier == MailgunVerification(signing_key=KEY, max_age=300)
    verifier.verify(request(signed_body()))


def test_from_env_reads_the_replay_window() -> None:
    environ = {"MAILLEDGER_MAILGUN_SIGNING_KEY": KEY, "MAILLEDGER_MAILGUN_MAX_AGE": "60"}
    assert MailgunVerification.from_env(environ).max_age == 60


@pytest.mark.parametrize("environ", [{}, {"MAILLEDGER_MAILGUN_SIGNING_KEY": "  "}])
def test_from_env_without_the_key_names_the_variable(environ: dict[str, str]) -> None:
    with pytest.raises(SettingError) as caught:
        MailgunVerification.from_env(environ)
    assert caught.value.variable == "MAILLEDGER_MAILGUN_SIGNING_KEY"
    assert "MAILLEDGER_MAILGUN_SIGNING_KEY" in str(caught.value)


def test_from_env_with_an_unreadable_window_names_the_variable() -> None:
    environ = {"MAILLEDGER_MAILGUN_SIGNING_KEY": KEY, "MAILLEDGER_MAILGUN_MAX_AGE": "5m"}
    with pytest.raises(SettingError) as caught:
        MailgunVerification.from_env(environ)
    assert caught.value.variable == "MAILLEDGER_MAILGUN_MAX_AGE"
