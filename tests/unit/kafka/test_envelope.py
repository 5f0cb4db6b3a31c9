"""The provider-events envelope keeps the posted bytes exactly and refuses what is not one."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.kafka.envelope import Envelope, EnvelopeError
from tests.conftest import T0, TENANT


@given(data=st.binary(max_size=300), headers=st.dictionaries(st.text(min_size=1), st.text()))
def test_any_body_travels_exactly(data: bytes, headers: dict[str, str]) -> None:
    envelope = Envelope.of("sendgrid", data, T0, tenant=TENANT, source="webhook", headers=headers)

    decoded = Envelope.from_bytes(envelope.to_bytes())

    assert decoded.data == data
    assert decoded.headers == headers
    assert decoded.received_at == T0
    assert (decoded.provider, decoded.source, decoded.verified, decoded.split) == (
        "sendgrid",
        "webhook",
        False,
        False,
    )


def test_utf8_bodies_travel_as_text_others_as_base64() -> None:
    assert (
        Envelope.of("brevo", b'{"a": "\xc3\xa9"}', T0, tenant=TENANT, source="x").body
        == '{"a": "é"}'
    )
    binary = Envelope.of("brevo", b"\xff\x00", T0, tenant=TENANT, source="x")
    assert (binary.body, binary.body_base64) == (None, "/wA=")


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (None, "no value"),
        (b"not json", "not valid JSON"),
        (b"[1, 2]", "expected a JSON object"),
        (b'{"provider": "sendgrid", "body": "[]"}', "field 'received_at': Field required"),
        (
            b'{"provider": "nope", "received_at": "2026-11-23T09:00:00Z", "body": ""}',
            "provider 'nope' is unknown",
        ),
        (
            b'{"provider": "brevo", "received_at": "2026-11-23T09:00:00", "body": ""}',
            "field 'received_at'",
        ),
        (
            b'{"provider": "brevo", "received_at": "2026-11-23T09:00:00Z"}',
            "exactly one of 'body' and 'body_base64'",
        ),
        (
            b'{"provider": "brevo", "received_at": "2026-11-23T09:00:00Z", "body_base64": "%%"}',
            "not valid base64",
        ),
        (
            # Found by fuzzing: text that is not ASCII was a ValueError, not an envelope's.
            b'{"provider": "brevo", "received_at": "2026-11-23T09:00:00Z", '
            b'"body_base64": "\xc3\xa9"}',
            "not valid base64",
        ),
        (
            b'{"provider": "brevo", "received_at": "2026-11-23T09:00:00Z", "body": "", "x": 1}',
            "field 'x'",
        ),
    ],
)
def test_what_is_not_an_envelope_is_refused_with_the_reason(
    value: bytes | None, problem: str
) -> None:
    with pytest.raises(EnvelopeError) as raised:
        Envelope.from_bytes(value)
    assert problem in str(raised.value)
