"""How far each sender has read the outbox: one row per sender, the last ``seq`` it handled.

A webhook subscription has a cursor of its own, set to the outbox's end when it is created,
so it receives what is decided from then on rather than the whole past. The Kafka sink has
one too, moved only after the broker acknowledged what it read.
"""

from __future__ import annotations

from adapters.storage.plain_connection import PlainConnection

TABLE = "signal_cursors"
_CREATE = f"CREATE TABLE IF NOT EXISTS {TABLE} (sender TEXT PRIMARY KEY, seq BIGINT NOT NULL)"


def subscription_cursor(subscription_id: str) -> str:
    """The cursor name of a webhook subscription."""
    return f"subscription:{subscription_id}"


def kafka_cursor(topic: str) -> str:
    """The cursor name of the Kafka sink of ``topic``."""
    return f"kafka:{topic}"


class Cursors:
    """The senders' cursors, on a connection shared with the other signal stores."""

    def __init__(self, connection: PlainConnection) -> None:
        self._connection = connection
        connection.create(_CREATE)

    def get(self, sender: str) -> int | None:
        """The last seq ``sender`` handled; None for a sender that never started."""
        with self._connection.lock:
            rows = self._connection.execute(f"SELECT seq FROM {TABLE} WHERE sender = %s", [sender])
        return int(rows[0][0]) if rows else None

    def set(self, sender: str, seq: int) -> None:
        """``sender`` handled everything up to ``seq``."""
        with self._connection.lock:
            self._connection.execute(
                f"INSERT INTO {TABLE} (sender, seq) VALUES (%s, %s) "
                "ON CONFLICT (sender) DO UPDATE SET seq = excluded.seq",
                [sender, seq],
            )

    def remove(self, sender: str) -> None:
        """Forget a sender that is gone."""
        with self._connection.lock:
            self._connection.execute(f"DELETE FROM {TABLE} WHERE sender = %s", [sender])
