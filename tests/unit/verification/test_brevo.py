"""Brevo webhook requests: basic credentials from the webhook URL, or a bearer token."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from adapters.errors import SettingError
from adapters.verification.brevo import (
    PASSWORD_VARIABLE,
    TOKEN_VARIABLE,
    USERNAME_VARIABLE,
    BrevoCredentials,
    BrevoVerification,
)
from adapters.verification.errors import AuthenticityError
from adapters.verification.request import WebhookRequest
from tests.unit.providers.bodies import body

USERNAME = "brevo-hooks"
PASSWORD = "s3cr3t:with-colon"
TOKEN = "tok_8c1f0e5d2b7a4f93a6e1c0d9b8a7f6e5"
RECEIVED_AT = datetime(2026, 11, 23, 9, 25, 13, tzinfo=UTC)
BODY = body("brevo", "delivered")

BASIC_ONLY = BrevoVerification(credentials=BrevoCredentials(USERNAME, PASSWORD))
TOKEN_ONLY = BrevoVerification(token=TOKEN)
BOTH = BrevoVerification(credentials=BrevoCredentials(USERNAME, PASSWORD), token=TOKEN)


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def request(authorization: str | None, raw: bytes = BODY) -> WebhookRequest:
    headers = {"Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    return WebhookRequest(body=raw, received_at=RECEIVED_AT, headers=headers)


def rejected(verification: BrevoVerification, req: WebhookRequest, says: str) -> None:
    with pytest.raises(AuthenticityError) as caught:
        verification.verify(req)
    assert caught.value.provider == "brevo"
    assert says in str(caught.value)


@pytest.mark.parametrize("verification", [BASIC_ONLY, BOTH])
def test_the_url_credentials_are_accepted(verification: BrevoVerification) -> None:
    verification.verify(request(basic(USERNAME, PASSWORD)))  # raises when rejected


@pytest.mark.parametrize("verification", [TOKEN_ONLY, BOTH])
def test_the_bearer_token_is_accepted(verification: BrevoVerification) -> None:
    verification.verify(request(f"Bearer {TOKEN}"))  # raises when rejected
    lower_case = WebhookRequest(
        body=BODY, received_at=RECEIVED_AT, headers={"authorization": f"bearer  {TOKEN}"}
    )
    verification.verify(lower_case)  # raises when rejected


def test_any_body_is_accepted_with_the_secret_since_brevo_signs_none() -> None:
    # Brevo does not sign bodies: the secret proves the sender, not the body's integrity.
    tampered = BODY.replace(b"delivered", b"hard_bounce")
    BOTH.verify(request(f"Bearer {TOKEN}", tampered))  # raises when rejected
    BOTH.verify(request(basic(USERNAME, PASSWORD), tampered))  # raises when rejected


@pytest.mark.parametrize(
    ("authorization", "says"),
    [
        (basic(USERNAME, "wrong"), "wrong credentials"),
        (basic("someone", PASSWORD), "wrong credentials"),
        (basic(USERNAME, PASSWORD + "x"), "wrong credentials"),
        (basic(USERNAME, PASSWORD)[:-2], "not valid base64"),
        ("Basic ", "not basic credentials"),
        (f"Bearer {TOKEN}", "not basic credentials"),
    ],
)
def test_wrong_credentials_are_rejected(authorization: str, says: str) -> None:
    rejected(BASIC_ONLY, request(authorization), says)


@pytest.mark.parametrize(
    ("authorization", "says"),
    [
        (f"Bearer {TOKEN[:-1]}", "wrong token"),
        (f"Bearer {TOKEN}0", "wrong token"),
        ("Bearer tok_someone_elses", "wrong token"),
        ("Bearer ", "not a bearer token"),
        (basic(USERNAME, PASSWORD), "not a bearer token"),
        (TOKEN, "not a bearer token"),
    ],
)
def test_a_wrong_token_is_rejected(authorization: str, says: str) -> None:
    rejected(TOKEN_ONLY, request(authorization), says)


def test_with_both_configured_each_secret_is_checked_by_its_own_scheme() -> None:
    rejected(BOTH, request(basic(USERNAME, TOKEN)), "wrong credentials")
    rejected(BOTH, request(f"Bearer {PASSWORD}"), "wrong token")
    rejected(BOTH, request(f"Token {TOKEN}"), "neither basic credentials nor a bearer token")


@pytest.mark.parametrize("verification", [BASIC_ONLY, TOKEN_ONLY, BOTH])
def test_a_request_without_credentials_is_rejected(verification: BrevoVerification) -> None:
    rejected(verification, request(None), "no Authorization header")


def test_the_other_sides_secret_does_not_open_the_door() -> None:
    other = BrevoVerification(credentials=BrevoCredentials(USERNAME, "another"), token="tok_other")
    rejected(other, request(basic(USERNAME, PASSWORD)), "wrong credentials")
    rejected(other, request(f"Bearer {TOKEN}"), "wrong token")


def test_from_env_reads_the_credentials() -> None:
    environ = {USERNAME_VARIABLE: USERNAME, PASSWORD_VARIABLE: PASSWORD}
    assert BrevoVerification.from_env(environ) == BASIC_ONLY


def test_from_env_reads_the_token() -> None:
    assert BrevoVerification.from_env({TOKEN_VARIABLE: f" {TOKEN}\n"}) == TOKEN_ONLY


def test_from_env_reads_both() -> None:
    environ = {USERNAME_VARIABLE: USERNAME, PASSWORD_VARIABLE: PASSWORD, TOKEN_VARIABLE: TOKEN}
    verification = BrevoVerification.from_env(environ)
    assert verification == BOTH
    verification.verify(request(basic(USERNAME, PASSWORD)))  # raises when rejected


@pytest.mark.parametrize("environ", [{}, {TOKEN_VARIABLE: "  "}, {USERNAME_VARIABLE: ""}])
def test_from_env_without_any_secret_says_both_ways(environ: dict[str, str]) -> None:
    with pytest.raises(SettingError) as caught:
        BrevoVerification.from_env(environ)
    assert caught.value.variable == TOKEN_VARIABLE
    message = str(caught.value)
    assert message.startswith(f"{TOKEN_VARIABLE}:")
    assert USERNAME_VARIABLE in message
    assert PASSWORD_VARIABLE in message
    assert "one of the two" in message


@pytest.mark.parametrize(
    ("environ", "missing"),
    [
        ({USERNAME_VARIABLE: USERNAME}, PASSWORD_VARIABLE),
        ({PASSWORD_VARIABLE: PASSWORD, TOKEN_VARIABLE: TOKEN}, USERNAME_VARIABLE),
        ({USERNAME_VARIABLE: USERNAME, PASSWORD_VARIABLE: " "}, PASSWORD_VARIABLE),
    ],
)
def test_from_env_with_half_the_credentials_names_the_missing_half(
    environ: dict[str, str], missing: str
) -> None:
    with pytest.raises(SettingError) as caught:
        BrevoVerification.from_env(environ)
    assert caught.value.variable == missing
    assert str(caught.value).startswith(f"{missing}: not set")


def test_a_verification_without_any_secret_cannot_be_built() -> None:
    with pytest.raises(ValueError, match="basic credentials, a bearer token"):
        BrevoVerification()
    with pytest.raises(ValueError, match="basic credentials, a bearer token"):
        BrevoVerification(token="")
