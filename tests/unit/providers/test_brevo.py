"""Brevo webhook bodies into observations: every documented type, batches, bad bodies."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.providers import brevo
from adapters.providers.errors import BodyError
from adapters.providers.parsed import Rejected
from domain.kinds import MACHINE_OPEN, EventKind
from domain.message import Message
from domain.values import Observation
from tests.conftest import TENANT
from tests.unit.providers.bodies import body, names

MESSAGE_ID = "202611230915.61735318457@smtp-relay.mailin.fr"
RECIPIENT = "jane.doe@example.com"
CORRELATION = {
    "tenant": "acme-travel",
    "dossier_id": "BK-2026-0412",
    "external_ref": "confirmation-7731",
}
SUBJECT = "Your booking BK-2026-0412 is confirmed"
TAGS = ["booking-confirmation"]
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148"
)
WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


def at(clock: str) -> datetime:
    """An instant of the fixtures' day, 2026-11-23, in UTC."""
    return datetime.fromisoformat(f"2026-11-23T{clock}+00:00")


# The fixture's kind, its time, and the details it must carry (exactly).
EXPECTED: dict[str, tuple[EventKind, datetime, dict[str, Any]]] = {
    "request": (
        EventKind.SENT,
        at("09:15:31"),
        {"sending_ip": "198.51.100.23", "tags": TAGS, "subject": SUBJECT, "template_id": 41},
    ),
    "delivered": (
        EventKind.DELIVERED,
        at("09:25:12"),
        {"sending_ip": "198.51.100.23", "tags": TAGS, "subject": SUBJECT, "template_id": 41},
    ),
    "deferred": (
        EventKind.DEFERRED,
        at("09:15:40"),
        {
            "smtp_code": 421,
            "smtp_status": "4.7.0",
            "reason": "421 4.7.0 Try again later, closing connection.",
            "sending_ip": "198.51.100.23",
            "tags": TAGS,
            "subject": SUBJECT,
            "template_id": 41,
        },
    ),
    "soft_bounce": (
        EventKind.SOFT_BOUNCE,
        at("09:20:02"),
        {
            "smtp_code": 452,
            "smtp_status": "4.2.2",
            "reason": "452 4.2.2 The email account that you tried to reach is over quota.",
            "sending_ip": "198.51.100.23",
            "tags": TAGS,
            "subject": SUBJECT,
            "template_id": 41,
        },
    ),
    "hard_bounce": (
        EventKind.HARD_BOUNCE,
        at("09:15:36"),
        {
            "smtp_code": 550,
            "smtp_status": "5.1.1",
            "reason": (
                "RecipientError: 550 5.1.1 <jane.doe@example.com>: Recipient address rejected: "
                "User unknown in virtual mailbox table"
            ),
            "sending_ip": "198.51.100.23",
            "tags": TAGS,
            "subject": SUBJECT,
            "template_id": 41,
        },
    ),
    "blocked": (
        EventKind.BLOCKED,
        at("09:15:32"),
        {
            "reason": "blocked : due to blacklist user",
            "tags": TAGS,
            "subject": SUBJECT,
            "template_id": 41,
        },
    ),
    "invalid_email": (
        EventKind.INVALID_EMAIL,
        at("09:15:32"),
        {"tags": TAGS, "subject": SUBJECT, "template_id": 41},
    ),
    "error": (
        EventKind.ERROR,
        at("09:15:32"),
        {"tags": TAGS, "subject": SUBJECT, "template_id": 41},
    ),
    "spam": (EventKind.SPAM, at("12:00:00"), {"tags": TAGS}),
    "complaint": (EventKind.SPAM, at("12:00:01"), {"tags": TAGS}),
    "unique_opened": (
        EventKind.OPENED,
        at("09:41:05"),
        {
            "user_agent": WINDOWS,
            "sending_ip": "198.51.100.23",
            "tags": TAGS,
            "subject": SUBJECT,
            "template_id": 41,
        },
    ),
    "opened": (
        EventKind.OPENED,
        at("10:02:47"),
        {
            "user_agent": IPHONE,
            "sending_ip": "198.51.100.23",
            "tags": TAGS,
            "subject": SUBJECT,
            "template_id": 41,
        },
    ),
    "unique_proxy_open": (
        EventKind.OPENED,
        at("09:25:58"),
        {
            "user_agent": "Mozilla/5.0",
            "proxy_open": True,
            MACHINE_OPEN: True,
            "sending_ip": "198.51.100.23",
            "tags": TAGS,
            "subject": SUBJECT,
            "sender": "bookings@example.org",
            "template_id": 41,
        },
    ),
    "proxy_open": (
        EventKind.OPENED,
        at("11:30:00"),
        {
            "user_agent": "Mozilla/5.0",
            "proxy_open": True,
            MACHINE_OPEN: True,
            "sending_ip": "198.51.100.23",
            "tags": TAGS,
            "subject": SUBJECT,
            "sender": "bookings@example.org",
            "template_id": 41,
        },
    ),
    "click": (
        EventKind.CLICKED,
        at("10:03:10"),
        {
            "url": "https://www.example.com/bookings/BK-2026-0412?utm_source=brevo",
            "user_agent": IPHONE,
            "sending_ip": "198.51.100.23",
            "tags": TAGS,
            "subject": SUBJECT,
            "template_id": 41,
        },
    ),
    "unsubscribed": (
        EventKind.UNSUBSCRIBED,
        at("10:05:00"),
        {
            "user_agent": IPHONE,
            "sending_ip": "198.51.100.23",
            "tags": TAGS,
            "subject": SUBJECT,
            "template_id": 41,
        },
    ),
}
CONTACT_EVENTS = {"list_addition", "contact_updated", "contact_deleted"}
DELIVERY_FIXTURES = sorted(EXPECTED)


def event_of(name: str) -> dict[str, Any]:
    """A fixture as a JSON object, to vary in a test."""
    loaded: dict[str, Any] = json.loads(body("brevo", name))
    return loaded


def encode(value: Any) -> bytes:
    return json.dumps(value).encode()


def only(name_or_body: str | bytes) -> Observation:
    """The single observation of a fixture (by name) or of a body."""
    raw = body("brevo", name_or_body) if isinstance(name_or_body, str) else name_or_body
    parsed = brevo.parse(raw)
    assert parsed.notices == []
    assert len(parsed.observations) == 1
    return parsed.observations[0]


def test_every_fixture_is_expected_and_every_documented_type_has_a_fixture() -> None:
    assert set(names("brevo")) == set(EXPECTED) | CONTACT_EVENTS
    assert set(brevo.MAPPING) == set(EXPECTED) | CONTACT_EVENTS


@pytest.mark.parametrize("name", DELIVERY_FIXTURES)
def test_each_documented_delivery_type(name: str) -> None:
    kind, occurred_at, facts = EXPECTED[name]
    observation = only(name)

    assert observation.provider == "brevo"
    assert observation.kind is kind
    assert observation.kind is brevo.MAPPING[name]
    assert observation.raw_type == name
    assert observation.recipient == RECIPIENT
    assert observation.occurred_at == occurred_at
    assert observation.occurred_at.tzinfo is UTC
    assert observation.provider_message_id == MESSAGE_ID
    assert observation.details == facts
    assert observation.metadata == CORRELATION
    # Brevo has no event id: the domain's content hash stands in, the same on every parse.
    assert observation.event_id == observation.content_hash()
    assert observation.event_id is not None
    assert observation.event_id.startswith("sha256:")
    assert only(name).event_id == observation.event_id


@pytest.mark.parametrize("name", sorted(CONTACT_EVENTS))
def test_contact_list_events_are_known_notices(name: str) -> None:
    parsed = brevo.parse(body("brevo", name))

    assert parsed.observations == []
    assert len(parsed.notices) == 1
    notice = parsed.notices[0]
    assert notice.known is True
    assert notice.raw_type == name
    assert notice.index == 0
    assert "not a delivery fact" in notice.reason
    assert parsed.unknown == []


def test_the_open_types_differ_only_by_raw_type_and_the_proxy_flag() -> None:
    first, later = only("unique_opened"), only("opened")
    first_proxy, later_proxy = only("unique_proxy_open"), only("proxy_open")

    assert {first.kind, later.kind, first_proxy.kind, later_proxy.kind} == {EventKind.OPENED}
    assert "proxy_open" not in first.details
    assert "proxy_open" not in later.details
    assert first_proxy.details["proxy_open"] is True
    assert later_proxy.details["proxy_open"] is True
    assert len({first.event_id, later.event_id, first_proxy.event_id, later_proxy.event_id}) == 4


def test_the_time_is_ts_event_never_the_local_date_nor_ts() -> None:
    event = event_of("delivered")
    observation = only(encode(event))
    # The fixture's "date" is CET wall-clock time and its "ts" an hour early.
    assert event["date"] == "2026-11-23 10:25:12"
    assert event["ts"] == event["ts_event"] - 3600
    assert observation.occurred_at == at("09:25:12")

    shifted = only(encode({**event, "date": "1999-01-01 00:00:00", "ts": 0}))
    assert shifted.occurred_at == observation.occurred_at
    assert shifted.event_id == observation.event_id


def test_ts_epoch_is_read_only_without_ts_event() -> None:
    event = event_of("request")
    assert only(encode(event)).occurred_at == at("09:15:31")

    del event["ts_event"]
    assert only(encode(event)).occurred_at == datetime(2026, 11, 23, 9, 15, 31, 412000, UTC)
    # Brevo's own examples sometimes give ts_epoch in seconds.
    assert only(encode({**event, "ts_epoch": 1795425331})).occurred_at == at("09:15:31")


def test_a_fractional_ts_event_keeps_its_fraction() -> None:
    event = {**event_of("delivered"), "ts_event": 1795425912.25}
    assert only(encode(event)).occurred_at == datetime(2026, 11, 23, 9, 25, 12, 250000, UTC)


def test_a_batched_body_carries_several_events_for_several_messages_in_body_order() -> None:
    second_message = "<202611231002.99887766554@smtp-relay.mailin.fr>"
    batch = [
        event_of("request"),
        {**event_of("request"), "message-id": second_message, "email": "Max@Example.org"},
        event_of("list_addition"),
        event_of("delivered"),
        {**event_of("hard_bounce"), "message-id": second_message, "email": "max@example.org"},
        {**event_of("click"), "event": "robot_scan"},
    ]

    parsed = brevo.parse(encode(batch))

    assert [(o.provider_message_id, o.recipient, o.kind) for o in parsed.observations] == [
        (MESSAGE_ID, RECIPIENT, EventKind.SENT),
        ("202611231002.99887766554@smtp-relay.mailin.fr", "max@example.org", EventKind.SENT),
        (MESSAGE_ID, RECIPIENT, EventKind.DELIVERED),
        ("202611231002.99887766554@smtp-relay.mailin.fr", "max@example.org", EventKind.HARD_BOUNCE),
    ]
    assert len({(o.provider, o.provider_message_id) for o in parsed.observations}) == 2
    assert [(n.index, n.raw_type, n.known) for n in parsed.notices] == [
        (2, "list_addition", True),
        (5, "robot_scan", False),
    ]


def test_a_batch_and_single_posts_of_one_event_give_the_same_observation() -> None:
    single = only("soft_bounce")
    [batched] = brevo.parse(encode([event_of("soft_bounce")])).observations
    assert batched == single


def test_an_empty_batch_gives_nothing() -> None:
    parsed = brevo.parse(b"[]")
    assert parsed.observations == []
    assert parsed.notices == []


def test_correlation_ids_from_a_json_x_mailin_custom() -> None:
    assert only("request").metadata == CORRELATION


def test_correlation_ids_from_key_value_pairs() -> None:
    assert event_of("delivered")["X-Mailin-custom"].startswith("tenant:acme-travel|")
    assert only("delivered").metadata == CORRELATION


@pytest.mark.parametrize(
    ("header", "metadata"),
    [
        (
            '{"mailledger_tenant": "acme", "dossier": 412, "order": "A-1"}',
            {"tenant": "acme", "dossier_id": "412"},
        ),
        (
            " mailledger_external_ref : urn:acme:7731 | tenant:acme | note ",
            {"external_ref": "urn:acme:7731", "tenant": "acme"},
        ),
        ("some_custom_header", {}),
        ('{"tenant": "acme"', {}),
        ('["tenant", "acme"]', {}),
        ("", {}),
    ],
)
def test_x_mailin_custom_forms(header: str, metadata: dict[str, str]) -> None:
    event = {**event_of("delivered"), "X-Mailin-custom": header}
    assert only(encode(event)).metadata == metadata


def test_an_x_mailin_custom_object_is_read_and_any_other_value_ignored() -> None:
    event = event_of("delivered")
    as_object = {**event, "X-Mailin-custom": {"tenant": "acme"}}
    assert only(encode(as_object)).metadata == {"tenant": "acme"}
    assert only(encode({**event, "X-Mailin-custom": 7})).metadata == {}
    without = {key: value for key, value in event.items() if key != "X-Mailin-custom"}
    assert only(encode(without)).metadata == {}


@pytest.mark.parametrize(
    ("tags", "tag", "expected"),
    [
        (["a", "b"], '["ignored"]', ["a", "b"]),
        (None, '["a", "b"]', ["a", "b"]),
        (None, "welcome-template", ["welcome-template"]),
        (None, ["a"], ["a"]),
        ([], "[not json", ["[not json"]),
        (None, "", None),
        (None, None, None),
    ],
)
def test_tags_come_from_tags_or_else_from_tag(
    tags: list[str] | None, tag: str | list[str] | None, expected: list[str] | None
) -> None:
    event = {key: value for key, value in event_of("delivered").items() if key != "tags"}
    if tags is not None:
        event["tags"] = tags
    if tag is not None:
        event["tag"] = tag
    assert only(encode(event)).details.get("tags") == expected


@pytest.mark.parametrize(
    ("reason", "code", "status"),
    [
        (
            " RecipientError: 550 5.5.0 Requested action not taken: mailbox unavailable.",
            550,
            "5.5.0",
        ),
        ("550 RecipientError: 550 5.1.1 <x@example.com>: Recipient address rejected", 550, "5.1.1"),
        ("451 4.7.26 Unauthenticated mail is prohibited", 451, "4.7.26"),
        ("undefined Unable to find MX of domain no-mx.example.com", None, None),
        ("server is down", None, None),
        ("mailbox over quota, sent 12 messages with 250 recipients today", None, None),
    ],
)
def test_smtp_codes_are_read_from_the_start_of_the_reason(
    reason: str, code: int | None, status: str | None
) -> None:
    observation = only(encode({**event_of("soft_bounce"), "reason": reason}))
    assert observation.details.get("smtp_code") == code
    assert observation.details.get("smtp_status") == status
    assert observation.details["reason"] == reason.strip()


def test_an_unknown_type_is_reported_never_mapped() -> None:
    event = {**event_of("opened"), "event": "loaded_by_robot"}
    parsed = brevo.parse(encode(event))

    assert parsed.observations == []
    assert len(parsed.unknown) == 1
    notice = parsed.unknown[0]
    assert (notice.index, notice.raw_type, notice.known) == (0, "loaded_by_robot", False)
    assert "loaded_by_robot" in notice.reason
    assert "brevo" in notice.reason


def test_an_unknown_type_needs_no_message_id() -> None:
    parsed = brevo.parse(b'{"event": "inbound_something", "email": "a@example.com"}')
    assert [n.raw_type for n in parsed.unknown] == ["inbound_something"]


def assert_body_error(
    raw: bytes, index: int | None, field: str | None, *, says: str = ""
) -> BodyError:
    with pytest.raises(BodyError) as caught:
        brevo.parse(raw)
    error = caught.value
    assert error.provider == "brevo"
    assert error.index == index
    assert error.field == field
    message = str(error)
    assert message.startswith("brevo body" if index is None else f"brevo event {index}")
    if field is not None:
        assert f"field '{field}'" in message
    assert says in message
    return error


def assert_rejected(raw: bytes, index: int, field: str | None, *, says: str = "") -> Rejected:
    """The event ``index`` of ``raw`` is set aside with its reason; every other one is read."""
    parsed = brevo.parse(raw)
    [rejected] = parsed.rejected
    assert rejected.index == index
    assert rejected.reason.startswith(f"brevo event {index}")
    if field is not None:
        assert f"field '{field}'" in rejected.reason
    assert says in rejected.reason
    document = json.loads(raw)
    if isinstance(document, list):
        assert json.loads(rejected.data) == [document[index]]
        assert len(parsed.observations) + len(parsed.notices) == len(document) - 1
    else:
        assert rejected.data == raw
    return rejected


def test_invalid_json_is_refused() -> None:
    assert_body_error(b'{"event": "delivered", ', None, None, says="not valid JSON")


def test_non_utf8_bytes_are_refused() -> None:
    raw = body("brevo", "delivered").replace(b"confirmed", b"confirm\xe9")
    assert_body_error(raw, None, None, says="not valid JSON")


@pytest.mark.parametrize("raw", [b'"delivered"', b"42", b"null"])
def test_a_body_neither_an_event_nor_an_array_is_refused(raw: bytes) -> None:
    assert_body_error(raw, 0, None, says="expected a JSON object")


@pytest.mark.parametrize(
    ("raw", "index", "field", "says"),
    [
        (b"{}", 0, "event", "required"),
        (b'{"event": 5}', 0, "event", "string"),
        (b'[{"event": "list_addition"}, [1]]', 1, None, "expected a JSON object"),
        (b'{"event": "delivered", "tags": "vip"}', 0, "tags", "valid array"),
        (b'{"event": "delivered", "message-id": 17}', 0, "message-id", "string"),
    ],
)
def test_an_event_of_the_wrong_shape_is_set_aside(
    raw: bytes, index: int, field: str | None, says: str
) -> None:
    assert_rejected(raw, index, field, says=says)


def test_a_missing_message_id_is_set_aside_with_its_index() -> None:
    without = {key: value for key, value in event_of("delivered").items() if key != "message-id"}
    assert_rejected(encode(without), 0, "message-id", says="missing")
    batch = [event_of("request"), event_of("delivered"), without]
    assert_rejected(encode(batch), 2, "message-id", says="missing")
    assert_rejected(encode({**event_of("delivered"), "message-id": "  "}), 0, "message-id")


def test_a_missing_or_invalid_recipient_is_set_aside() -> None:
    without = {key: value for key, value in event_of("click").items() if key != "email"}
    assert_rejected(encode(without), 0, "email", says="missing")
    assert_rejected(encode({**event_of("click"), "email": ""}), 0, "recipient")


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"ts_event": "2026-11-23 10:25:12"}, "ts_event", "valid number"),
        ({"ts_event": True}, "ts_event", "valid number"),
        ({"ts_event": -1}, "ts_event", "epoch seconds"),
        ({"ts_event": 10**17}, "ts_event", "epoch milliseconds"),
        ({"ts_event": None, "ts_epoch": "soon"}, "ts_epoch", "valid number"),
    ],
)
def test_an_unparseable_timestamp_is_set_aside(
    changes: dict[str, Any], field: str, says: str
) -> None:
    event = {**event_of("delivered"), **changes}
    batch = [event_of("request"), event]
    assert_rejected(encode(batch), 1, field, says=says)


def test_a_missing_timestamp_is_set_aside() -> None:
    event = {
        key: value
        for key, value in event_of("request").items()
        if key not in set(brevo.TIME_FIELDS)
    }
    assert_rejected(encode(event), 0, "ts_event", says="missing")


@pytest.mark.parametrize(
    ("times", "expected"),
    [
        ({"ts_event": 1795425912, "ts_epoch": 1, "s_epoch": 2, "ts": 3}, "09:25:12"),
        ({"ts_epoch": 1795425912000, "s_epoch": 2, "ts": 3}, "09:25:12"),
        ({"ts_epoch": 1795425912, "ts": 3}, "09:25:12"),
        ({"s_epoch": 1795425912000, "ts": 3}, "09:25:12"),
        ({"ts": 1795425912}, "09:25:12"),
    ],
)
def test_the_time_is_the_first_time_field_an_event_carries(
    times: dict[str, int], expected: str
) -> None:
    event = {k: v for k, v in event_of("proxy_open").items() if k not in set(brevo.TIME_FIELDS)}
    assert only(encode({**event, **times})).occurred_at == at(expected)


def test_a_bad_event_anywhere_is_set_aside_and_the_rest_is_read() -> None:
    batch = [event_of(name) for name in DELIVERY_FIXTURES]
    batch.append({**event_of("delivered"), "ts_event": "yesterday"})
    rejected = assert_rejected(encode(batch), len(DELIVERY_FIXTURES), "ts_event")
    assert rejected.raw_type == "delivered"
    good = brevo.parse(encode(batch[:-1])).observations
    assert brevo.parse(encode(batch)).observations == good


ONE_MESSAGE = [only(name) for name in DELIVERY_FIXTURES]


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_any_order_and_duplication_gives_the_same_state_and_version(data: st.DataObject) -> None:
    def replay() -> Message:
        extra = data.draw(st.lists(st.sampled_from(ONE_MESSAGE), max_size=12))
        arriving = data.draw(st.permutations([*ONE_MESSAGE, *extra]))
        message = Message(tenant=TENANT, provider="brevo", provider_message_id=MESSAGE_ID)
        for observation in arriving:
            message.observe(observation.for_tenant(TENANT))
        return message

    first, second = replay(), replay()
    assert first.state() == second.state()
    assert first.version == second.version == 1 + len(ONE_MESSAGE)
