"""Processes starting together on a fresh database all open the ledger."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from adapters.storage.database import open_ledger, parse_database_url


def _open(url: str) -> int | None:
    with open_ledger(parse_database_url(url)) as ledger:
        return ledger.tracked_position("events:0")


def test_ledgers_opened_at_once_on_a_fresh_database_all_open(fresh_postgres_url: str) -> None:
    # Each opening creates the missing tables; PostgreSQL fails all but one of the creators.
    with ThreadPoolExecutor(6) as pool:
        opened = list(pool.map(_open, [fresh_postgres_url] * 6))

    assert opened == [None] * 6
