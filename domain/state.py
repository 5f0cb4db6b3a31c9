"""Pure functions that derive recipient state and message outcomes from sets of facts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.kinds import DELIVERIES, DELIVERY_FACTS, FAILURES, EventKind, Outcome
from domain.values import Fact, RecipientType, Send


@dataclass(frozen=True)
class KindTimes:
    """When a kind of event first and last happened to a recipient."""

    first: datetime
    last: datetime
    count: int


@dataclass(frozen=True)
class RecipientState:
    """Everything known about one recipient of one message, derived from its facts."""

    address: str
    type: RecipientType
    status: EventKind
    delivered: bool
    failed: bool
    facts: tuple[Fact, ...]
    times: dict[EventKind, KindTimes]


@dataclass(frozen=True)
class MessageState:
    """A message as its events say it is now (or was, at a past version)."""

    id: UUID
    provider: str
    provider_message_id: str
    registration: Send | None
    recipients: tuple[RecipientState, ...]
    outcome: Outcome
    last_status: EventKind
    sent_at: datetime | None
    version: int
    tenant: str | None = None
    """Whose message it is; None only for messages recorded before ids named their tenant."""

    @property
    def refused(self) -> bool:
        """True when the platform registered the send as refused by the provider."""
        return self.registration is not None and self.registration.refused

    @property
    def failed(self) -> bool:
        """True when any recipient failed: what the sent-mail log shows by default."""
        return self.outcome in (Outcome.ALERT, Outcome.ERROR)


def derive_recipient_state(
    address: str,
    recipient_type: RecipientType,
    facts: Iterable[Fact],
    *,
    refused: bool = False,
) -> RecipientState:
    """The recipient's state; the same set of facts gives the same state in any order."""
    ordered = tuple(sorted(facts, key=Fact.sort_key))
    baseline = EventKind.ERROR if refused else EventKind.QUEUED
    status = ordered[-1].kind if ordered else baseline
    decisive = next((f.kind for f in reversed(ordered) if f.kind in DELIVERY_FACTS), None)
    failed = decisive in FAILURES if decisive is not None else refused
    delivered = decisive in DELIVERIES if decisive is not None else False
    times: dict[EventKind, KindTimes] = {}
    for fact in ordered:
        seen = times.get(fact.kind)
        times[fact.kind] = (
            KindTimes(fact.occurred_at, fact.occurred_at, 1)
            if seen is None
            else KindTimes(seen.first, fact.occurred_at, seen.count + 1)
        )
    return RecipientState(
        address=address,
        type=recipient_type,
        status=status,
        delivered=delivered,
        failed=failed,
        facts=ordered,
        times=times,
    )


def roll_up(recipients: Sequence[RecipientState], *, refused: bool = False) -> Outcome:
    """The message outcome: error when all failed, alert when some, delivered when all arrived."""
    if refused or (recipients and all(r.failed for r in recipients)):
        return Outcome.ERROR
    if any(r.failed for r in recipients):
        return Outcome.ALERT
    if recipients and all(r.delivered for r in recipients):
        return Outcome.DELIVERED
    return Outcome.PENDING


def last_status(recipients: Sequence[RecipientState], *, refused: bool = False) -> EventKind:
    """The kind of the message's latest fact across recipients, by the same ordering rule."""
    latest = max((r.facts[-1] for r in recipients if r.facts), key=Fact.sort_key, default=None)
    if latest is not None:
        return latest.kind
    return EventKind.ERROR if refused else EventKind.QUEUED
