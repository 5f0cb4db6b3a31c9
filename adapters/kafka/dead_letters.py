"""The dead-letter topic: records a consumer could not use, with why and where they were.

A dead letter keeps the original key and value as they were (base64), the reason, and the
topic, partition and offset it came from. A consumer publishes it before it records its
batch's position, so a crash in between may publish it twice but never loses it; the
position tells such copies apart.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from datetime import datetime

import orjson
from kafka import KafkaConsumer, TopicPartition
from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

from adapters.intake.input_errors import validation_message
from adapters.kafka.records import Record
from adapters.kafka.settings import KafkaSettings


class DeadLetter(BaseModel):
    """One record set aside, with everything needed to look at it and to send it again."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: str
    topic: str
    partition: int
    offset: int
    key_base64: str | None
    value_base64: str | None
    failed_at: AwareDatetime
    group_id: str = ""

    @classmethod
    def of(
        cls,
        *,
        reason: str,
        topic: str,
        partition: int,
        offset: int,
        key: bytes | None,
        value: bytes | None,
        failed_at: datetime,
        group_id: str = "",
    ) -> DeadLetter:
        """The dead letter of a record, its bytes kept exactly."""
        return cls(
            reason=reason,
            topic=topic,
            partition=partition,
            offset=offset,
            key_base64=base64.b64encode(key).decode("ascii") if key is not None else None,
            value_base64=base64.b64encode(value).decode("ascii") if value is not None else None,
            failed_at=failed_at,
            group_id=group_id,
        )

    @property
    def key(self) -> bytes | None:
        """The original record's key."""
        return base64.b64decode(self.key_base64) if self.key_base64 is not None else None

    @property
    def value(self) -> bytes | None:
        """The original record's value."""
        return base64.b64decode(self.value_base64) if self.value_base64 is not None else None

    @property
    def position(self) -> tuple[str, int, int]:
        """Where the original record was: topic, partition, offset."""
        return (self.topic, self.partition, self.offset)

    def record(self, dead_letter_topic: str) -> Record:
        """This dead letter as a record of the dead-letter topic, keyed like the original."""
        return Record(
            dead_letter_topic,
            self.key,
            orjson.dumps(self.model_dump(mode="json")),
            source=f"{self.topic}:{self.partition}@{self.offset}",
        )

    def replay_record(self, topic: str | None = None) -> Record:
        """The original record again, for its own topic or the one given."""
        if self.value is None:
            raise ValueError(
                f"dead letter of {self.topic}:{self.partition}@{self.offset} has no value"
            )
        return Record(topic or self.topic, self.key, self.value, source="dead-letter replay")


class StoredDeadLetter(BaseModel):
    """A dead letter as read back, with its own place in the dead-letter topic."""

    model_config = ConfigDict(frozen=True)

    partition: int
    offset: int
    letter: DeadLetter | None
    unreadable: str | None = None


def read_dead_letters(
    settings: KafkaSettings, *, timeout_seconds: float = 30.0
) -> Iterator[StoredDeadLetter]:
    """Every record of the dead-letter topic, from the start to its end as it is now."""
    consumer = KafkaConsumer(
        bootstrap_servers=settings.servers,
        client_id="mailledger-dead-letters",
        group_id=None,
        enable_auto_commit=False,
        request_timeout_ms=settings.request_timeout_ms,
    )
    try:
        partitions = consumer.partitions_for_topic(settings.dead_letter_topic) or set()
        assigned = [TopicPartition(settings.dead_letter_topic, p) for p in sorted(partitions)]
        if not assigned:
            return
        consumer.assign(assigned)
        consumer.seek_to_beginning(*assigned)
        ends: dict[TopicPartition, int] = consumer.end_offsets(assigned)
        remaining = {tp for tp in assigned if ends[tp] > consumer.position(tp)}
        deadline = time.monotonic() + timeout_seconds
        while remaining:
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"reading {settings.dead_letter_topic} took over {timeout_seconds:.0f}s; "
                    "is the broker up?"
                )
            for tp, records in consumer.poll(timeout_ms=500).items():
                for record in records:
                    if record.offset >= ends[tp]:
                        continue
                    yield _stored(record.partition, record.offset, record.value)
                if consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
    finally:
        consumer.close()


def _stored(partition: int, offset: int, value: bytes | None) -> StoredDeadLetter:
    try:
        letter = DeadLetter.model_validate_json(value or b"")
    except ValidationError as error:
        unreadable = f"not a dead letter: {validation_message(error)}"
        return StoredDeadLetter(
            partition=partition, offset=offset, letter=None, unreadable=unreadable
        )
    return StoredDeadLetter(partition=partition, offset=offset, letter=letter)
