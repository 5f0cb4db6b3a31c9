"""The Kafka broker the test scripts start takes records and hands them back unchanged."""

from __future__ import annotations

import uuid

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic

TIMEOUT_MS = 30_000


def test_produced_record_is_consumed_with_same_key_and_value(kafka_bootstrap: str) -> None:
    topic = f"mailledger-smoke-{uuid.uuid4().hex}"
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap, request_timeout_ms=TIMEOUT_MS)
    try:
        admin.create_topics([NewTopic(name=topic, num_partitions=1, replication_factor=1)])
    finally:
        admin.close()

    producer = KafkaProducer(
        bootstrap_servers=kafka_bootstrap, acks="all", request_timeout_ms=TIMEOUT_MS
    )
    try:
        sent = producer.send(topic, key=b"msg-1", value=b'{"kind": "delivered"}')
        metadata = sent.get(timeout=TIMEOUT_MS / 1000)
    finally:
        producer.close()
    assert metadata.topic == topic
    assert metadata.offset == 0

    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=kafka_bootstrap,
        group_id=f"{topic}-reader",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=TIMEOUT_MS,
    )
    try:
        received = next(iter(consumer))
    finally:
        consumer.close()

    assert (received.key, received.value) == (b"msg-1", b'{"kind": "delivered"}')
    assert received.offset == 0
