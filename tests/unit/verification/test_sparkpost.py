"""SparkPost webhooks are proven by basic credentials or a token; nothing of the body is signed."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from adapters.errors import SettingError
from adapters.verification.errors import AuthenticityError
from adapters.verification.request import WebhookRequest
from adapters.verification.sparkpost import (
    LEGACY_TOKEN_HEADER,
    PASSWORD_VARIABLE,
    TOKEN_VARIABLE,
    USERNAME_VARIABLE,
    SparkPostVerification,
)
from tests.unit.providers.bodies import body

RECEIVED = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
BODY = body("sparkpost", "delivery")
USER, PASSWORD, TOKEN = "mailledger-hook", "s3cret-Pa55word", "9f2c1e7d4b8a4c6e"
BASIC = SparkPostVerification(username=USER, password=PASSWORD)
BEARER = SparkPostVerification(token=TOKEN)
BOTH = SparkPostVerification(username=USER, password=PASSWORD, token=TOKEN)


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def tampered(encoded: str) -> str:
    """The base64 text with one character changed."""
    return encoded[:5] + ("B" if encoded[5] == "A" else "A") + encoded[6:]


def request(headers: dict[str, str], raw: bytes = BODY) -> WebhookRequest:
    return WebhookRequest(body=raw, received_at=RECEIVED, headers=headers)


def refused(verification: SparkPostVerification, headers: dict[str, str]) -> str:
    with pytest.raises(AuthenticityError) as caught:
        verification.verify(request(headers))
    assert caught.value.provider == "sparkpost"
    return str(caught.value)


@pytest.mark.parametrize("verification", [BASIC, BOTH])
def test_the_configured_basic_credentials_are_accepted(
    verification: SparkPostVerification,
) -> None:
    verification.verify(request({"Authorization": basic(USER, PASSWORD)}))
    verification.verify(request({"authorization": basic(USER, PASSWORD)}))


@pytest.mark.parametrize("verification", [BEARER, BOTH])
def test_the_configured_bearer_token_is_accepted(verification: SparkPostVerification) -> None:
    verification.verify(request({"Authorization": f"Bearer {TOKEN}"}))
    verification.verify(request({"AUTHORIZATION": f"bearer {TOKEN}"}))


def test_the_deprecated_token_header_is_accepted_with_the_token() -> None:
    BEARER.verify(request({LEGACY_TOKEN_HEADER: TOKEN}))


def test_the_validation_ping_is_verified_like_any_batch() -> None:
    BASIC.verify(request({"Authorization": basic(USER, PASSWORD)}, raw=b'[{"msys": {}}]'))


def test_no_signature_covers_the_body_so_a_changed_body_is_not_detected() -> None:
    # SparkPost signs nothing: the credentials prove the sender, HTTPS protects the body.
    BASIC.verify(request({"Authorization": basic(USER, PASSWORD)}, raw=BODY + b" "))


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Content-Type": "application/json"},
        {"X-MessageSystems-Batch-ID": "17340760-c541-11e5-8b8b-17d21ae2f599"},
    ],
)
@pytest.mark.parametrize("verification", [BASIC, BEARER, BOTH])
def test_missing_credentials_are_refused(
    verification: SparkPostVerification, headers: dict[str, str]
) -> None:
    assert "no Authorization header" in refused(verification, headers)


@pytest.mark.parametrize(
    "authorization",
    [
        basic(USER, "wrong-password"),
        basic("someone-else", PASSWORD),
        basic(USER, PASSWORD + "x"),
        basic(USER, ""),
        basic(USER.upper(), PASSWORD),
    ],
)
def test_wrong_basic_credentials_are_refused(authorization: str) -> None:
    assert "wrong credentials" in refused(BOTH, {"Authorization": authorization})


@pytest.mark.parametrize(
    "authorization",
    [
        "Basic " + tampered(base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()),
        "Basic not*base64!",
        "Basic ",
        "Basic",
    ],
)
def test_tampered_basic_credentials_are_refused(authorization: str) -> None:
    refused(BASIC, {"Authorization": authorization})


@pytest.mark.parametrize(
    "presented", ["Bearer wrong-token", f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}"]
)
def test_a_wrong_token_is_refused(presented: str) -> None:
    assert "wrong token" in refused(BOTH, {"Authorization": presented})


def test_a_wrong_token_in_the_deprecated_header_is_refused() -> None:
    assert "wrong token" in refused(BEARER, {LEGACY_TOKEN_HEADER: "wrong-token"})


def test_the_deprecated_header_does_not_stand_in_for_basic_credentials() -> None:
    assert "no Authorization header" in refused(BASIC, {LEGACY_TOKEN_HEADER: TOKEN})


def test_a_scheme_that_is_not_configured_is_refused() -> None:
    assert "does not carry basic credentials" in refused(
        BASIC, {"Authorization": f"Bearer {TOKEN}"}
    )
    assert "does not carry a bearer token" in refused(
        BEARER, {"Authorization": basic(USER, PASSWORD)}
    )
    refused(BOTH, {"Authorization": f"Digest {TOKEN}"})


def test_from_env_reads_basic_credentials() -> None:
    verification = SparkPostVerification.from_env(
        {USERNAME_VARIABLE: USER, PASSWORD_VARIABLE: PASSWORD}
    )
    assert verification == BASIC
    verification.verify(request({"Authorization": basic(USER, PASSWORD)}))


def test_from_env_reads_a_token() -> None:
    verification = SparkPostVerification.from_env({TOKEN_VARIABLE: f" {TOKEN} "})
    assert verification == BEARER


def test_from_env_reads_both() -> None:
    environ = {USERNAME_VARIABLE: USER, PASSWORD_VARIABLE: PASSWORD, TOKEN_VARIABLE: TOKEN}
    assert SparkPostVerification.from_env(environ) == BOTH


@pytest.mark.parametrize("environ", [{}, {USERNAME_VARIABLE: "  ", TOKEN_VARIABLE: ""}])
def test_from_env_without_credentials_or_token_names_what_to_set(
    environ: dict[str, str],
) -> None:
    with pytest.raises(SettingError) as caught:
        SparkPostVerification.from_env(environ)
    assert caught.value.variable == USERNAME_VARIABLE
    assert PASSWORD_VARIABLE in str(caught.value)
    assert TOKEN_VARIABLE in str(caught.value)


def test_from_env_with_a_username_but_no_password_names_the_password() -> None:
    with pytest.raises(SettingError) as caught:
        SparkPostVerification.from_env({USERNAME_VARIABLE: USER, TOKEN_VARIABLE: TOKEN})
    assert caught.value.variable == PASSWORD_VARIABLE
    assert PASSWORD_VARIABLE in str(caught.value)


def test_a_verification_needs_something_to_check() -> None:
    with pytest.raises(ValueError, match="basic credentials, a token"):
        SparkPostVerification()
    with pytest.raises(ValueError, match="password"):
        SparkPostVerification(username=USER)
