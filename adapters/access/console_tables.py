"""The tables of the console's people and sessions, on PostgreSQL or SQLite.

Users and sessions are two stores, but a password change or a disabled account must end the
account's sessions, and a session is only as good as its account: both stores open the same
tables (created when missing) and run their statements through one connection of this kind.
"""

from __future__ import annotations

import builtins
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, LiteralString, Protocol

import psycopg
import structlog
from psycopg import sql
from psycopg.conninfo import make_conninfo
from psycopg.rows import TupleRow

from adapters.errors import first_line
from adapters.storage.database import Database, despite_creation_races

log = structlog.get_logger()

USERS = "console_users"
SESSIONS = "console_sessions"
UNKNOWN_SIGN_INS = "console_unknown_sign_ins"
"""Failed sign-ins for e-mails that have no account, counted like an account's (see users.py)."""

_NAMES = {
    "users": USERS,
    "sessions": SESSIONS,
    "unknown": UNKNOWN_SIGN_INS,
    "sessions_user_idx": "console_sessions_user_idx",
    "unknown_age_idx": "console_unknown_sign_ins_age_idx",
}

_CREATE: tuple[LiteralString, ...] = (
    "CREATE TABLE IF NOT EXISTS {users} ("
    " user_id TEXT PRIMARY KEY,"
    " tenant TEXT NOT NULL,"
    " email TEXT NOT NULL,"
    " role TEXT NOT NULL,"
    " name TEXT,"
    " password_hash TEXT NOT NULL,"
    " created_at {time} NOT NULL,"
    " disabled_at {time},"
    " failed_sign_ins INTEGER NOT NULL DEFAULT 0,"
    " last_failed_at {time},"
    " locked_until {time},"
    " last_sign_in_at {time},"
    " language TEXT,"
    " UNIQUE (tenant, email))",
    # The token itself is never stored: a copy of the table opens no session.
    "CREATE TABLE IF NOT EXISTS {sessions} ("
    " token_sha256 TEXT PRIMARY KEY,"
    " tenant TEXT NOT NULL,"
    " user_id TEXT NOT NULL,"
    " role TEXT NOT NULL,"
    " csrf_token TEXT NOT NULL,"
    " created_at {time} NOT NULL,"
    " last_seen_at {time} NOT NULL)",
    "CREATE INDEX IF NOT EXISTS {sessions_user_idx} ON {sessions} (tenant, user_id)",
    "CREATE TABLE IF NOT EXISTS {unknown} ("
    " tenant TEXT NOT NULL,"
    " email_sha256 TEXT NOT NULL,"
    " failed_sign_ins INTEGER NOT NULL DEFAULT 0,"
    " last_failed_at {time},"
    " locked_until {time},"
    " PRIMARY KEY (tenant, email_sha256))",
    "CREATE INDEX IF NOT EXISTS {unknown_age_idx} ON {unknown} (last_failed_at)",
)

CLOSE_SESSIONS_OF_USER: LiteralString = "DELETE FROM {sessions} WHERE tenant = %s AND user_id = %s"
"""Ends every session of one account: run on a disable, a password change, a new role."""


def moment(value: object) -> datetime | None:
    """A stored time (timestamptz on PostgreSQL, ISO-8601 text on SQLite) as aware UTC."""
    if value is None:
        return None
    found = datetime.fromisoformat(value) if isinstance(value, str) else value
    if not isinstance(found, datetime):
        raise TypeError(f"stored time {value!r} is not a time")
    return found.astimezone(UTC)


def utc(now: datetime) -> datetime:
    """``now`` in UTC; a naive time is refused, since it could be any zone's."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"time {now.isoformat()} has no time zone")
    return now.astimezone(UTC)


@dataclass(frozen=True)
class Result:
    """The rows a statement returned and how many rows it changed."""

    rows: builtins.list[tuple[Any, ...]]
    rowcount: int


class ConsoleTables(Protocol):
    """One connection to the console's tables, each statement committed on its own."""

    def execute(self, statement: LiteralString, params: Sequence[object] = ()) -> Result:
        """Run one statement; table names in braces and ``%s`` parameters are filled in."""
        ...

    def close(self) -> None:
        """Close the connection."""
        ...


def open_console_tables(database: Database) -> ConsoleTables:
    """A connection to the console's tables in that database, created when missing."""
    if database.is_postgres:
        return _PostgresTables(database.env)
    return _SqliteTables(database.env["SQLITE_DBNAME"])


class _SqliteTables:
    def __init__(self, path: str) -> None:
        # isolation_level=None commits each statement on its own, as on PostgreSQL; the
        # timeout lets a writer in another process finish instead of failing at once.
        self._connection = sqlite3.connect(
            path, check_same_thread=False, isolation_level=None, timeout=30
        )
        try:
            for statement in _CREATE:
                self.execute(statement)
        except BaseException:
            self._connection.close()
            raise

    def execute(self, statement: LiteralString, params: Sequence[object] = ()) -> Result:
        text = statement.format(time="TEXT", **_NAMES).replace("%s", "?")
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
    def __init__(self, env: Mapping[str, str]) -> None:
        self._conninfo = make_conninfo(
            host=env["POSTGRES_HOST"],
            port=env["POSTGRES_PORT"],
            dbname=env["POSTGRES_DBNAME"],
            user=env["POSTGRES_USER"],
            password=env["POSTGRES_PASSWORD"],
            connect_timeout=env.get("POSTGRES_CONNECT_TIMEOUT", "5"),
        )
        # Next to the ledger's tables: eventsourcing puts them in "public" unless told.
        schema = env.get("POSTGRES_SCHEMA", "").strip() or "public"
        self._names: dict[str, sql.Composable] = {
            key: sql.Identifier(schema, name) if not key.endswith("_idx") else sql.Identifier(name)
            for key, name in _NAMES.items()
        }
        self._names["time"] = sql.SQL("TIMESTAMPTZ")
        self._connection = self._connect()
        try:
            self._create_tables()
        except BaseException:
            self._connection.close()
            raise

    def _connect(self) -> psycopg.Connection[TupleRow]:
        return psycopg.connect(self._conninfo, autocommit=True)

    def _create_tables(self) -> None:
        def create() -> None:
            with self._connection.transaction():
                for statement in _CREATE:
                    self._connection.execute(sql.SQL(statement).format(**self._names))

        despite_creation_races(
            create,
            (
                psycopg.errors.UniqueViolation,
                psycopg.errors.DuplicateTable,
                psycopg.errors.DuplicateObject,
                psycopg.InternalError,
            ),
        )

    def execute(self, statement: LiteralString, params: Sequence[object] = ()) -> Result:
        query = sql.SQL(statement).format(**self._names)
        try:
            return self._run(query, params)
        except psycopg.OperationalError as error:
            # A restarted or failed-over server drops the connection kept open between
            # requests; one new connection recovers. Errors on a live connection stand.
            if not self._connection.closed:
                raise
            log.warning("console_tables.reconnecting", error=first_line(error))
            self._connection = self._connect()
            return self._run(query, params)

    def _run(self, query: sql.Composed, params: Sequence[object]) -> Result:
        with self._connection.cursor() as cursor:
            cursor.execute(query, params)
            rows = cursor.fetchall() if cursor.description else []
            return Result(rows, cursor.rowcount)

    def close(self) -> None:
        self._connection.close()
