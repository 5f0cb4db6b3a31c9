"""The consumer process: Kafka records in, events and the partition's position out, together.

Per poll, each partition's records are decoded, applied to their messages, and saved with
``topic:partition`` → next offset in one database transaction. On assignment the consumer
seeks to the offsets the database holds, so a crash at any moment is followed by a restart
that neither skips nor repeats a record. Kafka's own committed offsets are written only
for lag monitoring; nothing reads them back.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from types import FrameType
from typing import Any, TypeVar

import structlog
from eventsourcing.persistence import Tracking
from kafka import ConsumerRebalanceListener, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from adapters.errors import first_line
from adapters.kafka.dead_letters import DeadLetter
from adapters.kafka.publisher import Publisher, PublishError
from adapters.kafka.records import Record
from adapters.kafka.settings import KafkaSettings
from adapters.kafka.topics import ensure_topics
from adapters.storage.database import DATABASE_ERRORS, Database, open_ledger
from adapters.storage.read_side import ReadSide, open_read_side
from consumers.decoding import Poison, Verifiers, decode_events, decode_sends, position
from consumers.positions import tracking_name
from consumers.settings import ConsumeSettings
from domain.cache import MessageCache
from domain.errors import AlreadyTrackedError, BatchRejectedError
from domain.ledger import Ledger, Recorded
from domain.values import utc_now

log = structlog.get_logger()

R = TypeVar("R")

FETCH_MAX_BYTES = 8 * 1024 * 1024
"""Most bytes one fetch brings, across partitions: enough for a few thousand records."""

RETRY_SECONDS = 1.0
"""Pause between attempts while the database is unreachable."""


class DatabaseUnavailableError(RuntimeError):
    """The database stayed unreachable longer than the consumer was told to wait."""


class BrokerUnavailableError(RuntimeError):
    """Kafka stayed unusable longer than the consumer was told to wait."""


@dataclass
class Totals:
    """What a consumer did since it started, for its last log line."""

    records: int = 0
    observations: int = 0
    sends: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    batches: int = 0


class Consumer:
    """One member of the consumer group; ``run()`` until stopped, idle, or the database is gone."""

    def __init__(
        self,
        kafka: KafkaSettings,
        database: Database,
        settings: ConsumeSettings,
    ) -> None:
        self.kafka = kafka
        self.database = database
        self.settings = settings
        self.totals = Totals()
        self._stop = threading.Event()
        self._verifiers = Verifiers() if settings.verify else None
        self._ledger: Ledger | None = None
        self._read_side: ReadSide | None = None
        self._views_behind = False
        self._consumer: KafkaConsumer | None = None
        self._dead_letters: Publisher | None = None
        self._idle_since = time.monotonic()
        self._lag_at = 0.0

    def stop(self) -> None:
        """Finish the batch in hand, then return from ``run()``; safe from a signal handler."""
        self._stop.set()

    def run(self) -> None:
        """Consume until stopped, idle for ``idle_exit_seconds``, or the database is gone."""
        ensure_topics(self.kafka)
        self._ledger = self._with_database("open the ledger", lambda: open_ledger(self.database))
        self._ledger.cache = MessageCache(self.settings.cache_messages)
        views = self.settings.views
        if views if views is not None else not self.database.is_postgres:
            ledger = self._ledger
            self._read_side = self._with_database(
                "open the views", lambda: open_read_side(self.database, ledger)
            )
        self._dead_letters = Publisher(self.kafka, client_id="mailledger-dead-letters")
        self._consumer = KafkaConsumer(
            bootstrap_servers=self.kafka.servers,
            client_id="mailledger-consumer",
            group_id=self.settings.group_id,
            group_instance_id=self.settings.instance_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=self.settings.max_records,
            # Bounded fetches: the client buffers whole responses, 50 MB by default.
            fetch_max_bytes=FETCH_MAX_BYTES,
            max_partition_fetch_bytes=min(FETCH_MAX_BYTES, 1024 * 1024),
            session_timeout_ms=self.settings.session_timeout_ms,
            heartbeat_interval_ms=max(1000, self.settings.session_timeout_ms // 4),
            request_timeout_ms=self.kafka.request_timeout_ms + 5000,
        )
        self._consumer.subscribe(list(self.kafka.input_topics), listener=_Positions(self))
        log.info(
            "consumer.started",
            group_id=self.settings.group_id,
            topics=list(self.kafka.input_topics),
            database=self.database.display,
        )
        try:
            self._loop()
        finally:
            self._close()

    def _loop(self) -> None:
        assert self._consumer is not None
        broker_down_since: float | None = None
        while not self._stop.is_set():
            try:
                polled = self._consumer.poll(timeout_ms=500)
                for tp, records in polled.items():
                    self._process(tp, records)
                if polled:
                    # After the work, not before: a batch slower than --idle-exit is no idling.
                    self._idle_since = time.monotonic()
                    self._views_behind = True
                elif self._views_behind:
                    self._catch_up_views()
                self._report_lag()
                broker_down_since = None
            except (KafkaError, PublishError) as error:
                broker_down_since = broker_down_since or time.monotonic()
                self._broker_unavailable(error, time.monotonic() - broker_down_since)
                continue
            idle = time.monotonic() - self._idle_since
            if self.settings.idle_exit_seconds is not None and (
                idle >= self.settings.idle_exit_seconds
            ):
                log.info("consumer.idle_exit", idle_seconds=round(idle, 1))
                return

    def _process(self, tp: TopicPartition, records: Sequence[Any]) -> None:
        assert self._ledger is not None
        started = time.perf_counter()
        name = tracking_name(tp)
        tracking = Tracking(name, records[-1].offset + 1)
        poison: list[Poison]
        observations = sends = 0
        try:
            if tp.topic == self.kafka.messages_topic:
                results, poison, sends = self._record_sends(records, tracking)
            else:
                decoded = decode_events(records, self._verifiers)
                poison = decoded.poison
                self._dead_letter(poison)
                observations = len(decoded.observations)
                ledger = self._ledger
                results = self._with_database(
                    f"record {name}",
                    lambda: ledger.record(decoded.observations, tracking=tracking),
                )
        except AlreadyTrackedError as error:
            # Another member recorded these records before this one got the partition.
            log.info("consumer.already_recorded", partition=name, reason=str(error))
            self._seek_to_tracked(tp)
            return
        duplicates = sum(r.duplicate for r in results)
        self._commit_for_monitoring(tp, tracking.notification_id)
        self.totals.records += len(records)
        self.totals.observations += observations
        self.totals.sends += sends
        self.totals.duplicates += duplicates
        self.totals.dead_letters += len(poison)
        self.totals.batches += 1
        log.info(
            "consumer.batch",
            partition=name,
            first_offset=records[0].offset,
            last_offset=records[-1].offset,
            records=len(records),
            observations=observations,
            sends=sends,
            duplicates=duplicates,
            dead_letters=len(poison),
            ms=round((time.perf_counter() - started) * 1000, 1),
        )

    def _broker_unavailable(self, error: Exception, waited: float) -> None:
        """Rewind to the database's positions, so no record polled but not saved is skipped,
        and wait for the broker, up to the configured time."""
        if waited >= self.settings.broker_timeout_seconds:
            raise BrokerUnavailableError(
                f"Kafka at {self.kafka.bootstrap_servers} unusable for {waited:.0f}s "
                f"({first_line(error)}); check the brokers, or raise --broker-timeout"
            ) from None
        log.warning(
            "consumer.broker_unavailable", error=first_line(error), waited_seconds=round(waited, 1)
        )
        assert self._consumer is not None
        for tp in self._consumer.assignment():
            self._seek_to_tracked(tp)
        self._stop.wait(RETRY_SECONDS)

    def _record_sends(
        self, records: Sequence[Any], tracking: Tracking
    ) -> tuple[list[Recorded], list[Poison], int]:
        assert self._ledger is not None
        ledger = self._ledger
        decoded = decode_sends(records)
        poison = list(decoded.poison)
        self._dead_letter(decoded.poison)
        pending = decoded.sends
        while True:
            sends = [send for send, _ in pending]
            try:
                results = self._with_database(
                    f"register {tracking.application_name}",
                    partial(ledger.register, sends, tracking=tracking, reject_each=True),
                )
            except BatchRejectedError as error:
                # A registration that conflicts with its message's first one goes aside; the
                # rest of the batch is recorded without it.
                refused = [Poison(pending[i][1], str(e)) for i, e in error.rejected.items()]
                self._dead_letter(refused)
                poison += refused
                pending = [p for i, p in enumerate(pending) if i not in error.rejected]
                continue
            return results, poison, len(sends)

    def _dead_letter(self, poison: Sequence[Poison]) -> None:
        """Publish before the batch's position is saved, so a crash cannot lose one."""
        if not poison:
            return
        assert self._dead_letters is not None
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
                ).record(self.kafka.dead_letter_topic)
            )
        self._dead_letters.publish(letters)

    def _with_database(self, doing: str, action: Callable[[], R]) -> R:
        """The action, retried while the database is unreachable, up to the configured time."""
        first_failure: float | None = None
        while True:
            try:
                return action()
            except DATABASE_ERRORS as error:
                now = time.monotonic()
                first_failure = first_failure if first_failure is not None else now
                waited = now - first_failure
                reason = first_line(error)
                if self._stop.is_set():
                    raise DatabaseUnavailableError(
                        f"stopped while {self.database.display} was unreachable ({reason}); "
                        "the batch in hand was not recorded and will be read again"
                    ) from None
                if waited >= self.settings.database_timeout_seconds:
                    raise DatabaseUnavailableError(
                        f"cannot {doing}: {self.database.display} unreachable for "
                        f"{waited:.0f}s ({reason}); check the database, or raise "
                        "--database-timeout"
                    ) from None
                log.warning(
                    "consumer.database_unavailable",
                    doing=doing,
                    error=reason,
                    waited_seconds=round(waited, 1),
                )
                self._stop.wait(RETRY_SECONDS)

    def _seek_to_tracked(self, tp: TopicPartition) -> int | None:
        assert self._ledger is not None and self._consumer is not None
        ledger = self._ledger
        tracked = self._with_database(
            f"read the position of {tracking_name(tp)}",
            lambda: ledger.tracked_position(tracking_name(tp)),
        )
        if tracked is None:
            self._consumer.seek_to_beginning(tp)
        else:
            self._consumer.seek(tp, tracked)
        return tracked

    def _commit_for_monitoring(self, tp: TopicPartition, next_offset: int) -> None:
        assert self._consumer is not None
        try:
            self._consumer.commit_async({tp: OffsetAndMetadata(next_offset, "", -1)})
        except KafkaError as error:
            # Only lag dashboards read these offsets; the database holds the truth.
            log.debug("consumer.commit_skipped", partition=tracking_name(tp), error=str(error))

    def _report_lag(self) -> None:
        assert self._consumer is not None
        now = time.monotonic()
        if now - self._lag_at < self.settings.lag_interval_seconds:
            return
        self._lag_at = now
        assigned = sorted(self._consumer.assignment())
        if not assigned:
            return
        try:
            ends = self._consumer.end_offsets(assigned)
            lag = {tracking_name(tp): ends[tp] - self._consumer.position(tp) for tp in assigned}
        except KafkaError as error:
            log.warning("consumer.lag_unknown", error=str(error))
            return
        log.info("consumer.lag", lag=lag, total=sum(lag.values()))

    def assigned(self, partitions: Sequence[TopicPartition]) -> None:
        """Seek each newly assigned partition to the position the database tracked."""
        positions = {tracking_name(tp): self._seek_to_tracked(tp) for tp in partitions}
        self._idle_since = time.monotonic()
        log.info("consumer.assigned", positions=positions)

    def revoked(self, partitions: Sequence[TopicPartition]) -> None:
        """Forget cached messages: their keys may now belong to another member."""
        if self._ledger is not None and self._ledger.cache is not None:
            self._ledger.cache.clear()
        log.info("consumer.revoked", partitions=[tracking_name(tp) for tp in partitions])

    def _catch_up_views(self) -> None:
        """Bring the read models up to date with what this consumer recorded."""
        read_side = self._read_side
        if read_side is None:
            return
        started = time.perf_counter()
        applied = self._with_database("bring the views up to date", read_side.catch_up)
        self._views_behind = False
        log.info(
            "consumer.views",
            events=applied,
            ms=round((time.perf_counter() - started) * 1000, 1),
        )

    def _close(self) -> None:
        if self._consumer is not None:
            self._consumer.close(autocommit=False)
        if self._read_side is not None:
            try:
                if self._views_behind:
                    self._catch_up_views()
            finally:
                self._read_side.close()
        if self._dead_letters is not None:
            self._dead_letters.close()
        if self._ledger is not None:
            self._ledger.close()
        log.info("consumer.stopped", **vars(self.totals))


class _Positions(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, consumer: Consumer) -> None:
        self._consumer = consumer

    def on_partitions_revoked(self, revoked: Sequence[TopicPartition]) -> None:
        self._consumer.revoked(revoked)

    def on_partitions_assigned(self, assigned: Sequence[TopicPartition]) -> None:
        self._consumer.assigned(assigned)


@contextmanager
def stopping_on_signals(consumer: Consumer) -> Iterator[None]:
    """SIGTERM and SIGINT ask the consumer to finish its batch and stop."""

    def handle(signum: int, _: FrameType | None) -> None:
        log.info("consumer.stopping", signal=signal.Signals(signum).name)
        consumer.stop()

    previous = {s: signal.signal(s, handle) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
