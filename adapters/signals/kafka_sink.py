"""Every outbox signal on the Kafka topic ``mailledger.signals`` (the name is a setting).

A record's key is the message id as text (the tenant's name for a signal about no message),
so a message's signals stay in order on one partition; its value is the signal's JSON body,
the same bytes a webhook receives; header ``mailledger-signal-id`` carries the signal's id.
The sink's cursor moves only after the broker acknowledged everything it read, so a crash
or an outage repeats records (consumers keep one per id) and never loses one.
"""

from __future__ import annotations

from adapters.kafka.publisher import Publisher
from adapters.kafka.records import Record, key_of
from adapters.signals.cursors import kafka_cursor
from adapters.signals.stores import SignalStores
from projections.signal_outbox import Signal

SIGNAL_ID_HEADER = "mailledger-signal-id"
BATCH = 1000
"""Outbox rows published, and acknowledged, before the cursor moves."""


def signal_record(topic: str, signal: Signal) -> Record:
    """The record of one signal."""
    key = key_of(signal.message_id) or signal.tenant.encode()
    return Record(
        topic,
        key,
        signal.body,
        source=f"outbox#{signal.seq}",
        headers=((SIGNAL_ID_HEADER, str(signal.signal_id).encode("ascii")),),
    )


class KafkaSignalSink:
    """Publishes the outbox of one database to one topic, after a cursor of its own."""

    def __init__(
        self, stores: SignalStores, publisher: Publisher, topic: str, *, batch: int = BATCH
    ) -> None:
        self.stores = stores
        self.topic = topic
        self._publisher = publisher
        self._batch = batch
        self._cursor = kafka_cursor(topic)

    def run_once(self) -> int:
        """Publish what the outbox has after the cursor; how many signals went out.

        Raises PublishError, with the cursor where it was, when the broker does not take them.
        """
        published = 0
        while True:
            start = self.stores.cursors.get(self._cursor) or 0
            signals = self.stores.outbox.after(start, self._batch)
            if not signals:
                return published
            published += self._publisher.publish(signal_record(self.topic, s) for s in signals)
            self.stores.cursors.set(self._cursor, signals[-1].seq)
            if len(signals) < self._batch:
                return published
