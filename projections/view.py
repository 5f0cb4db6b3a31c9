"""A projection's view: its tables and its position in the event log, in one database.

Each view is one of eventsourcing's tracking recorders, so the rows of a batch and the position
they bring the view to are written in one transaction: a view is never ahead of or behind the
rows it holds. Every view keeps its position in a tracking table of its own, so one can be
dropped and rebuilt while the others stay.

The SQL of the projections is written once, with ``%s`` placeholders, in the subset both
databases speak; the SQLite view turns the placeholders into ``?``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder
from psycopg import sql


class Tx(Protocol):
    """A transaction's statements, the same on both databases."""

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None: ...

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None: ...

    def fetchall(self, statement: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]: ...

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Insert rows that are new."""

    def upsert(
        self,
        table: str,
        columns: Sequence[str],
        key: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        sums: bool = False,
    ) -> None:
        """Insert rows, or update the row with the same key: with the new values, or when
        ``sums``, with the new values added to the old ones."""


class PositionMovedError(RuntimeError):
    """Another process applied events to this view since its position was read."""


class View(Protocol):
    """What a projection and its runner use of a view, on either database."""

    name: str
    postgres: bool

    def table(self, name: str) -> str: ...

    def create(self, statements: Sequence[str]) -> None: ...

    def position(self) -> int: ...

    @contextmanager
    def writing(self, expected: int, tracking: Tracking) -> Iterator[Tx]: ...

    @contextmanager
    def reading(self) -> Iterator[Tx]: ...

    def drop(self, tables: Sequence[str]) -> None: ...

    def close(self) -> None: ...


def _set_clause(table: str, columns: Sequence[str], key: Sequence[str], sums: bool) -> str:
    return ", ".join(
        f"{c} = {table}.{c} + excluded.{c}" if sums else f"{c} = excluded.{c}"
        for c in columns
        if c not in key
    )


class _PostgresTx:
    def __init__(self, cursor: Any, schema: str) -> None:
        self._cursor = cursor
        self._schema = schema

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        # COPY: one round trip and no per-row statement for the whole batch.
        with self._cursor.copy(
            f'COPY "{self._schema}"."{table}" ({", ".join(columns)}) FROM STDIN'
        ) as copy:
            for row in rows:
                copy.write_row(row)

    def upsert(
        self,
        table: str,
        columns: Sequence[str],
        key: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        sums: bool = False,
    ) -> None:
        if not rows:
            return
        # COPY into a scratch table, then one INSERT … ON CONFLICT: an upsert per row costs a
        # statement each, which made most of a rebuild's time.
        stage = f"stage_{table}"
        self._cursor.execute(
            f'CREATE TEMP TABLE IF NOT EXISTS "{stage}" '
            f'(LIKE "{self._schema}"."{table}") ON COMMIT DELETE ROWS'
        )
        with self._cursor.copy(f'COPY "{stage}" ({", ".join(columns)}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
        names = ", ".join(columns)
        self._cursor.execute(
            f'INSERT INTO "{self._schema}"."{table}" AS {table} ({names}) '
            f'SELECT {names} FROM "{stage}" ON CONFLICT ({", ".join(key)}) '
            f"DO UPDATE SET {_set_clause(table, columns, key, sums)}"
        )

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        self._cursor.execute(statement, params)

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._cursor.executemany(statement, rows)

    def fetchall(self, statement: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        self._cursor.execute(statement, params)
        return list(self._cursor.fetchall())


class _SQLiteTx:
    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        marks = ", ".join("?" for _ in columns)
        self.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    def upsert(
        self,
        table: str,
        columns: Sequence[str],
        key: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        sums: bool = False,
    ) -> None:
        marks = ", ".join("?" for _ in columns)
        self.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) "
            f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET "
            f"{_set_clause(table, columns, key, sums)}",
            rows,
        )

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        self._cursor.execute(statement.replace("%s", "?"), params)

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._cursor.executemany(statement.replace("%s", "?"), rows)

    def fetchall(self, statement: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        self._cursor.execute(statement.replace("%s", "?"), params)
        return [dict(row) for row in self._cursor.fetchall()]


class PostgresView(PostgresTrackingRecorder):
    """A view in PostgreSQL: tables in the datastore's schema, tracking in ``NAME_tracking``."""

    postgres = True

    def __init__(self, datastore: PostgresDatastore, *, name: str, upstream: str) -> None:
        super().__init__(datastore, tracking_table_name=f"{name}_tracking")
        self.name = name
        self.upstream = upstream
        self._library_statements = list(self.sql_create_statements)

    def table(self, name: str) -> str:
        return f'"{self.datastore.schema}"."{name}"'

    def create(self, statements: Sequence[str]) -> None:
        self.sql_create_statements = [
            *self._library_statements,
            *(sql.Composed([sql.SQL(s)]) for s in statements),
        ]
        self.create_table()

    def position(self) -> int:
        return self.max_tracking_id(self.upstream) or 0

    @contextmanager
    def writing(self, expected: int, tracking: Tracking) -> Iterator[Tx]:
        with self.datastore.transaction(commit=True) as cursor:
            # Writers of one view queue here, so each batch is applied by exactly one of them.
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [self.name])
            if (self._max_tracking_id(self.upstream, cursor) or 0) != expected:
                raise PositionMovedError(self.name)
            yield _PostgresTx(cursor, self.datastore.schema)
            self._insert_tracking(cursor, tracking)

    @contextmanager
    def reading(self) -> Iterator[Tx]:
        with self.datastore.transaction(commit=False) as cursor:
            yield _PostgresTx(cursor, self.datastore.schema)

    def drop(self, tables: Sequence[str]) -> None:
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [self.name])
            for name in tables:
                cursor.execute(sql.SQL(f"DROP TABLE IF EXISTS {self.table(name)}"))
            cursor.execute(
                f"DELETE FROM {self.table(self.tracking_table_name)} WHERE application_name = %s",
                [self.upstream],
            )

    def close(self) -> None:
        self.datastore.close()


class SQLiteView(SQLiteTrackingRecorder):
    """A view in the SQLite file: tracking in ``NAME_tracking``, not the shared ``tracking``."""

    postgres = False

    def __init__(self, datastore: SQLiteDatastore, *, name: str, upstream: str) -> None:
        self.name = name
        self.upstream = upstream
        self.tracking_table_name = f"{name}_tracking"
        super().__init__(datastore)
        # The library names SQLite's tracking table "tracking" in its statements; a view that
        # can be dropped alone needs a table of its own.
        self.insert_tracking_statement = self._own(self.insert_tracking_statement)
        self.select_max_tracking_id_statement = self._own(self.select_max_tracking_id_statement)
        self.create_table_statements = [self._own(s) for s in self.create_table_statements]
        self._library_statements = list(self.create_table_statements)

    def _own(self, statement: str) -> str:
        return statement.replace("tracking", self.tracking_table_name)

    def table(self, name: str) -> str:
        return name

    def create(self, statements: Sequence[str]) -> None:
        self.create_table_statements = [*self._library_statements, *statements]
        self.create_table()

    def position(self) -> int:
        return self.max_tracking_id(self.upstream) or 0

    @contextmanager
    def writing(self, expected: int, tracking: Tracking) -> Iterator[Tx]:
        with self.datastore.transaction(commit=True) as cursor:
            # A write first takes SQLite's write lock, so no other process moves the position
            # between this read of it and the commit.
            cursor.execute(
                f"UPDATE {self.tracking_table_name} SET notification_id = notification_id "
                "WHERE application_name = ?",
                [self.upstream],
            )
            if (self._max_tracking_id(self.upstream, cursor) or 0) != expected:
                raise PositionMovedError(self.name)
            yield _SQLiteTx(cursor)
            self._insert_tracking(cursor, tracking)

    @contextmanager
    def reading(self) -> Iterator[Tx]:
        with self.datastore.transaction(commit=False) as cursor:
            yield _SQLiteTx(cursor)

    def drop(self, tables: Sequence[str]) -> None:
        with self.datastore.transaction(commit=True) as cursor:
            for name in tables:
                cursor.execute(f"DROP TABLE IF EXISTS {name}")
            cursor.execute(
                f"DELETE FROM {self.tracking_table_name} WHERE application_name = ?",
                [self.upstream],
            )

    def close(self) -> None:
        self.datastore.close()


ViewRecorder = PostgresView | SQLiteView
"""The concrete views; both satisfy View and are eventsourcing TrackingRecorders."""
