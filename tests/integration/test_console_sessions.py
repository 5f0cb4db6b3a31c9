"""Console sessions on both databases: hashed tokens, lifetimes, ended with their account."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest

from adapters.access.roles import Role
from adapters.access.sessions import ABSOLUTE_LIFETIME, IDLE_TIMEOUT, Session, SessionStore
from adapters.access.users import User, UserStore
from adapters.storage.database import parse_database_url
from tests.integration.console_support import (
    OTHER_PASSWORD,
    PASSWORD,
    T0,
    CountingHasher,
    run_past_the_stores,
    stored_rows,
)


@pytest.fixture
def users(database_url: str) -> Iterator[UserStore]:
    with UserStore(parse_database_url(database_url), hasher=CountingHasher()) as opened:
        yield opened


@pytest.fixture
def sessions(database_url: str) -> Iterator[SessionStore]:
    with SessionStore(parse_database_url(database_url)) as opened:
        yield opened


@pytest.fixture
def ana(users: UserStore) -> User:
    return users.create("acme", "ana@example.com", Role.ADMIN, PASSWORD, name="Ana")


def test_the_lifetimes_are_the_documented_ones() -> None:
    assert timedelta(hours=2) == IDLE_TIMEOUT
    assert timedelta(hours=12) == ABSOLUTE_LIFETIME


def test_a_session_carries_its_account_and_only_its_tokens_hash_is_stored(
    sessions: SessionStore, ana: User, database_url: str
) -> None:
    token, session = sessions.open(ana, T0)

    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)  # 32 random bytes
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", session.csrf_token)
    assert session == Session(
        ana.user_id, "acme", "ana@example.com", Role.ADMIN, "Ana", None,
        session.csrf_token, T0 + IDLE_TIMEOUT,
    )  # fmt: skip
    ((digest, *_),) = stored_rows(database_url, "SELECT * FROM console_sessions")
    assert digest == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(stored_rows(database_url, "SELECT * FROM console_sessions"))
    assert sessions.resolve(token, T0 + timedelta(minutes=1)) == Session(
        **{**session.__dict__, "expires_at": T0 + timedelta(minutes=1) + IDLE_TIMEOUT}
    )


def test_each_session_has_its_own_tokens(sessions: SessionStore, ana: User) -> None:
    first_token, first = sessions.open(ana, T0)
    second_token, second = sessions.open(ana, T0)

    assert first_token != second_token
    assert first.csrf_token != second.csrf_token
    resolved = sessions.resolve(second_token, T0)
    assert resolved is not None and resolved.csrf_token == second.csrf_token


@pytest.mark.parametrize("token", ["", "x", "a" * 43, "a" * 5000, "\udcff" * 10])
def test_what_no_session_has_resolves_to_none(
    sessions: SessionStore, ana: User, token: str
) -> None:
    sessions.open(ana, T0)

    assert sessions.resolve(token, T0) is None


def test_an_idle_session_ends_after_two_hours_and_use_keeps_it(
    sessions: SessionStore, ana: User
) -> None:
    token, _ = sessions.open(ana, T0)
    used = T0 + IDLE_TIMEOUT - timedelta(seconds=1)

    kept = sessions.resolve(token, used)
    assert kept is not None and kept.expires_at == used + IDLE_TIMEOUT
    assert sessions.resolve(token, used + IDLE_TIMEOUT - timedelta(seconds=1)) is not None

    idle_token, _ = sessions.open(ana, T0)
    assert sessions.resolve(idle_token, T0 + IDLE_TIMEOUT) is None
    # An ended session stays ended, even at an earlier time.
    assert sessions.resolve(idle_token, T0) is None


def test_a_session_ends_after_twelve_hours_however_much_it_is_used(
    sessions: SessionStore, ana: User
) -> None:
    token, _ = sessions.open(ana, T0)
    last: Session | None = None
    for hour in range(1, 12):
        last = sessions.resolve(token, T0 + timedelta(hours=hour))
        assert last is not None
    assert last is not None and last.expires_at == T0 + ABSOLUTE_LIFETIME

    assert sessions.resolve(token, T0 + ABSOLUTE_LIFETIME) is None


def test_signing_out_ends_one_session_and_close_all_every_one(
    sessions: SessionStore, users: UserStore, ana: User
) -> None:
    bo = users.create("acme", "bo@example.com", Role.VIEWER, PASSWORD)
    first, _ = sessions.open(ana, T0)
    second, _ = sessions.open(ana, T0)
    third, _ = sessions.open(ana, T0)
    bos, _ = sessions.open(bo, T0)

    sessions.close(first)
    sessions.close(first)  # signing out twice is no error
    sessions.close("no such token")
    assert sessions.resolve(first, T0) is None
    assert sessions.resolve(second, T0) is not None

    assert sessions.close_all("acme", ana.user_id) == 2
    assert sessions.resolve(second, T0) is None
    assert sessions.resolve(third, T0) is None
    assert sessions.resolve(bos, T0) is not None


def test_another_tenant_cannot_end_a_session(
    sessions: SessionStore, users: UserStore, ana: User
) -> None:
    token, _ = sessions.open(ana, T0)

    assert sessions.close_all("beta", ana.user_id) == 0
    assert sessions.resolve(token, T0) is not None


def test_a_disabled_account_has_no_session_and_cannot_open_one(
    sessions: SessionStore, users: UserStore, ana: User, database_url: str
) -> None:
    token, _ = sessions.open(ana, T0)
    disabled = users.disable("acme", ana.email)

    assert sessions.resolve(token, T0) is None
    assert stored_rows(database_url, "SELECT * FROM console_sessions") == []
    with pytest.raises(ValueError, match="is disabled"):
        sessions.open(disabled, T0)


def test_a_disabled_account_has_no_session_even_if_none_was_closed(
    sessions: SessionStore, ana: User, database_url: str
) -> None:
    token, _ = sessions.open(ana, T0)
    run_past_the_stores(database_url, "UPDATE console_users SET disabled_at = created_at")

    assert sessions.resolve(token, T0) is None


def test_a_new_role_or_password_ends_the_sessions(
    sessions: SessionStore, users: UserStore, ana: User
) -> None:
    before_grant, _ = sessions.open(ana, T0)
    users.grant("acme", ana.email, Role.VIEWER)
    assert sessions.resolve(before_grant, T0) is None

    viewer = users.get("acme", ana.user_id)
    after_grant, _ = sessions.open(viewer, T0)
    resolved = sessions.resolve(after_grant, T0)
    assert resolved is not None and resolved.role is Role.VIEWER

    users.set_password("acme", ana.email, OTHER_PASSWORD)
    assert sessions.resolve(after_grant, T0) is None


def test_a_role_changed_past_the_store_ends_the_session(
    sessions: SessionStore, ana: User, database_url: str
) -> None:
    token, _ = sessions.open(ana, T0)
    run_past_the_stores(database_url, "UPDATE console_users SET role = 'viewer'")

    assert sessions.resolve(token, T0) is None


def test_the_session_follows_the_accounts_language(
    sessions: SessionStore, users: UserStore, ana: User
) -> None:
    token, _ = sessions.open(ana, T0)
    users.set_language("acme", ana.user_id, "fr")

    resolved = sessions.resolve(token, T0)
    assert resolved is not None and resolved.language == "fr"


def test_sessions_that_are_over_are_cleared_when_the_account_opens_another(
    sessions: SessionStore, ana: User, database_url: str
) -> None:
    sessions.open(ana, T0)
    sessions.open(ana, T0 + IDLE_TIMEOUT - timedelta(minutes=1))
    sessions.open(ana, T0 + IDLE_TIMEOUT)

    assert len(stored_rows(database_url, "SELECT * FROM console_sessions")) == 2


def test_a_session_opened_after_signing_in(
    sessions: SessionStore, users: UserStore, ana: User
) -> None:
    signed_in = users.sign_in("acme", "ANA@example.com", PASSWORD, T0)
    assert signed_in.user is not None

    token, _ = sessions.open(signed_in.user, T0)
    resolved = sessions.resolve(token, T0 + timedelta(minutes=5))
    assert resolved is not None
    assert (resolved.user_id, resolved.tenant, resolved.role) == (ana.user_id, "acme", Role.ADMIN)
