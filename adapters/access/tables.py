"""The small tables of the access stores (API keys, the console's people and sessions).

Each store keeps one connection open between requests, each statement committed on its own,
and creates its tables when missing, also while another process creates them. Statements
name tables and indexes in braces (``{users}``), times as ``{time}``, and take ``%s``
parameters, on PostgreSQL and SQLite alike.
"""

from __future__ import annotations

import builtins
import sqlite3
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, LiteralString, Protocol, Self

import psycopg
import structlog
from psycopg import sql
from psycopg.conninfo import make_conninfo
from psycopg.rows import TupleRow

from adapters.errors import first_line
from adapters.storage.database import Database, despite_creation_races
from adapters.storage.plain_connection import CREATION_RACES

log = structlog.get_logger()


@dataclass(frozen=True)
class Layout:
    """A store's tables: the names its statements use, and how to create them."""

    name: str
    """Names the store in log lines."""
    tables: Mapping[str, str]
    indexes: Mapping[str, str]
    create: Sequence[LiteralString]


@dataclass(frozen=True)
class Result:
    """The rows a statement returned and how many rows it changed."""

    rows: builtins.list[tuple[Any, ...]]
    rowcount: int


class Tables(Protocol):
    """One connection to a store's tables, each statement committed on its own."""

    def execute(self, statement: LiteralString, params: Sequence[object] = ()) -> Result:
        """Run one statement; names in braces and ``%s`` parameters are filled in."""
        ...

    def close(self) -> None:
        """Close the connection."""
        ...


def open_tables(database: Database, layout: Layout) -> Tables:
    """A connection to the layout's tables in that database, created when missing."""
    if database.is_postgres:
        return _PostgresTables(database.env, layout)
    return _SqliteTables(database.env["SQLITE_DBNAME"], layout)


def moment(value: object) -> datetime | None:
    """A stored time (timestamptz on PostgreSQL, ISO-8601 text on SQLite) as aware UTC."""
    if value is None:
        return None
    found = datetime.fromisoformat(value) if isinstance(value, str) else value
    if not isinstance(found, datetime):
        raise TypeError(f"stored time {value!r} is not a time")
    return found.astimezone(UTC)


class TableStore:
    """A store over one connection: shared between threads, one call at a time, and closed
    with the store (``with`` or ``shutdown``)."""

    def __init__(self, tables: Tables) -> None:
        self._lock = threading.Lock()
        self._tables = tables

    def shutdown(self) -> None:
        """Close the store's connection."""
        with self._lock:
            self._tables.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.shutdown()


class _SqliteTables:
    def __init__(self, path: str, layout: Layout) -> None:
        self._names = {**layout.tables, **layout.indexes, "time": "TEXT"}
        # isolation_level=None commits each statement on its own, as on PostgreSQL; the
        # timeout lets a writer in another process finish instead of failing at once.
        self._connection = sqlite3.connect(
            path, check_same_thread=False, isolation_level=None, timeout=30
        )
        try:
            for statement in layout.create:
                self.execute(statement)
        except BaseException:
            self._connection.close()
            raise

    def execute(self, statement: LiteralString, params: Sequence[object] = ()) -> Result:
        text = statement.format(**self._names).replace("%s", "?")
        # Every time is stored as UTC ISO-8601 text of one width, so that comparing the text
        # in SQL compares the times.
        values = [
            p.astimezone(UTC).isoformat(timespec="microseconds") if isinstance(p, datetime) else p
            for p in params
        ]
        cursor = self._connection.execute(text, values)
        try:
            return Result(cursor.fetchall(), cursor.rowcount)
        finally:
            cursor.close()

    def close(self) -> None:
        self._connection.close()


class _PostgresTables:
    def __init__(self, env: Mapping[str, str], layout: Layout) -> None:
        self._event = f"{layout.name}.reconnecting"
        self._conninfo = make_conninfo(
            host=env["POSTGRES_HOST"],
            port=env["POSTGRES_PORT"],
            dbname=env["POSTGRES_DBNAME"],
            user=env["POSTGRES_USER"],
            password=env["POSTGRES_PASSWORD"],
            connect_timeout=env.get("POSTGRES_CONNECT_TIMEOUT", "5"),
        )
        # Next to the ledger's tables: eventsourcing puts them in "public" unless told. An
        # index lives in its table's schema, so only tables are qualified.
        schema = env.get("POSTGRES_SCHEMA", "").strip() or "public"
        self._names: dict[str, sql.Composable] = {
            **{key: sql.Identifier(schema, name) for key, name in layout.tables.items()},
            **{key: sql.Identifier(name) for key, name in layout.indexes.items()},
            "time": sql.SQL("TIMESTAMPTZ"),
        }
        self._connection = self._connect()
        try:
            self._create(layout.create)
        except BaseException:
            self._connection.close()
            raise

    def _connect(self) -> psycopg.Connection[TupleRow]:
        return psycopg.connect(self._conninfo, autocommit=True)

    def _create(self, statements: Sequence[LiteralString]) -> None:
        def create() -> None:
            with self._connection.transaction():
                for statement in statements:
                    self._connection.execute(sql.SQL(statement).format(**self._names))

        despite_creation_races(create, CREATION_RACES)

    def execute(self, statement: LiteralString, params: Sequence[object] = ()) -> Result:
        query = sql.SQL(statement).format(**self._names)
        try:
            return self._run(query, params)
        except psycopg.OperationalError as error:
            # A restarted or failed-over server drops the connection kept open between
            # requests; one new connection recovers. Errors on a live connection stand.
            if not self._connection.closed:
                raise
            log.warning(self._event, error=first_line(error))
            self._connection = self._connect()
            return self._run(query, params)

    def _run(self, query: sql.Composed, params: Sequence[object]) -> Result:
        with self._connection.cursor() as cursor:
            cursor.execute(query, params)
            rows = cursor.fetchall() if cursor.description else []
            return Result(rows, cursor.rowcount)

    def close(self) -> None:
        self._connection.close()
