"""The ceiling: the same number of event-shaped rows written raw, with no domain in between.

The rows are the ledger's own stored events read back (real ids, versions, topics and encoded
state), written into a scratch table shaped and indexed like the event table: a normal, logged
table with the same primary key, so it is as durable as the events it stands in for.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from uuid import UUID

from psycopg import sql

from adapters.storage.database import Database
from bench.scratch import connect
from domain.ledger import Ledger

EventRow = tuple[UUID, int, str, bytes]
"""originator_id, originator_version, topic, state: the columns of a stored event."""

CEILING_TABLE = "bench_ceiling_events"


def stored_rows(ledger: Ledger, count: int, *, skip_topics: Sequence[str]) -> list[EventRow]:
    """The first ``count`` recorded events whose topic is not skipped, as raw rows."""
    rows: list[EventRow] = []
    start = 1
    while len(rows) < count:
        notifications = ledger.recorder.select_notifications(start=start, limit=10_000)
        if not notifications:
            break
        rows.extend(
            (_as_uuid(n.originator_id), n.originator_version, n.topic, n.state)
            for n in notifications
            if n.topic not in skip_topics
        )
        start = notifications[-1].id + 1
    return rows[:count]


def postgres_copy_seconds(database: Database, rows: Sequence[EventRow]) -> float:
    """Seconds to COPY the rows (binary) into a logged copy of the event table, and commit."""
    table = sql.Identifier(CEILING_TABLE)
    with connect(database) as conn:
        conn.execute(
            sql.SQL(
                "CREATE TABLE {} (originator_id uuid NOT NULL, originator_version bigint NOT NULL,"
                " topic text, state bytea, notification_id bigserial,"
                " PRIMARY KEY (originator_id, originator_version))"
            ).format(table)
        )
        conn.execute(sql.SQL("CREATE UNIQUE INDEX ON {} (notification_id ASC)").format(table))
        started = time.perf_counter()
        with (
            conn.transaction(),
            conn.cursor() as cursor,
            cursor.copy(
                sql.SQL(
                    "COPY {} (originator_id, originator_version, topic, state)"
                    " FROM STDIN (FORMAT BINARY)"
                ).format(table)
            ) as copy,
        ):
            copy.set_types(["uuid", "int8", "text", "bytea"])
            for row in rows:
                copy.write_row(row)
        return time.perf_counter() - started


def sqlite_insert_seconds(database: Database, rows: Sequence[EventRow]) -> float:
    """Seconds to INSERT the rows with one executemany in one transaction, and commit."""
    conn = sqlite3.connect(database.env["SQLITE_DBNAME"], isolation_level=None)
    try:
        conn.execute(
            f"CREATE TABLE {CEILING_TABLE} (originator_id TEXT, originator_version INTEGER,"
            " topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))"
        )
        started = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany(
            f"INSERT INTO {CEILING_TABLE} VALUES (?, ?, ?, ?)",
            ((r[0].hex, r[1], r[2], r[3]) for r in rows),
        )
        conn.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        conn.close()


def _as_uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(value)
