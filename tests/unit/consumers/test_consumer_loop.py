"""The consumer loop against small fakes of Kafka: positions, dead letters, retries, views.

The ledger is the real one on a SQLite file; the broker-facing collaborators are fakes, so
each behaviour is shown without a broker (the real-broker tests are in tests/e2e).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from kafka import TopicPartition
from kafka.errors import (
    CorruptRecordError,
    KafkaConnectionError,
    KafkaTimeoutError,
    UnsupportedCodecError,
)
from kafka.structs import OffsetAndMetadata

from adapters.kafka.dead_letters import DeadLetter
from adapters.kafka.envelope import Envelope
from adapters.kafka.records import Record
from adapters.storage.database import open_ledger, parse_database_url
from adapters.storage.quarantine import Quarantine, SetAside
from consumers.consumer import (
    BrokerUnavailableError,
    ConsumerLoop,
    QuarantineSink,
    Topics,
    UndecodableBatchError,
)
from consumers.consumer_settings import ConsumeSettings
from consumers.patience import DatabasePatience, DatabaseUnavailableError
from domain.identity import message_id
from domain.ledger import Ledger
from tests.conftest import T0, TENANT

EVENTS = TopicPartition("events", 0)
MESSAGES = TopicPartition("messages", 0)
TOPICS = Topics(messages="messages", dead_letters="dead", broker="fake:9092")


@dataclass(frozen=True)
class FakeRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


@dataclass
class FakeSource:
    """Partitions held in memory; sets ``drained`` once every record was handed out."""

    logs: dict[TopicPartition, list[FakeRecord]]
    drained: threading.Event
    batch: int = 100
    failures: list[Exception] = field(default_factory=list)
    """Raised by the next polls, one each, before any record is handed out."""
    positions: dict[TopicPartition, int] = field(default_factory=dict)
    committed: dict[TopicPartition, int] = field(default_factory=dict)
    seeks: list[tuple[TopicPartition, int]] = field(default_factory=list)

    def poll(self, timeout_ms: int) -> Mapping[TopicPartition, Sequence[Any]]:
        if self.failures:
            raise self.failures.pop(0)
        polled = {}
        for tp, log in self.logs.items():
            at = self.positions.setdefault(tp, 0)
            if records := log[at : at + self.batch]:
                polled[tp] = records
                self.positions[tp] = at + len(records)
        if not polled:
            self.drained.set()
        return polled

    def assignment(self) -> set[TopicPartition]:
        return set(self.logs)

    def seek(self, partition: TopicPartition, offset: int) -> None:
        self.seeks.append((partition, offset))
        self.positions[partition] = offset

    def seek_to_beginning(self, *partitions: TopicPartition) -> None:
        for tp in partitions:
            self.seek(tp, 0)

    def commit_async(self, offsets: Mapping[TopicPartition, OffsetAndMetadata]) -> None:
        self.committed.update({tp: meta.offset for tp, meta in offsets.items()})

    def end_offsets(
        self, partitions: list[TopicPartition], timeout_ms: int | None = None
    ) -> Mapping[TopicPartition, int]:
        return {tp: len(self.logs.get(tp, [])) for tp in partitions}

    def position(self, partition: TopicPartition) -> int:
        return self.positions.get(partition, 0)


@dataclass
class FakeDeadLetters:
    published: list[Record] = field(default_factory=list)

    def publish(self, records: Sequence[Record]) -> int:
        self.published.extend(records)
        return len(records)

    def letters(self) -> list[DeadLetter]:
        return [DeadLetter.model_validate_json(r.value) for r in self.published]


@dataclass
class FakeQuarantine:
    kept: list[SetAside] = field(default_factory=list)

    def add(self, events: Sequence[SetAside], at: datetime) -> list[str]:
        self.kept.extend(events)
        return [event.entry_id for event in events]


@dataclass
class FakeViews:
    calls: int = 0

    def catch_up(self) -> int:
        self.calls += 1
        return 0


def event_value(message: str, recipient: str, event: str, minute: int) -> bytes:
    line = {
        "provider": "sendgrid",
        "provider_message_id": message,
        "recipient": recipient,
        "event": event,
        "occurred_at": f"2026-11-23T09:{minute:02d}:00Z",
        "event_id": f"{message}-{recipient}-{event}",
    }
    return Envelope.of("generic", orjson.dumps(line), T0, tenant=TENANT, source="test").to_bytes()


def send_value(ref: str, message: str, recipient: str = "ana@example.com") -> bytes:
    return orjson.dumps(
        {
            "tenant": "acme",
            "external_ref": ref,
            "recipients": [{"address": recipient}],
            "provider": "sendgrid",
            "provider_message_id": message,
            "sent_at": "2026-11-23T09:00:00Z",
        }
    )


def records_of(tp: TopicPartition, values: Sequence[bytes | None]) -> list[FakeRecord]:
    return [FakeRecord(tp.topic, tp.partition, i, None, v) for i, v in enumerate(values)]


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with open_ledger(parse_database_url(f"sqlite:///{tmp_path / 'ledger.sqlite'}")) as opened:
        yield opened


@dataclass
class Harness:
    ledger: Ledger
    source: FakeSource
    dead_letters: FakeDeadLetters
    views: FakeViews
    loop: ConsumerLoop


def harness(
    ledger: Ledger,
    logs: dict[TopicPartition, list[FakeRecord]],
    *,
    batch: int = 100,
    failures: list[Exception] | None = None,
    broker_timeout: float = 60.0,
    quarantine: QuarantineSink | None = None,
) -> Harness:
    stop = threading.Event()
    source = FakeSource(logs, stop, batch=batch, failures=failures or [])
    dead_letters, views = FakeDeadLetters(), FakeViews()
    settings = ConsumeSettings(broker_timeout_seconds=broker_timeout, lag_interval_seconds=0.1)
    loop = ConsumerLoop(
        source,
        ledger,
        dead_letters,
        TOPICS,
        settings,
        DatabasePatience("sqlite:///test", 0.0, stop),
        views=views,
        quarantine=quarantine or FakeQuarantine(),
    )
    loop.assigned(list(logs))
    return Harness(ledger, source, dead_letters, views, loop)


def test_records_events_and_saves_each_partitions_position_with_them(ledger: Ledger) -> None:
    values = [event_value("m1", "ana@example.com", "delivered", i) for i in range(3)]
    run = harness(ledger, {EVENTS: records_of(EVENTS, values)}, batch=2)

    run.loop.run()

    assert ledger.tracked_position("events:0") == 3
    assert run.loop.totals.records == 3
    assert run.loop.totals.batches == 2
    assert run.source.committed == {EVENTS: 3}, "Kafka's offsets follow, for lag monitoring"
    assert run.dead_letters.published == []


def test_a_restarted_loop_seeks_to_the_tracked_position_and_repeats_nothing(
    ledger: Ledger,
) -> None:
    values = [event_value("m1", "ana@example.com", k, 1) for k in ("delivered", "opened")]
    harness(ledger, {EVENTS: records_of(EVENTS, values[:1])}).loop.run()

    again = harness(ledger, {EVENTS: records_of(EVENTS, values)})
    again.loop.run()

    assert again.source.seeks[0] == (EVENTS, 1)
    assert again.loop.totals.records == 1, "only the record not yet tracked is read again"
    assert ledger.tracked_position("events:0") == 2


def test_poison_goes_to_dead_letters_and_the_good_part_of_the_batch_is_recorded(
    ledger: Ledger,
) -> None:
    good = event_value("m1", "ana@example.com", "delivered", 1)
    values: list[bytes | None] = [good, b"not an envelope", None]
    run = harness(ledger, {EVENTS: records_of(EVENTS, values)})

    run.loop.run()

    letters = run.dead_letters.letters()
    assert [(letter.offset, letter.topic) for letter in letters] == [(1, "events"), (2, "events")]
    assert "not a provider-events envelope" in letters[0].reason
    assert "tombstone" in letters[1].reason
    assert all(r.topic == "dead" for r in run.dead_letters.published)
    assert run.loop.totals.observations == 1
    assert ledger.tracked_position("events:0") == 3, "the position passes the dead letters"


def test_a_registration_that_conflicts_is_set_aside_and_the_rest_registered(
    ledger: Ledger,
) -> None:
    values = [
        send_value("inv-1", "m1"),
        send_value("inv-1", "m1", recipient="other@example.com"),
        send_value("inv-2", "m2"),
    ]
    run = harness(ledger, {MESSAGES: records_of(MESSAGES, values[:1])})
    run.loop.run()

    conflict = harness(ledger, {MESSAGES: records_of(MESSAGES, values)})
    conflict.source.positions[MESSAGES] = 1
    conflict.loop.run()

    [letter] = conflict.dead_letters.letters()
    assert letter.offset == 1
    assert conflict.loop.totals.sends == 1
    assert ledger.tracked_position("messages:0") == 3


def test_a_batch_another_member_already_recorded_is_skipped_by_seeking(ledger: Ledger) -> None:
    values = [event_value("m1", "ana@example.com", "delivered", 1)]
    harness(ledger, {EVENTS: records_of(EVENTS, values)}).loop.run()
    late = harness(ledger, {EVENTS: records_of(EVENTS, values)})
    late.source.seeks.clear()
    late.source.positions[EVENTS] = 0  # as if it had not seen the tracked position

    late.loop.run()

    assert late.loop.totals.records == 0
    assert (EVENTS, 1) in late.source.seeks


def test_views_catch_up_when_idle_and_not_after_every_batch(ledger: Ledger) -> None:
    values = [event_value("m1", "ana@example.com", "delivered", i) for i in range(4)]
    run = harness(ledger, {EVENTS: records_of(EVENTS, values)}, batch=1)

    run.loop.run()
    run.loop.finish()

    assert run.loop.totals.batches == 4
    assert run.views.calls == 1


def test_a_broker_error_rewinds_to_the_tracked_positions_and_is_ridden_out(
    ledger: Ledger,
) -> None:
    values = [event_value("m1", "ana@example.com", "delivered", 1)]
    run = harness(
        ledger,
        {EVENTS: records_of(EVENTS, values)},
        failures=[KafkaConnectionError("broker gone")],
    )
    run.source.seeks.clear()

    run.loop.run()

    assert run.source.seeks[0] == (EVENTS, 0), "nothing polled but unsaved is skipped"
    assert ledger.tracked_position("events:0") == 1


def test_a_broker_that_stays_down_past_the_timeout_stops_the_loop(ledger: Ledger) -> None:
    run = harness(
        ledger,
        {EVENTS: []},
        failures=[KafkaConnectionError("down"), KafkaConnectionError("down")],
        broker_timeout=0.0,
    )

    with pytest.raises(BrokerUnavailableError, match=r"Kafka at fake:9092 .*--broker-timeout"):
        run.loop.run()


def test_a_database_that_stays_down_names_it_and_records_nothing(tmp_path: Path) -> None:
    stop = threading.Event()
    patience = DatabasePatience("sqlite:///gone", 0.0, stop)
    attempts = []

    def failing() -> None:
        attempts.append(1)
        raise sqlite3.OperationalError("unable to open database file")

    with pytest.raises(DatabaseUnavailableError, match=r"cannot record x: sqlite:///gone"):
        patience.call("record x", failing)
    assert attempts == [1]


@pytest.mark.parametrize(
    "error",
    [
        UnsupportedCodecError("Libraries for zstd compression codec not found"),
        CorruptRecordError("Record batch for partition events-0 at offset 3 failed crc check"),
    ],
    ids=["codec", "crc"],
)
def test_a_batch_that_cannot_be_decoded_stops_the_loop_at_once_not_as_an_outage(
    ledger: Ledger, error: Exception
) -> None:
    values = [event_value("m1", "ana@example.com", "delivered", i) for i in range(3)]
    run = harness(ledger, {EVENTS: records_of(EVENTS, values)}, batch=3)
    run.loop.run()  # the good records before the batch
    run.source.failures = [error]
    run.source.drained.clear()
    started = time.monotonic()

    with pytest.raises(UndecodableBatchError) as raised:
        run.loop.run()

    assert time.monotonic() - started < 1.0, "no waiting for a broker that is not down"
    assert raised.value.error is error
    assert raised.value.positions == {EVENTS: 3}
    assert ledger.tracked_position("events:0") == 3
    assert run.dead_letters.published == []


@dataclass
class GoneBroker(FakeSource):
    """A broker that is gone: polls return nothing or fail in turn, and nothing answers."""

    polls: int = 0

    def poll(self, timeout_ms: int) -> Mapping[TopicPartition, Sequence[Any]]:
        self.polls += 1
        time.sleep(timeout_ms / 1000 / 10)
        if self.polls % 2:
            raise KafkaConnectionError("connection refused")
        return {}

    def end_offsets(
        self, partitions: list[TopicPartition], timeout_ms: int | None = None
    ) -> Mapping[TopicPartition, int]:
        raise KafkaTimeoutError(f"Failed to get offsets by timestamps in {timeout_ms} ms")


def test_a_gone_broker_ends_the_loop_at_its_timeout_though_empty_polls_come_between(
    ledger: Ledger,
) -> None:
    stop = threading.Event()
    source = GoneBroker({EVENTS: []}, stop)
    settings = ConsumeSettings(broker_timeout_seconds=3.0, lag_interval_seconds=0.1)
    loop = ConsumerLoop(
        source,
        ledger,
        FakeDeadLetters(),
        TOPICS,
        settings,
        DatabasePatience("sqlite:///test", 0.0, stop),
        quarantine=FakeQuarantine(),
    )
    loop.assigned([EVENTS])
    started, cpu = time.monotonic(), time.process_time()

    with pytest.raises(BrokerUnavailableError, match=r"unusable for [34]s"):
        loop.run()

    elapsed = time.monotonic() - started
    assert 3.0 <= elapsed < 6.0
    assert source.polls < 10, "it waits between attempts instead of spinning"
    assert time.process_time() - cpu < 0.5 * elapsed


def test_an_unreadable_event_is_quarantined_once_and_the_rest_of_its_body_recorded(
    ledger: Ledger, database_url: str
) -> None:
    good = [
        {
            "email": f"r{n}@example.com",
            "event": "delivered",
            "timestamp": 1795424400 + n,
            "sg_event_id": f"ev-{n}",
            "sg_message_id": "m1.filter0001",
        }
        for n in range(3)
    ]
    odd = {"email": "odd@example.com", "event": "delivered", "sg_message_id": "m1"}
    body = orjson.dumps([*good[:2], odd, good[2]])
    value = Envelope.of("sendgrid", body, T0, tenant=TENANT, source="test").to_bytes()
    with Quarantine(parse_database_url(database_url)) as quarantine:
        # The same record twice: a consumer that crashed before saving its position.
        for _ in range(2):
            run = harness(ledger, {EVENTS: records_of(EVENTS, [value])}, quarantine=quarantine)
            run.loop.run()
        [entry] = quarantine.entries(TENANT)
    assert (entry.provider, entry.index, entry.source) == ("sendgrid", 2, "events:0@0")
    assert "timestamp" in entry.reason
    assert orjson.loads(entry.data) == [odd]
    state = ledger.get_message(message_id(TENANT, "sendgrid", "m1"))
    assert sorted(r.address for r in state.recipients) == [f"r{n}@example.com" for n in range(3)]
    assert run.dead_letters.published == []
