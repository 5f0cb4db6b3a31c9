"""State is a function of the set of events: proven over arrival orders and duplications."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from domain.kinds import DELIVERIES, FAILURES, IN_FLIGHT, EventKind, Outcome
from domain.message import Message
from domain.state import derive_recipient_state, roll_up
from domain.values import Fact, Observation, RecipientType
from tests.conftest import T0, TENANT, a_send

ADDRESSES = ["a@x.example", "b@y.example", "c@z.example", "d@w.example"]


@st.composite
def observations(draw: st.DrawFn) -> list[Observation]:
    """Distinct provider events for one message; times collide often to exercise tie-breaks.

    A recipient of None is a fact about the whole message (a refused send naming no one).
    """
    count = draw(st.integers(min_value=1, max_value=25))
    return [
        Observation(
            tenant=TENANT,
            provider="mailgun",
            provider_message_id="m-1",
            recipient=draw(st.sampled_from([*ADDRESSES, None])),
            kind=draw(st.sampled_from(list(EventKind))),
            occurred_at=T0 + timedelta(minutes=draw(st.integers(min_value=0, max_value=6))),
            event_id=draw(st.one_of(st.none(), st.just(f"evt-{index}"))),
            details={"n": index},
        )
        for index in range(count)
    ]


@st.composite
def arrivals(draw: st.DrawFn, events: list[Observation]) -> list[Observation | None]:
    """The events in some order, some repeated; None marks where the registration arrives."""
    repeated = events + draw(st.lists(st.sampled_from(events), max_size=10))
    with_registration: list[Observation | None] = [*repeated, None]
    return draw(st.permutations(with_registration))


def replay(arriving: list[Observation | None]) -> Message:
    message = Message(tenant=TENANT, provider="mailgun", provider_message_id="m-1")
    for item in arriving:
        if item is None:
            message.register(a_send(*ADDRESSES[:2], provider="mailgun", provider_message_id="m-1"))
        else:
            message.observe(item)
    return message


@given(st.data(), observations())
def test_any_arrival_order_and_duplication_gives_the_same_state(
    data: st.DataObject, events: list[Observation]
) -> None:
    first = replay(data.draw(arrivals(events)))
    second = replay(data.draw(arrivals(events)))
    assert first.state() == second.state()
    assert first.version == second.version


@given(observations())
def test_duplicates_are_never_recorded(events: list[Observation]) -> None:
    message = replay([*events, *events, None])
    assert message.version == 1 + len(events) + 1  # created, each distinct event, registration


def _facts_ending_in(kind: EventKind, index: int) -> list[Fact]:
    # A sent fact first, then the decisive one: only the latest delivery fact decides.
    return [
        Fact(EventKind.SENT, T0, f"sent-{index}", "sent"),
        Fact(kind, T0 + timedelta(minutes=5), f"last-{index}", kind.value),
    ]


@given(st.lists(st.sampled_from(sorted(FAILURES | DELIVERIES | IN_FLIGHT)), min_size=1, max_size=8))
def test_outcome_rolls_up_any_mix_of_recipient_results(final_kinds: list[EventKind]) -> None:
    recipients = [
        derive_recipient_state(f"r{i}@x.example", RecipientType.TO, _facts_ending_in(kind, i))
        for i, kind in enumerate(final_kinds)
    ]
    failed = [kind in FAILURES for kind in final_kinds]
    if all(failed):
        expected = Outcome.ERROR
    elif any(failed):
        expected = Outcome.ALERT
    elif all(kind in DELIVERIES for kind in final_kinds):
        expected = Outcome.DELIVERED
    else:
        expected = Outcome.PENDING
    assert roll_up(recipients) is expected


@given(st.lists(st.sampled_from(list(EventKind)), min_size=1, max_size=10), st.randoms())
def test_recipient_state_ignores_the_order_facts_are_given_in(
    kinds: list[EventKind], rnd: object
) -> None:
    facts = [
        Fact(kind, T0 + timedelta(minutes=i % 3), f"e{i}", kind.value)
        for i, kind in enumerate(kinds)
    ]
    shuffled = list(facts)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert derive_recipient_state("a@x.example", RecipientType.TO, facts) == derive_recipient_state(
        "a@x.example", RecipientType.TO, shuffled
    )
