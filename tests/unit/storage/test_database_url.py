"""A database URL selects the batch recorders by their classes' topics, so a rename breaks here."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from eventsourcing.utils import resolve_topic

from adapters.errors import first_line
from adapters.storage.database import DatabaseUrlError, parse_database_url
from adapters.storage.postgres_batch import BatchPostgresFactory
from adapters.storage.sqlite_batch import BatchSQLiteFactory


def test_a_sqlite_url_selects_the_batch_sqlite_factory() -> None:
    env = parse_database_url("sqlite:///:memory:").env
    assert resolve_topic(env["PERSISTENCE_MODULE"]) is BatchSQLiteFactory


def test_a_postgres_url_selects_the_batch_postgres_factory() -> None:
    env = parse_database_url("postgresql://user:secret@localhost:5432/ledger").env
    assert resolve_topic(env["PERSISTENCE_MODULE"]) is BatchPostgresFactory


PASSWORDS = ["s3#cret", "s3?cr/et", "s3@cr:et", "s3%23cr%2Fet", "s3cr%40et"]
"""Passwords as people write them into URLs: raw separators, or percent-encoded."""


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
@pytest.mark.parametrize("password", PASSWORDS)
def test_a_password_is_hidden_and_read_however_it_is_written(scheme: str, password: str) -> None:
    url = f"{scheme}://ledger:{password}@db.example:5433/ledger?schema=mail"

    database = parse_database_url(url)

    assert database.display == f"{scheme}://ledger:***@db.example:5433/ledger?schema=mail"
    assert database.env["POSTGRES_PASSWORD"] == unquote(password)
    assert database.env["POSTGRES_HOST"] == "db.example"
    assert database.env["POSTGRES_PORT"] == "5433"
    assert database.env["POSTGRES_SCHEMA"] == "mail"


@pytest.mark.parametrize("password", PASSWORDS)
def test_a_url_refused_never_shows_its_password(password: str) -> None:
    for url in (
        f"postgresql://ledger:{password}@db.example:99999/ledger",
        f"postgresql://ledger:{password}@db.example",
        f"mysql://ledger:{password}@db.example/ledger",
    ):
        with pytest.raises(DatabaseUrlError) as refused:
            parse_database_url(url)
        assert password not in str(refused.value)
        assert "ledger:***@" in str(refused.value)


@pytest.mark.parametrize("password", PASSWORDS)
def test_an_error_quoting_a_url_reads_on_one_line_without_its_password(password: str) -> None:
    error = RuntimeError(f"cannot connect to postgres://ledger:{password}@db.example/ledger\nhint")
    assert first_line(error) == "cannot connect to postgres://ledger:***@db.example/ledger"
