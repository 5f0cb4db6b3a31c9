"""The consumer loop: Kafka records in, events and the partition's position out, together.

Per poll, each partition's records are decoded, applied to their messages, and saved with
``topic:partition`` → next offset in one database transaction. On assignment the loop seeks
to the offsets the database holds, so a crash at any moment is followed by a restart that
neither skips nor repeats a record. Kafka's own committed offsets are written only for lag
monitoring; nothing reads them back.

The loop is handed everything it works with (see ``consumers/consume.py``, which builds them
from the settings), so it runs as well against small fakes as against a real broker.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, Protocol

import structlog
from eventsourcing.persistence import Tracking
from kafka import TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from adapters.errors import first_line
from adapters.intake.from_kafka import Poison, Verifiers, decode_events, decode_sends, position
from adapters.intake.recording import Batch, ContentSink, Views, record_batch
from adapters.kafka.dead_letters import DeadLetter
from adapters.kafka.publisher import PublishError
from adapters.kafka.records import Record
from adapters.kafka.undecodable import is_record_error
from adapters.storage.quarantine import SetAside
from consumers.consumer_settings import ConsumeSettings
from consumers.patience import RETRY_SECONDS, DatabasePatience
from consumers.positions import tracking_name
from domain.errors import AlreadyTrackedError, BatchRejectedError
from domain.ledger import Ledger, Recorded
from domain.values import utc_now

log = structlog.get_logger()

POLL_MS = 500

PROBE_SECONDS = 2.0
"""How often a consumer that polls nothing asks the broker whether it is still there."""

PROBE_MS = 2000
"""How long the broker has to answer that question (and the lag report's)."""


class BrokerUnavailableError(RuntimeError):
    """Kafka stayed unusable longer than the consumer was told to wait."""


class UndecodableBatchError(RuntimeError):
    """kafka-python cannot turn a batch into records; polling again meets the same batch."""

    def __init__(self, error: Exception, positions: Mapping[TopicPartition, int | None]) -> None:
        super().__init__(first_line(error))
        self.error = error
        self.positions = dict(positions)
        """The tracked position of each partition the consumer had: the batch is at one."""


class RecordSource(Protocol):
    """What the loop uses of a Kafka consumer; kafka-python's KafkaConsumer is one."""

    def poll(self, timeout_ms: int) -> Mapping[TopicPartition, Sequence[Any]]: ...

    def assignment(self) -> set[TopicPartition]: ...

    def seek(self, partition: TopicPartition, offset: int) -> None: ...

    def seek_to_beginning(self, *partitions: TopicPartition) -> None: ...

    def commit_async(self, offsets: Mapping[TopicPartition, OffsetAndMetadata]) -> Any: ...

    def end_offsets(
        self, partitions: list[TopicPartition], timeout_ms: int | None = None
    ) -> Mapping[TopicPartition, int]: ...

    def position(self, partition: TopicPartition) -> int: ...


class QuarantineSink(Protocol):
    """Where events that could not be read go; keeping one twice keeps it once."""

    def add(self, events: Sequence[SetAside], at: datetime) -> list[str]: ...


class DeadLetterSink(Protocol):
    """Where records that cannot be used go: returns once every one is acknowledged."""

    def publish(self, records: Sequence[Record]) -> int: ...


@dataclass(frozen=True)
class Topics:
    """The topics the loop tells apart, and the broker's address for messages."""

    messages: str
    dead_letters: str
    broker: str


@dataclass
class Totals:
    """What a consumer did since it started, for its last log line."""

    records: int = 0
    observations: int = 0
    sends: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    quarantined: int = 0
    batches: int = 0


class ConsumerLoop:
    """One member of the consumer group: ``run()`` until stopped or idle long enough."""

    def __init__(
        self,
        source: RecordSource,
        ledger: Ledger,
        dead_letters: DeadLetterSink,
        topics: Topics,
        settings: ConsumeSettings,
        patience: DatabasePatience,
        *,
        views: Views | None = None,
        verifiers: Verifiers | None = None,
        quarantine: QuarantineSink,
        contents: ContentSink | None = None,
    ) -> None:
        self.source = source
        self.ledger = ledger
        self.dead_letters = dead_letters
        self.topics = topics
        self.settings = settings
        self.patience = patience
        self.views = views
        self.verifiers = verifiers
        self.quarantine = quarantine
        self.contents = contents
        """Where the copies a registration line carries are kept, before its events."""
        self.totals = Totals()
        self._views_behind = False
        self._idle_since = time.monotonic()
        self._lag_at = 0.0
        self._broker_seen_at = time.monotonic()
        """When the broker last proved it was there: records polled, or a probe answered."""
        self._probed_at = time.monotonic()

    @property
    def stopping(self) -> threading.Event:
        """Set to finish the batch in hand and return from ``run()``."""
        return self.patience.stop

    def run(self) -> None:
        """Consume until stopped or idle for ``idle_exit_seconds``; ``finish()`` after it.

        Raises UndecodableBatchError for a batch kafka-python cannot decode, and
        BrokerUnavailableError once the broker has not answered for ``broker_timeout_seconds``.
        """
        while not self.stopping.is_set():
            try:
                polled = self.source.poll(timeout_ms=POLL_MS)
                if polled:
                    self._broker_seen_at = time.monotonic()
                for tp, records in polled.items():
                    self._process(tp, records)
                if polled:
                    # After the work, not before: a batch slower than --idle-exit is no idling.
                    self._idle_since = time.monotonic()
                    self._views_behind = True
                else:
                    # kafka-python's poll() says nothing of a broker that is gone: it returns
                    # nothing, as for a quiet topic. Only an answer tells them apart.
                    self._probe_broker()
                    if self._views_behind:
                        self._catch_up_views()
                self._report_lag()
            except (KafkaError, PublishError) as error:
                if is_record_error(error):
                    raise UndecodableBatchError(error, self._tracked_positions()) from None
                self._broker_unavailable(error)
                continue
            idle = time.monotonic() - self._idle_since
            if self.settings.idle_exit_seconds is not None and (
                idle >= self.settings.idle_exit_seconds
            ):
                log.info("consumer.idle_exit", idle_seconds=round(idle, 1))
                return

    def finish(self) -> None:
        """Bring the views up to date with what was recorded since they last were."""
        if self._views_behind:
            self._catch_up_views()

    def assigned(self, partitions: Sequence[TopicPartition]) -> None:
        """Seek each newly assigned partition to the position the database tracked."""
        positions = {tracking_name(tp): self._seek_to_tracked(tp) for tp in partitions}
        self._idle_since = self._broker_seen_at = time.monotonic()
        log.info("consumer.assigned", positions=positions)

    def revoked(self, partitions: Sequence[TopicPartition]) -> None:
        """Forget cached messages: their keys may now belong to another member."""
        if self.ledger.cache is not None:
            self.ledger.cache.clear()
        log.info("consumer.revoked", partitions=[tracking_name(tp) for tp in partitions])

    def _process(self, tp: TopicPartition, records: Sequence[Any]) -> None:
        started = time.perf_counter()
        name = tracking_name(tp)
        tracking = Tracking(name, records[-1].offset + 1)
        if tp.topic == self.topics.messages:
            sends = decode_sends(records)
            pending, poison = sends.sends, sends.poison
            batch = Batch(sends=[send for send, _ in pending])
        else:
            events = decode_events(records, self.verifiers, self.settings.default_tenant)
            pending, poison = [], events.poison
            batch = Batch(observations=events.observations)
            if events.set_aside:
                # Kept before the position that passes them is saved, as dead letters are.
                set_aside = events.set_aside
                self.patience.call(
                    "quarantine events", lambda: self.quarantine.add(set_aside, utc_now())
                )
                self.totals.quarantined += len(set_aside)
        refused: Sequence[Poison] = poison
        try:
            while True:
                # Dead letters go out before the position that passes them is saved, so a
                # crash cannot lose one.
                self._dead_letter(refused)
                try:
                    results = self._record(name, batch, tracking)
                    break
                except BatchRejectedError as error:
                    # A registration that conflicts with its message's first one goes aside;
                    # the rest of the batch is recorded without it.
                    refused = [Poison(pending[i][1], str(e)) for i, e in error.rejected.items()]
                    poison = [*poison, *refused]
                    pending = [p for i, p in enumerate(pending) if i not in error.rejected]
                    batch = Batch(sends=[send for send, _ in pending])
        except AlreadyTrackedError as error:
            # Another member recorded these records before this one got the partition.
            log.info("consumer.already_recorded", partition=name, reason=str(error))
            self._seek_to_tracked(tp)
            return
        self._count(tp, records, batch, results, poison, tracking, started)

    def _record(self, name: str, batch: Batch, tracking: Tracking) -> list[Recorded]:
        doing = f"register {name}" if batch.sends else f"record {name}"
        return self.patience.call(
            doing,
            lambda: record_batch(
                self.ledger, batch, tracking=tracking, reject_each=True, contents=self.contents
            ),
        )

    def _count(
        self,
        tp: TopicPartition,
        records: Sequence[Any],
        batch: Batch,
        results: Sequence[Recorded],
        poison: Sequence[Poison],
        tracking: Tracking,
        started: float,
    ) -> None:
        duplicates = sum(r.duplicate for r in results)
        self._commit_for_monitoring(tp, tracking.notification_id)
        totals = self.totals
        totals.records += len(records)
        totals.observations += len(batch.observations)
        totals.sends += len(batch.sends)
        totals.duplicates += duplicates
        totals.dead_letters += len(poison)
        totals.batches += 1
        log.info(
            "consumer.batch",
            partition=tracking.application_name,
            first_offset=records[0].offset,
            last_offset=records[-1].offset,
            records=len(records),
            observations=len(batch.observations),
            sends=len(batch.sends),
            duplicates=duplicates,
            dead_letters=len(poison),
            ms=round((time.perf_counter() - started) * 1000, 1),
        )

    def _dead_letter(self, poison: Sequence[Poison]) -> None:
        if not poison:
            return
        failed_at = utc_now()
        letters: list[Record] = []
        for item in poison:
            record = item.record
            log.warning("consumer.dead_letter", position=position(record), reason=item.reason)
            letters.append(
                DeadLetter.of(
                    reason=item.reason,
                    topic=record.topic,
                    partition=record.partition,
                    offset=record.offset,
                    key=record.key,
                    value=record.value,
                    failed_at=failed_at,
                    group_id=self.settings.group_id,
                ).record(self.topics.dead_letters)
            )
        self.dead_letters.publish(letters)

    def _probe_broker(self) -> None:
        """Ask the broker for an end offset now and then; KafkaError when it does not answer."""
        now = time.monotonic()
        if now - self._probed_at < PROBE_SECONDS:
            return
        self._probed_at = now
        partitions = sorted(self.source.assignment())[:1] or [
            TopicPartition(self.topics.messages, 0)
        ]
        self.source.end_offsets(partitions, timeout_ms=PROBE_MS)
        self._broker_seen_at = time.monotonic()

    def _tracked_positions(self) -> dict[TopicPartition, int | None]:
        positions: dict[TopicPartition, int | None] = {}
        for tp in self.source.assignment():
            name = tracking_name(tp)
            positions[tp] = self.patience.call(
                f"read the position of {name}", partial(self.ledger.tracked_position, name)
            )
        return positions

    def _broker_unavailable(self, error: Exception) -> None:
        """Rewind to the database's positions, so no record polled but not saved is skipped,
        and wait for the broker, up to the configured time since it last answered."""
        waited = time.monotonic() - self._broker_seen_at
        if waited >= self.settings.broker_timeout_seconds:
            raise BrokerUnavailableError(
                f"Kafka at {self.topics.broker} unusable for {waited:.0f}s "
                f"({first_line(error)}); check the brokers, or raise --broker-timeout"
            ) from None
        log.warning(
            "consumer.broker_unavailable", error=first_line(error), waited_seconds=round(waited, 1)
        )
        for tp in self.source.assignment():
            self._seek_to_tracked(tp)
        self.stopping.wait(RETRY_SECONDS)

    def _seek_to_tracked(self, tp: TopicPartition) -> int | None:
        name = tracking_name(tp)
        tracked = self.patience.call(
            f"read the position of {name}", lambda: self.ledger.tracked_position(name)
        )
        if tracked is None:
            self.source.seek_to_beginning(tp)
        else:
            self.source.seek(tp, tracked)
        return tracked

    def _commit_for_monitoring(self, tp: TopicPartition, next_offset: int) -> None:
        try:
            self.source.commit_async({tp: OffsetAndMetadata(next_offset, "", -1)})
        except KafkaError as error:
            # Only lag dashboards read these offsets; the database holds the truth.
            log.debug("consumer.commit_skipped", partition=tracking_name(tp), error=str(error))

    def _report_lag(self) -> None:
        now = time.monotonic()
        if now - self._lag_at < self.settings.lag_interval_seconds:
            return
        self._lag_at = now
        assigned = sorted(self.source.assignment())
        if not assigned:
            return
        try:
            ends = self.source.end_offsets(assigned, timeout_ms=PROBE_MS)
            lag = {tracking_name(tp): ends[tp] - self.source.position(tp) for tp in assigned}
        except KafkaError as error:
            log.warning("consumer.lag_unknown", error=str(error))
            return
        log.info("consumer.lag", lag=lag, total=sum(lag.values()))

    def _catch_up_views(self) -> None:
        """Bring the read models up to date with what this consumer recorded."""
        views = self.views
        if views is None:
            self._views_behind = False
            return
        started = time.perf_counter()
        applied = self.patience.call("bring the views up to date", views.catch_up)
        self._views_behind = False
        log.info(
            "consumer.views", events=applied, ms=round((time.perf_counter() - started) * 1000, 1)
        )
