"""Shared test set-up: the real services, hypothesis profiles, builders of sends and events.

`./scripts/test` starts PostgreSQL and Kafka and exports their addresses; to run pytest by hand:

    scripts/services.sh start && source .services/env && pytest

A missing address fails the test (it never skips): a green run means the services were used.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from hypothesis import HealthCheck, settings
from psycopg import sql

from adapters.storage.database import open_ledger, parse_database_url
from domain.kinds import EventKind
from domain.ledger import Ledger
from domain.values import Observation, Recipient, Send

POSTGRES_URL_VARIABLE = "MAILLEDGER_TEST_POSTGRES_URL"
KAFKA_BOOTSTRAP_VARIABLE = "MAILLEDGER_TEST_KAFKA_BOOTSTRAP"


def _required_environment(name: str, service: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        pytest.fail(
            f"{name} is not set, so there is no {service} to test against. Run the tests with "
            "`./scripts/test`, or start the services with `scripts/services.sh start` and "
            "`source .services/env` before running pytest.",
            pytrace=False,
        )
    return value


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """URL of the test PostgreSQL 15 (database `mailledger`, a role that may create databases)."""
    return _required_environment(POSTGRES_URL_VARIABLE, "PostgreSQL")


@pytest.fixture
def fresh_postgres_url(postgres_url: str) -> Iterator[str]:
    """URL (``postgresql://...``) of a new, empty database only this test uses; dropped after."""
    name = f"mailledger_test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlsplit(postgres_url)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    """`host:port` of the test Kafka broker (KRaft, one node, topics auto-created)."""
    return _required_environment(KAFKA_BOOTSTRAP_VARIABLE, "Kafka broker")


settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=60, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

TENANT = "acme"
"""The tenant that receives what a test records, unless it says otherwise."""


def bound(observations: Iterable[Observation], tenant: str = TENANT) -> list[Observation]:
    """Parsed observations as received by ``tenant``, as intake binds them."""
    return [observation.for_tenant(tenant) for observation in observations]


def a_send(
    *addresses: str,
    provider: str = "sendgrid",
    provider_message_id: str | None = "msg-1",
    tenant: str = TENANT,
    external_ref: str = "inv-1",
    dossier_id: str | None = "DOS-1",
    error: str | None = None,
    sent_at: datetime = T0,
) -> Send:
    """A registration of one send to the given addresses."""
    return Send(
        tenant=tenant,
        external_ref=external_ref,
        recipients=tuple(Recipient(a) for a in (addresses or ("ana@example.com",))),
        sent_at=sent_at,
        provider=provider if provider_message_id else None,
        provider_message_id=provider_message_id,
        dossier_id=dossier_id,
        subject="Invoice 1",
        sender="billing@acme.example",
        error=error,
    )


def an_observation(
    kind: EventKind,
    minutes: float,
    recipient: str | None = "ana@example.com",
    *,
    provider: str = "sendgrid",
    provider_message_id: str = "msg-1",
    event_id: str | None = None,
    details: dict[str, object] | None = None,
    tenant: str = TENANT,
) -> Observation:
    """A provider event ``minutes`` after T0, received by ``tenant``."""
    return Observation(
        tenant=tenant,
        provider=provider,
        provider_message_id=provider_message_id,
        recipient=recipient,
        kind=kind,
        occurred_at=T0 + timedelta(minutes=minutes),
        event_id=event_id,
        details=details or {},
    )


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    url: str = request.getfixturevalue("fresh_postgres_url")
    return url


@pytest.fixture
def ledger(database_url: str) -> Iterator[Ledger]:
    """A Ledger on an empty database of each kind."""
    with open_ledger(parse_database_url(database_url)) as opened:
        yield opened
