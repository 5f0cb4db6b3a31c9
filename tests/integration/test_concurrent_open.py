"""Processes starting together on a fresh database all open the ledger and the views."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path

from eventsourcing.persistence import Tracking

from adapters.storage.database import open_ledger, parse_database_url
from adapters.storage.read_side import open_read_side
from domain.kinds import EventKind
from projections.catalogue import READ_MODELS
from tests.conftest import a_send, an_observation

TRIES = 20
"""Fresh SQLite files per test: two openers at once lose the race in most of them."""

PROCESSES = 10
ROUNDS = 5
"""Ten processes on one new file: before the fix, most rounds failed at least one of them."""


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
    # Read before the lock, the migration state would be stale for the second opener, which
    # would then insert the winner's migration row again (an IntegrityError).
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


def _open_everything_when_all_are_ready(url: str, start: Barrier, results: Queue[str]) -> None:
    """What a starting process opens (the ledger, then the views); "" or what went wrong."""
    results.put(_opened(url, start))


def _opened(url: str, start: Barrier) -> str:
    try:
        start.wait()
        database = parse_database_url(url)
        with open_ledger(database) as ledger, open_read_side(database, ledger) as side:
            assert ledger.tracked_position("events:0") is None
            assert {name: m.view.position() for name, m in side.models.items()} == dict.fromkeys(
                READ_MODELS, 0
            )
        return ""
    except BaseException:
        return traceback.format_exc()


def test_ten_processes_opening_one_new_sqlite_file_at_once_all_open_it(tmp_path: Path) -> None:
    # Real processes, forked so that they start within moments of each other: each has its
    # own connections and its own view of the file, as consumers started together do.
    context = multiprocessing.get_context("fork")
    for round_ in range(ROUNDS):
        path = tmp_path / f"{round_}.sqlite"
        url = f"sqlite:///{path}"
        start, results = context.Barrier(PROCESSES), context.Queue()
        processes = [
            context.Process(target=_open_everything_when_all_are_ready, args=(url, start, results))
            for _ in range(PROCESSES)
        ]
        for process in processes:
            process.start()
        failures = [results.get(timeout=120) for _ in processes]
        for process in processes:
            process.join(timeout=30)

        assert [f for f in failures if f] == [], f"round {round_}"
        assert _migrations(path, "tracking") == [(1,)]
        for name in READ_MODELS:
            assert _migrations(path, f"{name}_tracking") == [(1,)]
        _assert_usable(url)


def _assert_usable(url: str) -> None:
    send = a_send("ana@example.com")
    database = parse_database_url(url)
    with open_ledger(database) as ledger, open_read_side(database, ledger) as side:
        ledger.register([send])
        ledger.record([an_observation(EventKind.DELIVERED, 1)], tracking=Tracking("events:0", 1))
        side.catch_up()
        shown = side.queries.message(send.message_id, send.tenant)
        assert ledger.tracked_position("events:0") == 1
        assert shown is not None
        assert shown["outcome"] == "delivered"
