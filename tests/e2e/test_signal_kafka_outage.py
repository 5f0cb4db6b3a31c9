"""The Kafka sink when its broker dies: nothing acknowledged, so the cursor stays and the
senders' loop carries on. The broker is this test's own, killed with -9."""

from __future__ import annotations

import os
import signal
import uuid
from pathlib import Path

import pytest
from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import KafkaError

from adapters.kafka.publisher import Publisher, PublishError
from adapters.kafka.settings import KafkaSettings
from adapters.signals.cursors import kafka_cursor
from adapters.signals.delivery import Dispatcher
from adapters.signals.kafka_sink import KafkaSignalSink
from adapters.signals.sending import Senders
from adapters.signals.stores import SignalStores
from adapters.signals.urls import UrlPolicy
from adapters.storage.database import parse_database_url
from tests.e2e.own_broker import OwnBroker
from tests.unit.signals.outbox_rows import OutboxWriter


def test_the_cursor_moves_only_past_what_the_broker_acknowledged(
    own_broker: OwnBroker, tmp_path: Path
) -> None:
    topic = f"mailledger-signals-{uuid.uuid4().hex}"
    admin = KafkaAdminClient(bootstrap_servers=own_broker.bootstrap, request_timeout_ms=30_000)
    try:
        admin.create_topics([NewTopic(name=topic, num_partitions=1, replication_factor=1)])
    finally:
        admin.close()
    database = parse_database_url(f"sqlite:///{tmp_path / 'outage.sqlite'}")
    settings = KafkaSettings(bootstrap_servers=own_broker.bootstrap, request_timeout_ms=3_000)
    with SignalStores(database) as stores, Publisher(settings) as publisher:
        outbox = OutboxWriter(database)
        try:
            outbox.add()
            outbox.add()
            sink = KafkaSignalSink(stores, publisher, topic)
            assert sink.run_once() == 2
            assert stores.cursors.get(kafka_cursor(topic)) == 2

            os.kill(own_broker.pid, signal.SIGKILL)
            outbox.add()
            with pytest.raises((PublishError, KafkaError)):
                sink.run_once()
            assert stores.cursors.get(kafka_cursor(topic)) == 2

            # The loop logs the failure and goes on; the cursor still waits.
            senders = Senders(Dispatcher(stores, UrlPolicy()), sink)
            assert senders.step().delivered == 0
            assert stores.cursors.get(kafka_cursor(topic)) == 2
        finally:
            outbox.close()
