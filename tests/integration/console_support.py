"""What the console's account and session tests share: cheap hashes, rows read past the stores."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from typing import Literal, LiteralString

import psycopg
from argon2 import PasswordHasher

from adapters.storage.database import parse_database_url

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
OTHER_PASSWORD = "another long passphrase"


class CountingHasher(PasswordHasher):
    """argon2id at the lowest cost (the tests sign in often), counting its verifications."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.verifications = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        self.verifications += 1
        return super().verify(hash, password)


def stored_rows(url: str, query: LiteralString) -> list[tuple[object, ...]]:
    """The rows of a query run past the stores, on either database."""
    database = parse_database_url(url)
    if database.is_postgres:
        with psycopg.connect(url) as connection:
            return connection.execute(query).fetchall()
    with closing(sqlite3.connect(database.env["SQLITE_DBNAME"])) as connection:
        return connection.execute(query).fetchall()


def run_past_the_stores(url: str, statement: LiteralString) -> None:
    """One statement committed past the stores, as another process would."""
    database = parse_database_url(url)
    if database.is_postgres:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(statement)
        return
    with closing(sqlite3.connect(database.env["SQLITE_DBNAME"])) as connection:
        connection.execute(statement)
        connection.commit()
