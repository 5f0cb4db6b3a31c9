"""The signal outbox as the senders read it, over their plain connection.

The outbox's table and queries are the projection's (``projections/signal_outbox.py``);
this module only lends them a connection. The table is created here too when missing (the
same statement), so a sender started before the projection has an empty outbox to read.
"""

from __future__ import annotations

from adapters.storage.plain_connection import PlainConnection
from projections.signal_outbox import OUTBOX_TABLE, Signal, outbox_schema, signals_after


class Outbox:
    """The outbox of one database, read after a cursor."""

    def __init__(self, connection: PlainConnection, table: str = OUTBOX_TABLE) -> None:
        self._connection = connection
        self.table = table
        connection.create(*outbox_schema(table, postgres=connection.is_postgres))

    def after(self, seq: int, limit: int) -> list[Signal]:
        """The signals after ``seq``, oldest first, at most ``limit``."""
        with self._connection.lock:
            return signals_after(self._connection.statements(), self.table, seq, limit)

    def end(self) -> int:
        """The seq of the newest signal; 0 for an empty outbox."""
        with self._connection.lock:
            rows = self._connection.execute(f"SELECT MAX(seq) FROM {self.table}")
        return int(rows[0][0]) if rows and rows[0][0] is not None else 0
