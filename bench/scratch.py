"""Throwaway places to benchmark in, so no user data is ever touched."""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import click
import psycopg
from psycopg import sql

from adapters.storage.database import Database, DatabaseUrlError, parse_database_url, redact


@contextmanager
def sqlite_scratch() -> Iterator[Database]:
    """A SQLite file in a temporary folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="mailledger-bench-") as folder:
        yield parse_database_url(f"sqlite:///{Path(folder) / 'bench.sqlite'}")


@contextmanager
def postgres_scratch(url: str) -> Iterator[Database]:
    """A fresh schema in the database ``url`` names, dropped with everything in it afterwards."""
    schema = f"mailledger_bench_{secrets.token_hex(4)}"
    server = parse_database_url(_without_schema(url))
    with connect(server) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield parse_database_url(_with_schema(url, schema))
    finally:
        with connect(server) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def connect(database: Database) -> psycopg.Connection[tuple[object, ...]]:
    """A plain psycopg connection (autocommit) with the settings the ledger's recorder uses."""
    env = database.env
    conn = psycopg.connect(
        dbname=env["POSTGRES_DBNAME"],
        host=env["POSTGRES_HOST"],
        port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"],
        connect_timeout=int(env.get("POSTGRES_CONNECT_TIMEOUT", "5")),
        autocommit=True,
    )
    schema = env.get("POSTGRES_SCHEMA")
    if schema:
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
    return conn


def _without_schema(url: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "schema"]
    return parts._replace(query=urlencode(query)).geturl()


def _with_schema(url: str, schema: str) -> str:
    parts = urlsplit(_without_schema(url))
    query = [*parse_qsl(parts.query), ("schema", schema)]
    return parts._replace(query=urlencode(query)).geturl()


def required_postgres_url(value: str | None, command: str) -> str:
    """The --postgres URL of a benchmark that runs on PostgreSQL only; one line when not."""
    if not value:
        raise click.ClickException(
            f"--postgres is missing: bench {command} runs on PostgreSQL only; give"
            " --postgres postgresql://user:pass@host:port/db or set MAILLEDGER_BENCH_POSTGRES_URL"
        )
    try:
        database = parse_database_url(value)
    except DatabaseUrlError as error:
        raise click.ClickException(f"--postgres: {error}") from None
    if not database.is_postgres:
        raise click.ClickException(
            f"--postgres {redact(value)!r} is not PostgreSQL; give postgresql://user:pass@host/db"
        )
    return value
