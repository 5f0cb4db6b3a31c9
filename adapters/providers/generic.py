"""The generic format: one normalised observation per JSON line, for any provider."""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from adapters.intake.input_errors import describe_validation_error
from adapters.providers.errors import BodyError
from adapters.providers.parsed import Parsed
from domain.errors import InvalidObservationError
from domain.kinds import EventKind
from domain.values import Observation

NAME = "generic"


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


def is_blank(line: bytes) -> bool:
    """A line that holds no event: nothing but whitespace once read as text.

    The cut of a body by message (``adapters/intake/splitting.py``) counts the lines this
    says hold events, so both must agree on it, Unicode whitespace such as U+001C included.
    """
    return not line.decode("utf-8", "replace").strip()


def parse(body: bytes) -> Parsed:
    """JSON lines, one observation each; a bad line is told by its number, counted from 1."""
    observations: list[Observation] = []
    for number, raw in enumerate(body.splitlines(), start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            problem = f"not UTF-8 text (byte {error.start + 1})"
            raise BodyError(NAME, number, None, problem, unit="line") from None
        if is_blank(raw):
            continue
        try:
            observations.append(GenericObservationIn.model_validate_json(line).to_observation())
        except ValidationError as error:
            field, problem = describe_validation_error(error)
            raise BodyError(NAME, number, field, problem, unit="line") from None
        except InvalidObservationError as error:
            raise BodyError(NAME, number, error.field, error.problem, unit="line") from None
    return Parsed(observations=observations)
