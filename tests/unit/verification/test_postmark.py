"""Postmark requests are accepted only with the webhook's basic credentials."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from adapters.errors import SettingError
from adapters.verification.errors import AuthenticityError
from adapters.verification.postmark import (
    PASSWORD_VARIABLE,
    USERNAME_VARIABLE,
    PostmarkVerification,
)
from adapters.verification.request import WebhookRequest
from tests.unit.providers.bodies import body

RECEIVED = datetime(2026, 11, 23, 9, 2, tzinfo=UTC)
VERIFIER = PostmarkVerification(username="postmark-hooks", password="s3cret:with-colon")
ENVIRON = {USERNAME_VARIABLE: "postmark-hooks", PASSWORD_VARIABLE: "s3cret:with-colon"}


def basic(credentials: bytes) -> str:
    return "Basic " + base64.b64encode(credentials).decode()


def request(headers: dict[str, str], raw: bytes | None = None) -> WebhookRequest:
    return WebhookRequest(
        body=body("postmark", "delivery") if raw is None else raw,
        received_at=RECEIVED,
        headers=headers,
    )


GOOD = basic(b"postmark-hooks:s3cret:with-colon")


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": GOOD},
        {"authorization": GOOD, "Content-Type": "application/json"},
        {"AUTHORIZATION": "basic " + GOOD.split(" ", 1)[1]},
    ],
)
def test_the_configured_credentials_are_accepted(headers: dict[str, str]) -> None:
    VERIFIER.verify(request(headers))


def test_credentials_do_not_cover_the_body() -> None:
    # Postmark signs nothing: any body with the right credentials is accepted.
    VERIFIER.verify(request({"Authorization": GOOD}, raw=body("postmark", "bounce")))


@pytest.mark.parametrize(
    ("headers", "problem"),
    [
        ({}, "no Authorization header"),
        ({"X-Postmark-Token": "s3cret"}, "no Authorization header"),
        ({"Authorization": basic(b"postmark-hooks:wrong")}, "wrong credentials"),
        ({"Authorization": basic(b"someone-else:s3cret:with-colon")}, "wrong credentials"),
        ({"Authorization": basic(b"postmark-hooks:s3cret:with-colo")}, "wrong credentials"),
        ({"Authorization": basic(b"postmark-hooks")}, "wrong credentials"),
        ({"Authorization": "Bearer s3cret:with-colon"}, "not basic credentials"),
        ({"Authorization": "Basic "}, "not basic credentials"),
        ({"Authorization": "Basic %%%not-base64"}, "not valid base64"),
    ],
)
def test_missing_or_tampered_credentials_are_refused(headers: dict[str, str], problem: str) -> None:
    with pytest.raises(AuthenticityError) as caught:
        VERIFIER.verify(request(headers))
    assert caught.value.provider == "postmark"
    assert problem in str(caught.value)


def test_a_request_for_another_webhook_is_refused() -> None:
    other = PostmarkVerification(username="postmark-hooks", password="another-secret")
    with pytest.raises(AuthenticityError, match="wrong credentials"):
        other.verify(request({"Authorization": GOOD}))


def test_credentials_are_read_from_the_environment() -> None:
    verifier = PostmarkVerification.from_env(ENVIRON)
    assert verifier == VERIFIER
    verifier.verify(request({"Authorization": GOOD}))
    assert "s3cret" not in repr(verifier)


@pytest.mark.parametrize("variable", [USERNAME_VARIABLE, PASSWORD_VARIABLE])
@pytest.mark.parametrize("value", [None, "", "   "])
def test_a_missing_variable_is_named(variable: str, value: str | None) -> None:
    environ = {key: item for key, item in ENVIRON.items() if key != variable}
    if value is not None:
        environ[variable] = value
    with pytest.raises(SettingError) as caught:
        PostmarkVerification.from_env(environ)
    assert caught.value.variable == variable
    assert variable in str(caught.value)
