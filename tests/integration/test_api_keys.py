"""API keys on both databases: issued once, stored hashed, scoped to a tenant and a role."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from datetime import UTC, timedelta

import psycopg
import pytest

from adapters.access.keys import (
    ApiKey,
    IssuedKey,
    KeyInputError,
    KeyNotFoundError,
    KeyStore,
)
from adapters.access.roles import PERMISSIONS, Permission, Role, allows
from adapters.storage.database import parse_database_url
from domain.values import utc_now


@pytest.fixture
def store(database_url: str) -> Iterator[KeyStore]:
    with KeyStore(parse_database_url(database_url)) as opened:
        yield opened


def _open(url: str) -> KeyStore:
    return KeyStore(parse_database_url(url))


def _stored_rows(url: str) -> list[tuple[object, ...]]:
    """Every row of the keys table, read past the KeyStore."""
    database = parse_database_url(url)
    if database.is_postgres:
        with psycopg.connect(url) as connection:
            return connection.execute("SELECT * FROM api_keys").fetchall()
    with closing(sqlite3.connect(database.env["SQLITE_DBNAME"])) as connection:
        return connection.execute("SELECT * FROM api_keys").fetchall()


def _secret_part(issued: IssuedKey) -> str:
    return issued.secret.removeprefix(f"mlk_{issued.key.key_id}_")


def test_a_created_key_authenticates_to_its_tenant_and_role(store: KeyStore) -> None:
    before = utc_now()
    issued = store.create("acme", Role.VIEWER, "dashboard")

    key = store.authenticate(issued.secret)

    assert key == issued.key
    assert key is not None
    assert (key.tenant, key.role, key.label, key.active) == ("acme", Role.VIEWER, "dashboard", True)
    assert key.created_at.tzinfo == UTC
    assert before <= key.created_at <= utc_now()
    assert store.get(key.key_id) == key


def test_the_token_has_the_documented_shape(store: KeyStore) -> None:
    issued = store.create("acme", Role.INGEST)

    prefix, key_id, secret = issued.secret.split("_", 2)

    assert (prefix, key_id) == ("mlk", issued.key.key_id)
    assert len(key_id) == 12 and set(key_id) <= set("0123456789abcdef")
    assert len(secret) == 43  # token_urlsafe(32): 256 bits
    assert store.create("acme", Role.INGEST).secret != issued.secret


def test_the_stored_row_holds_a_hash_and_no_secret(store: KeyStore, database_url: str) -> None:
    issued = store.create("acme", Role.ADMIN, "ops")

    rows = _stored_rows(database_url)

    assert len(rows) == 1
    cells = [str(cell) for cell in rows[0]]
    assert issued.key.key_id in cells
    assert hashlib.sha256(issued.secret.encode()).hexdigest() in cells
    assert not any(_secret_part(issued) in cell for cell in cells)
    assert not any(issued.secret in cell for cell in cells)


def test_wrong_unknown_malformed_and_empty_tokens_are_refused(store: KeyStore) -> None:
    issued = store.create("acme", Role.VIEWER)
    other_secret = _secret_part(store.create("acme", Role.VIEWER))
    key_id = issued.key.key_id
    unencodable = "\udcff" * 43
    secret = _secret_part(issued)
    # The last character changed: to "A", unless it is one already.
    one_off = secret[:-1] + ("B" if secret.endswith("A") else "A")
    refused = [
        f"mlk_{key_id}_{other_secret}",  # another key's secret under this id
        f"mlk_{key_id}_{one_off}",  # one character off
        f"mlk_000000000000_{_secret_part(issued)}",  # an id that does not exist
        "",
        "mlk_",
        f"mlk_{key_id}_",
        f"Bearer {issued.secret}",
        f"{issued.secret}\n",
        f"{issued.secret}x",
        issued.secret.upper(),
        f"mlk_{key_id.upper()}_{_secret_part(issued)}",
        f"mlk_{key_id}_{'é' * 43}",
        f"mlk_{key_id}_{unencodable}",
        "mlk_" + "x" * 100_000,
    ]

    assert [store.authenticate(token) for token in refused] == [None] * len(refused)
    assert store.authenticate(issued.secret) == issued.key


def test_a_revoked_key_is_refused_and_keeps_its_first_revocation(store: KeyStore) -> None:
    issued = store.create("acme", Role.AUDITOR)

    revoked = store.revoke(issued.key.key_id)
    again = store.revoke(issued.key.key_id, tenant="acme")

    assert store.authenticate(issued.secret) is None
    assert revoked.revoked_at is not None and not revoked.active
    assert again == revoked == store.get(issued.key.key_id)
    assert revoked.revoked_at - issued.key.created_at < timedelta(minutes=1)


def test_another_tenants_key_cannot_be_revoked_or_learned_of(store: KeyStore) -> None:
    theirs = store.create("beta", Role.ADMIN)

    with pytest.raises(KeyNotFoundError) as foreign:
        store.revoke(theirs.key.key_id, tenant="acme")
    with pytest.raises(KeyNotFoundError) as unknown:
        store.revoke("0123456789ab", tenant="acme")

    assert store.authenticate(theirs.secret) == theirs.key
    # The same words whether the key belongs to someone else or does not exist.
    assert str(foreign.value) == str(unknown.value).replace("0123456789ab", theirs.key.key_id)
    assert theirs.key.key_id in str(foreign.value)
    assert store.revoke(theirs.key.key_id, tenant="beta").tenant == "beta"


def test_an_unknown_key_is_not_found(store: KeyStore) -> None:
    with pytest.raises(KeyNotFoundError, match="feedfeedfeed"):
        store.get("feedfeedfeed")
    with pytest.raises(KeyNotFoundError, match="feedfeedfeed"):
        store.revoke("feedfeedfeed")


def test_keys_are_listed_per_tenant_oldest_first_revoked_ones_too(store: KeyStore) -> None:
    assert store.list() == []
    first = store.create("acme", Role.ADMIN).key
    other = store.create("beta", Role.VIEWER).key
    second = store.create("acme", Role.INGEST, "webhooks").key
    revoked = store.revoke(first.key_id)

    assert store.list("acme") == [revoked, second]
    assert store.list("beta") == [other]
    assert store.list() == [revoked, other, second]
    assert store.list("gamma") == []


@pytest.mark.parametrize(
    "tenant", ["", "a b", "x" * 65, "acmé", "a/b", "acme\n", "a'; DROP TABLE api_keys; --"]
)
def test_bad_tenant_names_are_refused(store: KeyStore, tenant: str) -> None:
    with pytest.raises(KeyInputError, match=r"tenant .* is not a valid tenant name: use 1 to 64"):
        store.create(tenant, Role.VIEWER)
    with pytest.raises(KeyInputError):
        store.list(tenant)
    assert store.list() == []


def test_tenant_names_may_use_the_whole_rule(store: KeyStore) -> None:
    names = ["x" * 64, "Acme.EU_2-b", "7"]
    assert [store.create(name, Role.VIEWER).key.tenant for name in names] == names


def test_labels_roles_longer_or_broken_are_refused(store: KeyStore) -> None:
    with pytest.raises(KeyInputError, match="201 characters long; the most is 200"):
        store.create("acme", Role.VIEWER, "x" * 201)
    with pytest.raises(KeyInputError, match="line break"):
        store.create("acme", Role.VIEWER, "two\nlines")
    with pytest.raises(KeyInputError, match="'owner' is not one of admin, viewer"):
        store.create("acme", "owner")  # type: ignore[arg-type]
    assert store.list() == []
    assert store.create("acme", Role.VIEWER, "ü" * 200).key.label == "ü" * 200


def test_two_stores_on_one_database_see_each_others_keys(database_url: str) -> None:
    with _open(database_url) as one, _open(database_url) as two:
        from_one = one.create("acme", Role.VIEWER)
        from_two = two.create("beta", Role.INGEST)

        assert two.authenticate(from_one.secret) == from_one.key
        assert one.authenticate(from_two.secret) == from_two.key
        two.revoke(from_one.key.key_id)
        assert one.authenticate(from_one.secret) is None
        assert one.list() == two.list()


def test_stores_opened_at_once_on_a_fresh_database_all_work(database_url: str) -> None:
    # Each opening creates the missing table; on PostgreSQL all but one creator can fail.
    def open_and_create(number: int) -> ApiKey:
        with _open(database_url) as opened:
            return opened.create("acme", Role.VIEWER, f"process {number}").key

    with ThreadPoolExecutor(6) as pool:
        created = list(pool.map(open_and_create, range(6)))

    with _open(database_url) as store:
        assert sorted(k.label for k in store.list("acme")) == sorted(k.label for k in created)


def test_threads_authenticate_through_one_store_at_once(store: KeyStore) -> None:
    issued = [store.create(f"tenant-{n}", Role(role)) for n, role in enumerate(Role)]
    revoked = store.create("tenant-x", Role.ADMIN)
    store.revoke(revoked.key.key_id)
    tokens = [i.secret for i in issued] + [revoked.secret, "mlk_nonsense"]
    expected = [i.key for i in issued] + [None, None]

    with ThreadPoolExecutor(8) as pool:
        rounds = list(pool.map(lambda _: [store.authenticate(t) for t in tokens], range(40)))

    assert rounds == [expected] * 40


def test_a_lost_postgres_connection_is_opened_again(fresh_postgres_url: str) -> None:
    with _open(fresh_postgres_url) as store:
        issued = store.create("acme", Role.VIEWER)
        with psycopg.connect(fresh_postgres_url, autocommit=True) as admin:
            terminated = admin.execute(
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()

        assert terminated == [(True,)]  # the store's own connection
        assert store.authenticate(issued.secret) == issued.key
        assert store.list() == [issued.key]


def test_keys_go_in_the_schema_the_url_names(fresh_postgres_url: str) -> None:
    with psycopg.connect(fresh_postgres_url, autocommit=True) as admin:
        admin.execute("CREATE SCHEMA access_test")

    with _open(f"{fresh_postgres_url}?schema=access_test") as store:
        issued = store.create("acme", Role.AUDITOR)
    with _open(fresh_postgres_url) as public:
        assert public.list() == []
        assert public.authenticate(issued.secret) is None

    with psycopg.connect(fresh_postgres_url) as admin:
        schemas = admin.execute(
            "SELECT table_schema FROM information_schema.tables"
            " WHERE table_name = 'api_keys' ORDER BY 1"
        ).fetchall()
    assert schemas == [("access_test",), ("public",)]


def test_each_role_has_exactly_its_permissions() -> None:
    assert {role.value for role in Role} == {"admin", "viewer", "auditor", "ingest", "sender"}
    assert {p.value for p in Permission} == {
        "read_messages",
        "read_history",
        "ingest",
        "manage_keys",
        "manage_quarantine",
        "read_addresses",
        "check_addresses",
        "set_preferences",
        "manage_policies",
        "manage_subscriptions",
        "read_content",
        "manage_settings",
        "manage_users",
    }
    expected = {
        Role.ADMIN: frozenset(Permission),
        Role.VIEWER: frozenset(
            {
                Permission.READ_MESSAGES,
                Permission.READ_ADDRESSES,
                Permission.CHECK_ADDRESSES,
                Permission.READ_CONTENT,
            }
        ),
        Role.AUDITOR: frozenset({Permission.READ_HISTORY, Permission.READ_CONTENT}),
        Role.INGEST: frozenset({Permission.INGEST}),
        Role.SENDER: frozenset(
            {Permission.INGEST, Permission.CHECK_ADDRESSES, Permission.SET_PREFERENCES}
        ),
    }
    assert expected == PERMISSIONS
    granted = {(r, p) for r in Role for p in Permission if allows(r, p)}
    assert granted == {(r, p) for r, permissions in PERMISSIONS.items() for p in permissions}
    assert not allows(Role.VIEWER, Permission.READ_HISTORY)
    assert not allows(Role.INGEST, Permission.READ_MESSAGES)
    assert allows(Role.ADMIN, Permission.MANAGE_KEYS)
    assert allows(Role.ADMIN, Permission.MANAGE_SUBSCRIPTIONS)
    assert not any(
        allows(role, Permission.MANAGE_SUBSCRIPTIONS) for role in Role if role is not Role.ADMIN
    )
    assert not any(
        allows(role, Permission.MANAGE_SETTINGS) for role in Role if role is not Role.ADMIN
    )
    assert {role for role in Role if allows(role, Permission.READ_CONTENT)} == {
        Role.ADMIN,
        Role.VIEWER,
        Role.AUDITOR,
    }
