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
class Parsed:
    """The normalised observations of one body, in body order, and its notices."""

    observations: list[Observation] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)

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
