"""SQLite recorders that read a whole batch of messages per query, like the PostgreSQL ones.

The Ledger loads a batch's messages through the same two reads on both databases, so the
embedded default runs the code path the scale-out one does. ``parse_database_url`` names
``BatchSQLiteFactory`` as eventsourcing's ``PERSISTENCE_MODULE``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import (
    SQLITE3_DEFAULT_LOCK_TIMEOUT,
    SQLiteAggregateRecorder,
    SQLiteApplicationRecorder,
    SQLiteFactory,
    SQLiteProcessRecorder,
)

from adapters.storage.sqlite_creation import (
    TablesCreatedUnderWriteLock,
    TrackingCreatedUnderWriteLock,
    switch_to_wal,
)

IDS_PER_QUERY = 500
"""Ids bound into one statement, well under SQLite's limit on bound parameters."""


class BatchReads(SQLiteAggregateRecorder):
    """Reads of many aggregates in one query per few hundred ids."""

    def select_latest(self, originator_ids: Sequence[UUID]) -> list[StoredEvent]:
        """The stored record with the highest version of each id that has one."""
        found: list[StoredEvent] = []
        for start in range(0, len(originator_ids), IDS_PER_QUERY):
            chunk = [i.hex for i in originator_ids[start : start + IDS_PER_QUERY]]
            # SQLite documents that bare columns beside max() come from the row holding the max.
            found += self._select(
                "SELECT originator_id, max(originator_version) AS originator_version, "
                f"topic, state FROM {self.events_table_name} "
                f"WHERE originator_id IN ({_marks(len(chunk))}) GROUP BY originator_id",
                chunk,
            )
        return found

    def select_after(self, positions: Sequence[tuple[UUID, int]]) -> list[StoredEvent]:
        """The records of each id above its given version, by id then version."""
        found: list[StoredEvent] = []
        for start in range(0, len(positions), IDS_PER_QUERY):
            chunk = positions[start : start + IDS_PER_QUERY]
            values = ", ".join(["(?, ?)"] * len(chunk))
            found += self._select(
                f"WITH p(id, after) AS (VALUES {values}) "
                "SELECT e.originator_id, e.originator_version, e.topic, e.state "
                f"FROM p JOIN {self.events_table_name} AS e "
                "ON e.originator_id = p.id AND e.originator_version > p.after "
                "ORDER BY e.originator_id, e.originator_version",
                [value for i, after in chunk for value in (i.hex, after)],
            )
        return found

    def _select(self, statement: str, params: list[Any]) -> list[StoredEvent]:
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(statement, params)
            return [
                StoredEvent(
                    originator_id=self.convert_originator_id(row["originator_id"]),
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=row["state"],
                )
                for row in cursor.fetchall()
            ]


def _marks(count: int) -> str:
    return ", ".join(["?"] * count)


class BatchSQLiteAggregateRecorder(TablesCreatedUnderWriteLock, BatchReads):
    """Snapshots: batch reads."""


class BatchSQLiteApplicationRecorder(
    TablesCreatedUnderWriteLock, BatchReads, SQLiteApplicationRecorder
):
    """Events: batch reads."""


class BatchSQLiteProcessRecorder(TrackingCreatedUnderWriteLock, BatchReads, SQLiteProcessRecorder):
    """Events with tracking records: batch reads."""


class BatchSQLiteFactory(SQLiteFactory):
    """eventsourcing's SQLite infrastructure with the batch recorders."""

    aggregate_recorder_class = BatchSQLiteAggregateRecorder
    application_recorder_class = BatchSQLiteApplicationRecorder
    process_recorder_class = BatchSQLiteProcessRecorder

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        pool = self.datastore.pool
        if not pool.is_sqlite_memory_mode:
            # Before the library's connections, which would each try the switch themselves.
            switch_to_wal(pool.db_name, pool.lock_timeout or SQLITE3_DEFAULT_LOCK_TIMEOUT)
