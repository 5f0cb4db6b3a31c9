"""A registration's template: recorded beside its category, compared, written and read back."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import orjson
import pytest

from adapters.intake.from_kafka import decode_sends
from adapters.intake.registrations import RegistrationIn, registration_line
from domain.errors import RegistrationConflictError
from domain.message import Message
from tests.conftest import a_send


def from_template(template: str | None = "invoice-v3") -> Message:
    send = dataclasses.replace(a_send(), category="invoice", template=template)
    message = Message.start(send.tenant, *send.identity)
    message.register(send)
    return message


def test_a_send_keeps_its_template_apart_from_its_category() -> None:
    message = from_template()

    registration = message.registration

    assert registration is not None
    assert (registration.category, registration.template) == ("invoice", "invoice-v3")
    assert message.state().registration == registration


def test_the_same_registration_with_the_same_template_is_a_duplicate() -> None:
    message = from_template()

    again = dataclasses.replace(a_send(), category="invoice", template="invoice-v3")

    assert not message.register(again)


@pytest.mark.parametrize(("first", "then"), [("invoice-v3", "invoice-v4"), (None, "invoice-v3")])
def test_a_registration_with_another_template_is_a_conflict_naming_it(
    first: str | None, then: str | None
) -> None:
    message = from_template(first)

    with pytest.raises(RegistrationConflictError, match="template") as raised:
        message.register(dataclasses.replace(a_send(), category="invoice", template=then))

    assert raised.value.fields == ["template"]


def test_a_payload_from_a_snapshot_taken_before_templates_reads_as_from_no_template() -> None:
    message = from_template(None)
    assert message.registration_payload is not None
    del message.registration_payload["template"]  # as a snapshot of the previous version holds

    registration = message.registration
    recorded_again = message.register(dataclasses.replace(a_send(), category="invoice"))

    assert registration is not None and registration.template is None
    assert not recorded_again


def test_a_registered_event_stored_before_templates_is_upcast_to_no_template() -> None:
    state: dict[str, object] = {"category": "invoice"}

    Message.Registered.upcast_v1_v2(state)

    assert state == {"category": "invoice", "template": None}
    assert Message.Registered.class_version >= 2


def test_a_registration_line_names_its_template_and_reads_back_the_same() -> None:
    send = dataclasses.replace(a_send(), template="invoice-v3")

    line = registration_line(send)

    assert orjson.loads(line)["template"] == "invoice-v3"
    assert RegistrationIn.model_validate_json(line).to_send() == send


def test_a_registration_line_from_no_template_reads_as_the_previous_version_wrote_it() -> None:
    send = a_send()

    document = orjson.loads(registration_line(send))

    assert "template" not in document
    assert RegistrationIn.model_validate(document).to_send() == send
    assert RegistrationIn.model_validate({**document, "template": None}).to_send() == send


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


def test_a_registration_record_on_kafka_carries_its_template() -> None:
    send = dataclasses.replace(a_send(), template="invoice-v3")
    bad = {**orjson.loads(registration_line(send)), "template": "bad\ttemplate"}

    decoded = decode_sends(
        [
            Record("registrations", 0, 0, None, registration_line(send)),
            Record("registrations", 0, 1, None, orjson.dumps(bad)),
        ]
    )

    assert [item for item, _ in decoded.sends] == [send]
    assert [poison.reason for poison in decoded.poison] == [
        "registrations:0@1: field 'template': holds the control character U+0009 at position 3; "
        "text holds no control characters (NUL, tab, newline, DEL…)"
    ]
