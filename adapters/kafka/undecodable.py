"""Record batches a consumer cannot decode: which errors say so, what fixes them, and where.

kafka-python raises these from ``poll()`` when it meets a batch it cannot turn into records
(a codec it has no library for, a batch that fails its checksum, one larger than a fetch). They
are about the records, not the connection: polling again meets the same batch, so waiting for
the broker would never end. Its records cannot be named (they are inside the batch), so none
can be dead-lettered: the consumer stops, naming the partition, the offset and the fix.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import RecordTooLargeError
from kafka.errors import CorruptRecordError, KafkaError, UnsupportedCodecError

from adapters.errors import first_line
from adapters.kafka.settings import KafkaSettings

CODEC_EXTRAS = "kafka-python[snappy,lz4,zstd]"

LOCATE_SECONDS = 10.0
"""Longest a partition is read to find the batch, before the next is tried."""


def is_record_error(error: BaseException) -> bool:
    """Whether kafka-python's error is about a batch of records rather than the broker."""
    return isinstance(error, UnsupportedCodecError | CorruptRecordError | RecordTooLargeError) or (
        # The fetcher's own words when a batch it received yields no record at all.
        isinstance(error, KafkaError) and "Failed to make progress reading messages" in str(error)
    )


def fix_for(error: BaseException) -> str:
    """What an operator does about such an error, in a few words."""
    if isinstance(error, UnsupportedCodecError):
        return (
            f"install the codec extras ({CODEC_EXTRAS}, which mailledger depends on) in the "
            "consumer's environment and start it again"
        )
    if isinstance(error, RecordTooLargeError):
        return "the batch is larger than one fetch: ask its producer for smaller batches"
    return (
        "the batch is damaged on the broker: restore the partition from a replica, or move "
        "the group past it on purpose (see docs/kafka.md, 'A partition that cannot be read')"
    )


@dataclass(frozen=True)
class UndecodableBatch:
    """Where the first batch that cannot be decoded starts, and what kafka-python said."""

    partition: TopicPartition
    offset: int
    error: str


def locate_undecodable(
    kafka: KafkaSettings,
    positions: Mapping[TopicPartition, int | None],
    *,
    seconds_each: float = LOCATE_SECONDS,
) -> UndecodableBatch | None:
    """Read each partition from its position with a consumer of its own, outside the group,
    until one fails on its records; None when every one reads (or the broker will not say)."""
    try:
        consumer = KafkaConsumer(
            bootstrap_servers=kafka.servers,
            client_id="mailledger-undecodable",
            group_id=None,
            enable_auto_commit=False,
            request_timeout_ms=int(seconds_each * 1000) + 1000,
        )
    except KafkaError:
        return None  # the broker went away meanwhile: the caller words the error without a place
    try:
        for tp in sorted(positions):
            found = _first_undecodable(consumer, tp, positions[tp], seconds_each)
            if found is not None:
                return found
        return None
    except KafkaError:
        return None
    finally:
        consumer.close(autocommit=False)


def _first_undecodable(
    consumer: KafkaConsumer, tp: TopicPartition, position: int | None, seconds: float
) -> UndecodableBatch | None:
    consumer.assign([tp])
    start = position if position is not None else consumer.beginning_offsets([tp])[tp]
    if start >= consumer.end_offsets([tp])[tp]:
        return None
    consumer.seek(tp, start)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if consumer.poll(timeout_ms=500, max_records=1):
                return None
        except KafkaError as error:
            if not is_record_error(error):
                raise
            return UndecodableBatch(tp, consumer.position(tp), first_line(error))
    return None
