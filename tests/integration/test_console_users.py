"""Console accounts on both databases: hashed passwords, one refusal, lock-out, tenants apart."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import psycopg
import pytest
from argon2 import PasswordHasher

from adapters.access.roles import Role
from adapters.access.users import (
    FAILURE_MEMORY,
    LOCK_DURATION,
    MAX_FAILED_SIGN_INS,
    Outcome,
    SignInResult,
    User,
    UserExistsError,
    UserInputError,
    UserNotFoundError,
    UserStore,
)
from adapters.storage.database import parse_database_url
from tests.integration.console_support import (
    OTHER_PASSWORD,
    PASSWORD,
    T0,
    CountingHasher,
    run_past_the_stores,
    stored_rows,
)

REFUSED = SignInResult(Outcome.REFUSED)


@pytest.fixture
def hasher() -> CountingHasher:
    return CountingHasher()


@pytest.fixture
def store(database_url: str, hasher: CountingHasher) -> Iterator[UserStore]:
    with UserStore(parse_database_url(database_url), hasher=hasher) as opened:
        yield opened


@pytest.fixture
def ana(store: UserStore) -> User:
    return store.create("acme", "Ana@Example.com", Role.ADMIN, PASSWORD, name="Ana Silva")


def test_a_created_account_is_listed_and_found_without_its_password(
    store: UserStore, ana: User, database_url: str
) -> None:
    assert (ana.tenant, ana.email, ana.role, ana.name) == (
        "acme",
        "ana@example.com",
        "admin",
        "Ana Silva",
    )
    assert ana.active and ana.failed_sign_ins == 0 and ana.language is None
    assert ana.last_sign_in_at is None and ana.locked_until is None
    assert store.list("acme") == [ana]
    assert store.get("acme", ana.user_id) == ana
    assert store.find("acme", " ANA@example.com") == ana
    ((password_hash,),) = stored_rows(database_url, "SELECT password_hash FROM console_users")
    assert isinstance(password_hash, str) and password_hash.startswith("$argon2id$")
    assert PASSWORD not in password_hash
    assert not hasattr(ana, "password_hash")


def test_an_email_has_one_account_per_tenant_and_may_have_one_at_each(
    store: UserStore, ana: User
) -> None:
    with pytest.raises(UserExistsError, match="tenant 'acme' has an account with that e-mail"):
        store.create("acme", "ANA@example.com", Role.VIEWER, OTHER_PASSWORD)
    at_beta = store.create("beta", "ana@example.com", Role.VIEWER, OTHER_PASSWORD)

    assert at_beta.user_id != ana.user_id
    assert store.list("acme") == [ana]
    assert store.list("beta") == [at_beta]
    assert store.sign_in("beta", "ana@example.com", OTHER_PASSWORD, T0).user == store.get(
        "beta", at_beta.user_id
    )
    assert store.sign_in("acme", "ana@example.com", OTHER_PASSWORD, T0) == REFUSED


def test_bad_input_is_refused_before_anything_is_stored(store: UserStore) -> None:
    with pytest.raises(UserInputError, match="at least 12 characters"):
        store.create("acme", "bo@example.com", Role.VIEWER, "short")
    with pytest.raises(UserInputError, match="at most 1024 characters"):
        store.create("acme", "bo@example.com", Role.VIEWER, "x" * 1025)
    with pytest.raises(UserInputError, match="is for API keys"):
        store.create("acme", "bo@example.com", Role.INGEST, PASSWORD)
    with pytest.raises(UserInputError, match="is for API keys"):
        store.create("acme", "bo@example.com", "sender", PASSWORD)
    with pytest.raises(UserInputError, match="not an e-mail address"):
        store.create("acme", "bo", Role.VIEWER, PASSWORD)
    with pytest.raises(UserInputError, match="tenant"):
        store.create("Not A Tenant!", "bo@example.com", Role.VIEWER, PASSWORD)
    with pytest.raises(UserInputError, match="line break"):
        store.create("acme", "bo@example.com", Role.VIEWER, PASSWORD, name="Bo\nAdmin")

    assert store.list("acme") == []


def test_signing_in_notes_the_time_and_gives_the_account(store: UserStore, ana: User) -> None:
    result = store.sign_in("acme", "ANA@example.com", PASSWORD, T0)

    assert result.outcome is Outcome.SIGNED_IN and result.signed_in
    assert result.user is not None
    assert result.user.user_id == ana.user_id
    assert result.user.last_sign_in_at == T0
    assert store.get("acme", ana.user_id).last_sign_in_at == T0


def test_every_refusal_is_the_same_answer_after_one_verification(
    store: UserStore, ana: User, hasher: CountingHasher
) -> None:
    store.create("acme", "off@example.com", Role.VIEWER, PASSWORD)
    store.disable("acme", "off@example.com")
    attempts = {
        "unknown tenant": ("gamma", "ana@example.com", PASSWORD),
        "unknown e-mail": ("acme", "nobody@example.com", PASSWORD),
        "wrong password": ("acme", "ana@example.com", OTHER_PASSWORD),
        "disabled account, right password": ("acme", "off@example.com", PASSWORD),
        "malformed e-mail": ("acme", "not an e-mail", PASSWORD),
        "malformed tenant": ("No Such Tenant!", "ana@example.com", PASSWORD),
        "empty password": ("acme", "ana@example.com", ""),
        "over-long password": ("acme", "ana@example.com", PASSWORD * 100),
    }
    for why, (tenant, email, password) in attempts.items():
        before = hasher.verifications
        result = store.sign_in(tenant, email, password, T0)
        assert result == REFUSED, why
        assert hasher.verifications == before + 1, why


def test_five_failures_lock_even_the_right_password_out_for_fifteen_minutes(
    store: UserStore, ana: User
) -> None:
    for attempt in range(1, MAX_FAILED_SIGN_INS):
        assert store.sign_in("acme", ana.email, OTHER_PASSWORD, T0) == REFUSED
        assert store.get("acme", ana.user_id).failed_sign_ins == attempt
    fifth = store.sign_in("acme", ana.email, OTHER_PASSWORD, T0 + timedelta(seconds=5))

    assert fifth.outcome is Outcome.LOCKED
    assert fifth.locked_until == T0 + timedelta(seconds=5) + LOCK_DURATION
    assert fifth.minutes_left(T0 + timedelta(seconds=5)) == 15
    during = store.sign_in("acme", ana.email, PASSWORD, T0 + timedelta(minutes=10))
    assert during.outcome is Outcome.LOCKED
    assert during.minutes_left(T0 + timedelta(minutes=10)) == 6
    assert store.get("acme", ana.user_id).locked_until == fifth.locked_until

    after = store.sign_in("acme", ana.email, PASSWORD, T0 + timedelta(minutes=16))
    assert after.signed_in
    assert after.user is not None
    assert (after.user.failed_sign_ins, after.user.locked_until) == (0, None)


def test_a_success_resets_the_count(store: UserStore, ana: User) -> None:
    for _ in range(MAX_FAILED_SIGN_INS - 1):
        store.sign_in("acme", ana.email, OTHER_PASSWORD, T0)
    assert store.sign_in("acme", ana.email, PASSWORD, T0).signed_in
    for _ in range(MAX_FAILED_SIGN_INS - 1):
        assert store.sign_in("acme", ana.email, OTHER_PASSWORD, T0) == REFUSED

    assert store.get("acme", ana.user_id).failed_sign_ins == MAX_FAILED_SIGN_INS - 1


def test_failures_older_than_a_day_are_forgotten(store: UserStore, ana: User) -> None:
    for _ in range(MAX_FAILED_SIGN_INS - 1):
        store.sign_in("acme", ana.email, OTHER_PASSWORD, T0)
    later = T0 + FAILURE_MEMORY + timedelta(seconds=1)

    assert store.sign_in("acme", ana.email, OTHER_PASSWORD, later) == REFUSED
    assert store.get("acme", ana.user_id).failed_sign_ins == 1


def test_an_email_without_an_account_locks_alike_so_locked_reveals_nothing(
    store: UserStore, ana: User
) -> None:
    def outcomes(tenant: str, email: str) -> list[SignInResult]:
        moments = [T0 + timedelta(minutes=m) for m in (0, 1, 2, 3, 4, 10, 20)]
        return [store.sign_in(tenant, email, OTHER_PASSWORD, at) for at in moments]

    known = outcomes("acme", ana.email)
    unknown = outcomes("acme", "nobody@example.com")
    unknown_tenant = outcomes("gamma", ana.email)

    assert known == unknown == unknown_tenant
    assert [r.outcome for r in known] == [Outcome.REFUSED] * 4 + [Outcome.LOCKED] * 2 + [
        Outcome.REFUSED
    ]


def test_an_unknown_emails_failures_are_kept_as_a_hash_and_forgotten(
    store: UserStore, database_url: str
) -> None:
    store.sign_in("acme", "nobody@example.com", OTHER_PASSWORD, T0)
    rows = stored_rows(database_url, "SELECT * FROM console_unknown_sign_ins")
    assert len(rows) == 1
    assert "nobody" not in repr(rows)

    store.sign_in("acme", "else@example.com", OTHER_PASSWORD, T0 + FAILURE_MEMORY * 2)
    assert len(stored_rows(database_url, "SELECT * FROM console_unknown_sign_ins")) == 1


def test_an_older_hash_is_replaced_at_the_next_sign_in(
    store: UserStore, ana: User, database_url: str
) -> None:
    def stored_hash() -> str:
        ((value,),) = stored_rows(database_url, "SELECT password_hash FROM console_users")
        assert isinstance(value, str)
        return value

    assert "m=8,t=1,p=1" in stored_hash()
    with UserStore(parse_database_url(database_url)) as with_defaults:
        assert with_defaults.sign_in("acme", ana.email, PASSWORD, T0).signed_in
        assert not PasswordHasher().check_needs_rehash(stored_hash())
        assert with_defaults.sign_in("acme", ana.email, PASSWORD, T0).signed_in


def test_disable_and_enable(store: UserStore, ana: User) -> None:
    disabled = store.disable("acme", ana.email)
    assert disabled.disabled_at is not None and not disabled.active
    assert store.disable("acme", ana.email).disabled_at == disabled.disabled_at
    assert store.sign_in("acme", ana.email, PASSWORD, T0) == REFUSED

    assert store.enable("acme", ana.email).active
    assert store.sign_in("acme", ana.email, PASSWORD, T0).signed_in


def test_grant_set_password_and_language(store: UserStore, ana: User) -> None:
    assert store.grant("acme", ana.email, Role.AUDITOR).role is Role.AUDITOR
    with pytest.raises(UserInputError, match="is for API keys"):
        store.grant("acme", ana.email, Role.SENDER)
    assert store.get("acme", ana.user_id).role is Role.AUDITOR

    with pytest.raises(UserInputError, match="at least 12"):
        store.set_password("acme", ana.email, "short")
    store.set_password("acme", ana.email, OTHER_PASSWORD)
    assert store.sign_in("acme", ana.email, PASSWORD, T0) == REFUSED
    assert store.sign_in("acme", ana.email, OTHER_PASSWORD, T0).signed_in

    assert store.set_language("acme", ana.user_id, "fr").language == "fr"
    assert store.set_language("acme", ana.user_id, None).language is None
    with pytest.raises(UserInputError, match="not one of en, fr"):
        store.set_language("acme", ana.user_id, "de")


def test_a_new_password_or_enabling_lifts_a_lock(store: UserStore, ana: User) -> None:
    for _ in range(MAX_FAILED_SIGN_INS):
        store.sign_in("acme", ana.email, OTHER_PASSWORD, T0)
    assert store.sign_in("acme", ana.email, PASSWORD, T0).outcome is Outcome.LOCKED

    store.set_password("acme", ana.email, OTHER_PASSWORD)
    assert store.sign_in("acme", ana.email, OTHER_PASSWORD, T0).signed_in

    for _ in range(MAX_FAILED_SIGN_INS):
        store.sign_in("acme", ana.email, PASSWORD, T0)
    store.enable("acme", ana.email)
    assert store.sign_in("acme", ana.email, OTHER_PASSWORD, T0).signed_in


def test_another_tenants_account_cannot_be_seen_or_changed(store: UserStore, ana: User) -> None:
    store.create("beta", "bo@example.com", Role.ADMIN, PASSWORD)

    assert [u.email for u in store.list("beta")] == ["bo@example.com"]
    assert store.list("gamma") == []
    by_email: list[Callable[[], User]] = [
        lambda: store.disable("beta", ana.email),
        lambda: store.enable("beta", ana.email),
        lambda: store.grant("beta", ana.email, Role.VIEWER),
        lambda: store.set_password("beta", ana.email, OTHER_PASSWORD),
        lambda: store.find("beta", ana.email),
    ]
    for change in by_email:
        with pytest.raises(
            UserNotFoundError, match="tenant 'beta' has no account with that e-mail"
        ):
            change()
    by_ids: list[Callable[[], User]] = [
        lambda: store.get("beta", ana.user_id),
        lambda: store.set_language("beta", ana.user_id, "fr"),
    ]
    for by_id in by_ids:
        with pytest.raises(UserNotFoundError, match="tenant 'beta' has no account"):
            by_id()

    assert store.get("acme", ana.user_id) == ana
    assert store.sign_in("acme", ana.email, PASSWORD, T0).signed_in


def test_an_error_never_names_the_email(store: UserStore) -> None:
    with pytest.raises(UserNotFoundError) as missing:
        store.disable("acme", "secret.person@example.com")

    assert "secret.person" not in str(missing.value)


def test_two_stores_on_one_database_count_failures_together(
    database_url: str, ana: User, hasher: CountingHasher
) -> None:
    url = parse_database_url(database_url)
    with UserStore(url, hasher=hasher) as one, UserStore(url, hasher=hasher) as two:
        for attempt in range(MAX_FAILED_SIGN_INS - 1):
            (one if attempt % 2 else two).sign_in("acme", ana.email, OTHER_PASSWORD, T0)
        assert two.sign_in("acme", ana.email, OTHER_PASSWORD, T0).outcome is Outcome.LOCKED
        assert one.sign_in("acme", ana.email, PASSWORD, T0).outcome is Outcome.LOCKED


def test_a_success_resets_a_count_another_process_kept(
    store: UserStore, ana: User, database_url: str
) -> None:
    run_past_the_stores(database_url, "UPDATE console_users SET failed_sign_ins = 3")

    assert store.sign_in("acme", ana.email, PASSWORD, T0).signed_in
    assert store.get("acme", ana.user_id).failed_sign_ins == 0


def test_a_lost_postgres_connection_is_opened_again(fresh_postgres_url: str) -> None:
    with UserStore(parse_database_url(fresh_postgres_url), hasher=CountingHasher()) as store:
        ana = store.create("acme", "ana@example.com", Role.ADMIN, PASSWORD)
        with psycopg.connect(fresh_postgres_url, autocommit=True) as admin:
            terminated = admin.execute(
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()

        assert terminated == [(True,)]  # the store's own connection
        assert store.list("acme") == [ana]
        assert store.sign_in("acme", ana.email, PASSWORD, T0).signed_in


def test_accounts_and_sessions_go_in_the_schema_the_url_names(fresh_postgres_url: str) -> None:
    with psycopg.connect(fresh_postgres_url, autocommit=True) as admin:
        admin.execute("CREATE SCHEMA console_test")

    in_schema = parse_database_url(f"{fresh_postgres_url}?schema=console_test")
    with UserStore(in_schema, hasher=CountingHasher()) as store:
        store.create("acme", "ana@example.com", Role.ADMIN, PASSWORD)
    with UserStore(parse_database_url(fresh_postgres_url), hasher=CountingHasher()) as public:
        assert public.list("acme") == []

    tables = stored_rows(
        fresh_postgres_url,
        "SELECT table_schema, table_name FROM information_schema.tables"
        " WHERE table_name LIKE 'console_%' ORDER BY 1, 2",
    )
    names = ["console_sessions", "console_unknown_sign_ins", "console_users"]
    assert tables == [*(("console_test", n) for n in names), *(("public", n) for n in names)]


def test_failures_racing_each_other_all_count(store: UserStore, ana: User) -> None:
    with ThreadPoolExecutor(max_workers=MAX_FAILED_SIGN_INS) as pool:
        results = list(
            pool.map(
                lambda _: store.sign_in("acme", ana.email, OTHER_PASSWORD, T0),
                range(MAX_FAILED_SIGN_INS),
            )
        )

    assert sorted(r.outcome for r in results) == [Outcome.LOCKED] + [Outcome.REFUSED] * 4
    assert store.sign_in("acme", ana.email, PASSWORD, T0).outcome is Outcome.LOCKED
