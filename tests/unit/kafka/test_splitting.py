"""A body is cut into one record per message it concerns, and only when it holds several."""

from __future__ import annotations

from collections import Counter
from typing import Any

import orjson
import pytest

from adapters.intake.bodies import Body, read_body
from adapters.intake.splitting import split_by_message
from adapters.intake.to_kafka import provider_records
from adapters.kafka.envelope import Envelope
from adapters.kafka.records import key_of
from adapters.providers import registry
from adapters.providers.parsed import Parsed
from adapters.providers.registry import parser_for
from tests.conftest import T0, TENANT, bound
from tests.unit.providers.bodies import body
from tests.unit.providers.bodies import names as fixture_names

TOPIC = "events"


def _records(provider: str, data: bytes) -> list[tuple[bytes | None, Envelope]]:
    records = provider_records(TOPIC, provider, [Body("in.json", data, T0, tenant=TENANT)])
    return [(r.key, Envelope.from_bytes(r.value)) for r in records]


def _observed(provider: str, data: bytes) -> Counter[tuple[str, str | None, str]]:
    parsed = read_body(provider, Body("in.json", data, T0, tenant=TENANT))
    return Counter((str(o.message_id), o.recipient, o.event_id or "") for o in parsed.observations)


def test_a_body_of_one_message_travels_exactly_as_posted() -> None:
    data = body("mailgun", "delivered")
    [(key, envelope)] = _records("mailgun", data)

    assert envelope.data == data
    assert not envelope.split
    [observation] = bound(parser_for("mailgun")(data).observations)
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
        parsed = read_body("sendgrid", Body("part", envelope.data, T0, tenant=TENANT))
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


def test_a_body_is_parsed_once_however_many_messages_it_holds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    events = [orjson.loads(body("sendgrid", "delivered"))[0] for _ in range(3)]
    for index, event in enumerate(events):
        event["sg_message_id"] = f"message-{index}.filter0001.1.1"
    calls: list[int] = []
    parse = registry.PARSERS["sendgrid"]

    def counted(data: bytes) -> Parsed:
        calls.append(len(data))
        return parse(data)

    monkeypatch.setitem(registry.PARSERS, "sendgrid", counted)

    assert len(_records("sendgrid", orjson.dumps(events))) == 3
    assert len(calls) == 1


def _with_message(provider: str, element: dict[str, Any], number: int) -> dict[str, Any]:
    """The element as an event of message ``number``, where it names a message."""
    found = element
    if provider == "sparkpost":
        found = next(iter(element.get("msys", {}).values()), {})
    key = {"brevo": "message-id", "postmark": "MessageID", "sparkpost": "message_id"}.get(
        provider, "sg_message_id"
    )
    if found.get(key):
        found[key] = f"message-{number}"
    return element


BATCHES = ["brevo", "postmark", "sendgrid", "sparkpost"]


@pytest.mark.parametrize("provider", BATCHES)
def test_every_fixture_cut_by_message_says_what_the_whole_body_says(provider: str) -> None:
    # Every element of a batch yields one observation or one notice; the cut relies on it.
    elements = []
    for name in fixture_names(provider):
        loaded = orjson.loads(body(provider, name))
        elements += loaded if isinstance(loaded, list) else [loaded]
    # Two messages, taking turns, so that each is cut out of the middle of the batch.
    elements = [_with_message(provider, e, i % 2) for i, e in enumerate(elements)]
    data = orjson.dumps(elements)

    parts = split_by_message(
        provider, data, read_body(provider, Body("in", data, T0, tenant=TENANT))
    )

    assert len(parts) > 1, "the fixtures hold several messages"

    whole = _observed(provider, data)
    assert sum((_observed(provider, part.data) for part in parts), Counter()) == whole
    assert sum(part.events for part in parts) == len(elements)


def test_generic_lines_of_unicode_whitespace_are_blank_to_the_cut_as_to_the_parser() -> None:
    # Found by fuzzing: a line of U+001C is blank to the parser (str.strip) but was an
    # element to the cut (bytes.strip), so a body of two messages could not be cut.
    line = (
        '{"provider":"brevo","provider_message_id":"%s","recipient":"a@example.com",'
        '"event":"delivered","occurred_at":"2026-11-23T09:00:00Z"}'
    )
    lines = [(line % "m1").encode(), b"\x1c\xc2\xa0", (line % "m2").encode()]
    data = b"\n".join(lines) + b"\n"

    records = _records("generic", data)

    assert [e.data for _, e in records] == [lines[0] + b"\n", lines[2] + b"\n"]
