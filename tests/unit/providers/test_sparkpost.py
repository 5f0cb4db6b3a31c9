"""SparkPost's event webhook bodies, as SparkPost posts them, into observations and notices."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.providers import sparkpost
from adapters.providers.errors import BodyError
from adapters.providers.parsed import Parsed
from domain.kinds import EventKind
from domain.message import Message
from domain.values import Observation
from tests.conftest import TENANT
from tests.unit.providers.bodies import body, names
from tests.unit.providers.set_aside import SetAside, element_alone, only_set_aside

TX = "84521736098271604"
GEN_TX = "84521736098271777"
ANA = "ana.silva@example.com"
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ACME = {"tenant": "acme", "dossier_id": "BK-2026-0412", "external_ref": "inv-1042"}
UA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)"


def at(hour: int, minute: int, second: int = 0, day: int = 23) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=UTC)


# fixture -> kind, recipient, occurred_at, message id, event id, details that must be there
OBSERVED: dict[str, tuple[EventKind, str, datetime, str, str, dict[str, Any]]] = {
    "injection": (
        EventKind.SENT,
        ANA,
        T0,
        TX,
        "712860233960211001",
        {
            "sending_ip": "198.51.100.17",
            "tags": ["invoice", "eu"],
            "subject": "Your invoice INV-1042",
            "sender": "billing@acme.example.com",
            "campaign_id": "invoices-2026-11",
        },
    ),
    "delay": (
        EventKind.DEFERRED,
        ANA,
        at(9, 1, 5),
        TX,
        "712860233960211002",
        {
            "smtp_code": 451,
            "smtp_status": "4.7.1",
            "diagnostic": "451 4.7.1 Please try again later",
            "bounce_type": "Undetermined",
            "bounce_subtype": "1",
            "attempt": 1,
            "remote_mta": "203.0.113.25",
            "queue_time_ms": 64812,
        },
    ),
    "delivery": (
        EventKind.DELIVERED,
        ANA,
        at(9, 6),
        TX,
        "712860233960211003",
        {"remote_mta": "203.0.113.25", "sending_ip": "198.51.100.17", "queue_time_ms": 359412},
    ),
    "initial_open": (
        EventKind.OPENED,
        ANA,
        at(9, 15),
        TX,
        "712860233960211004",
        {"ip": "192.0.2.44", "user_agent": UA},
    ),
    "open": (EventKind.OPENED, ANA, at(9, 15, 5), TX, "712860233960211005", {"ip": "192.0.2.44"}),
    "amp_initial_open": (
        EventKind.OPENED,
        ANA,
        at(9, 20),
        TX,
        "712860233960211006",
        {"ip": "192.0.2.44"},
    ),
    "amp_open": (
        EventKind.OPENED,
        ANA,
        at(9, 20, 1),
        TX,
        "712860233960211007",
        {"ip": "192.0.2.44"},
    ),
    "click": (
        EventKind.CLICKED,
        ANA,
        at(9, 16),
        TX,
        "712860233960211008",
        {"url": "https://pay.acme.example.com/i/INV-1042", "ip": "192.0.2.44"},
    ),
    "amp_click": (
        EventKind.CLICKED,
        ANA,
        at(9, 21),
        TX,
        "712860233960211009",
        {"url": "https://acme.example.com/invoices/INV-1042.pdf", "ip": "192.0.2.44"},
    ),
    "spam_complaint": (
        EventKind.SPAM,
        ANA,
        at(9, 0, day=24),
        TX,
        "712860233960211010",
        {"feedback_type": "abuse", "remote_mta": "203.0.113.25"},
    ),
    "list_unsubscribe": (
        EventKind.UNSUBSCRIBED,
        ANA,
        at(10, 0, day=24),
        TX,
        "712860233960211011",
        {"ip": "192.0.2.44"},
    ),
    "link_unsubscribe": (
        EventKind.UNSUBSCRIBED,
        ANA,
        at(10, 1, day=24),
        TX,
        "712860233960211012",
        {"ip": "192.0.2.44", "user_agent": UA},
    ),
    "bounce": (
        EventKind.INVALID_EMAIL,
        "ben.okafor@example.org",
        at(9, 1, 10),
        TX,
        "712860233960211013",
        {
            "smtp_code": 550,
            "smtp_status": "5.1.1",
            "diagnostic": (
                "550 5.1.1 <ben.okafor@example.org>: Recipient address rejected: User unknown"
            ),
            "bounce_type": "Hard",
            "bounce_subtype": "10",
            "remote_mta": "203.0.113.80",
            "recipient_type": "cc",
        },
    ),
    "out_of_band": (
        EventKind.HARD_BOUNCE,
        "carla.mendes@example.org",
        at(11, 0),
        TX,
        "712860233960211014",
        {
            "smtp_code": 550,
            "smtp_status": "5.0.0",
            "bounce_type": "Hard",
            "bounce_subtype": "30",
            "remote_mta": "203.0.113.81",
        },
    ),
    "policy_rejection": (
        EventKind.BLOCKED,
        "dan.keller@example.org",
        at(9, 0, 1),
        TX,
        "712860233960211015",
        {
            "smtp_code": 554,
            "smtp_status": "5.7.1",
            "reason": "554 5.7.1 recipient address suppressed due to customer policy",
            "bounce_type": "Admin",
            "bounce_subtype": "25",
        },
    ),
    "generation_failure": (
        EventKind.ERROR,
        "eva.lindqvist@example.org",
        at(9, 0, 30),
        GEN_TX,
        "712860233960211016",
        {"smtp_code": 554, "smtp_status": "5.3.3"},
    ),
    "generation_rejection": (
        EventKind.BLOCKED,
        "eva.lindqvist@example.org",
        at(9, 0, 31),
        GEN_TX,
        "712860233960211017",
        {
            "reason": "554 5.7.1 recipient address suppressed due to system policy",
            "bounce_type": "Admin",
            "bounce_subtype": "25",
        },
    ),
}

# fixture -> raw type of its known notice
KNOWN_NOTICES = {
    "sms_status": "sms_status",
    "relay_injection": "relay_injection",
    "relay_rejection": "relay_rejection",
    "relay_delivery": "relay_delivery",
    "relay_tempfail": "relay_tempfail",
    "relay_permfail": "relay_permfail",
    "ab_test_completed": "ab_test_completed",
    "ab_test_cancelled": "ab_test_cancelled",
    "success": "success",
    "error": "error",
    "validation_ping": sparkpost.PING,
}


def only_observation(parsed: Parsed) -> Observation:
    assert parsed.notices == []
    assert len(parsed.observations) == 1
    return parsed.observations[0]


def fixture_event(name: str) -> dict[str, Any]:
    """The one event of a fixture, unwrapped from its msys class, to vary in a test."""
    envelope = json.loads(body("sparkpost", name))[0]
    event: dict[str, Any] = next(iter(envelope["msys"].values()))
    return event


def batch(*events: tuple[str, dict[str, Any]]) -> bytes:
    """A webhook body of (class, event) pairs."""
    return json.dumps([{"msys": {cls: event}} for cls, event in events]).encode()


def test_every_fixture_is_checked_and_every_documented_type_has_one() -> None:
    assert set(names("sparkpost")) == set(OBSERVED) | set(KNOWN_NOTICES)
    assert set(sparkpost.MAPPING) <= set(names("sparkpost"))
    assert set(sparkpost.MAPPING) == set().union(*sparkpost.CLASSES.values())


@pytest.mark.parametrize("name", sorted(OBSERVED))
def test_each_fixture_gives_its_observation(name: str) -> None:
    kind, recipient, occurred_at, message_id, event_id, facts = OBSERVED[name]
    observation = only_observation(sparkpost.parse(body("sparkpost", name)))
    assert observation.provider == "sparkpost"
    assert observation.kind is kind
    assert observation.raw_type == name
    assert observation.recipient == recipient
    assert observation.occurred_at == occurred_at
    assert observation.occurred_at.tzinfo is UTC
    assert observation.provider_message_id == message_id
    assert observation.event_id == event_id
    assert {key: observation.details.get(key) for key in facts} == facts


@pytest.mark.parametrize("name", sorted(OBSERVED))
def test_each_fixture_kind_is_its_types_mapping_unless_a_bounce_class_decides(name: str) -> None:
    observation = only_observation(sparkpost.parse(body("sparkpost", name)))
    if name in {"bounce", "out_of_band"}:
        bounce_class = observation.details["bounce_subtype"]
        assert observation.kind is sparkpost.BOUNCE_CLASSES[bounce_class].kind
    else:
        assert observation.kind is sparkpost.MAPPING[name]


@pytest.mark.parametrize("name", sorted(KNOWN_NOTICES))
def test_documented_types_that_are_no_delivery_fact_give_known_notices(name: str) -> None:
    parsed = sparkpost.parse(body("sparkpost", name))
    assert parsed.observations == []
    [notice] = parsed.notices
    assert notice.known
    assert notice.index == 0
    assert notice.raw_type == KNOWN_NOTICES[name]
    assert notice.reason
    assert parsed.unknown == []


def test_the_send_facts_are_kept_once_on_the_injection_not_on_every_event() -> None:
    opened = only_observation(sparkpost.parse(body("sparkpost", "open")))
    assert not {"tags", "subject", "sender", "campaign_id"} & set(opened.details)


def test_a_body_with_several_events_for_several_messages_keeps_body_order() -> None:
    raw = json.dumps(
        [
            *json.loads(body("sparkpost", "injection")),
            *json.loads(body("sparkpost", "validation_ping")),
            *json.loads(body("sparkpost", "generation_failure")),
            *json.loads(body("sparkpost", "relay_delivery")),
            *json.loads(body("sparkpost", "bounce")),
            *json.loads(body("sparkpost", "delivery")),
        ]
    ).encode()
    parsed = sparkpost.parse(raw)
    assert [(o.provider_message_id, o.recipient, o.raw_type) for o in parsed.observations] == [
        (TX, ANA, "injection"),
        (GEN_TX, "eva.lindqvist@example.org", "generation_failure"),
        (TX, "ben.okafor@example.org", "bounce"),
        (TX, ANA, "delivery"),
    ]
    assert [(n.index, n.raw_type, n.known) for n in parsed.notices] == [
        (1, sparkpost.PING, True),
        (3, "relay_delivery", True),
    ]
    assert len({(o.provider, o.provider_message_id) for o in parsed.observations}) == 2


def test_correlation_ids_are_read_from_rcpt_meta() -> None:
    observation = only_observation(sparkpost.parse(body("sparkpost", "delivery")))
    assert observation.metadata == ACME


def test_prefixed_correlation_ids_are_read_too() -> None:
    observation = only_observation(sparkpost.parse(body("sparkpost", "generation_failure")))
    assert observation.metadata == {
        "tenant": "acme",
        "dossier_id": "BK-2026-0413",
        "external_ref": "inv-1043",
    }


@pytest.mark.parametrize("meta", [[], "acme", None, 7, {"tenant": {"nested": 1}, "dossier": 42}])
def test_rcpt_meta_of_an_unexpected_shape_never_fails_a_fact(meta: Any) -> None:
    event = fixture_event("delivery") | {"rcpt_meta": meta}
    observation = only_observation(sparkpost.parse(batch(("message_event", event))))
    expected = {"dossier_id": "42"} if isinstance(meta, dict) else {}
    assert observation.metadata == expected


def test_the_message_id_stands_in_when_no_transmission_id_is_given() -> None:
    event = fixture_event("delivery")
    del event["transmission_id"]
    observation = only_observation(sparkpost.parse(batch(("message_event", event))))
    assert observation.provider_message_id == "0004f8c1e35b2a7d9c61"


def test_ids_posted_as_numbers_are_read_as_their_text() -> None:
    event = fixture_event("delivery") | {"event_id": 712860233960211003, "transmission_id": 845}
    observation = only_observation(sparkpost.parse(batch(("message_event", event))))
    assert (observation.provider_message_id, observation.event_id) == ("845", "712860233960211003")


@pytest.mark.parametrize(
    ("timestamp", "expected"),
    [
        ("1795424400", T0),
        (1795424400, T0),
        ("1795424400.25", datetime(2026, 11, 23, 9, 0, 0, 250000, tzinfo=UTC)),
        (1795424400.5, datetime(2026, 11, 23, 9, 0, 0, 500000, tzinfo=UTC)),
        ("2026-11-23T10:00:00.000+01:00", T0),
        ("2026-11-23T09:00:00.000Z", T0),
    ],
)
def test_timestamps_in_each_documented_form_become_utc(timestamp: Any, expected: datetime) -> None:
    event = fixture_event("delivery") | {"timestamp": timestamp}
    observation = only_observation(sparkpost.parse(batch(("message_event", event))))
    assert observation.occurred_at == expected
    assert observation.occurred_at.utcoffset() is not None


@pytest.mark.parametrize(
    ("bounce_class", "kind"),
    [
        ("1", EventKind.SOFT_BOUNCE),
        ("10", EventKind.INVALID_EMAIL),
        (10, EventKind.INVALID_EMAIL),
        ("21", EventKind.SOFT_BOUNCE),
        ("22", EventKind.SOFT_BOUNCE),
        ("24", EventKind.SOFT_BOUNCE),
        ("25", EventKind.BLOCKED),
        ("30", EventKind.HARD_BOUNCE),
        ("40", EventKind.SOFT_BOUNCE),
        ("50", EventKind.BLOCKED),
        ("51", EventKind.BLOCKED),
        ("54", EventKind.BLOCKED),
        ("70", EventKind.SOFT_BOUNCE),
        ("90", EventKind.UNSUBSCRIBED),
        ("100", EventKind.SOFT_BOUNCE),
        ("999", EventKind.HARD_BOUNCE),
        (None, EventKind.HARD_BOUNCE),
    ],
)
@pytest.mark.parametrize("raw_type", ["bounce", "out_of_band"])
def test_a_bounce_is_classified_by_its_bounce_class(
    raw_type: str, bounce_class: Any, kind: EventKind
) -> None:
    event = fixture_event(raw_type) | {"bounce_class": bounce_class}
    observation = only_observation(sparkpost.parse(batch(("message_event", event))))
    assert observation.kind is kind
    assert observation.raw_type == raw_type


@pytest.mark.parametrize("bounce_class", ["60", "80"])
def test_an_auto_reply_or_subscribe_request_is_a_known_notice_not_a_failure(
    bounce_class: str,
) -> None:
    event = fixture_event("out_of_band") | {"bounce_class": bounce_class}
    parsed = sparkpost.parse(batch(("message_event", event)))
    assert parsed.observations == []
    [notice] = parsed.notices
    assert (notice.index, notice.raw_type, notice.known) == (0, "out_of_band", True)
    assert notice.details["bounce_subtype"] == bounce_class
    assert sparkpost.BOUNCE_CLASSES[bounce_class].name in notice.reason


def test_an_unknown_type_is_an_unknown_notice_never_a_kind() -> None:
    event = fixture_event("delivery") | {"type": "rendered"}
    parsed = sparkpost.parse(
        batch(("message_event", fixture_event("injection")), ("message_event", event))
    )
    assert [o.raw_type for o in parsed.observations] == ["injection"]
    [notice] = parsed.unknown
    assert (notice.index, notice.raw_type, notice.known) == (1, "rendered", False)
    assert "sparkpost" in notice.reason
    assert "rendered" in notice.reason


def test_a_type_of_another_class_is_unknown_in_this_one() -> None:
    event = fixture_event("delivery") | {"type": "success"}
    [notice] = sparkpost.parse(batch(("message_event", event))).notices
    assert (notice.raw_type, notice.known) == ("success", False)


def test_an_unknown_type_in_a_class_without_messages_is_unknown() -> None:
    parsed = sparkpost.parse(batch(("relay_event", {"type": "relay_bounce"})))
    [notice] = parsed.notices
    assert (notice.raw_type, notice.known) == ("relay_bounce", False)


def test_an_unknown_event_class_is_an_unknown_notice_named_by_its_type() -> None:
    parsed = sparkpost.parse(batch(("engagement_event", {"type": "scroll", "timestamp": "1"})))
    [notice] = parsed.notices
    assert (notice.index, notice.raw_type, notice.known) == (0, "scroll", False)


def test_an_inbound_relay_message_is_a_known_notice() -> None:
    message = {"content": {"email_rfc822": "...", "subject": "Re: invoice"}, "protocol": "smtp"}
    [notice] = sparkpost.parse(batch(("relay_message", message))).notices
    assert (notice.raw_type, notice.known) == ("relay_message", True)


def assert_body_error(raw: bytes, index: int | None, field: str | None) -> BodyError:
    """The whole body refused: it is not JSON, or not an array."""
    with pytest.raises(BodyError) as caught:
        sparkpost.parse(raw)
    error = caught.value
    assert (error.provider, error.index, error.field) == ("sparkpost", index, field)
    assert str(error).startswith("sparkpost body: ")
    return error


def assert_set_aside(raw: bytes, index: int, field: str | None) -> SetAside:
    """One event set aside, alone, naming its index and field; every other event read."""
    parsed = sparkpost.parse(raw)
    aside = only_set_aside(parsed, "sparkpost")
    assert (aside.index, aside.field) == (index, field)
    assert element_alone(aside.data) == json.loads(raw)[index]
    assert len(parsed.observations) + len(parsed.notices) == len(json.loads(raw)) - 1
    return aside


@pytest.mark.parametrize(
    "raw", [b"", b"[{", b"not json", b'[{"msys": {}}] trailing', b'[{"msys": "\xff"}]']
)
def test_invalid_json_or_non_utf8_bytes_are_a_body_error(raw: bytes) -> None:
    error = assert_body_error(raw, None, None)
    assert "not valid JSON" in str(error)


def test_a_body_that_is_not_an_array_is_a_body_error() -> None:
    error = assert_body_error(b'{"msys": {}}', None, None)
    assert "array" in str(error)


@pytest.mark.parametrize(
    ("element", "field"),
    [
        ({}, "msys"),
        ({"msys": []}, "msys"),
        ({"msys": {"message_event": []}}, "msys.message_event"),
        ({"msys": {"message_event": None}}, "msys.message_event"),
        ({"msys": {"relay_event": None}}, "msys.relay_event"),
        ({"msys": {"message_event": {"timestamp": "1795424400"}}}, "msys.message_event.type"),
    ],
)
def test_an_event_of_the_wrong_shape_is_set_aside_naming_index_and_field(
    element: Any, field: str
) -> None:
    raw = json.dumps([{"msys": {}}, element]).encode()
    assert_set_aside(raw, 1, field)


def test_an_element_that_is_not_an_object_is_set_aside() -> None:
    error = assert_set_aside(b'[{"msys": {}}, 7]', 1, None)
    assert "object" in error.text


def test_two_event_classes_in_one_msys_are_a_body_error() -> None:
    raw = json.dumps(
        [{"msys": {"message_event": fixture_event("delivery"), "track_event": {"type": "open"}}}]
    ).encode()
    error = assert_set_aside(raw, 0, "msys")
    assert "message_event, track_event" in error.text


def test_a_missing_message_id_is_set_aside_and_nothing_is_returned() -> None:
    event = fixture_event("bounce")
    del event["transmission_id"]
    del event["message_id"]
    raw = batch(("message_event", fixture_event("injection")), ("message_event", event))
    assert_set_aside(raw, 1, "msys.message_event.transmission_id")


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_message_id_is_set_aside(blank: str) -> None:
    event = fixture_event("click") | {"transmission_id": blank, "message_id": None}
    assert_set_aside(batch(("track_event", event)), 0, "msys.track_event.transmission_id")


def test_a_missing_recipient_is_set_aside() -> None:
    event = fixture_event("open")
    del event["rcpt_to"]
    del event["raw_rcpt_to"]
    assert_set_aside(batch(("track_event", event)), 0, "msys.track_event.rcpt_to")


def test_a_recipient_that_is_no_address_is_set_aside() -> None:
    event = fixture_event("open") | {"rcpt_to": "not-an-address"}
    assert_set_aside(batch(("track_event", event)), 0, "recipient")


@pytest.mark.parametrize(
    "timestamp",
    [
        "yesterday",
        "2026-11-23T09:00:00",
        "1795424400000",
        "nan",
        "-5",
        True,
        {"seconds": 1},
        None,
    ],
)
def test_an_unparseable_timestamp_is_set_aside(timestamp: Any) -> None:
    event = fixture_event("delay") | {"timestamp": timestamp}
    raw = batch(("message_event", fixture_event("injection")), ("message_event", event))
    assert_set_aside(raw, 1, "msys.message_event.timestamp")


def test_a_missing_timestamp_is_set_aside() -> None:
    event = fixture_event("delivery")
    del event["timestamp"]
    assert_set_aside(batch(("message_event", event)), 0, "msys.message_event.timestamp")


def test_extra_and_oddly_shaped_informational_fields_never_fail_a_body() -> None:
    event = fixture_event("delay") | {
        "num_retries": {"odd": True},
        "queue_time": [1],
        "error_code": 451,
        "bounce_class": 1.5,
        "new_field": {"added": "later"},
    }
    observation = only_observation(sparkpost.parse(batch(("message_event", event))))
    assert observation.kind is EventKind.DEFERRED
    assert observation.details["smtp_code"] == 451
    assert "attempt" not in observation.details
    assert "queue_time_ms" not in observation.details


ONE_MESSAGE = [name for name, expected in OBSERVED.items() if expected[3] == TX]
FACTS_OF_ONE_MESSAGE = [
    observation
    for name in ONE_MESSAGE
    for observation in sparkpost.parse(body("sparkpost", name)).observations
]


def replay(observations: list[Observation]) -> Message:
    message = Message(tenant=TENANT, provider="sparkpost", provider_message_id=TX)
    for observation in observations:
        message.observe(observation.for_tenant(TENANT))
    return message


@given(
    st.permutations(FACTS_OF_ONE_MESSAGE),
    st.lists(st.sampled_from(FACTS_OF_ONE_MESSAGE), max_size=12),
    st.randoms(use_true_random=False),
)
def test_one_messages_events_in_any_order_with_duplicates_give_one_state(
    ordered: list[Observation], repeats: list[Observation], rng: random.Random
) -> None:
    arriving = [*ordered, *repeats]
    rng.shuffle(arriving)
    expected = replay(FACTS_OF_ONE_MESSAGE)
    got = replay(arriving)
    assert got.state() == expected.state()
    assert got.version == expected.version == 1 + len(FACTS_OF_ONE_MESSAGE)
