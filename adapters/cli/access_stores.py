"""What ``mailledger keys`` and ``mailledger users`` share: their store, opened for one
command with its errors in one line, and their tables of rows."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Protocol, TypeVar

import click
import psycopg

from adapters.cli.support import database_of, user_errors
from adapters.errors import first_line
from adapters.storage.database import Database


class _Closing(Protocol):
    def close(self) -> None: ...


Store = TypeVar("Store", bound=_Closing)


@contextmanager
def opened_store(
    ctx: click.Context,
    open_store: Callable[[Database], Store],
    input_errors: tuple[type[Exception], ...],
) -> Iterator[Store]:
    """The store on the database the command line names, closed afterwards; its input
    errors, and a database it cannot use, are one line and a non-zero exit."""
    database = database_of(ctx)
    with user_errors(database):
        try:
            store = open_store(database)
            try:
                yield store
            finally:
                store.close()
        except input_errors as error:
            raise click.ClickException(str(error)) from None
        except (psycopg.Error, sqlite3.Error) as error:
            # Beyond an unreachable server (which user_errors words): a schema that does not
            # exist, a role without rights on it, a file that is not a database.
            raise click.ClickException(
                f"cannot use {database.display}: {first_line(error)}"
            ) from None


def utc_time(moment: datetime | None) -> str:
    """A time as the tables show it, to the second in UTC; ``-`` for none."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else "-"


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Rows under a header; the last column is free text and comes unpadded, the others fit
    their longest cell."""
    table = [header, *rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header) - 1)]
    lines = []
    for row in table:
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return "\n".join(lines)
