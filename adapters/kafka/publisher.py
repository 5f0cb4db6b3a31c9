"""Puts records on the topics with an idempotent producer and waits until the broker has them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import structlog
from kafka import KafkaProducer
from kafka.errors import KafkaError

from adapters.kafka.records import Record
from adapters.kafka.settings import KafkaSettings

log = structlog.get_logger()

IN_FLIGHT = 10_000
"""Records sent before waiting for acknowledgements, bounding the memory a large input takes."""


class PublishError(RuntimeError):
    """The broker did not take a record; the message names the topic and what went wrong."""


@dataclass(frozen=True)
class Published:
    """Where a record landed."""

    record: Record
    partition: int
    offset: int


class Publisher:
    """An idempotent producer: acks from all replicas, retries that never duplicate or reorder."""

    def __init__(self, settings: KafkaSettings, *, client_id: str = "mailledger-publisher") -> None:
        self.settings = settings
        try:
            self._producer = KafkaProducer(
                bootstrap_servers=settings.servers,
                client_id=client_id,
                enable_idempotence=True,
                acks="all",
                linger_ms=5,
                batch_size=256 * 1024,
                compression_type=None,
                request_timeout_ms=settings.request_timeout_ms,
                max_block_ms=settings.request_timeout_ms,
            )
        except KafkaError as error:
            raise PublishError(
                f"cannot reach Kafka at {settings.bootstrap_servers}: {error}; "
                "check --bootstrap-servers or MAILLEDGER_KAFKA_BOOTSTRAP_SERVERS"
            ) from None

    def __enter__(self) -> Publisher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def publish(
        self,
        records: Iterable[Record],
        *,
        on_published: Callable[[Published], None] | None = None,
    ) -> int:
        """Send every record and return once the broker acknowledged all; returns the count."""
        pending: list[tuple[Record, Any]] = []
        count = 0
        for record in records:
            pending.append((record, self._send(record)))
            if len(pending) >= IN_FLIGHT:
                count += self._await(pending, on_published)
                pending = []
        count += self._await(pending, on_published)
        return count

    def close(self) -> None:
        """Flush what is in flight and close the connections.

        A broker gone by then is logged, not raised: ``publish`` already waited for every
        record it returned for, so what is left unacknowledged was reported as a PublishError.
        """
        try:
            self._producer.close(timeout=self.settings.request_timeout_ms / 1000)
        except KafkaError as error:
            log.warning("kafka.close_incomplete", error=str(error))

    def _send(self, record: Record) -> Any:
        try:
            return self._producer.send(
                record.topic,
                key=record.key,
                value=record.value,
                headers=list(record.headers) or None,
            )
        except KafkaError as error:
            raise PublishError(f"cannot publish to {record.topic}: {error}") from None

    def _await(
        self,
        pending: list[tuple[Record, Any]],
        on_published: Callable[[Published], None] | None,
    ) -> int:
        self._producer.flush(timeout=self.settings.request_timeout_ms / 1000)
        for record, future in pending:
            try:
                metadata = future.get(timeout=self.settings.request_timeout_ms / 1000)
            except KafkaError as error:
                raise PublishError(
                    f"the broker did not take a record for {record.topic}"
                    f"{f' from {record.source}' if record.source else ''}: {error}"
                ) from None
            if on_published is not None:
                on_published(Published(record, metadata.partition, metadata.offset))
        return len(pending)
