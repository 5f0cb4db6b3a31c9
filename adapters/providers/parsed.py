"""What one webhook body yields: observations to record and events that are not recorded."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domain.values import Observation


@dataclass(frozen=True)
class Notice:
    """An event of the body that is recorded as no observation, and why.

    ``known`` is True for types the provider documents that are not delivery facts about a
    recipient (a subscription confirmation, a list-management or a test event); False for a
    type the provider may have added since, which callers report as a warning.
    """

    index: int
    raw_type: str
    reason: str
    known: bool
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Rejected:
    """An event of the body that cannot be read, set aside so the rest of the body records.

    ``data`` is the event alone as a body of its provider's format (a one-element array for
    the batch formats, the line for the generic one, the whole body where a body is one
    event), so that it can be replayed as it is once the cause is fixed. ``reason`` is the
    BodyError's message: it names the provider, the event and the field.
    """

    index: int
    reason: str
    data: bytes
    raw_type: str | None = None


@dataclass(frozen=True)
class Parsed:
    """The normalised observations of one body, in body order, its notices, and the events
    that could not be read.

    A body that is not its provider's format as a whole (not JSON, not an event or an array
    of them) raises BodyError; one event of it that cannot be read is ``rejected`` instead,
    so a provider's batch of good events is never refused for one odd one.
    """

    observations: list[Observation] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)

    @property
    def unknown(self) -> list[Notice]:
        """Events of types this version of mailledger does not know."""
        return [notice for notice in self.notices if not notice.known]


def unknown_type(index: int, raw_type: str, provider: str) -> Notice:
    """The notice for a well-formed event of a type we do not know: skipped, never guessed."""
    return Notice(
        index=index,
        raw_type=raw_type,
        reason=f"{provider} event type {raw_type!r} is unknown to mailledger; skipped",
        known=False,
    )
