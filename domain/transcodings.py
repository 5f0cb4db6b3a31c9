"""How the value objects kept in aggregate state are written into snapshots."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eventsourcing.persistence import Transcoding

from domain.kinds import EventKind
from domain.values import Fact


class FactAsList(Transcoding):
    """A recipient's fact inside a snapshot: ``[kind, occurred_at, event_id, raw_type, details,
    metadata]``.

    A long message's snapshot holds one fact per event, so the time is written as a plain
    ISO-8601 string rather than as a nested typed object: half the decoder's call-backs.
    """

    type = Fact
    name = "mailledger_fact"

    def encode(self, obj: Fact) -> list[Any]:
        return [
            obj.kind.value,
            obj.occurred_at.isoformat(),
            obj.event_id,
            obj.raw_type,
            obj.details,
            obj.metadata,
        ]

    def decode(self, data: list[Any]) -> Fact:
        kind, occurred_at, event_id, raw_type, details, metadata = data
        return Fact(
            EventKind(kind),
            datetime.fromisoformat(occurred_at),
            event_id,
            raw_type,
            details,
            metadata,
        )
