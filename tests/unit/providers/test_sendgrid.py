"""SendGrid Event Webhook bodies: every documented type, the rules, bad bodies, replay order."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.providers import sendgrid
from adapters.providers.errors import BodyError
from adapters.providers.parsed import Rejected
from adapters.providers.sendgrid import MAPPING, NOT_DELIVERY_FACTS, parse, smtp_code
from domain.kinds import MACHINE_OPEN, EventKind
from domain.message import Message
from domain.values import Observation
from tests.conftest import TENANT
from tests.unit.providers.bodies import body, names

MESSAGE_ID = "14c5d75ce93.dfd.64b469"
IDS = {"tenant": "acme", "dossier_id": "BK-2026-0412", "external_ref": "inv-2026-0042"}
USER_AGENT = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)"
)


def at(hour: int, minute: int, second: int) -> datetime:
    return datetime(2026, 11, 23, hour, minute, second, tzinfo=UTC)


@dataclass(frozen=True)
class Expected:
    """What one fixture's single event must become."""

    kind: EventKind
    recipient: str
    occurred_at: datetime
    event_id: str
    details: dict[str, Any]
    raw_type: str | None = None


EXPECTED: dict[str, Expected] = {
    "processed": Expected(
        EventKind.SENT,
        "alex@example.com",
        at(9, 0, 2),
        "rbtnWrG1DVDGGGFHFyun0A==",
        {"tags": ["invoice"]},
    ),
    "deferred": Expected(
        EventKind.DEFERRED,
        "alex@example.com",
        at(9, 0, 40),
        "t7LEShmowp86DTdUW8M-GQ==",
        {
            "smtp_code": 451,
            "diagnostic": "451 4.7.1 Greylisted, please try again later",
            "attempt": 1,
            "tags": ["invoice"],
        },
    ),
    "delivered": Expected(
        EventKind.DELIVERED,
        "alex@example.com",
        at(9, 1, 15),
        "rWVYmVk90MjZJ9iohOBa3w==",
        {
            "smtp_code": 250,
            "diagnostic": "250 2.0.0 OK accepted for delivery",
            "sending_ip": "198.51.100.17",
            "tags": ["invoice"],
            "tls": True,
        },
    ),
    "open": Expected(
        EventKind.OPENED,
        "alex@example.com",
        at(9, 10, 0),
        "FOTFFO0ecsBE-zxFXfs6WA==",
        {
            "user_agent": "Mozilla/5.0",
            "ip": "192.0.2.44",
            MACHINE_OPEN: True,
            "tags": ["invoice"],
        },
    ),
    "click": Expected(
        EventKind.CLICKED,
        "alex@example.com",
        at(9, 11, 0),
        "kCAi1KttyQdEKHhdC-nuEA==",
        {
            "url": "https://www.example.org/invoices/inv-2026-0042",
            "user_agent": USER_AGENT,
            "ip": "203.0.113.8",
            "tags": ["invoice", "reminder"],
        },
    ),
    "spamreport": Expected(
        EventKind.SPAM, "alex@example.com", at(9, 15, 0), "37nvH5QBz858KGVYCM4uOA==", {}
    ),
    "unsubscribe": Expected(
        EventKind.UNSUBSCRIBED,
        "alex@example.com",
        at(9, 16, 0),
        "zz_BjPgU_5pS-J8vlfB1sg==",
        {"tags": ["invoice"]},
    ),
    "group_unsubscribe": Expected(
        EventKind.UNSUBSCRIBED,
        "alex@example.com",
        at(9, 17, 0),
        "ahSCB7xYcXFb-hEaawsPRw==",
        {
            "url": "https://www.example.org/preferences",
            "user_agent": USER_AGENT,
            "ip": "203.0.113.8",
            "tags": ["invoice"],
            "unsubscribe_group": 42,
        },
    ),
    "bounce": Expected(
        EventKind.HARD_BOUNCE,
        "sam@example.org",
        at(9, 0, 30),
        "6g4ZI7SA-xmRDv57GoPIPw==",
        {
            "smtp_code": 550,
            "smtp_status": "5.1.1",
            "diagnostic": "550 5.1.1 The email account that you tried to reach does not exist",
            "bounce_type": "bounce",
            "bounce_subtype": "Invalid Address",
            "tags": ["invoice"],
            "tls": False,
        },
    ),
    "blocked": Expected(
        EventKind.BLOCKED,
        "kim@example.net",
        at(9, 0, 35),
        "YmxvY2stNy0xNzk1NDI0NC0xNGM1ZDc1Y2U5My5kZmQuNjRiNDY5LTA",
        {
            "smtp_code": 554,
            "smtp_status": "5.7.1",
            "diagnostic": (
                "554 5.7.1 Service unavailable; client host [198.51.100.17] blocked "
                "using a reputation list"
            ),
            "bounce_type": "blocked",
            "bounce_subtype": "Reputation",
            "tags": ["invoice"],
            "tls": True,
        },
        raw_type="bounce",
    ),
    "dropped": Expected(
        EventKind.BLOCKED,
        "lee@example.org",
        at(9, 0, 1),
        "zmzJhfJgAfUSOW80yEbPyw==",
        {"smtp_status": "5.0.0", "reason": "Bounced Address", "tags": ["invoice"]},
    ),
}
"""Each message-event fixture: its kind, recipient, exact UTC time, event id and details."""

NOTICE_FIXTURES = {
    "group_resubscribe": {"unsubscribe_group": 42},
    "account_status_change": {"type": "compliance_suspend"},
}
"""Fixtures of documented types that are no delivery fact, and their notices' details."""


def only(name: str) -> Observation:
    parsed = parse(body("sendgrid", name))
    assert parsed.notices == []
    assert len(parsed.observations) == 1
    return parsed.observations[0]


def events_of(name: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = json.loads(body("sendgrid", name))
    return events


def raw(*events: dict[str, Any]) -> bytes:
    return json.dumps(list(events)).encode()


def an_event(**fields: Any) -> dict[str, Any]:
    """A delivered event; ``fields`` override or add keys (None removes one)."""
    event: dict[str, Any] = {
        "email": "alex@example.com",
        "timestamp": 1795424475,
        "event": "delivered",
        "sg_event_id": "evt-1",
        "sg_message_id": f"{MESSAGE_ID}.filter0001.16648.5515E0B88.0",
        "response": "250 OK",
    }
    event.update(fields)
    return {key: value for key, value in event.items() if value is not None}


def test_every_fixture_is_checked() -> None:
    assert set(names("sendgrid")) == set(EXPECTED) | set(NOTICE_FIXTURES)


def test_every_documented_type_is_mapped_and_every_unmapped_one_explained() -> None:
    documented = {
        "processed",
        "dropped",
        "delivered",
        "deferred",
        "bounce",
        "open",
        "click",
        "spamreport",
        "unsubscribe",
        "group_unsubscribe",
        "group_resubscribe",
        "account_status_change",
    }
    assert set(MAPPING) == documented
    assert {name for name, kind in MAPPING.items() if kind is None} == set(NOTICE_FIXTURES)
    assert set(NOT_DELIVERY_FACTS) == set(NOTICE_FIXTURES)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_fixture_becomes_its_observation(name: str) -> None:
    expected = EXPECTED[name]
    observation = only(name)
    assert observation.provider == "sendgrid"
    assert observation.provider_message_id == MESSAGE_ID
    assert observation.kind is expected.kind
    assert observation.raw_type == (expected.raw_type or name)
    assert observation.recipient == expected.recipient
    assert observation.occurred_at == expected.occurred_at
    assert observation.occurred_at.utcoffset() is not None
    assert observation.event_id == expected.event_id
    assert dict(observation.details) == expected.details
    assert dict(observation.metadata) == IDS


@pytest.mark.parametrize("name", sorted(NOTICE_FIXTURES))
def test_documented_types_that_are_no_delivery_fact_give_known_notices(name: str) -> None:
    parsed = parse(body("sendgrid", name))
    assert parsed.observations == []
    [notice] = parsed.notices
    assert notice.known
    assert notice.index == 0
    assert notice.raw_type == name
    assert notice.reason == NOT_DELIVERY_FACTS[name]
    assert notice.details == NOTICE_FIXTURES[name]
    assert parsed.unknown == []


def test_one_body_carries_several_messages_in_body_order() -> None:
    other = an_event(
        email="Bo@Example.COM",
        sg_message_id="Zq9xW2vLTkeYc0nB7mHd4A.recvd-7c9f8d6b5-x2k4q-1-6741D2A0-3.0",
        sg_event_id="evt-other",
        timestamp=1795428000,
    )
    body_ = raw(
        *events_of("processed"),
        other,
        *events_of("account_status_change"),
        *events_of("bounce"),
        an_event(event="machine_learning_insight"),
        *events_of("delivered"),
    )
    parsed = parse(body_)
    assert [(o.provider_message_id, o.recipient, o.kind) for o in parsed.observations] == [
        (MESSAGE_ID, "alex@example.com", EventKind.SENT),
        ("Zq9xW2vLTkeYc0nB7mHd4A", "bo@example.com", EventKind.DELIVERED),
        (MESSAGE_ID, "sam@example.org", EventKind.HARD_BOUNCE),
        (MESSAGE_ID, "alex@example.com", EventKind.DELIVERED),
    ]
    assert parsed.observations[1].occurred_at == at(10, 0, 0)
    assert [(n.index, n.raw_type, n.known) for n in parsed.notices] == [
        (2, "account_status_change", True),
        (4, "machine_learning_insight", False),
    ]
    assert len({(o.provider, o.provider_message_id) for o in parsed.observations}) == 2


def test_an_unknown_type_is_reported_and_skipped_never_mapped() -> None:
    parsed = parse(raw(an_event(), an_event(event="delivered_to_the_moon", sg_event_id="e-2")))
    assert [o.kind for o in parsed.observations] == [EventKind.DELIVERED]
    [notice] = parsed.unknown
    assert notice.index == 1
    assert notice.raw_type == "delivered_to_the_moon"
    assert "sendgrid" in notice.reason
    assert "delivered_to_the_moon" in notice.reason


def test_custom_args_are_read_flattened_prefixed_or_nested() -> None:
    flattened = an_event(tenant="acme", dossier="BK-1", external_ref=42, userid="1123")
    prefixed = an_event(mailledger_tenant="globex", mailledger_dossier_id="BK-2")
    nested = an_event(custom_args={"tenant": "initech", "external_ref": "inv-9"}, tenant="acme")
    shaped = an_event(tenant={"not": "text"}, dossier_id=["BK-3"], external_ref=True)
    parsed = parse(raw(flattened, prefixed, nested, shaped, an_event()))
    assert [dict(o.metadata) for o in parsed.observations] == [
        {"tenant": "acme", "dossier_id": "BK-1", "external_ref": "42"},
        {"tenant": "globex", "dossier_id": "BK-2"},
        {"tenant": "acme", "external_ref": "inv-9"},
        {},
        {},
    ]


@pytest.mark.parametrize(
    ("bounce_type", "kind"),
    [
        ("bounce", EventKind.HARD_BOUNCE),
        ("blocked", EventKind.BLOCKED),
        (None, EventKind.HARD_BOUNCE),
        ("expired", EventKind.HARD_BOUNCE),
    ],
)
def test_a_bounce_is_hard_unless_its_type_says_blocked(
    bounce_type: str | None, kind: EventKind
) -> None:
    event = an_event(event="bounce", response=None, reason="550 no such user", type=bounce_type)
    [observation] = parse(raw(event)).observations
    assert observation.kind is kind
    assert observation.raw_type == "bounce"
    assert observation.details.get("bounce_type") == bounce_type


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        ("Bounced Address", EventKind.BLOCKED),
        ("Unsubscribed Address", EventKind.BLOCKED),
        ("Spam Reporting Address", EventKind.BLOCKED),
        ("Spam Content (if Spam Checker app is enabled)", EventKind.BLOCKED),
        ("Invalid", EventKind.INVALID_EMAIL),
        ("Invalid Address", EventKind.INVALID_EMAIL),
        ("Invalid SMTPAPI header", EventKind.ERROR),
        ("Recipient List over Package Quota", EventKind.ERROR),
        ("A reason SendGrid added later", EventKind.BLOCKED),
        (None, EventKind.BLOCKED),
    ],
)
def test_a_drop_is_decided_by_its_reason(reason: str | None, kind: EventKind) -> None:
    event = an_event(event="dropped", response=None, reason=reason, status="5.0.0")
    [observation] = parse(raw(event)).observations
    assert observation.kind is kind
    assert observation.raw_type == "dropped"
    assert observation.details.get("reason") == reason
    assert "diagnostic" not in observation.details


def test_a_drop_for_an_address_that_is_no_address_is_a_known_notice() -> None:
    invalid = an_event(event="dropped", email="not an email address", reason="Invalid")
    parsed = parse(raw(invalid, an_event()))
    assert [o.kind for o in parsed.observations] == [EventKind.DELIVERED]
    [notice] = parsed.notices
    assert (notice.index, notice.raw_type, notice.known) == (0, "dropped", True)
    assert "invalid address" in notice.reason


def test_an_asynchronous_bounce_without_message_id_is_a_known_notice() -> None:
    bounce = an_event(
        event="bounce", sg_message_id=None, response=None, reason="550 5.1.1 user unknown"
    )
    parsed = parse(raw(an_event(), bounce))
    assert len(parsed.observations) == 1
    [notice] = parsed.notices
    assert (notice.index, notice.raw_type, notice.known) == (1, "bounce", True)
    assert "sg_message_id" in notice.reason
    assert notice.details["diagnostic"] == "550 5.1.1 user unknown"


def test_details_read_the_fields_sendgrid_sends_in_several_shapes() -> None:
    human_open = an_event(
        event="open", response=None, sg_machine_open=False, ip="192.0.2.9", category=[]
    )
    deferral = an_event(
        event="deferred", response=None, reason="421 4.4.2 timeout", attempt=3, ip="198.51.100.2"
    )
    both = an_event(event="deferred", response="451 4.3.0 busy", reason="try later", tls="1")
    parsed = parse(raw(human_open, deferral, both))
    assert [dict(o.details) for o in parsed.observations] == [
        {"ip": "192.0.2.9"},
        {
            "smtp_code": 421,
            "diagnostic": "421 4.4.2 timeout",
            "attempt": 3,
            "sending_ip": "198.51.100.2",
        },
        {"smtp_code": 451, "diagnostic": "451 4.3.0 busy", "reason": "try later", "tls": True},
    ]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("250 OK", 250),
        ("550-5.1.1 no such user", 550),
        ("421", 421),
        ("Bounced Address", None),
        ("2500 OK", None),
        ("123 not smtp", None),
        ("", None),
        (None, None),
    ],
)
def test_the_smtp_code_is_read_only_from_the_start_of_a_reply(
    text: str | None, code: int | None
) -> None:
    assert smtp_code(text) == code


@pytest.mark.parametrize(
    ("timestamp", "expected"),
    [
        (1795424475, at(9, 1, 15)),
        ("1795424475", at(9, 1, 15)),
        (1795424475.25, datetime(2026, 11, 23, 9, 1, 15, 250000, tzinfo=UTC)),
        # Marketing Campaigns events give milliseconds: 10^11 or more is milliseconds.
        (1795424475000, at(9, 1, 15)),
        (1795424475250.0, datetime(2026, 11, 23, 9, 1, 15, 250000, tzinfo=UTC)),
        ("1795424475000", at(9, 1, 15)),
    ],
)
def test_timestamps_are_epoch_seconds_or_milliseconds_as_numbers_or_numeric_text(
    timestamp: object, expected: datetime
) -> None:
    [observation] = parse(raw(an_event(timestamp=timestamp))).observations
    assert observation.occurred_at == expected


def test_the_message_id_is_normalised_so_every_recipient_of_one_send_is_one_message() -> None:
    ids = [
        f"{MESSAGE_ID}.filter0001.16648.5515E0B88.0",
        f" {MESSAGE_ID}.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0",
        f"{MESSAGE_ID}.recvd-5f54b5d587-pczjm-1-67BADEEA-6.0",
        MESSAGE_ID,
    ]
    parsed = parse(raw(*(an_event(sg_message_id=value) for value in ids)))
    assert {o.provider_message_id for o in parsed.observations} == {MESSAGE_ID}


def test_without_sg_event_id_a_content_hash_stands_in() -> None:
    first, second = parse(raw(an_event(sg_event_id=None), an_event(sg_event_id=None))).observations
    assert first.event_id is not None
    assert first.event_id.startswith("sha256:")
    assert first.event_id == second.event_id


def error_of(body_: bytes) -> BodyError:
    with pytest.raises(BodyError) as caught:
        parse(body_)
    assert caught.value.provider == "sendgrid"
    assert str(caught.value).startswith("sendgrid ")
    return caught.value


def test_invalid_json_is_refused_whole() -> None:
    error = error_of(b'[{"event": "delivered",')
    assert error.index is None
    assert "not valid JSON" in str(error)


def test_non_utf8_bytes_are_refused() -> None:
    error = error_of(b'[{"event": "delivered", "email": "\xff\xfe@example.com"}]')
    assert error.index is None
    assert "not valid JSON" in str(error)


@pytest.mark.parametrize(
    "body_",
    [b'{"event": "delivered"}', b'"delivered"', b"null", b"17"],
)
def test_a_body_that_is_no_array_is_refused_whole(body_: bytes) -> None:
    error = error_of(body_)
    assert error.index is None
    assert "expected a JSON array of events" in str(error)


def rejected_of(body_: bytes) -> Rejected:
    """The one event of ``body_`` set aside; every other event is read."""
    parsed = parse(body_)
    [rejected] = parsed.rejected
    events = json.loads(body_)
    read = len(parsed.observations) + len(parsed.notices)
    assert read + len(parsed.rejected) == len(events)
    assert json.loads(rejected.data) == [events[rejected.index]]
    assert rejected.reason.startswith(f"sendgrid event {rejected.index}")
    return rejected


@pytest.mark.parametrize(
    ("body_", "index", "field", "words"),
    [
        (b"[1]", 0, None, "expected a JSON object"),
        (raw(an_event(), an_event(event=None)), 1, "event", "Field required"),
        (raw(an_event(), an_event(timestamp=None)), 1, "timestamp", "Field required"),
        (raw(an_event(email=["alex@example.com"])), 0, "email", "valid string"),
        (raw(an_event(attempt="fifth"), an_event()), 0, "attempt", "valid integer"),
    ],
)
def test_an_event_of_the_wrong_shape_is_set_aside_alone(
    body_: bytes, index: int, field: str | None, words: str
) -> None:
    rejected = rejected_of(body_)
    assert rejected.index == index
    assert words in rejected.reason
    if field is not None:
        assert f"sendgrid event {index}: field '{field}'" in rejected.reason


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"sg_message_id": None}, "sg_message_id"),
        ({"sg_message_id": "  "}, "sg_message_id"),
        ({"event": "open", "sg_message_id": None}, "sg_message_id"),
        ({"event": "unsubscribe", "sg_message_id": None}, "sg_message_id"),
        ({"email": None}, "email"),
        ({"email": "alex at example.com"}, "email"),
        ({"timestamp": "yesterday"}, "timestamp"),
        ({"timestamp": True}, "timestamp"),
        ({"timestamp": 10**17}, "timestamp"),
        ({"timestamp": -1}, "timestamp"),
    ],
)
def test_a_bad_event_is_set_aside_naming_index_and_field_and_the_rest_is_read(
    override: dict[str, Any], field: str
) -> None:
    bad = an_event(**override)
    rejected = rejected_of(raw(an_event(), bad))
    assert rejected.index == 1
    assert rejected.raw_type == bad["event"]
    assert f"sendgrid event 1: field '{field}'" in rejected.reason


def test_a_batch_of_real_events_with_one_odd_one_reads_every_good_one() -> None:
    good = [event for name in sorted(EXPECTED) for event in events_of(name)]
    odd = {**good[0], "timestamp": "yesterday", "sg_event_id": "odd-one"}
    body_ = raw(*good[:3], odd, *good[3:])
    parsed = parse(body_)
    assert [o.event_id for o in parsed.observations] == [
        o.event_id for o in parse(raw(*good)).observations
    ]
    [rejected] = parsed.rejected
    assert rejected.index == 3
    assert "sendgrid event 3: field 'timestamp'" in rejected.reason
    assert json.loads(rejected.data) == [odd]
    # Replayed alone, the set-aside event is refused again for the same reason.
    assert parse(rejected.data).rejected[0].reason == rejected.reason.replace("event 3", "event 0")


def test_an_empty_batch_is_nothing() -> None:
    parsed = parse(b"[]")
    assert parsed.observations == []
    assert parsed.notices == []


def one_message_observations() -> list[Observation]:
    """The fixtures' observations: one send to four recipients, every one normalised alike."""
    return [only(name) for name in sorted(EXPECTED)]


FIXTURE_OBSERVATIONS = one_message_observations()


def replay(arriving: list[Observation]) -> Message:
    message = Message(tenant=TENANT, provider=sendgrid.NAME, provider_message_id=MESSAGE_ID)
    for observation in arriving:
        message.observe(observation.for_tenant(TENANT))
    return message


@given(st.data())
def test_fixture_events_in_any_order_with_any_duplicates_give_one_state(
    data: st.DataObject,
) -> None:
    repeated = FIXTURE_OBSERVATIONS + data.draw(
        st.lists(st.sampled_from(FIXTURE_OBSERVATIONS), max_size=12)
    )
    first = replay(data.draw(st.permutations(repeated)))
    second = replay(data.draw(st.permutations(repeated)))
    assert first.state() == second.state()
    # Created, then each distinct fact once.
    assert first.version == second.version == 1 + len(FIXTURE_OBSERVATIONS)
    assert {o.for_tenant(TENANT).message_id for o in FIXTURE_OBSERVATIONS} == {first.id}
