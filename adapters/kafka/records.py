"""The records mailledger puts on its topics, keyed by message id."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class Record:
    """A key and a value bound for a topic; how many events the value holds."""

    topic: str
    key: bytes | None
    value: bytes
    events: int = 1
    source: str = ""
    headers: tuple[tuple[str, bytes], ...] = ()
    """Kafka record headers, name and value, in order."""


def key_of(message_id: UUID | None) -> bytes | None:
    """The record key of a message: its aggregate id as text (None: any partition)."""
    return str(message_id).encode("ascii") if message_id is not None else None
