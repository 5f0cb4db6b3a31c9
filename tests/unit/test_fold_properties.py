"""The read models' constant-space fold gives what the domain's Message aggregate gives.

The aggregate derives state from the whole set of a message's facts (domain.state); the fold
(projections.fold.MessageFold) sees the recorded events one at a time, in whatever order the
log holds them, and keeps only what decides the state. For any set of facts, any registration,
any arrival order at the aggregate and any order at the fold, both must say the same, and a
fold written to JSON and read back at any point must go on saying it.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import orjson
from hypothesis import given
from hypothesis import strategies as st

from domain.kinds import EventKind
from domain.message import Message, registration_payload_of
from domain.state import MessageState
from domain.values import Observation, Recipient, RecipientType, Send
from projections.fold import MessageFold, micros
from projections.sent_mail import dumps
from tests.conftest import T0, TENANT

PROVIDER = "mailgun"
PROVIDER_MESSAGE_ID = "m-1"
ADDRESSES = ["a@x.example", "b@y.example", "c@z.example", "d@w.example"]

Arrival = Observation | Send
"""What reaches the aggregate: a provider event, or the platform's registration."""


@dataclass(frozen=True)
class Scenario:
    """One message's inputs: provider events and maybe a registration."""

    observations: list[Observation]
    registration: Send | None


@st.composite
def registrations(draw: st.DrawFn, recipients: list[str], *, with_error: bool) -> Send:
    """A registration naming some of the recipients (perhaps one twice, perhaps others).

    ``with_error`` draws a refused send (no provider id, an error); otherwise an accepted one.
    """
    named = draw(st.lists(st.sampled_from([*recipients, *ADDRESSES]), min_size=1, max_size=5))
    refused = with_error and draw(st.booleans())
    return Send(
        tenant="acme",
        external_ref="inv-1",
        recipients=tuple(
            Recipient(address, draw(st.sampled_from(list(RecipientType)))) for address in named
        ),
        sent_at=T0 + timedelta(minutes=draw(st.integers(min_value=-1, max_value=3))),
        provider=None if refused else PROVIDER,
        provider_message_id=None if refused else PROVIDER_MESSAGE_ID,
        dossier_id=draw(st.sampled_from([None, "DOS-1"])),
        subject="Invoice 1",
        sender="billing@acme.example",
        tags=tuple(draw(st.lists(st.sampled_from(["a", "b"]), max_size=2))),
        error="provider refused" if refused else None,
    )


@st.composite
def scenarios(draw: st.DrawFn, *, refusals: bool = True) -> Scenario:
    """Facts of every kind over 1-4 recipients and about the whole message (recipient None);
    few instants and event ids, so ties happen."""
    recipients = draw(st.lists(st.sampled_from(ADDRESSES), min_size=1, max_size=4, unique=True))
    count = draw(st.integers(min_value=0, max_value=20))
    observations = [
        Observation(
            tenant=TENANT,
            provider=PROVIDER,
            provider_message_id=PROVIDER_MESSAGE_ID,
            recipient=draw(st.sampled_from([*recipients, None])),
            kind=draw(st.sampled_from(list(EventKind))),
            occurred_at=T0 + timedelta(minutes=draw(st.integers(min_value=0, max_value=3))),
            # A small pool of ids: the same id for one recipient twice is a duplicate the
            # aggregate drops; None stands for a provider that sends no id (a content hash).
            event_id=draw(st.one_of(st.none(), st.sampled_from(["e1", "e2", "e3", "e4", "e5"]))),
            details={"reason": f"r{index}"},
        )
        for index in range(count)
    ]
    registration = draw(st.one_of(st.none(), registrations(recipients, with_error=refusals)))
    return Scenario(observations, registration)


def arrive(message: Message, item: Arrival) -> bool:
    """Apply one input to the aggregate; False when it recorded nothing (a duplicate)."""
    if isinstance(item, Send):
        return message.register(item)
    return message.observe(item)


def record(arrivals: list[Arrival]) -> tuple[MessageState, list[tuple[Any, Arrival]]]:
    """The aggregate's state after these arrivals, and each recorded event with its input."""
    message = Message.start(TENANT, PROVIDER, PROVIDER_MESSAGE_ID)
    accepted = [item for item in arrivals if arrive(message, item)]
    events = message.collect_events()[1:]  # the Created event first, then one per input
    assert len(events) == len(accepted)
    return message.state(), list(zip(events, accepted, strict=True))


def state_of(inputs: list[Arrival]) -> MessageState:
    """The aggregate's state for inputs it records all of (distinct facts, one registration)."""
    message = Message.start(TENANT, PROVIDER, PROVIDER_MESSAGE_ID)
    for item in inputs:
        assert arrive(message, item)
    return message.state()


def fold_event(fold: MessageFold, event: Any) -> None:
    """What the read models do with one recorded event (projections.sent_mail.fold_events)."""
    if isinstance(event, Message.Registered):
        fold.register(registration_payload_of(event))
    else:
        assert isinstance(event, Message.Observed)
        fold.observe(event.recipient, event.kind, event.occurred_at, event.event_id)


def answers(fold: MessageFold) -> dict[str, Any]:
    """Everything the read models take from a fold."""
    refused = fold.refused
    return {
        "refused": refused,
        "outcome": fold.outcome(),
        "last_status": fold.last_status(),
        "sent_us": fold.sent_us,
        "counts": fold.status_counts(),
        "order": [address for address, _ in fold.ordered()],
        "recipients": {
            address: (
                RecipientType(recipient.type),
                recipient.status(refused),
                recipient.failed(refused),
                recipient.delivered(),
            )
            for address, recipient in fold.ordered()
        },
    }


def expected(state: MessageState) -> dict[str, Any]:
    """The same answers, from the domain's state."""
    return {
        "refused": state.refused,
        "outcome": state.outcome,
        "last_status": state.last_status,
        "sent_us": None if state.sent_at is None else micros(state.sent_at),
        "counts": dict(sorted(Counter(r.status.value for r in state.recipients).items())),
        "order": [r.address for r in state.recipients],
        "recipients": {
            r.address: (r.type, r.status, r.failed, r.delivered) for r in state.recipients
        },
    }


def round_trip(fold: MessageFold) -> MessageFold:
    """The fold as the read models store it (sorted-key JSON text) and read it back."""
    copy = MessageFold.from_json(orjson.loads(dumps(fold.to_json())))
    assert copy.to_json() == fold.to_json()
    return copy


def check_fold_against_domain(scenario: Scenario, data: st.DataObject, rnd: random.Random) -> None:
    arrivals: list[Arrival] = [*scenario.observations]
    if scenario.registration is not None:
        arrivals.append(scenario.registration)
    # The aggregate hears of the inputs in one order (the registration anywhere among them)...
    state, recorded = record(data.draw(st.permutations(arrivals), label="arrival order"))
    # ...and the log hands the recorded events to the fold in any other.
    rnd.shuffle(recorded)
    fold = MessageFold(PROVIDER, PROVIDER_MESSAGE_ID)
    assert answers(fold) == expected(state_of([]))
    for applied, (event, _) in enumerate(recorded, start=1):
        fold_event(fold, event)
        # At every point the fold says what the domain says of the events it has seen, and so
        # does its JSON copy, which the next event is then applied to.
        so_far = expected(state_of([item for _, item in recorded[:applied]]))
        assert answers(fold) == so_far
        fold = round_trip(fold)
        assert answers(fold) == so_far
    assert answers(fold) == expected(state)


@given(scenarios(), st.data(), st.randoms(use_true_random=False))
def test_the_fold_says_what_the_aggregate_says_for_any_facts_in_any_order(
    scenario: Scenario, data: st.DataObject, rnd: random.Random
) -> None:
    check_fold_against_domain(scenario, data, rnd)


@given(scenarios(), st.randoms(use_true_random=False), st.randoms(use_true_random=False))
def test_two_orders_of_the_same_events_fold_to_the_same_json(
    scenario: Scenario, first: random.Random, second: random.Random
) -> None:
    arrivals: list[Arrival] = [*scenario.observations]
    if scenario.registration is not None:
        arrivals.append(scenario.registration)
    _, recorded = record(arrivals)
    folds = []
    for rnd in (first, second):
        order = list(recorded)
        rnd.shuffle(order)
        fold = MessageFold(PROVIDER, PROVIDER_MESSAGE_ID)
        for event, _ in order:
            fold_event(fold, event)
        folds.append(fold)
    # The stored JSON itself, not only the answers, is independent of the order, so a
    # rebuilt view holds the same text.
    assert dumps(folds[0].to_json()) == dumps(folds[1].to_json())


def test_a_registration_after_facts_keeps_their_status_and_adds_the_named_recipients() -> None:
    late = Observation(
        PROVIDER, PROVIDER_MESSAGE_ID, "b@y.example", EventKind.DELIVERED, T0, tenant=TENANT
    )
    send = Send(
        tenant="acme",
        external_ref="inv-1",
        recipients=(Recipient("a@x.example"), Recipient("b@y.example", RecipientType.CC)),
        sent_at=T0 - timedelta(minutes=5),
        provider=PROVIDER,
        provider_message_id=PROVIDER_MESSAGE_ID,
    )
    state, recorded = record([late, send])
    fold = MessageFold(PROVIDER, PROVIDER_MESSAGE_ID)
    for event, _ in recorded:
        fold_event(fold, event)
    assert answers(fold) == expected(state)
    assert fold.status_counts() == {"delivered": 1, "queued": 1}
    assert fold.sent_us == micros(T0 - timedelta(minutes=5))
    assert [address for address, _ in fold.ordered()] == ["a@x.example", "b@y.example"]


@st.composite
def accepted_sends_with_an_error(draw: st.DrawFn) -> Scenario:
    """A send the provider accepted (it has a provider message id) that also carries an error.

    Send and the registration format both allow it; the domain calls a send refused only when
    it has no provider message id.
    """
    scenario = draw(scenarios(refusals=False))
    registration = draw(registrations(ADDRESSES[:2], with_error=False))
    return Scenario(
        scenario.observations,
        replace(registration, error="throttled, retried by the provider"),
    )


@given(accepted_sends_with_an_error(), st.data(), st.randoms(use_true_random=False))
def test_an_accepted_send_with_an_error_folds_as_the_aggregate_says(
    scenario: Scenario, data: st.DataObject, rnd: random.Random
) -> None:
    check_fold_against_domain(scenario, data, rnd)
