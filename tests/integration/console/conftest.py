"""The console in process: FastAPI's TestClient over a real database of each kind, with
people of two tenants signed in.

Each person of ``PEOPLE`` has a real account and a session opened in the real stores; a
request carries that session's cookie and its forms that session's CSRF token.
"""

from __future__ import annotations

import html
import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from typing import Any

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient

from adapters.access.roles import Role
from adapters.access.users import PERSON_ROLES, User, UserStore
from adapters.api.app import create_app
from adapters.api.context import ApiContext, open_context
from adapters.console.signing_in import SESSION_COOKIE
from adapters.intake.recording import Batch, record_batch
from adapters.signals.urls import UrlPolicy
from adapters.storage.database import parse_database_url
from domain.values import Observation, Send, utc_now
from tests.integration.console_support import PASSWORD, CountingHasher

TENANT = "acme"
OTHER_TENANT = "globex"

PEOPLE: dict[str, tuple[str, Role]] = {
    "admin": (TENANT, Role.ADMIN),
    "viewer": (TENANT, Role.VIEWER),
    "auditor": (TENANT, Role.AUDITOR),
    "sender": (TENANT, Role.SENDER),
    "other_admin": (OTHER_TENANT, Role.ADMIN),
}
"""Who may sign in, by name: their tenant and role."""


@dataclass(frozen=True)
class Signed:
    """A person's session: the cookie's token and the token of their forms."""

    token: str
    csrf: str


def sign_everyone_in(context: ApiContext) -> dict[str, Signed]:
    """An account and an open session for each of ``PEOPLE``."""
    now = utc_now()
    signed = {}
    for name, (tenant, role) in PEOPLE.items():
        if role in PERSON_ROLES:
            user = context.users.create(tenant, f"{name}@{tenant}.example", role, PASSWORD)
            token, session = context.sessions.open(user, now)
            signed[name] = Signed(token, session.csrf_token)
        else:
            # People never get a program's role; such a session is made past the store, to
            # show that the pages refuse it whatever the store would allow.
            user = context.users.create(tenant, f"{name}@{tenant}.example", Role.VIEWER, PASSWORD)
            token, session = context.sessions.open(user, now)
            run_on(context, "UPDATE console_users SET role = %s WHERE user_id = %s", role, user)
            run_on(context, "UPDATE console_sessions SET role = %s WHERE user_id = %s", role, user)
            signed[name] = Signed(token, session.csrf_token)
    return signed


def run_on(context: ApiContext, statement: str, role: Role, user: User) -> None:
    url = context.database.url
    database = parse_database_url(url)
    if database.is_postgres:
        schema = database.env.get("POSTGRES_SCHEMA")
        with psycopg.connect(url.split("?")[0], autocommit=True) as connection:
            if schema:
                connection.execute(f"SET search_path TO {schema}")
            connection.execute(statement, (role.value, user.user_id))
        return
    with closing(sqlite3.connect(database.env["SQLITE_DBNAME"])) as connection:
        connection.execute(statement.replace("%s", "?"), (role.value, user.user_id))
        connection.commit()


CSRF_FIELD = re.compile(r'name="csrf" value="([^"]*)"')


@dataclass
class SignedInConsole:
    """A browser of the console that can be any of ``PEOPLE``."""

    client: TestClient
    context: ApiContext
    signed: dict[str, Signed]

    def get(self, path: str, *, who: str | None = "admin", **params: Any) -> httpx.Response:
        response: httpx.Response = self.client.get(
            path, params=params or None, headers=self._cookie(who), follow_redirects=False
        )
        return response

    def post(
        self,
        path: str,
        data: dict[str, str],
        *,
        who: str = "admin",
        csrf: str | None = "own",
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """A form post; ``csrf`` "own" sends the session's token, None none, else that one."""
        fields = dict(data)
        if csrf == "own":
            fields["csrf"] = self.signed[who].csrf
        elif csrf is not None:
            fields["csrf"] = csrf
        response: httpx.Response = self.client.post(
            path,
            data=fields,
            headers={**self._cookie(who), **(headers or {})},
            follow_redirects=False,
        )
        return response

    def record(self, items: Sequence[Send | Observation]) -> None:
        """Record sends and provider events, each as intake would, and catch the views up."""
        for item in items:
            batch = Batch(sends=[item]) if isinstance(item, Send) else Batch(observations=[item])
            record_batch(self.context.ledger, batch)
        self.context.read_side.catch_up()

    def _cookie(self, who: str | None) -> dict[str, str]:
        return {"Cookie": f"{SESSION_COOKIE}={self.signed[who].token}"} if who else {}


@pytest.fixture
def console(database_url: str) -> Iterator[SignedInConsole]:
    """The console on an empty database of each kind (SQLite, PostgreSQL)."""
    context = open_context(
        parse_database_url(database_url), {}, url_policy=UrlPolicy(allow_http_loopback=True)
    )
    context.users = UserStore(context.database, hasher=CountingHasher())
    try:
        signed = sign_everyone_in(context)
        with TestClient(create_app(context, follow=False), raise_server_exceptions=False) as client:
            yield SignedInConsole(client, context, signed)
    finally:
        context.close()


def text_of(response: httpx.Response) -> str:
    """The page's text without its tags and with spaces collapsed, to read it as a person."""
    without_tags = re.sub(r"<[^>]+>", " ", response.text)
    return " ".join(html.unescape(without_tags).split())


def csrf_on(response: httpx.Response) -> set[str]:
    """The CSRF tokens the page's forms carry."""
    return set(CSRF_FIELD.findall(response.text))
