"""The signal senders' tables of one database, on one plain connection: subscriptions,
cursors, the delivery log, and the outbox they read."""

from __future__ import annotations

from types import TracebackType

from adapters.signals.cursors import Cursors
from adapters.signals.delivery_log import DeliveryLog
from adapters.signals.outbox import Outbox
from adapters.signals.subscriptions import SubscriptionStore
from adapters.storage.database import Database
from adapters.storage.plain_connection import PlainConnection
from projections.signal_outbox import OUTBOX_TABLE


class SignalStores:
    """Opened together, closed together; safe to share between threads."""

    def __init__(self, database: Database, outbox_table: str = OUTBOX_TABLE) -> None:
        self._connection = PlainConnection(database)
        try:
            self.subscriptions = SubscriptionStore(self._connection)
            self.cursors = Cursors(self._connection)
            self.log = DeliveryLog(self._connection)
            self.outbox = Outbox(self._connection, outbox_table)
        except BaseException:
            self._connection.close()
            raise

    def close(self) -> None:
        """Close the connection."""
        self._connection.close()

    def __enter__(self) -> SignalStores:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
