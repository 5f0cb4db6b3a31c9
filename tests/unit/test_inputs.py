from __future__ import annotations

import io

import pytest

from adapters.intake.input_errors import InputError, read_all, read_json_lines
from adapters.intake.registrations import RegistrationIn, registration_line
from adapters.providers.generic import GenericObservationIn
from domain.values import RecipientType
from tests.conftest import a_send

GOOD_SEND = (
    '{"tenant":"acme","external_ref":"inv-1","dossier_id":"D1","subject":"Invoice",'
    '"sender":"b@acme.example","recipients":["Ana@X.example",{"address":"cc@x.example","type":"cc"}],'
    '"provider":"sendgrid","provider_message_id":"abc.filter1","sent_at":"2026-11-23T09:00:00Z"}'
)
GOOD_EVENT = (
    '{"provider":"sendgrid","provider_message_id":"abc","recipient":"ana@x.example",'
    '"event":"delivered","occurred_at":"2026-11-23T09:01:00+00:00"}'
)


def sends(text: str) -> list[object]:
    return read_all(
        read_json_lines(
            io.BytesIO(text.encode()), "sends.jsonl", RegistrationIn, RegistrationIn.to_send
        )
    )


def events(text: str) -> list[object]:
    return read_all(
        read_json_lines(
            io.BytesIO(text.encode()),
            "events.jsonl",
            GenericObservationIn,
            GenericObservationIn.to_observation,
        )
    )


def test_registration_lines_become_sends_with_typed_recipients() -> None:
    (send,) = sends(GOOD_SEND + "\n\n")
    assert send.provider_message_id == "abc"  # type: ignore[attr-defined]
    assert [(r.address, r.type) for r in send.recipients] == [  # type: ignore[attr-defined]
        ("ana@x.example", RecipientType.TO),
        ("cc@x.example", RecipientType.CC),
    ]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("{not json", r"events\.jsonl:2: not valid JSON"),
        ("[1, 2]", r"events\.jsonl:2: expected a JSON object"),
        (
            GOOD_EVENT.replace('"event":"delivered"', '"event":"teleported"'),
            r":2: field 'event': Input should be",
        ),
        (
            GOOD_EVENT.replace('"recipient":"ana@x.example",', ""),
            r":2: field 'recipient': Field required",
        ),
        (
            GOOD_EVENT.replace('"ana@x.example"', "42"),
            r":2: field 'recipient': Input should be a valid string",
        ),
        (
            GOOD_EVENT.replace("+00:00", ""),
            r":2: field 'occurred_at': Input should have timezone info",
        ),
        (
            GOOD_EVENT.replace("ana@x.example", "ana"),
            r":2: field 'recipient': 'ana' is not an e-mail address",
        ),
        (
            GOOD_EVENT.replace("}", ',"colour":"red"}'),
            r":2: field 'colour': Extra inputs are not permitted",
        ),
    ],
)
def test_bad_event_line_names_line_and_field(line: str, expected: str) -> None:
    with pytest.raises(InputError, match=expected):
        events(GOOD_EVENT + "\n" + line + "\n")


def test_bad_recipient_in_registration_names_its_position() -> None:
    with pytest.raises(InputError, match=r"sends\.jsonl:1: field 'recipients\.1': 'nobody'"):
        sends(GOOD_SEND.replace('"Ana@X.example"', '"a@x.example","nobody"'))


def test_refused_send_needs_an_error() -> None:
    line = GOOD_SEND.replace('"provider_message_id":"abc.filter1",', "")
    with pytest.raises(InputError, match="field 'provider_message_id'"):
        sends(line)
    (send,) = sends(line[:-1] + ',"error":"rejected: no MX"}')
    assert send.refused  # type: ignore[attr-defined]


def test_bytes_that_are_not_utf8_name_their_line() -> None:
    stream = io.BytesIO(GOOD_EVENT.encode() + b"\n\xff\xfe{}\n")
    with pytest.raises(InputError, match=r"events\.jsonl:2: not UTF-8 text \(byte 1\)"):
        read_all(
            read_json_lines(
                stream, "events.jsonl", GenericObservationIn, GenericObservationIn.to_observation
            )
        )


def test_a_send_written_as_a_registration_line_reads_back_the_same() -> None:
    send = a_send("ana@example.com", "bob@example.com")

    assert RegistrationIn.model_validate_json(registration_line(send)).to_send() == send
