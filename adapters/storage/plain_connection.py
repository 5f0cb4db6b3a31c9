"""One plain connection to the database, for the small tables beside the event store.

The seen signature tokens and the quarantine are a few rows each, written outside the
ledger's transactions; they need neither eventsourcing's recorders nor a pool. Statements
use ``%s`` placeholders on both databases.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo

from adapters.storage.database import Database, despite_creation_races

CREATION_RACES = (
    psycopg.errors.UniqueViolation,
    psycopg.errors.DuplicateTable,
    psycopg.errors.DuplicateObject,
    psycopg.InternalError,
)
"""What PostgreSQL raises at a CREATE … IF NOT EXISTS that another process ran at once."""


class PlainConnection:
    """An autocommit connection to PostgreSQL or SQLite, safe to share between threads."""

    def __init__(self, database: Database) -> None:
        self.lock = threading.Lock()
        self.is_postgres = database.is_postgres
        env = database.env
        if self.is_postgres:
            schema = env.get("POSTGRES_SCHEMA", "").strip()
            self._connection: Any = psycopg.connect(
                make_conninfo(
                    dbname=env["POSTGRES_DBNAME"],
                    host=env["POSTGRES_HOST"],
                    port=env["POSTGRES_PORT"],
                    user=env["POSTGRES_USER"],
                    password=env["POSTGRES_PASSWORD"],
                    connect_timeout=env.get("POSTGRES_CONNECT_TIMEOUT", "5"),
                    **({"options": f"-c search_path={schema}"} if schema else {}),
                ),
                autocommit=True,
            )
        else:
            self._connection = sqlite3.connect(
                env["SQLITE_DBNAME"], check_same_thread=False, isolation_level=None, timeout=30
            )

    def execute(self, statement: str, params: list[Any] | None = None) -> list[Any]:
        """Run one statement; its rows, if it returns any."""
        text = statement if self.is_postgres else statement.replace("%s", "?")
        cursor = self._connection.execute(text, params or [])
        try:
            return list(cursor.fetchall()) if cursor.description else []
        finally:
            cursor.close()

    def execute_named(
        self, statement: str, params: list[Any] | None = None
    ) -> list[dict[str, Any]]:
        """Run one query; its rows as mappings of column name to value."""
        text = statement if self.is_postgres else statement.replace("%s", "?")
        cursor = self._connection.execute(text, params or [])
        try:
            names = [column[0] for column in cursor.description or ()]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            cursor.close()

    def statements(self) -> PlainStatements:
        """This connection's statements as a view's transaction offers them (each statement
        committed on its own), for code written against one."""
        return PlainStatements(self)

    def create(self, *statements: str) -> None:
        """Create tables and indexes when missing, also while other processes create them."""

        def create() -> None:
            with self.lock:
                for statement in statements:
                    self.execute(statement)

        if self.is_postgres:
            despite_creation_races(create, CREATION_RACES)
        else:
            create()

    def close(self) -> None:
        """Close the connection."""
        self._connection.close()


class PlainStatements:
    """``execute`` and ``fetchall`` as a view's ``Tx`` has them, on a plain connection."""

    def __init__(self, connection: PlainConnection) -> None:
        self._connection = connection

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        self._connection.execute(statement, list(params))

    def fetchall(self, statement: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return self._connection.execute_named(statement, list(params))
