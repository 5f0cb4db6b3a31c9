"""A projection's view in the SQLite file: the projections' ``%s`` placeholders become ``?``."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.sqlite import SQLiteCursor, SQLiteDatastore

from adapters.storage.sqlite_creation import TrackingCreatedUnderWriteLock
from projections.view import PositionMovedError, Tx, ViewRecorder, upsert_assignments


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
            f"{upsert_assignments(table, columns, key, sums)}",
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


class SQLiteView(TrackingCreatedUnderWriteLock, ViewRecorder):
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

    def _lock(self, cursor: SQLiteCursor) -> None:
        # A transaction's first statement that writes waits for SQLite's write lock and keeps
        # it to the commit; one that only reads first would be refused if another wrote since.
        cursor.execute(
            f"UPDATE {self.tracking_table_name} SET notification_id = notification_id "
            "WHERE application_name = ?",
            [self.upstream],
        )

    def position(self) -> int:
        return self.max_tracking_id(self.upstream) or 0

    @contextmanager
    def writing(self, expected: int, tracking: Tracking) -> Iterator[Tx]:
        with self.datastore.transaction(commit=True) as cursor:
            # The write lock first, so no other process moves the position between this read
            # of it and the commit.
            self._lock(cursor)
            if (self._max_tracking_id(self.upstream, cursor) or 0) != expected:
                raise PositionMovedError(self.name)
            yield _SQLiteTx(cursor)
            self._insert_tracking(cursor, tracking)

    @contextmanager
    def reading(self) -> Iterator[Tx]:
        with self.datastore.transaction(commit=False) as cursor:
            yield _SQLiteTx(cursor)

    def reset(self, tables: Sequence[str], statements: Sequence[str]) -> None:
        # One transaction under the write lock: another writer of the view finds the new,
        # empty tables and the position gone, never a missing table.
        with self.datastore.transaction(commit=True) as cursor:
            self._lock(cursor)
            for name in tables:
                cursor.execute(f"DROP TABLE IF EXISTS {name}")
            cursor.execute(
                f"DELETE FROM {self.tracking_table_name} WHERE application_name = ?",
                [self.upstream],
            )
            for statement in statements:
                cursor.execute(statement)

    def close(self) -> None:
        self.datastore.close()
