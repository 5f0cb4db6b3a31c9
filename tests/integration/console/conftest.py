"""The console in process: FastAPI's TestClient over a real database of each kind, with
people of two tenants signed in.

Sessions come from a stand-in store (``StandInSessions``) set on the context; it is the one
place to switch to the real session store.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from adapters.access.roles import Role
from adapters.access.sessions import Session
from adapters.api.app import create_app
from adapters.api.context import ApiContext, open_context
from adapters.console.signing_in import SESSION_COOKIE
from adapters.intake.recording import Batch, record_batch
from adapters.signals.urls import UrlPolicy
from adapters.storage.database import parse_database_url
from domain.values import Observation, Send, utc_now

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


def session_of(name: str) -> Session:
    tenant, role = PEOPLE[name]
    return Session(
        user_id=f"u-{name}",
        tenant=tenant,
        email=f"{name}@{tenant}.example",
        role=role,
        name=name.capitalize(),
        language="en",
        csrf_token=f"csrf-of-{name}-0123456789abcdef",
        expires_at=utc_now() + timedelta(hours=1),
    )


@dataclass
class StandInSessions:
    """Sessions by token, as the real store resolves them (an expired one is none)."""

    by_token: dict[str, Session] = field(
        default_factory=lambda: {f"token-of-{name}": session_of(name) for name in PEOPLE}
    )

    def resolve(self, token: str, now: datetime) -> Session | None:
        found = self.by_token.get(token)
        return found if found is not None and found.expires_at > now else None


CSRF_FIELD = re.compile(r'name="csrf" value="([^"]*)"')


@dataclass
class SignedInConsole:
    """A browser of the console that can be any of ``PEOPLE``."""

    client: TestClient
    context: ApiContext

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
            fields["csrf"] = session_of(who).csrf_token
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

    @staticmethod
    def _cookie(who: str | None) -> dict[str, str]:
        return {"Cookie": f"{SESSION_COOKIE}=token-of-{who}"} if who else {}


@pytest.fixture
def console(database_url: str) -> Iterator[SignedInConsole]:
    """The console on an empty database of each kind (SQLite, PostgreSQL)."""
    context = open_context(
        parse_database_url(database_url), {}, url_policy=UrlPolicy(allow_http_loopback=True)
    )
    setattr(context, "sessions", StandInSessions())  # noqa: B010 - until the context has them
    try:
        with TestClient(create_app(context, follow=False), raise_server_exceptions=False) as client:
            yield SignedInConsole(client, context)
    finally:
        context.close()


def text_of(response: httpx.Response) -> str:
    """The page's text without its tags and with spaces collapsed, to read it as a person."""
    without_tags = re.sub(r"<[^>]+>", " ", response.text)
    return " ".join(html.unescape(without_tags).split())


def csrf_on(response: httpx.Response) -> set[str]:
    """The CSRF tokens the page's forms carry."""
    return set(CSRF_FIELD.findall(response.text))
