"""A console over a real database, with people signed in through the real sign-in form."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi.testclient import TestClient

from adapters.access.roles import Role
from adapters.api.app import create_app
from adapters.api.context import ApiContext
from adapters.cli.sample_traffic import PlannedSend, observations_of
from domain.values import Recipient, Send

PASSWORD = "correct horse battery staple"
BASE_URL = "http://127.0.0.1"
"""A loopback address: the console's cookies are Secure anywhere else."""

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token of the first form of a page."""
    found = _CSRF.search(html)
    assert found is not None, "the page has no form with a csrf field"
    return found.group(1)


def sign_in(client: TestClient, tenant: str, email: str, password: str = PASSWORD) -> int:
    """Sign in through the form, as a browser does; the status of the form's answer."""
    form_page = client.get("/sign-in")
    answer = client.post(
        "/sign-in",
        data={
            "csrf": csrf_of(form_page.text),
            "organisation": tenant,
            "email": email,
            "password": password,
            "next": "/messages",
            "zone": "Europe/Paris",
        },
        follow_redirects=False,
    )
    status: int = answer.status_code
    return status


@dataclass
class Console:
    """The server's context and application, for tests to sign people in."""

    context: ApiContext

    @contextmanager
    def person(self, tenant: str, role: Role, email: str | None = None) -> Iterator[TestClient]:
        """A browser of a new account of ``role`` at ``tenant``, signed in."""
        address = email or f"{role.value}@{tenant}.example"
        self.context.users.create(tenant, address, role, PASSWORD)
        with TestClient(create_app(self.context, follow=False), base_url=BASE_URL) as client:
            assert sign_in(client, tenant, address) == 303
            yield client

    def browser(self) -> TestClient:
        """A browser nobody signed in with."""
        return TestClient(create_app(self.context, follow=False), base_url=BASE_URL)


def planned(
    tenant: str,
    ref: str,
    subject: str,
    sent_at: datetime,
    scenarios: dict[str, str],
    *,
    dossier: str | None = None,
    category: str | None = None,
) -> PlannedSend:
    """A send of ``tenant`` to each address of ``scenarios``, which say what happens to it."""
    return PlannedSend(
        Send(
            tenant=tenant,
            external_ref=ref,
            recipients=tuple(Recipient(address) for address in scenarios),
            sent_at=sent_at,
            provider="sendgrid",
            provider_message_id=f"{ref}.sendgrid",
            dossier_id=dossier,
            category=category,
            subject=subject,
            sender=f"office@{tenant}.example",
        ),
        tuple(scenarios.values()),
    )


def record(context: ApiContext, sends: list[PlannedSend], now: datetime) -> None:
    """Register the sends, record what their scenarios say happened, catch the views up."""
    context.ledger.register([p.send for p in sends])
    events = [o for p in sends for o in observations_of(p, until=now + timedelta(days=1))]
    if events:
        context.ledger.record(events)
    context.read_side.catch_up()
