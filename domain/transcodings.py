"""How the value objects kept in aggregate state are written into snapshots."""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import Transcoding

from domain.kinds import EventKind
from domain.values import Fact


class FactAsDict(Transcoding):
    """A recipient's fact, as a JSON object inside a snapshot."""

    type = Fact
    name = "mailledger_fact"

    def encode(self, obj: Fact) -> dict[str, Any]:
        return {
            "kind": obj.kind.value,
            "occurred_at": obj.occurred_at,
            "event_id": obj.event_id,
            "raw_type": obj.raw_type,
            "details": obj.details,
            "metadata": obj.metadata,
        }

    def decode(self, data: dict[str, Any]) -> Fact:
        return Fact(
            kind=EventKind(data["kind"]),
            occurred_at=data["occurred_at"],
            event_id=data["event_id"],
            raw_type=data["raw_type"],
            details=data["details"],
            metadata=data["metadata"],
        )
