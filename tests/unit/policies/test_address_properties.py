"""The same facts in any order, repeated or not, leave an address in the same state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import domain.address as address_module
from domain.address import Address, Preference
from domain.kinds import EventKind
from domain.suppression import (
    FOLLOWED,
    AddressFact,
    Lift,
    SuppressionPolicy,
    derive_suppression,
)

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
KEY = b"an installation key of 32 bytes!"
MESSAGES = [UUID(int=n) for n in range(1, 6)]

facts = st.builds(
    AddressFact,
    kind=st.sampled_from(sorted(FOLLOWED)),
    occurred_at=st.integers(0, 60 * 24 * 60).map(lambda m: T0 + timedelta(minutes=m)),
    message_id=st.sampled_from(MESSAGES),
    event_id=st.text("abcdef", min_size=1, max_size=3),
)
lifts = st.builds(
    Lift,
    at=st.integers(0, 60 * 24 * 60).map(lambda m: T0 + timedelta(minutes=m)),
    by=st.sampled_from(["admin-1", "admin-2"]),
    reason=st.sampled_from(["fixed", "asked by the customer"]),
)
policies = st.builds(
    SuppressionPolicy,
    soft_failures=st.integers(1, 4),
    window=st.sampled_from([timedelta(days=1), timedelta(days=30)]),
    suppress_on_block=st.booleans(),
    expiry=st.sampled_from([None, timedelta(days=7)]),
)


def recorded_after(
    arrivals: list[AddressFact | Lift], policy: SuppressionPolicy
) -> tuple[Address, object]:
    """An address given the arrivals one by one, settled after each, as the process does."""
    address = Address.start(KEY, "acme", "ana@example.com")
    for item in arrivals:
        if isinstance(item, Lift):
            address.trigger_event(Address.Lifted, by=item.by, reason=item.reason, at=item.at)
        else:
            address.note(item)
        address.settle(policy)
    return address, address.derived(policy)


@settings(max_examples=300, deadline=None)
@given(
    # An event id names one event: two facts never share it.
    st.lists(facts, max_size=12, unique_by=lambda f: (f.message_id, f.event_id)),
    st.lists(lifts, max_size=2),
    policies,
    st.randoms(use_true_random=False),
)
def test_any_order_and_repetition_gives_the_same_suppression(
    noted: list[AddressFact], lifted: list[Lift], policy: SuppressionPolicy, rng: object
) -> None:
    in_order, expected = recorded_after([*noted, *lifted], policy)
    shuffled: list[AddressFact | Lift] = [*noted, *noted[: len(noted) // 2], *lifted]
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    address, derived = recorded_after(shuffled, policy)
    assert derived == expected
    # What the process recorded last agrees with what the facts say.
    if derived is None:
        assert address.recorded is None
    else:
        assert address.recorded is not None
        assert address.recorded["since"] == derived.since.isoformat()  # type: ignore[attr-defined]
    now = T0 + timedelta(days=90)
    state, expected_state = address.state(policy, now), in_order.state(policy, now)
    assert (state.suppression, state.preference, state.facts) == (
        expected_state.suppression,
        expected_state.preference,
        expected_state.facts,
    )


@given(
    st.lists(
        st.tuples(
            st.sampled_from(list(Preference)),
            st.integers(0, 1000).map(lambda m: T0 + timedelta(minutes=m)),
            st.sampled_from(["platform", "admin-1"]),
        ),
        min_size=1,
        max_size=6,
    ),
    st.randoms(use_true_random=False),
)
def test_the_latest_preference_wins_whatever_the_order_it_arrived_in(
    changes: list[tuple[Preference, datetime, str]], rng: object
) -> None:
    def final(order: list[tuple[Preference, datetime, str]]) -> object:
        address = Address.start(KEY, "acme", "ana@example.com")
        for preference, at, by in order:
            address.trigger_event(Address.PreferenceSet, preference=preference.value, by=by, at=at)
        return address.preference()

    shuffled = list(changes)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    assert final(shuffled) == final(changes)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(facts, min_size=10, max_size=40, unique_by=lambda f: (f.message_id, f.event_id)),
    policies,
)
def test_an_address_folding_its_oldest_facts_derives_what_all_its_facts_derive(
    noted: list[AddressFact], policy: SuppressionPolicy
) -> None:
    # Kept small here so that folding happens; facts arriving in their own order, as most do.
    in_time = sorted(noted, key=lambda f: f.sort_key)
    address = Address.start(KEY, "acme", "ana@example.com")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(address_module, "MAX_KEPT_FACTS", 6)
        patch.setattr(address_module, "KEPT_AFTER_FOLDING", 3)
        for fact in in_time:
            address.note(fact)
            address.settle(policy)
            assert len(address.facts) <= 7
    assert address.folded is not None
    assert address.derived(policy) == derive_suppression(in_time, [], policy)
    # A fact older than the fold, arriving now, is kept no more.
    assert not address.note(
        AddressFact(EventKind.HARD_BOUNCE, T0 - timedelta(days=1), MESSAGES[0], "late")
    )
