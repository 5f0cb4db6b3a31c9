"""Opens the Ledger on the database a URL names, through eventsourcing's own recorders."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

import eventsourcing.persistence
import psycopg
from eventsourcing.utils import get_topic

from adapters.storage.postgres_batch import BatchPostgresFactory
from adapters.storage.sqlite_batch import BatchSQLiteFactory
from adapters.storage.transcoder import FastJSONTranscoder
from domain.ledger import Ledger

DEFAULT_DATABASE_URL = "sqlite:///mailledger.sqlite"
"""The embedded default: a SQLite file in the current directory."""


DATABASE_ERRORS = (
    eventsourcing.persistence.OperationalError,
    eventsourcing.persistence.InterfaceError,
    psycopg.OperationalError,
    sqlite3.OperationalError,
)
"""What a database that is down, unreachable or restarting raises."""


class DatabaseUrlError(ValueError):
    """The database URL is not one mailledger can open."""


@dataclass(frozen=True)
class Database:
    """A parsed database URL and the eventsourcing environment it stands for."""

    url: str
    env: dict[str, str]

    @property
    def is_postgres(self) -> bool:
        """True for PostgreSQL, False for the embedded SQLite."""
        return "POSTGRES_DBNAME" in self.env

    @property
    def display(self) -> str:
        """The URL without its password, fit for messages and logs."""
        return redact(self.url)


POSTGRES_SCHEMES = ("postgresql", "postgres")


def _split_credentials(url: str) -> tuple[str, str, str | None, str]:
    """``(scheme, user, password, location)`` of ``scheme://[user[:password]@]location``.

    The user information ends at the last ``@``, not at the first ``/``, ``?`` or ``#`` as
    urlsplit reads it: a password written without percent-encoding may hold any of them, and
    must still be the part that is hidden.
    """
    scheme, _, rest = url.partition("://")
    if "@" not in rest:
        return scheme, "", None, rest
    userinfo, _, location = rest.rpartition("@")
    user, colon, password = userinfo.partition(":")
    return scheme, user, password if colon else None, location


def redact(url: str) -> str:
    """The URL with any password replaced by ***, however the password is written."""
    scheme, user, password, location = _split_credentials(url)
    if password is None or "://" not in url:
        return url
    return f"{scheme}://{user}:***@{location}"


def parse_database_url(url: str) -> Database:
    """``sqlite:///relative/path``, ``sqlite:////absolute/path`` or ``postgresql://…``."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if not path:
            raise DatabaseUrlError(f"{url!r} names no file; use sqlite:///path/to/file.sqlite")
        if path != ":memory:" and not Path(path).parent.exists():
            raise DatabaseUrlError(
                f"{url!r}: folder {str(Path(path).parent)!r} does not exist; create it first"
            )
        return Database(
            url,
            {
                "PERSISTENCE_MODULE": get_topic(BatchSQLiteFactory),
                "SQLITE_DBNAME": path,
            },
        )
    if url.partition("://")[0] in POSTGRES_SCHEMES:
        return _postgres(url)
    raise DatabaseUrlError(
        f"{redact(url)!r} is not a database URL; use sqlite:///path or postgresql://user@host/db"
    )


def _postgres(url: str) -> Database:
    scheme, user, password, location = _split_credentials(url)
    parts = urlsplit(f"{scheme}://{location}")
    try:
        port = parts.port or 5432
    except ValueError:
        raise DatabaseUrlError(f"{redact(url)!r}: the port is not a number up to 65535") from None
    if not parts.hostname or not parts.path.strip("/"):
        raise DatabaseUrlError(
            f"{redact(url)!r} needs a host and a database: postgresql://user:pass@host:5432/db"
        )
    env = {
        "PERSISTENCE_MODULE": get_topic(BatchPostgresFactory),
        "POSTGRES_DBNAME": unquote(parts.path.strip("/")),
        "POSTGRES_HOST": parts.hostname,
        "POSTGRES_PORT": str(port),
        "POSTGRES_USER": unquote(user or "postgres"),
        "POSTGRES_PASSWORD": unquote(password or ""),
        "POSTGRES_CONNECT_TIMEOUT": "5",
    }
    query = parse_qs(parts.query)
    if "schema" in query:
        env["POSTGRES_SCHEMA"] = query["schema"][-1]
    return Database(url, env)


CREATE_ATTEMPTS = 5
"""Tries at creating tables on PostgreSQL while another process creates the same tables."""

CREATION_RACES: tuple[type[Exception], ...] = (
    eventsourcing.persistence.InternalError,
    eventsourcing.persistence.IntegrityError,
    eventsourcing.persistence.ProgrammingError,
)
"""What eventsourcing raises when another process won the race to create a table."""

T = TypeVar("T")


def despite_creation_races(
    create: Callable[[], T], races: tuple[type[Exception], ...] = CREATION_RACES
) -> T:
    """``create()`` on PostgreSQL, tried again when another process was creating the same tables.

    Processes that start together on a fresh PostgreSQL database (consumers of one group, a
    consumer and a command, a server) each create the tables if missing; PostgreSQL lets one
    win and fails the others even with IF NOT EXISTS ("tuple concurrently updated", a type or
    relation that "already exists"): its catalogue is not locked by CREATE … IF NOT EXISTS.
    Once the winner commits the tables exist, so trying again succeeds; a few tries are
    enough, since each loser waits only for one winner. SQLite needs no retry: its recorders
    create tables under the file's write lock (``adapters/storage/sqlite_creation.py``).
    """
    for attempt in range(1, CREATE_ATTEMPTS + 1):
        try:
            return create()
        except races:
            if attempt == CREATE_ATTEMPTS:
                raise
            time.sleep(0.1 * attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def open_ledger(database: Database) -> Ledger:
    """The Ledger on that database, its tables created when missing."""

    def opened() -> Ledger:
        return Ledger(env=database.env, transcoder=FastJSONTranscoder())

    return despite_creation_races(opened) if database.is_postgres else opened()
