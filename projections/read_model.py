"""What every projection of the ledger shares: its view, its tables, applying a batch at once."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from domain.message import Message
from projections.view import Tx, ViewRecorder

IDS_PER_QUERY = 500
"""Ids bound into one statement: well under SQLite's limit on bound parameters."""


class ReadModel(Projection[ViewRecorder]):
    """A projection whose view is a set of tables written with the position they reflect."""

    tables: ClassVar[tuple[str, ...]] = ()
    """Every table of the view, dropped on rebuild."""

    follows: ClassVar[tuple[type, ...]] = (Message.Event,)
    """The events ``apply`` is given; the log holds other aggregates' too (addresses')."""

    @abstractmethod
    def schema(self) -> list[str]:
        """The statements that create the view's tables and indexes when missing."""

    @abstractmethod
    def apply(self, tx: Tx, events: Sequence[Any]) -> None:
        """Bring the rows up to date with ``events``, in log order."""

    def create(self, *, indexes: bool = True) -> None:
        """Create the view's tables and tracking table when missing, and their indexes.

        A rebuild creates the indexes after the replay: building an index once over the rows
        is cheaper than updating it with every row written.
        """
        self.view.create(self._statements(indexes))

    def reset(self, *, indexes: bool = True) -> None:
        """Empty the view: its tables dropped and created anew, its position back to 0.

        One transaction, under the lock the view's writers queue on: a writer that was applying
        a batch finishes first, and one that comes after finds the view at 0, never a table
        that is missing.
        """
        self.view.reset(self.tables, self._statements(indexes))

    def _statements(self, indexes: bool) -> list[str]:
        return [s for s in self.schema() if indexes or not s.startswith("CREATE INDEX")]

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        """eventsourcing's entry point: one event at a time (a runner of the library calls it)."""
        self.process_events([domain_event], tracking, expected=self.view.position())

    def process_events(self, events: Sequence[Any], tracking: Tracking, *, expected: int) -> None:
        """Apply a batch and move the position to ``tracking`` in one transaction.

        Raises PositionMovedError, writing nothing, when the view is no longer at ``expected``.
        """
        followed = [event for event in events if isinstance(event, self.follows)]
        with self.view.writing(expected, tracking) as tx:
            if followed:
                self.apply(tx, followed)

    def t(self, name: str) -> str:
        """A table's name as the SQL of this database spells it."""
        return self.view.table(name)

    def select_in(self, tx: Tx, statement: str, ids: Iterable[UUID | str]) -> list[dict[str, Any]]:
        """Rows of ``statement`` (ending in ``IN``'s column, e.g. ``WHERE message_id``) per id."""
        rows: list[dict[str, Any]] = []
        for condition, params in in_conditions(ids, postgres=self.view.postgres):
            rows += tx.fetchall(f"{statement}{condition}", params)
        return rows

    def delete_in(self, tx: Tx, statement: str, ids: Iterable[UUID | str]) -> None:
        """Run ``statement`` (ending in ``IN``'s column, e.g. ``WHERE message_id``) per id."""
        for condition, params in in_conditions(ids, postgres=self.view.postgres):
            tx.execute(f"{statement}{condition}", params)


def in_conditions(ids: Iterable[UUID | str], *, postgres: bool) -> Iterator[tuple[str, list[Any]]]:
    """``IN``'s condition and its parameters for ``ids``, as many times as the ids need."""
    # PostgreSQL takes the ids as one array; SQLite binds them, a few hundred at a time.
    keys = [str(i) for i in ids]
    if not keys:
        return
    if postgres:
        yield " = ANY(%s)", [keys]
        return
    for start in range(0, len(keys), IDS_PER_QUERY):
        chunk = keys[start : start + IDS_PER_QUERY]
        yield f" IN ({','.join('%s' for _ in chunk)})", list(chunk)
