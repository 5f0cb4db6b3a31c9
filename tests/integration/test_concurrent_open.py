"""Processes starting together on a fresh database all open the ledger and the views."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from adapters.storage.database import open_ledger, parse_database_url
from adapters.storage.read_side import open_read_side
from projections.catalogue import READ_MODELS

TRIES = 20
"""Fresh SQLite files per test: two openers at once lose the race in most of them."""


def _open(url: str) -> int | None:
    with open_ledger(parse_database_url(url)) as ledger:
        return ledger.tracked_position("events:0")


def _open_views(url: str) -> dict[str, int]:
    with open_read_side(parse_database_url(url)) as side:
        return {name: model.view.position() for name, model in side.models.items()}


def _at_once(opener: Callable[[str], object], url: str, count: int) -> list[object]:
    # Threads stand in for processes: each opening has its own connections, and SQLite
    # releases the interpreter while it waits for the file's lock.
    start = threading.Barrier(count)

    def opened(_: int) -> object:
        start.wait()
        return opener(url)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(opened, range(count)))


def _migrations(path: Path, table: str) -> list[tuple[int]]:
    with sqlite3.connect(path) as connection:
        return connection.execute(
            f"SELECT notification_id FROM {table} WHERE application_name = '__migration__'"
        ).fetchall()


def test_ledgers_opened_at_once_on_a_fresh_database_all_open(fresh_postgres_url: str) -> None:
    # Each opening creates the missing tables; PostgreSQL fails all but one of the creators.
    with ThreadPoolExecutor(6) as pool:
        opened = list(pool.map(_open, [fresh_postgres_url] * 6))

    assert opened == [None] * 6


def test_ledgers_opened_at_once_on_a_fresh_sqlite_file_all_open(tmp_path: Path) -> None:
    # The loser of the race finds the winner's tracking table when it inserts the table's
    # migration row, which eventsourcing refuses as an IntegrityError.
    for attempt in range(TRIES):
        path = tmp_path / f"{attempt}.sqlite"

        opened = _at_once(_open, f"sqlite:///{path}", 2)

        assert opened == [None, None]
        assert _migrations(path, "tracking") == [(1,)]


def test_views_opened_at_once_on_a_fresh_sqlite_file_all_open(tmp_path: Path) -> None:
    for attempt in range(TRIES):
        path = tmp_path / f"{attempt}.sqlite"
        url = f"sqlite:///{path}"
        open_ledger(parse_database_url(url)).close()  # only the views' tables are missing

        opened = _at_once(_open_views, url, 2)

        assert opened == [dict.fromkeys(READ_MODELS, 0)] * 2
        for name in READ_MODELS:
            assert _migrations(path, f"{name}_tracking") == [(1,)]


def test_views_opened_at_once_on_a_fresh_postgres_database_all_open(
    fresh_postgres_url: str,
) -> None:
    open_ledger(parse_database_url(fresh_postgres_url)).close()

    opened = _at_once(_open_views, fresh_postgres_url, 4)

    assert opened == [dict.fromkeys(READ_MODELS, 0)] * 4
