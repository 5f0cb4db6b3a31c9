"""PostgreSQL recorders that read and write a whole batch of messages per round trip.

eventsourcing's own recorders select one aggregate per query and insert through an array of
composite values. A batch of a thousand messages then costs two thousand round trips to load
and a slow composite encoding to save. These subclasses keep the library's tables, locks and
transactions, and add: the latest snapshot of many messages in one query, the events after
given versions of many messages in one query, and inserts by COPY. ``parse_database_url``
names ``BatchPostgresFactory`` as eventsourcing's ``PERSISTENCE_MODULE``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    Notification,
    StoredEvent,
)
from eventsourcing.postgres import (
    PostgresAggregateRecorder,
    PostgresApplicationRecorder,
    PostgresFactory,
    PostgresProcessRecorder,
)
from psycopg import sql
from psycopg.rows import tuple_row

from adapters.storage.reconnecting import retry_dropped_connections


def _events_table(recorder: PostgresAggregateRecorder) -> sql.Composed:
    return sql.SQL("{schema}.{table}").format(
        schema=sql.Identifier(recorder.datastore.schema),
        table=sql.Identifier(recorder.events_table_name),
    )


class BatchReads(PostgresAggregateRecorder):
    """Reads of many aggregates in one query each."""

    @retry_dropped_connections
    def select_latest(self, originator_ids: Sequence[UUID]) -> list[StoredEvent]:
        """The stored record with the highest version of each id that has one."""
        # LATERAL makes one index probe per id, whatever the planner guesses of unnest's size.
        statement = sql.SQL(
            "SELECT e.originator_id, e.originator_version, e.topic, e.state "
            "FROM unnest(%s::uuid[]) AS p(id) CROSS JOIN LATERAL ("
            " SELECT * FROM {table} WHERE originator_id = p.id"
            " ORDER BY originator_version DESC LIMIT 1) AS e"
        ).format(table=_events_table(self))
        return self._select(statement, [list(originator_ids)])

    @retry_dropped_connections
    def select_after(self, positions: Sequence[tuple[UUID, int]]) -> list[StoredEvent]:
        """The records of each id above its given version, by id then version."""
        statement = sql.SQL(
            "SELECT e.originator_id, e.originator_version, e.topic, e.state "
            "FROM unnest(%s::uuid[], %s::bigint[]) AS p(id, after) CROSS JOIN LATERAL ("
            " SELECT * FROM {table}"
            " WHERE originator_id = p.id AND originator_version > p.after"
            " ORDER BY originator_version) AS e "
            "ORDER BY e.originator_id, e.originator_version"
        ).format(table=_events_table(self))
        return self._select(statement, [[p[0] for p in positions], [p[1] for p in positions]])

    def _select(self, statement: sql.Composed, params: list[Any]) -> list[StoredEvent]:
        # Binary results: in text format PostgreSQL ships bytea as hex, twice the bytes to parse.
        with (
            self.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor(binary=True) as curs,
        ):
            # The planner cannot size unnest(), overestimates, and JIT-compiles a query that
            # runs in a few milliseconds: compiling took longer than running.
            curs.execute("SET LOCAL jit = off")
            curs.execute(statement, params, prepare=True)
            return [
                StoredEvent(
                    originator_id=row["originator_id"],
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
                )
                for row in curs.fetchall()
            ]


class BinaryNotifications(PostgresApplicationRecorder):
    """Pages of the log read in PostgreSQL's binary format: what read models replay."""

    @retry_dropped_connections
    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        """The library's page of notifications, read as tuples in binary.

        Rebuilding a read model reads the whole log: the library's text format ships every
        state as hex, twice its bytes, and a dict per row; that was a fifth of a rebuild.
        """
        if topics:
            selected: Sequence[Notification] = super().select_notifications(
                start, limit, stop, topics, inclusive_of_start=inclusive_of_start
            )
            return selected
        low = (start if inclusive_of_start else start + 1) if start is not None else 0
        high = stop if stop is not None else 2**63 - 1
        statement = sql.SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state "
            "FROM {table} WHERE notification_id >= %s AND notification_id <= %s "
            "ORDER BY notification_id LIMIT %s"
        ).format(table=_events_table(self))
        with (
            self.datastore.get_connection() as conn,
            conn.cursor(binary=True, row_factory=tuple_row) as curs,
        ):
            curs.execute(statement, [low, high, limit], prepare=True)
            page: list[Notification] = [
                Notification(
                    id=notification_id,
                    originator_id=originator_id,
                    originator_version=version,
                    topic=topic,
                    state=state,
                )
                for notification_id, originator_id, version, topic, state in curs.fetchall()
            ]
            return page


class CopyInserts(PostgresApplicationRecorder):
    """Inserts a batch of events with COPY, under the library's table lock and transaction."""

    @retry_dropped_connections
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        table = _events_table(self)
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            # Tracking records of the process recorder, in the same transaction.
            self._insert_events(curs, stored_events, **kwargs)
            if not stored_events:
                return None
            self._lock_table(curs)
            self._notify_channel(curs)
            copy_statement = sql.SQL(
                "COPY {table} (originator_id, originator_version, topic, state) "
                "FROM STDIN (FORMAT BINARY)"
            ).format(table=table)
            with curs.copy(copy_statement) as copy:
                copy.set_types(["uuid", "int8", "text", "bytea"])
                for event in stored_events:
                    copy.write_row(
                        (event.originator_id, event.originator_version, event.topic, event.state)
                    )
        # No notification ids come back, so eventsourcing builds no Recording objects (a
        # fifth of the save's time): nothing here uses them, and readers follow the log.
        return None


class BatchPostgresAggregateRecorder(BatchReads):
    """Snapshots: batch reads."""


class BatchPostgresApplicationRecorder(BatchReads, BinaryNotifications, CopyInserts):
    """Events: batch reads and COPY inserts."""


class BatchPostgresProcessRecorder(
    BatchReads, BinaryNotifications, CopyInserts, PostgresProcessRecorder
):
    """Events with tracking records: batch reads and COPY inserts."""


class BatchPostgresFactory(PostgresFactory):
    """eventsourcing's PostgreSQL infrastructure with the batch recorders."""

    aggregate_recorder_class = BatchPostgresAggregateRecorder
    application_recorder_class = BatchPostgresApplicationRecorder
    process_recorder_class = BatchPostgresProcessRecorder
