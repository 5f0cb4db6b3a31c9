"""SQLite tables created under the file's write lock, so processes opening a new file at once
each find either no tables or all of them, never half.

eventsourcing 9.5 creates a recorder's tables in a deferred transaction (``BEGIN``), and a
tracking recorder first reads whether its table and its ``__migration__`` row exist in a
transaction of its own, before that one. Two processes opening a new file both read "no
table"; the second then waits for the first's lock, finds the table created and the row
inserted, and fails on inserting the row again ("Failed to record tracking for __migration__
1"). A deferred transaction that read before it writes is also refused at once, without
waiting, when another process wrote since its read ("database is locked"). Taking the write
lock at ``BEGIN IMMEDIATE`` and reading the migration state inside that same transaction
serialises the openers: each waits (up to the busy timeout) for the one before, then sees
what it committed and creates nothing.

Before any of that, a new file is switched to WAL, which the library does on each new
connection until the file says WAL. SQLite refuses that switch at once ("database is locked")
rather than wait for another connection's lock, since waiting could deadlock, so the switch
is made here first, tried again until it holds or the lock timeout has passed.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

from eventsourcing.persistence import OperationalError
from eventsourcing.sqlite import (
    SQLiteCursor,
    SQLiteDatastore,
    SQLiteRecorder,
    SQLiteTrackingRecorder,
    SQLiteTransaction,
)

SWITCH_PAUSE_SECONDS = 0.02
"""Longest pause between two tries at switching a new file to WAL; each try takes a moment."""


def switch_to_wal(db_name: str, timeout_seconds: float) -> None:
    """Put the file in WAL mode, waiting up to the lock timeout for other openers to let go.

    A file already in WAL mode stays as it is: reading its mode takes no lock.
    """
    deadline = time.monotonic() + timeout_seconds
    connection = sqlite3.connect(db_name, uri=True, timeout=timeout_seconds)
    try:
        while True:
            try:
                (mode,) = connection.execute("PRAGMA journal_mode").fetchone()
                if str(mode).lower() == "wal":
                    return
                (mode,) = connection.execute("PRAGMA journal_mode=WAL").fetchone()
                if str(mode).lower() == "wal":
                    return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() >= deadline:
                    raise
            if time.monotonic() >= deadline:
                raise sqlite3.OperationalError(
                    f"could not switch {db_name} to WAL within {timeout_seconds:.0f}s"
                )
            # Jittered, so that openers that collided do not collide again in step.
            time.sleep(random.uniform(0, SWITCH_PAUSE_SECONDS))
    finally:
        connection.close()


class _WriteLockedTransaction(SQLiteTransaction):
    """The library's transaction (commit, rollback, errors translated), begun IMMEDIATE."""

    def __enter__(self) -> SQLiteCursor:
        cursor = self.connection.cursor()
        cursor.execute("BEGIN IMMEDIATE")
        return cursor


@contextmanager
def write_locked(datastore: SQLiteDatastore) -> Iterator[SQLiteCursor]:
    """A transaction that holds the file's write lock from its first statement to its commit."""
    with (
        datastore.get_connection(commit=True) as connection,
        _WriteLockedTransaction(connection, commit=True) as cursor,
        cursor,
    ):
        yield cursor


class TablesCreatedUnderWriteLock(SQLiteRecorder):
    """A recorder whose ``create_table()`` runs its statements under the write lock."""

    def create_table(self) -> None:
        with write_locked(self.datastore) as cursor:
            self._create_table(cursor)


class TrackingCreatedUnderWriteLock(SQLiteTrackingRecorder):
    """A tracking recorder that reads its migration state in the transaction that acts on it."""

    def create_table(self) -> None:
        with write_locked(self.datastore) as cursor:
            try:
                migrated = self._max_tracking_id(self.table_migration_identifier, cursor)
            except sqlite3.OperationalError:
                # "no such table": the file is new, or only other recorders' tables are in it.
                self.tracking_table_exists = False
                migrated = None
            else:
                self.tracking_table_exists = True
            self.tracking_migration_previous = self.tracking_migration_current = migrated
            self._create_table(cursor)
        if not self.datastore.single_row_tracking and self.tracking_migration_current is not None:
            # The library's own check, after its create_table(), kept as it words it.
            msg = "Can't do multi-row tracking with single-row tracking table"
            raise OperationalError(msg)
