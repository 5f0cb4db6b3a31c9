"""A machine's open proves delivery but is no person's open: shown as such, never counted.

The parsers flag it (``details.machine``, ``domain.kinds.MACHINE_OPEN``); the read models keep
the recipient's status ``opened`` and its delivery, and leave it out of the open counts and
times: ``daily_counts`` (so the open rate) and ``recipient_status``'s ``opened`` times.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from adapters.cli.presenters import format_message, jsonable, message_json
from domain.kinds import MACHINE_OPEN, EventKind
from domain.message import Message
from domain.values import Fact, Observation, Recipient, Send
from projections.daily_counts import contribution
from projections.fold import MACHINE_OPENED, MessageFold
from projections.recipient_status import times_of
from projections.sent_mail import fold_events
from tests.conftest import T0, TENANT

ADDRESS = "a@x.example"


def observation(kind: EventKind, minutes: int, event_id: str, **details: Any) -> Observation:
    return Observation(
        provider="brevo",
        provider_message_id="m-1",
        recipient=ADDRESS,
        kind=kind,
        occurred_at=T0 + timedelta(minutes=minutes),
        event_id=event_id,
        raw_type=str(kind),
        details=details,
        tenant=TENANT,
    )


def folded(arrivals: list[Observation]) -> MessageFold:
    message = Message(tenant=TENANT, provider="brevo", provider_message_id="m-1")
    message.register(
        Send(
            tenant="acme",
            external_ref="ref-1",
            recipients=(Recipient(ADDRESS),),
            sent_at=T0,
            provider="brevo",
            provider_message_id="m-1",
        )
    )
    for arrival in arrivals:
        message.observe(arrival)
    folds: dict[UUID, tuple[MessageFold, int]] = {}
    fold_events(folds, message.collect_events())
    [(fold, _)] = folds.values()
    return fold


DELIVERED = observation(EventKind.DELIVERED, 1, "d")
MACHINE = observation(EventKind.OPENED, 2, "m", **{MACHINE_OPEN: True, "proxy_open": True})
HUMAN = observation(EventKind.OPENED, 3, "h")


def test_a_machine_open_is_a_delivery_and_the_latest_status_but_no_open_in_the_counts() -> None:
    fold = folded([DELIVERED, MACHINE])
    [recipient] = fold.recipients.values()
    assert recipient.status(refused=False) is EventKind.OPENED
    assert recipient.delivered()
    assert MACHINE_OPENED in recipient.seen
    part = contribution(fold)
    assert part is not None
    assert part[2]["opened"] == 0
    assert part[2]["delivered"] == 1


def test_a_person_s_open_after_a_machine_one_is_counted_once() -> None:
    part = contribution(folded([DELIVERED, MACHINE, HUMAN]))
    assert part is not None
    assert part[2]["opened"] == 1


@given(st.permutations([DELIVERED, MACHINE, HUMAN, MACHINE]), st.booleans())
def test_open_counts_do_not_depend_on_arrival_order(
    arrivals: list[Observation], with_human: bool
) -> None:
    kept = [a for a in arrivals if with_human or a is not HUMAN]
    part = contribution(folded(kept))
    assert part is not None
    assert part[2]["opened"] == int(with_human)


def test_recipient_times_keep_machine_opens_apart_from_opens() -> None:
    facts = [
        Fact(o.kind, o.occurred_at, o.event_id or "", o.raw_type or "", o.details)
        for o in (DELIVERED, MACHINE, HUMAN)
    ]
    times = times_of(facts)
    assert times["opened"]["count"] == 1
    assert times["opened"]["first"] == HUMAN.occurred_at.isoformat()
    assert times[MACHINE_OPENED] == {
        "first": MACHINE.occurred_at.isoformat(),
        "last": MACHINE.occurred_at.isoformat(),
        "count": 1,
    }
    assert times_of(facts[:2]).get("opened") is None


def test_show_prints_a_machine_open_as_such() -> None:
    message = Message(tenant=TENANT, provider="brevo", provider_message_id="m-1")
    for arrival in (DELIVERED, MACHINE, HUMAN):
        message.observe(arrival)
    text = format_message(jsonable(message_json(message.state())))
    lines = [line for line in text.splitlines() if "opened" in line]
    # The outcome and the recipient's status lines, then its two opens.
    assert len(lines) == 4
    assert "opened (machine)" in lines[2]
    assert "(machine)" not in lines[3]
