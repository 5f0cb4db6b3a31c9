"""The generic format: one normalised observation per JSON line, for any provider."""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.kinds import EventKind
from domain.values import Observation


class GenericObservationIn(BaseModel):
    """One provider event already in mailledger's vocabulary."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    provider: str = Field(min_length=1)
    provider_message_id: str = Field(min_length=1)
    recipient: str
    event: EventKind
    occurred_at: AwareDatetime
    event_id: str | None = None
    raw_type: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)
    metadata: dict[str, str] = Field(default_factory=dict)

    def to_observation(self) -> Observation:
        """The domain's Observation; the content hash stands in for a missing event id."""
        return Observation(
            provider=self.provider,
            provider_message_id=self.provider_message_id,
            recipient=self.recipient,
            kind=self.event,
            occurred_at=self.occurred_at,
            event_id=self.event_id,
            raw_type=self.raw_type,
            details=self.details,
            metadata=self.metadata,
        )
