"""A projection's view: its tables and its position in the event log, in one database.

Each view is one of eventsourcing's tracking recorders, so the rows of a batch and the position
they bring the view to are written in one transaction: a view is never ahead of or behind the
rows it holds. Every view keeps its position in a tracking table of its own, so one can be
dropped and rebuilt while the others stay.

The SQL of the projections is written once, with ``%s`` placeholders, in the subset both
databases speak. The views of each database live with the storage adapters
(``adapters/storage/postgres_view.py``, ``adapters/storage/sqlite_view.py``); this module
holds what the projections see of them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from eventsourcing.persistence import Tracking, TrackingRecorder


class Tx(Protocol):
    """A transaction's statements, the same on both databases."""

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None: ...

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None: ...

    def fetchall(self, statement: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]: ...

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Insert rows that are new."""

    def upsert(
        self,
        table: str,
        columns: Sequence[str],
        key: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        sums: bool = False,
    ) -> None:
        """Insert rows, or update the row with the same key: with the new values, or when
        ``sums``, with the new values added to the old ones."""


class PositionMovedError(RuntimeError):
    """Another process applied events to this view since its position was read."""


class View(Protocol):
    """What a projection and its runner use of a view, on either database."""

    name: str
    postgres: bool

    def table(self, name: str) -> str: ...

    def create(self, statements: Sequence[str]) -> None: ...

    def position(self) -> int: ...

    @contextmanager
    def writing(self, expected: int, tracking: Tracking) -> Iterator[Tx]: ...

    @contextmanager
    def reading(self) -> Iterator[Tx]: ...

    def reset(self, tables: Sequence[str], statements: Sequence[str]) -> None:
        """Drop ``tables`` and the position, then run ``statements``, in one locked transaction."""

    def close(self) -> None: ...


class ViewRecorder(TrackingRecorder, View):
    """A View that is one of eventsourcing's tracking recorders, as a Projection's view is."""


def upsert_assignments(table: str, columns: Sequence[str], key: Sequence[str], sums: bool) -> str:
    """The ``SET`` of ``Tx.upsert``'s ``ON CONFLICT … DO UPDATE``, the same on both databases."""
    return ", ".join(
        f"{c} = {table}.{c} + excluded.{c}" if sums else f"{c} = excluded.{c}"
        for c in columns
        if c not in key
    )
