"""Provider bodies recorded on the real stores: any batching, order and repetition of the
bodies gives the state that one orderly pass gives, for every message of every provider."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import pairwise
from uuid import UUID, uuid4

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql

from adapters.intake.bodies import Body, read_bodies
from adapters.providers.registry import WEBHOOK_PROVIDERS
from adapters.storage.database import open_ledger, parse_database_url
from domain.ledger import Ledger
from domain.state import MessageState
from tests.conftest import TENANT
from tests.unit.providers.bodies import body, names

RECEIVED = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
BODIES = [(provider, name) for provider in WEBHOOK_PROVIDERS for name in names(provider)]


def record(ledger: Ledger, bodies: list[tuple[str, str]]) -> set[UUID]:
    """The bodies recorded in one transaction per provider; the ids of the messages touched."""
    touched: set[UUID] = set()
    for provider in WEBHOOK_PROVIDERS:
        mine = [
            Body(name, body(p, name), RECEIVED, tenant=TENANT)
            for p, name in bodies
            if p == provider
        ]
        observations = read_bodies(provider, mine).observations
        touched.update(result.message_id for result in ledger.record(observations))
    return touched


def states(ledger: Ledger, ids: set[UUID]) -> dict[UUID, MessageState]:
    return {state.id: state for state in ledger.get_messages(sorted(ids))}


@contextmanager
def empty_ledger(request: pytest.FixtureRequest, kind: str) -> Iterator[Ledger]:
    """A ledger on a store of its own: a new SQLite file, or a new PostgreSQL schema.

    Hypothesis runs many examples in one test, so each example makes its own store.
    """
    if kind == "sqlite":
        folder = request.getfixturevalue("tmp_path_factory").mktemp("store")
        with open_ledger(parse_database_url(f"sqlite:///{folder / 'ledger.sqlite'}")) as ledger:
            yield ledger
        return
    base: str = request.getfixturevalue("fresh_postgres_url")
    schema = f"example_{uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        with open_ledger(parse_database_url(f"{base}?schema={schema}")) as ledger:
            yield ledger
    finally:
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
            )


@st.composite
def arrivals(draw: st.DrawFn) -> list[list[tuple[str, str]]]:
    """Every body at least once, in any order, some twice, cut into batches anywhere."""
    repeated = BODIES + draw(st.lists(st.sampled_from(BODIES), max_size=len(BODIES)))
    shuffled = draw(st.permutations(repeated))
    cuts = sorted(draw(st.sets(st.integers(1, len(shuffled) - 1), max_size=6)))
    return [shuffled[a:b] for a, b in pairwise([0, *cuts, len(shuffled)])]


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(batches=arrivals())
def test_any_batching_order_and_repetition_of_bodies_gives_the_same_states(
    kind: str, batches: list[list[tuple[str, str]]], request: pytest.FixtureRequest
) -> None:
    with empty_ledger(request, kind) as orderly:
        expected = states(orderly, record(orderly, BODIES))
    with empty_ledger(request, kind) as shuffled:
        touched: set[UUID] = set()
        for batch in batches:
            touched |= record(shuffled, batch)
        assert states(shuffled, touched) == expected


def test_every_body_recorded_again_records_nothing_new(ledger: Ledger) -> None:
    for provider in WEBHOOK_PROVIDERS:
        bodies = [
            Body(name, body(provider, name), RECEIVED, tenant=TENANT) for name in names(provider)
        ]
        observations = read_bodies(provider, bodies).observations
        assert observations, provider
        first = ledger.record(observations)
        version = {s.id: s.version for s in ledger.get_messages([r.message_id for r in first])}
        again = ledger.record(read_bodies(provider, bodies).observations)
        assert all(result.duplicate for result in again), provider
        after = {s.id: s.version for s in ledger.get_messages(list(version))}
        assert after == version, provider
