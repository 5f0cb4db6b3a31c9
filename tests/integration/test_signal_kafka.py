"""The Kafka sink on the suite's broker: every outbox signal on the topic once, keyed by
message id (the tenant for a signal about no message), the body as value, the id in a
header; the cursor moved past what the broker acknowledged, so a second run repeats nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from kafka import KafkaAdminClient, KafkaConsumer
from kafka.admin import NewTopic

from adapters.kafka.publisher import Publisher
from adapters.kafka.settings import KafkaSettings
from adapters.signals.cursors import kafka_cursor
from adapters.signals.kafka_sink import SIGNAL_ID_HEADER, KafkaSignalSink
from adapters.signals.stores import SignalStores
from adapters.storage.database import parse_database_url
from projections.signal_outbox import SignalKind
from tests.unit.signals.outbox_rows import OutboxWriter

TIMEOUT_MS = 30_000


@pytest.fixture
def topic(kafka_bootstrap: str) -> str:
    name = f"mailledger-signals-{uuid.uuid4().hex}"
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap, request_timeout_ms=TIMEOUT_MS)
    try:
        admin.create_topics([NewTopic(name=name, num_partitions=3, replication_factor=1)])
    finally:
        admin.close()
    return name


@pytest.fixture
def publisher(kafka_bootstrap: str) -> Iterator[Publisher]:
    with Publisher(KafkaSettings(bootstrap_servers=kafka_bootstrap)) as opened:
        yield opened


def read_all(kafka_bootstrap: str, topic: str, count: int) -> list[Any]:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=kafka_bootstrap,
        group_id=f"{topic}-reader",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=5_000,
    )
    records: list[Any] = []
    try:
        for record in consumer:
            records.append(record)
    finally:
        consumer.close()
    assert len(records) >= count
    return records


def test_every_signal_is_published_once_keyed_by_message(
    tmp_path: Path, kafka_bootstrap: str, topic: str, publisher: Publisher
) -> None:
    database = parse_database_url(f"sqlite:///{tmp_path / 'kafka.sqlite'}")
    message = uuid.uuid4()
    with SignalStores(database) as stores:
        outbox = OutboxWriter(database)
        try:
            ids = [
                outbox.add(SignalKind.MESSAGE_ALERT, message_id=message),
                outbox.add(SignalKind.MESSAGE_ERROR, message_id=message),
                outbox.add(SignalKind.ADDRESS_SUPPRESSED, tenant="globex"),
                outbox.add(SignalKind.RECIPIENT_FAILED_AFTER_DELIVERY),
            ]
            sink = KafkaSignalSink(stores, publisher, topic, batch=3)
            assert sink.run_once() == 4
            assert stores.cursors.get(kafka_cursor(topic)) == 4
            assert sink.run_once() == 0
            ids.append(outbox.add(SignalKind.MESSAGE_ERROR, message_id=message))
            assert sink.run_once() == 1
        finally:
            outbox.close()

    records = read_all(kafka_bootstrap, topic, 5)
    by_id = {dict(r.headers)[SIGNAL_ID_HEADER].decode(): r for r in records}
    assert sorted(by_id) == sorted(ids) and len(records) == 5
    for signal_id, record in by_id.items():
        body = orjson.loads(record.value)
        assert body["id"] == signal_id
        expected_key = body["message"]["id"] if "message" in body else body["tenant"]
        assert record.key == expected_key.encode()
    assert by_id[ids[2]].key == b"globex"
    # One message's signals share a partition, in the order they were decided.
    same = [by_id[i] for i in (ids[0], ids[1], ids[4])]
    assert len({r.partition for r in same}) == 1
    assert [r.offset for r in same] == sorted(r.offset for r in same)
