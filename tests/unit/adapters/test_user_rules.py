"""The rules an account's fields follow, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.access.roles import Role
from adapters.access.users import (
    LOCK_DURATION,
    MAX_FAILED_SIGN_INS,
    MAX_PASSWORD,
    MIN_PASSWORD,
    PERSON_ROLES,
    Outcome,
    SignInResult,
    UserInputError,
    check_language,
    check_password,
    check_person_role,
    normalise_email,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_the_documented_lock_out_numbers() -> None:
    assert MAX_FAILED_SIGN_INS == 5
    assert timedelta(minutes=15) == LOCK_DURATION


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("Ana@Example.COM", "ana@example.com"),
        ("  ana@example.com\n", "ana@example.com"),
        ("ana.b+console@sub.example.fr", "ana.b+console@sub.example.fr"),
    ],
)
def test_emails_are_kept_trimmed_and_lower_case(given: str, kept: str) -> None:
    assert normalise_email(given) == kept


@pytest.mark.parametrize(
    "email",
    ["", "ana", "ana@", "@example.com", "ana@example", "a b@example.com", "a@b@example.com",
     "ana@exa\x00mple.com", "a" * 250 + "@example.com"],
)  # fmt: skip
def test_what_is_not_an_email_is_refused(email: str) -> None:
    with pytest.raises(UserInputError, match="is not an e-mail address"):
        normalise_email(email)


def test_people_have_only_the_console_roles() -> None:
    assert {Role.ADMIN, Role.VIEWER, Role.AUDITOR} == PERSON_ROLES
    for role in PERSON_ROLES:
        assert check_person_role(role.value) is role
    for machine in (Role.INGEST, Role.SENDER):
        with pytest.raises(UserInputError, match="is for API keys"):
            check_person_role(machine)
    with pytest.raises(UserInputError, match="not one of admin, auditor, viewer"):
        check_person_role("owner")


def test_password_lengths_are_bounded_and_the_error_never_echoes_it() -> None:
    assert check_password("x" * MIN_PASSWORD) == "x" * MIN_PASSWORD
    assert check_password("é" * MAX_PASSWORD) == "é" * MAX_PASSWORD
    short = "hunter2-abc"  # 11 characters
    with pytest.raises(UserInputError, match="at least 12 characters") as too_short:
        check_password(short)
    assert short not in str(too_short.value)
    with pytest.raises(UserInputError, match="at most 1024 characters"):
        check_password("x" * (MAX_PASSWORD + 1))


def test_languages_are_none_en_or_fr() -> None:
    assert check_language(None) is None
    assert check_language("en") == "en"
    assert check_language("fr") == "fr"
    with pytest.raises(UserInputError, match="not one of en, fr"):
        check_language("de")


def test_minutes_left_round_up_and_stop_at_zero() -> None:
    locked = SignInResult(Outcome.LOCKED, locked_until=NOW + timedelta(minutes=14, seconds=1))

    assert locked.minutes_left(NOW) == 15
    assert locked.minutes_left(NOW + timedelta(minutes=14)) == 1
    assert locked.minutes_left(NOW + timedelta(minutes=20)) == 0
    assert SignInResult(Outcome.REFUSED).minutes_left(NOW) == 0
    assert not locked.signed_in
