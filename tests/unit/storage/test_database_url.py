"""A database URL selects the batch recorders by their classes' topics, so a rename breaks here."""

from __future__ import annotations

from eventsourcing.utils import resolve_topic

from adapters.storage.database import parse_database_url
from adapters.storage.postgres_batch import BatchPostgresFactory
from adapters.storage.sqlite_batch import BatchSQLiteFactory


def test_a_sqlite_url_selects_the_batch_sqlite_factory() -> None:
    env = parse_database_url("sqlite:///:memory:").env
    assert resolve_topic(env["PERSISTENCE_MODULE"]) is BatchSQLiteFactory


def test_a_postgres_url_selects_the_batch_postgres_factory() -> None:
    env = parse_database_url("postgresql://user:secret@localhost:5432/ledger").env
    assert resolve_topic(env["PERSISTENCE_MODULE"]) is BatchPostgresFactory
