"""When an address is suppressed: pure rules over the set of what happened to it.

An address is suppressed at once by a fact that says the mailbox will not take mail, or does
not want it: a hard bounce, an invalid address, a spam complaint, an unsubscribe, and a block
when the tenant says so (a block is often the receiving server's policy about the sender, not
about the address). Temporary failures suppress only when they repeat: ``soft_failures``
separate messages soft-bounced or deferred in a row, with no delivery in between, within
``window``. A message counts once however often the provider retried it, so one send stuck in
a provider's retries never suppresses alone, and a delivery resets the count.

Once suppressed, an address stays so until an admin lifts it, or, when the tenant sets an
``expiry``, until that long after it was suppressed; a later delivery does not lift it, since
providers keep refusing to send to their own suppressed addresses. A lift forgives everything
that happened up to it.

The rules read the facts in the domain's order (provider time, then the kind's rank, then the
message and event ids) whatever order they arrived in, so the same set of facts and lifts gives
the same suppression.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from domain.kinds import EventKind

SUPPRESSING = frozenset(
    {EventKind.HARD_BOUNCE, EventKind.INVALID_EMAIL, EventKind.SPAM, EventKind.UNSUBSCRIBED}
)
"""Facts that suppress the address at once."""

TEMPORARY = frozenset({EventKind.SOFT_BOUNCE, EventKind.DEFERRED})
"""Facts that suppress when they repeat over separate messages."""

RESETTING = frozenset({EventKind.DELIVERED, EventKind.OPENED, EventKind.CLICKED})
"""Facts that prove the mailbox takes mail: they reset the count of temporary failures."""

FOLLOWED = SUPPRESSING | TEMPORARY | RESETTING | {EventKind.BLOCKED}
"""Every kind an address keeps; the others (sent, queued, error…) say nothing of the address."""

DEFAULT_SOFT_FAILURES = 3
DEFAULT_WINDOW = timedelta(days=30)


class Reason(StrEnum):
    """Why an address is suppressed."""

    HARD_BOUNCE = "hard_bounce"
    INVALID_EMAIL = "invalid_email"
    SPAM = "spam"
    UNSUBSCRIBED = "unsubscribed"
    BLOCKED = "blocked"
    SOFT_FAILURES = "soft_failures"


@dataclass(frozen=True)
class SuppressionPolicy:
    """A tenant's rules (see docs/policies.md for the defaults and why)."""

    soft_failures: int = DEFAULT_SOFT_FAILURES
    window: timedelta = DEFAULT_WINDOW
    suppress_on_block: bool = False
    expiry: timedelta | None = None

    def __post_init__(self) -> None:
        if self.soft_failures < 1:
            raise ValueError("soft_failures must be at least 1")
        if self.window <= timedelta(0):
            raise ValueError("window must be positive")
        if self.expiry is not None and self.expiry <= timedelta(0):
            raise ValueError("expiry must be positive when set")


@dataclass(frozen=True)
class AddressFact:
    """One provider event about the address, from one message."""

    kind: EventKind
    occurred_at: datetime
    message_id: UUID
    event_id: str

    @property
    def sort_key(self) -> tuple[datetime, int, int, str, str]:
        return (self.occurred_at, 0, self.kind.rank, str(self.message_id), self.event_id)


@dataclass(frozen=True)
class Lift:
    """An admin's decision that the address may be sent to again."""

    at: datetime
    by: str
    reason: str

    @property
    def sort_key(self) -> tuple[datetime, int, int, str, str]:
        # After the facts of the same instant: a lift forgives what happened up to it.
        return (self.at, 1, 0, self.by, self.reason)


@dataclass(frozen=True)
class Suppression:
    """The address is suppressed: why, since when, until when, and the facts that led there."""

    reason: Reason
    since: datetime
    until: datetime | None
    failures: tuple[AddressFact, ...] = field(default=())

    def holds_at(self, moment: datetime) -> bool:
        """Still in force at ``moment`` (an expiry, when set, has not passed)."""
        return self.until is None or moment < self.until


@dataclass(frozen=True)
class Standing:
    """Where the rules stand after some facts: the suppression, and the temporary failures
    counted towards one. What an address keeps of the facts it no longer keeps one by one."""

    suppression: Suppression | None = None
    streak: tuple[AddressFact, ...] = ()


def derive_suppression(
    facts: Iterable[AddressFact],
    lifts: Iterable[Lift],
    policy: SuppressionPolicy,
    *,
    start: Standing = Standing(),
) -> Suppression | None:
    """The suppression the facts and lifts (all after ``start``) lead to, or None; its
    expiry is not applied here (see Suppression.holds_at), since it depends on when one asks."""
    return standing_after(facts, lifts, policy, start=start).suppression


def standing_after(
    facts: Iterable[AddressFact],
    lifts: Iterable[Lift],
    policy: SuppressionPolicy,
    *,
    start: Standing = Standing(),
) -> Standing:
    """Where the rules stand after ``start`` and then the facts and lifts, in the domain's
    order."""
    timeline: list[AddressFact | Lift] = sorted([*facts, *lifts], key=lambda item: item.sort_key)
    current = start.suppression
    streak = list(start.streak)
    for item in timeline:
        if isinstance(item, Lift):
            current, streak = None, []
            continue
        if current is not None and not current.holds_at(item.occurred_at):
            current, streak = None, []
        if current is not None:
            continue
        current, streak = _step(item, streak, policy)
    return Standing(current, tuple(streak))


def _step(
    fact: AddressFact, streak: list[AddressFact], policy: SuppressionPolicy
) -> tuple[Suppression | None, list[AddressFact]]:
    """The suppression and the streak of temporary failures after ``fact``."""
    kind = fact.kind
    if kind in SUPPRESSING or (kind is EventKind.BLOCKED and policy.suppress_on_block):
        return _suppressed(Reason(kind.value), fact, (fact,), policy), []
    if kind in RESETTING:
        return None, []
    if kind not in TEMPORARY or any(f.message_id == fact.message_id for f in streak):
        return None, streak
    recent = [f for f in streak if f.occurred_at > fact.occurred_at - policy.window] + [fact]
    if len(recent) >= policy.soft_failures:
        return _suppressed(Reason.SOFT_FAILURES, fact, tuple(recent), policy), []
    return None, recent


def _suppressed(
    reason: Reason, fact: AddressFact, failures: tuple[AddressFact, ...], policy: SuppressionPolicy
) -> Suppression:
    until = fact.occurred_at + policy.expiry if policy.expiry is not None else None
    return Suppression(reason, fact.occurred_at, until, failures)
