"""A projection's view in PostgreSQL: its tables in the datastore's schema, written by COPY."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from psycopg import Cursor, sql
from psycopg.rows import DictRow

from projections.view import PositionMovedError, Tx, ViewRecorder, upsert_assignments


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
            f"DO UPDATE SET {upsert_assignments(table, columns, key, sums)}"
        )

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        self._cursor.execute(statement, params)

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._cursor.executemany(statement, rows)

    def fetchall(self, statement: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        self._cursor.execute(statement, params)
        return list(self._cursor.fetchall())


class PostgresView(PostgresTrackingRecorder, ViewRecorder):
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

    def _create_table(self, curs: Cursor[DictRow]) -> None:
        # The library's step inside create_table()'s transaction: creating a rebuilt view's
        # indexes waits for its writers, as they wait for each other.
        self._lock(curs)
        super()._create_table(curs)

    def _lock(self, cursor: Cursor[DictRow]) -> None:
        # Writers of one view queue here; the lock is held until the transaction ends.
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [self.name])

    def position(self) -> int:
        return self.max_tracking_id(self.upstream) or 0

    @contextmanager
    def writing(self, expected: int, tracking: Tracking) -> Iterator[Tx]:
        with self.datastore.transaction(commit=True) as cursor:
            # Under the view's lock, so each batch is applied by exactly one writer.
            self._lock(cursor)
            if (self._max_tracking_id(self.upstream, cursor) or 0) != expected:
                raise PositionMovedError(self.name)
            yield _PostgresTx(cursor, self.datastore.schema)
            self._insert_tracking(cursor, tracking)

    @contextmanager
    def reading(self) -> Iterator[Tx]:
        with self.datastore.transaction(commit=False) as cursor:
            yield _PostgresTx(cursor, self.datastore.schema)

    def reset(self, tables: Sequence[str], statements: Sequence[str]) -> None:
        # PostgreSQL's DDL is transactional: a writer queued on the lock finds the new, empty
        # tables and the position gone, never a missing table.
        with self.datastore.transaction(commit=True) as cursor:
            self._lock(cursor)
            for name in tables:
                cursor.execute(sql.SQL(f"DROP TABLE IF EXISTS {self.table(name)}"))
            cursor.execute(
                f"DELETE FROM {self.table(self.tracking_table_name)} WHERE application_name = %s",
                [self.upstream],
            )
            for statement in statements:
                cursor.execute(sql.SQL(statement))

    def close(self) -> None:
        self.datastore.close()
