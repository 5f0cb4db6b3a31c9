"""The suppression rules, by example: what suppresses at once, what must repeat, what resets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from domain.kinds import EventKind
from domain.suppression import (
    AddressFact,
    Lift,
    Reason,
    SuppressionPolicy,
    derive_suppression,
)

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
POLICY = SuppressionPolicy(soft_failures=3, window=timedelta(days=30))


def fact(kind: EventKind, days: float, message: UUID | None = None) -> AddressFact:
    return AddressFact(kind, T0 + timedelta(days=days), message or uuid4(), f"e-{uuid4()}")


@pytest.mark.parametrize(
    "kind", [EventKind.HARD_BOUNCE, EventKind.INVALID_EMAIL, EventKind.SPAM, EventKind.UNSUBSCRIBED]
)
def test_a_permanent_fact_suppresses_at_once(kind: EventKind) -> None:
    suppression = derive_suppression([fact(kind, 1)], [], POLICY)
    assert suppression is not None
    assert suppression.reason == Reason(kind.value)
    assert suppression.since == T0 + timedelta(days=1)
    assert suppression.until is None


def test_a_block_suppresses_only_when_the_tenant_says_so() -> None:
    blocked = [fact(EventKind.BLOCKED, 1)]
    assert derive_suppression(blocked, [], POLICY) is None
    strict = SuppressionPolicy(suppress_on_block=True)
    suppression = derive_suppression(blocked, [], strict)
    assert suppression is not None and suppression.reason is Reason.BLOCKED


def test_soft_failures_of_separate_messages_in_a_row_suppress() -> None:
    facts = [fact(EventKind.SOFT_BOUNCE, 1), fact(EventKind.DEFERRED, 2)]
    assert derive_suppression(facts, [], POLICY) is None
    third = fact(EventKind.SOFT_BOUNCE, 3)
    suppression = derive_suppression([*facts, third], [], POLICY)
    assert suppression is not None
    assert suppression.reason is Reason.SOFT_FAILURES
    assert suppression.since == third.occurred_at
    assert len(suppression.failures) == 3


def test_one_message_retried_many_times_counts_once() -> None:
    message = uuid4()
    retries = [fact(EventKind.DEFERRED, day / 10, message) for day in range(10)]
    assert derive_suppression(retries, [], POLICY) is None


def test_a_delivery_resets_the_count() -> None:
    facts = [
        fact(EventKind.SOFT_BOUNCE, 1),
        fact(EventKind.SOFT_BOUNCE, 2),
        fact(EventKind.DELIVERED, 3),
        fact(EventKind.SOFT_BOUNCE, 4),
        fact(EventKind.SOFT_BOUNCE, 5),
    ]
    assert derive_suppression(facts, [], POLICY) is None


def test_failures_spread_wider_than_the_window_do_not_suppress() -> None:
    facts = [fact(EventKind.SOFT_BOUNCE, days) for days in (0, 20, 40)]
    assert derive_suppression(facts, [], POLICY) is None
    assert derive_suppression([*facts, fact(EventKind.SOFT_BOUNCE, 45)], [], POLICY) is not None


def test_a_later_delivery_does_not_lift_a_suppression() -> None:
    facts = [fact(EventKind.HARD_BOUNCE, 1), fact(EventKind.DELIVERED, 2)]
    assert derive_suppression(facts, [], POLICY) is not None


def test_a_lift_forgives_what_came_before_it_only() -> None:
    lift = Lift(T0 + timedelta(days=2), "admin-key", "address fixed by the customer")
    before = [fact(EventKind.HARD_BOUNCE, 1)]
    assert derive_suppression(before, [lift], POLICY) is None
    after = fact(EventKind.HARD_BOUNCE, 3)
    suppression = derive_suppression([*before, after], [lift], POLICY)
    assert suppression is not None and suppression.since == after.occurred_at


def test_a_lift_resets_the_count_of_soft_failures() -> None:
    lift = Lift(T0 + timedelta(days=2, hours=12), "admin-key", "mailbox emptied")
    facts = [fact(EventKind.SOFT_BOUNCE, days) for days in (1, 2, 3, 4)]
    assert derive_suppression(facts, [lift], POLICY) is None


def test_an_expiry_ends_a_suppression_and_the_next_failure_starts_again() -> None:
    policy = SuppressionPolicy(expiry=timedelta(days=90))
    first = fact(EventKind.HARD_BOUNCE, 1)
    suppression = derive_suppression([first], [], policy)
    assert suppression is not None
    assert suppression.until == first.occurred_at + timedelta(days=90)
    assert suppression.holds_at(T0 + timedelta(days=90))
    assert not suppression.holds_at(T0 + timedelta(days=91))
    again = fact(EventKind.HARD_BOUNCE, 100)
    renewed = derive_suppression([first, again], [], policy)
    assert renewed is not None and renewed.since == again.occurred_at


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"soft_failures": 0}, "soft_failures"),
        ({"window": timedelta(0)}, "window"),
        ({"expiry": timedelta(days=-1)}, "expiry"),
    ],
)
def test_a_policy_out_of_range_is_refused(values: dict[str, object], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        SuppressionPolicy(**values)  # type: ignore[arg-type]
