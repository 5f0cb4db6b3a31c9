"""A fact about the whole message (a send the provider refused, naming no recipient) holds for
every recipient of it: registered before or after it, or known only from provider events."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from domain.kinds import EventKind as K
from domain.kinds import Outcome
from domain.message import Message
from domain.values import Observation
from tests.conftest import T0, TENANT, a_send, an_observation

ADDRESSES = ("a@x.example", "b@y.example")
REFUSED = an_observation(K.ERROR, 2, None, event_id="rej-1", details={"reason": "sandbox"})


def blank() -> Message:
    return Message(tenant=TENANT, provider="sendgrid", provider_message_id="msg-1")


def test_an_observation_naming_no_recipient_is_about_the_whole_message() -> None:
    assert REFUSED.recipient is None
    assert REFUSED.message_wide
    assert not an_observation(K.ERROR, 2).message_wide
    assert REFUSED.message_id == an_observation(K.ERROR, 2).message_id


def test_a_message_wide_error_fails_every_registered_recipient() -> None:
    message = blank()
    message.register(a_send(*ADDRESSES))
    message.observe(an_observation(K.SENT, 1, "a@x.example"))
    assert message.observe(REFUSED)
    state = message.state()
    assert state.outcome is Outcome.ERROR
    assert state.last_status is K.ERROR
    assert [(r.address, r.status, r.failed) for r in state.recipients] == [
        ("a@x.example", K.ERROR, True),
        ("b@y.example", K.ERROR, True),
    ]
    assert [f.kind for f in state.recipients[0].facts] == [K.SENT, K.ERROR]
    assert state.recipients[1].facts[0].details == {"reason": "sandbox"}


def test_a_registration_after_the_message_wide_error_gets_it_too() -> None:
    message = blank()
    message.observe(REFUSED)
    before = message.state()
    # No recipient is known yet, and the message is already an error.
    assert (before.recipients, before.outcome, before.last_status) == ((), Outcome.ERROR, K.ERROR)
    assert before.sent_at == REFUSED.occurred_at

    message.register(a_send(*ADDRESSES))
    after = message.state()
    assert after.outcome is Outcome.ERROR
    assert all(r.status is K.ERROR and r.failed for r in after.recipients)
    assert after.sent_at == a_send().sent_at


def test_recipients_known_only_from_events_get_the_message_wide_error() -> None:
    message = blank()
    message.observe(an_observation(K.DELIVERED, 1, "only@events.example"))
    message.observe(REFUSED)
    [recipient] = message.state().recipients
    assert (recipient.address, recipient.status, recipient.failed) == (
        "only@events.example",
        K.ERROR,
        True,
    )


def test_a_later_delivery_of_a_recipient_clears_the_message_wide_error_for_it_alone() -> None:
    message = blank()
    message.register(a_send(*ADDRESSES))
    message.observe(REFUSED)
    message.observe(an_observation(K.DELIVERED, 5, "b@y.example"))
    state = message.state()
    assert [r.failed for r in state.recipients] == [True, False]
    assert state.outcome is Outcome.ALERT


def test_the_same_message_wide_event_again_records_nothing() -> None:
    message = blank()
    assert message.observe(REFUSED)
    version = message.version
    assert not message.observe(REFUSED)
    assert message.version == version
    # Without an event id the content hash stands in, and detects the duplicate the same way.
    hashed = an_observation(K.ERROR, 3, None)
    assert message.observe(hashed)
    assert not message.observe(an_observation(K.ERROR, 3, None))


def test_a_message_wide_event_is_stored_with_no_recipient() -> None:
    message = blank()
    message.observe(REFUSED)
    [_, event] = message.collect_events()
    assert isinstance(event, Message.Failed)
    assert event.recipient is None


@st.composite
def arrivals(draw: st.DrawFn) -> list[Observation | None]:
    """Facts about recipients and the whole message, some repeated, and the registration
    (None) anywhere among them."""
    facts = [
        Observation(
            tenant=TENANT,
            provider="sendgrid",
            provider_message_id="msg-1",
            recipient=draw(st.sampled_from([*ADDRESSES, "c@z.example", None])),
            kind=draw(st.sampled_from(list(K))),
            occurred_at=T0 + timedelta(minutes=draw(st.integers(min_value=0, max_value=4))),
            # A provider's event id names one event: repeats of it are the duplicates below.
            event_id=draw(st.sampled_from([None, f"e-{index}"])),
            details={"n": index % 3},
        )
        for index in range(draw(st.integers(min_value=0, max_value=12)))
    ]
    everyone = Observation(
        tenant=TENANT,
        provider="sendgrid",
        provider_message_id="msg-1",
        recipient=None,
        kind=K.ERROR,
        occurred_at=T0 + timedelta(minutes=draw(st.integers(min_value=0, max_value=4))),
        event_id="rejected",
    )
    repeated = [everyone, *facts, *draw(st.lists(st.sampled_from([everyone, *facts]), max_size=6))]
    return draw(st.permutations([*repeated, None]))


def replay(arriving: list[Observation | None]) -> Message:
    message = blank()
    for item in arriving:
        if item is None:
            message.register(a_send(*ADDRESSES))
        else:
            message.observe(item)
    return message


@given(st.data(), arrivals())
def test_registration_before_or_after_the_message_wide_event_gives_the_same_state(
    data: st.DataObject, arriving: list[Observation | None]
) -> None:
    first = replay(arriving)
    other = replay(data.draw(st.permutations(arriving), label="another order"))
    assert first.state() == other.state()
    assert first.version == other.version
    # The message-wide error is among every recipient's facts, registered or not.
    for recipient in first.state().recipients:
        assert "rejected" in {fact.event_id for fact in recipient.facts}
