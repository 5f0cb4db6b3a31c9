from __future__ import annotations

import pytest

from domain.errors import RegistrationConflictError
from domain.kinds import EventKind as K
from domain.kinds import Outcome
from domain.message import OBSERVED_EVENTS, Message
from domain.values import Send
from tests.conftest import TENANT, a_send, an_observation


def new_message(send: Send | None = None) -> Message:
    send = send or a_send()
    assert send.provider is not None and send.provider_message_id is not None
    message = Message(
        tenant=TENANT, provider=send.provider, provider_message_id=send.provider_message_id
    )
    message.register(send)
    return message


def test_message_created_by_a_provider_event_gets_the_registration_id() -> None:
    observation = an_observation(K.DELIVERED, 1)
    message = Message(tenant=TENANT, provider="sendgrid", provider_message_id="msg-1")
    message.observe(observation)
    assert message.id == a_send().message_id == observation.message_id


def test_registered_message_without_provider_events_is_queued_and_pending() -> None:
    state = new_message(a_send("a@x.example", "b@y.example")).state()
    assert [r.status for r in state.recipients] == [K.QUEUED, K.QUEUED]
    assert state.outcome is Outcome.PENDING


def test_duplicate_observation_records_nothing() -> None:
    message = new_message()
    assert message.observe(an_observation(K.DELIVERED, 1, event_id="e1"))
    version = message.version
    assert not message.observe(an_observation(K.DELIVERED, 1, event_id="e1"))
    assert message.version == version


def test_event_without_provider_id_is_deduplicated_by_content() -> None:
    message = new_message()
    assert message.observe(an_observation(K.OPENED, 5, details={"ip": "198.51.100.1"}))
    assert not message.observe(an_observation(K.OPENED, 5, details={"ip": "198.51.100.1"}))
    assert message.observe(an_observation(K.OPENED, 5, details={"ip": "198.51.100.2"}))


def test_hard_bounce_after_delivery_turns_outcome_to_error() -> None:
    message = new_message()
    message.observe(an_observation(K.DELIVERED, 1))
    assert message.state().outcome is Outcome.DELIVERED
    message.observe(an_observation(K.HARD_BOUNCE, 600))
    state = message.state()
    assert state.outcome is Outcome.ERROR
    assert state.recipients[0].failed and not state.recipients[0].delivered
    assert [f.kind for f in state.recipients[0].facts] == [K.DELIVERED, K.HARD_BOUNCE]


def test_one_failed_recipient_of_several_raises_an_alert() -> None:
    message = new_message(a_send("a@x.example", "b@y.example"))
    message.observe(an_observation(K.DELIVERED, 1, "a@x.example"))
    message.observe(an_observation(K.HARD_BOUNCE, 1, "b@y.example"))
    assert message.state().outcome is Outcome.ALERT


def test_soft_bounce_is_a_failure_until_a_later_delivery_clears_it() -> None:
    message = new_message()
    message.observe(an_observation(K.SOFT_BOUNCE, 1))
    assert message.state().recipients[0].failed
    message.observe(an_observation(K.DELIVERED, 30))
    recipient = message.state().recipients[0]
    assert recipient.delivered and not recipient.failed


def test_open_arriving_before_delivery_still_ends_opened_and_delivered() -> None:
    message = new_message()
    message.observe(an_observation(K.OPENED, 10))
    message.observe(an_observation(K.DELIVERED, 1))
    recipient = message.state().recipients[0]
    assert recipient.status is K.OPENED
    assert recipient.delivered


def test_unsubscribe_does_not_decide_delivery() -> None:
    message = new_message()
    message.observe(an_observation(K.DELIVERED, 1))
    message.observe(an_observation(K.UNSUBSCRIBED, 5))
    recipient = message.state().recipients[0]
    assert recipient.status is K.UNSUBSCRIBED and recipient.delivered


def test_deferred_after_soft_bounce_is_in_flight_neither_failed_nor_delivered() -> None:
    message = new_message()
    message.observe(an_observation(K.SOFT_BOUNCE, 1))
    message.observe(an_observation(K.DEFERRED, 5))
    recipient = message.state().recipients[0]
    assert not recipient.failed and not recipient.delivered
    assert message.state().outcome is Outcome.PENDING


def test_refused_send_is_an_error_for_every_recipient() -> None:
    send = a_send("a@x.example", "b@y.example", provider_message_id=None, error="550 no MX")
    message = Message(tenant=TENANT, provider="platform", provider_message_id=send.external_ref)
    message.register(send)
    state = message.state()
    assert message.id == send.message_id
    assert state.outcome is Outcome.ERROR
    assert all(r.failed and r.status is K.ERROR for r in state.recipients)


def test_recipients_seen_only_in_provider_events_join_the_message() -> None:
    message = new_message()
    message.observe(an_observation(K.DELIVERED, 1, "bcc@z.example"))
    assert [r.address for r in message.state().recipients] == ["ana@example.com", "bcc@z.example"]


def test_identical_registration_again_is_a_duplicate() -> None:
    message = new_message()
    assert not message.register(a_send())


def test_registration_with_other_details_is_refused_not_overwritten() -> None:
    message = new_message()
    with pytest.raises(RegistrationConflictError, match="recipients"):
        message.register(a_send("other@example.com"))


def test_times_per_kind_keep_first_and_last() -> None:
    message = new_message()
    for minutes in (30, 5, 12):
        message.observe(an_observation(K.OPENED, minutes))
    times = message.state().recipients[0].times[K.OPENED]
    assert (times.first.minute, times.last.minute, times.count) == (5, 30, 3)


def test_registered_events_declare_their_personal_data() -> None:
    assert "recipients" in Message.Registered.personal_data
    assert {"recipient", "details"} <= set(Message.Delivered.personal_data)


def test_every_kind_has_exactly_one_event_class() -> None:
    assert set(OBSERVED_EVENTS) == set(K)
    assert all(cls.kind is kind for kind, cls in OBSERVED_EVENTS.items())
