"""Hostile records on Kafka become dead letters with their reason; the partition moves on."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
from kafka import KafkaProducer

from adapters.kafka.envelope import Envelope
from adapters.verification import sendgrid
from domain.values import utc_now
from tests.e2e.kafka_support import (
    ConsumerProcess,
    Topics,
    consumers,
    create_topics,
    end_offsets,
    provider_event_count,
    succeeds,
    topics,
    tracked,
)
from tests.e2e.logged_process import wait_until
from tests.e2e.test_consume_failures import GOOD_LINE, REGISTRATION
from tests.unit.verification.test_sendgrid import a_private_key, shown_key
from tests.unit.verification.test_ses import CERTIFICATE, CERTIFICATE_FILE, a_store

__all__ = ["consumers", "topics"]  # fixtures

DEPTH = 1200


def _nested() -> bytes:
    return b'{"a":' * DEPTH + b"1" + b"}" * DEPTH


def test_deep_nesting_huge_timestamps_and_nul_characters_are_dead_lettered(
    fresh_postgres_url: str,
    topics: Topics,
    tmp_path: Path,
    consumers: list[ConsumerProcess],
) -> None:
    events_topic, messages_topic = topics.names[:2]
    now = utc_now()
    good = Envelope.of(
        "generic", GOOD_LINE, now, tenant="acme", source="t", verified=True
    ).to_bytes()
    hostile_events = [
        (
            Envelope.of(
                "mailgun", b'{"signature":' + _nested() + b"}", now, tenant="acme", source="t"
            ),
            "nested too deep",
        ),
        (Envelope.of("ses", _nested(), now, tenant="acme", source="t"), "nested too deep"),
        (
            Envelope.of(
                "sendgrid",
                b"[]",
                now,
                tenant="acme",
                source="t",
                headers={sendgrid.SIGNATURE_HEADER: "c2ln", sendgrid.TIMESTAMP_HEADER: "9" * 400},
            ),
            "is not epoch seconds",
        ),
        (
            Envelope.of(
                "generic",
                GOOD_LINE.replace(b"pm-good", b"pm-\\u0000"),
                now,
                tenant="acme",
                source="t",
                verified=True,
            ),
            "U+0000",
        ),
    ]
    hostile_sends = {
        b"[" * DEPTH + b"]" * DEPTH: "not valid JSON",
        orjson.dumps(dict(REGISTRATION, external_ref="inv-\x00")): "U+0000",
    }
    create_topics(topics)
    producer = KafkaProducer(bootstrap_servers=topics.bootstrap, acks="all")
    try:
        for value in [*(e.to_bytes() for e, _ in hostile_events), good]:
            producer.send(events_topic, key=b"k", value=value, partition=0)
        for registration in [*hostile_sends, orjson.dumps(REGISTRATION)]:
            producer.send(messages_topic, key=b"k", value=registration, partition=0)
        producer.flush()
    finally:
        producer.close()

    env = {
        sendgrid.VERIFICATION_KEY_VARIABLE: shown_key(a_private_key()),
        "MAILLEDGER_MAILGUN_SIGNING_KEY": "key",
        "MAILLEDGER_SES_CERTIFICATES": str(a_store(tmp_path, **{CERTIFICATE_FILE: CERTIFICATE})),
        "MAILLEDGER_SES_TOPIC_ARNS": "any",
    }
    consumer = ConsumerProcess(topics, fresh_postgres_url, tmp_path / "c.log", "--verify", env=env)
    consumers.append(consumer)
    ends = end_offsets(topics)
    wait_until(lambda: tracked(fresh_postgres_url, topics) == ends, "every record consumed", 120)

    # The good records after the hostile ones were recorded: the partitions moved on.
    assert provider_event_count(fresh_postgres_url) == 1
    listed = [
        json.loads(line)
        for line in succeeds(topics, fresh_postgres_url, "dead-letters", "list", "--json")
        .strip()
        .splitlines()
    ]
    by_origin = {row["from"]: row["reason"] for row in listed}
    assert len(listed) == len(hostile_events) + len(hostile_sends)
    for offset, (_, fragment) in enumerate(hostile_events):
        assert fragment in by_origin[f"{events_topic}:0@{offset}"]
    for offset, fragment in enumerate(hostile_sends.values()):
        assert fragment in by_origin[f"{messages_topic}:0@{offset}"]
