"""A body is cut into one record per message it concerns, and only when it holds several."""

from __future__ import annotations

from collections import Counter

import orjson

from adapters.intake.bodies import Body, read_body
from adapters.kafka.envelope import Envelope
from adapters.kafka.records import key_of, provider_records
from adapters.providers.registry import parser_for
from tests.conftest import T0
from tests.unit.providers.bodies import body

TOPIC = "events"


def _records(provider: str, data: bytes) -> list[tuple[bytes | None, Envelope]]:
    records = provider_records(TOPIC, provider, [Body("in.json", data, T0)])
    return [(r.key, Envelope.from_bytes(r.value)) for r in records]


def _observed(provider: str, data: bytes) -> Counter[tuple[str, str, str]]:
    parsed = parser_for(provider)(data)
    return Counter((str(o.message_id), o.recipient, o.event_id or "") for o in parsed.observations)


def test_a_body_of_one_message_travels_exactly_as_posted() -> None:
    data = body("mailgun", "delivered")
    [(key, envelope)] = _records("mailgun", data)

    assert envelope.data == data
    assert not envelope.split
    [observation] = parser_for("mailgun")(data).observations
    assert key == key_of(observation.message_id)


def test_a_batch_of_several_messages_becomes_one_record_per_message() -> None:
    events = [orjson.loads(body("sendgrid", name))[0] for name in ("delivered", "open", "bounce")]
    events[1]["sg_message_id"] = "other-message.filter0001.1.1"
    events.append(dict(events[0], event="click", url="https://x.example", sg_event_id="c1"))
    data = orjson.dumps(events)

    records = _records("sendgrid", data)

    assert len(records) == 2
    assert all(envelope.split for _, envelope in records)
    for key, envelope in records:
        parsed = read_body("sendgrid", Body("part", envelope.data, T0))
        assert {key_of(o.message_id) for o in parsed.observations} == {key}
    # Together the parts say exactly what the whole body says.
    parts = sum((_observed("sendgrid", e.data) for _, e in records), Counter())
    assert parts == _observed("sendgrid", data)


def test_an_event_that_records_nothing_goes_with_its_neighbour() -> None:
    delivered = orjson.loads(body("sendgrid", "delivered"))[0]
    other = dict(delivered, sg_message_id="other.filter1.1.1", sg_event_id="o1")
    unknown = dict(delivered, event="brand_new_type", sg_event_id="u1")
    data = orjson.dumps([delivered, other, unknown])

    records = _records("sendgrid", data)

    assert [len(orjson.loads(e.data)) for _, e in records] == [1, 2]
    assert orjson.loads(records[1][1].data)[1]["event"] == "brand_new_type"


def test_generic_lines_are_grouped_per_message_keeping_their_bytes() -> None:
    line = (
        '{"provider":"brevo","provider_message_id":"%s","recipient":"a@example.com",'
        '"event":"delivered","occurred_at":"2026-11-23T09:00:00Z"}'
    )
    lines = [(line % m).encode() for m in ("m1", "m2", "m1")]
    data = b"\n".join(lines) + b"\n"

    records = _records("generic", data)

    assert [e.data for _, e in records] == [lines[0] + b"\n" + lines[2] + b"\n", lines[1] + b"\n"]


def test_a_body_with_no_delivery_fact_has_no_key() -> None:
    [(key, envelope)] = _records("sparkpost", body("sparkpost", "validation_ping"))
    assert key is None
    assert envelope.data == body("sparkpost", "validation_ping")
