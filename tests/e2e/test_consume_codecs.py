"""Records produced as a service in another language produces them: librdkafka (kcat), every
compression codec, librdkafka's default partitioner; and a consumer that cannot read them.

The record values are built with the project's own code (envelopes, registration lines and
their keys), so a change to the envelope's fields changes only the builder.
"""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

from adapters.intake.bodies import Body
from adapters.intake.registrations import RegistrationIn
from adapters.intake.to_kafka import provider_records, registration_record
from adapters.kafka.records import Record
from tests.e2e.kafka_support import (
    ConsumerProcess,
    Topics,
    consumers,
    create_topics,
    end_offsets,
    states,
    topics,
    tracked,
)
from tests.e2e.test_cli import EVENTS, SENDS, ok
from tests.e2e.test_ingest_providers import fixture_files

__all__ = ["consumers", "topics"]  # fixtures

CODECS = ("none", "gzip", "snappy", "lz4", "zstd")
KEY_DELIMITER = "\t"
"""Between key and value on kcat's input lines: a UUID has none, compact JSON no raw tab."""


def registrations(topic: str) -> list[Record]:
    """Each line of SENDS as ``mailledger register`` reads it, keyed by its message."""
    lines = [line for line in SENDS.splitlines() if line.strip()]
    return [
        registration_record(
            topic, RegistrationIn.model_validate_json(line).to_send(), line.encode()
        )
        for line in lines
    ]


def envelopes(topic: str) -> list[Record]:
    """Generic lines and SendGrid's documented batches, enveloped and split by message."""
    now = datetime.now(UTC)
    bodies = [Body("events", EVENTS.encode(), now, tenant="acme")]
    records = list(provider_records(topic, "generic", bodies))
    sendgrid = [
        Body(name, Path(name).read_bytes(), now, tenant="acme")
        for name in fixture_files("sendgrid")
    ]
    records += provider_records(topic, "sendgrid", sendgrid)
    # A body that concerns no message (an account event) has no key and records nothing.
    return [record for record in records if record.key is not None]


def kcat_input(records: list[Record], path: Path) -> Path:
    lines = []
    for record in records:
        assert record.key is not None, "every record here is keyed by its message"
        assert b"\n" not in record.value and KEY_DELIMITER.encode() not in record.key
        lines.append(record.key + KEY_DELIMITER.encode() + record.value)
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def kcat_produce(bootstrap: str, topic: str, codec: str, file: Path) -> None:
    # No -p: librdkafka's default partitioner (consistent_random, CRC32 of the key).
    result = subprocess.run(
        [
            "kcat",
            "-P",
            "-b",
            bootstrap,
            "-t",
            topic,
            "-z",
            codec,
            "-K",
            KEY_DELIMITER,
            "-l",
            str(file),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def produce_with_every_codec(topics: Topics, tmp_path: Path) -> None:
    events_topic, messages_topic = topics.names[:2]
    create_topics(topics)
    for codec in CODECS:
        for topic, records in (
            (messages_topic, registrations(messages_topic)),
            (events_topic, envelopes(events_topic)),
        ):
            file = kcat_input(records, tmp_path / f"{topic}.{codec}.txt")
            kcat_produce(topics.bootstrap, topic, codec, file)


def test_records_kcat_produced_with_every_codec_give_the_state_ingest_gives(
    topics: Topics, tmp_path: Path
) -> None:
    reference = f"sqlite:///{tmp_path / 'reference.sqlite'}"
    ok(reference, "register", stdin=SENDS)
    ok(reference, "ingest", "--tenant", "acme", "--provider", "generic", stdin=EVENTS)
    ok(
        reference,
        "ingest",
        "--tenant",
        "acme",
        "--provider",
        "sendgrid",
        *fixture_files("sendgrid"),
    )
    produce_with_every_codec(topics, tmp_path)
    database = f"sqlite:///{tmp_path / 'consumed.sqlite'}"

    consumer = ConsumerProcess(topics, database, tmp_path / "consumer.log", "--idle-exit", "3")

    assert consumer.wait() == 0, consumer.log_path.read_text()[-3000:]
    assert states(database) == states(reference)
    assert ok(database, "messages", "--all", "--json") == ok(
        reference, "messages", "--all", "--json"
    )
    batches = consumer.batches()
    assert sum(b["dead_letters"] for b in batches) == 0
    # Each codec's copy after the first records nothing new.
    assert sum(b["duplicates"] for b in batches) > 0
    assert tracked(database, topics) == end_offsets(topics)


def test_a_consumer_without_a_codec_stops_with_one_line_naming_the_batch_and_the_fix(
    topics: Topics, tmp_path: Path
) -> None:
    events_topic = topics.names[0]
    create_topics(topics)
    kcat_produce(
        topics.bootstrap, events_topic, "zstd", kcat_input(envelopes(events_topic), tmp_path / "z")
    )
    # The consumer's Python finds no zstandard, as in an environment installed without it.
    hidden = tmp_path / "without-zstd" / "zstandard"
    hidden.mkdir(parents=True)
    (hidden / "__init__.py").write_text('raise ImportError("not installed here")\n')
    database = f"sqlite:///{tmp_path / 'consumed.sqlite'}"

    consumer = ConsumerProcess(
        topics,
        database,
        tmp_path / "consumer.log",
        "--broker-timeout",
        "300",
        env={"PYTHONPATH": str(hidden.parent)},
    )

    assert consumer.wait(timeout=60) == 1
    last = consumer.log_path.read_text().strip().splitlines()[-1]
    assert last.startswith("Error: cannot read the record batch at ")
    assert f"{events_topic}:" in last
    assert "@0 (UnsupportedCodecError" in last
    assert "install the codec extras (kafka-python[snappy,lz4,zstd]" in last
    assert not consumer.events("consumer.broker_unavailable"), "not taken for an outage"
