"""Mailgun webhook bodies into observations: every fixture, the failed rules, bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.providers import mailgun
from adapters.providers.errors import BodyError
from domain.kinds import MACHINE_OPEN, EventKind
from domain.message import Message
from domain.values import Observation
from tests.conftest import TENANT
from tests.unit.providers.bodies import body, names

MESSAGE_A = "20261123093000.5e1c2b7a9d4f8e31@mg.example.org"
MESSAGE_B = "20261123093510.77c0d1e2f3a4b5c6@mg.example.org"
MESSAGE_C = "20261123093110.0a9b8c7d6e5f4a3b@mg.example.org"
ALICE = "alice@example.com"
MESSAGE_ID_FIELD = "event-data.message.headers.message-id"
CORRELATED = {"tenant": "acme", "dossier_id": "BK-2026-0412", "external_ref": "INV-7781"}
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SENDER = "Example Billing <billing@mg.example.org>"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# fixture: (kind, recipient, occurred_at, message id, event id, details, metadata)
EXPECTED: dict[str, tuple[EventKind, str, datetime, str, str, dict[str, Any], dict[str, str]]] = {
    "accepted": (
        EventKind.SENT,
        ALICE,
        at("2026-11-23T09:30:00.123456"),
        MESSAGE_A,
        "2026-11-23/KdOH_HKdq5UHbTk06GLHOg",
        {"tags": ["invoice"], "subject": "Your invoice INV-7781", "sender": SENDER},
        {},
    ),
    "delivered": (
        EventKind.DELIVERED,
        ALICE,
        at("2026-11-23T09:30:02.654321"),
        MESSAGE_A,
        "2026-11-23/BBB_a3y75DpbBrZFQvyB7Q",
        {
            "smtp_code": 250,
            "diagnostic": "OK",
            "remote_mta": "mx1.example.com",
            "attempt": 1,
            "sending_ip": "198.51.100.25",
            "tags": ["invoice"],
            "subject": "Your invoice INV-7781",
            "sender": SENDER,
        },
        CORRELATED,
    ),
    "opened": (
        EventKind.OPENED,
        ALICE,
        at("2026-11-23T09:41:17.5"),
        MESSAGE_A,
        "2026-11-23/5pVGuu9YmgeCezeWWkrCgg",
        {
            "user_agent": USER_AGENT,
            "ip": "203.0.113.7",
            "tags": ["invoice"],
            "client_type": "browser",
        },
        {},
    ),
    "clicked": (
        EventKind.CLICKED,
        ALICE,
        at("2026-11-23T09:41:40.25"),
        MESSAGE_A,
        "2026-11-23/QBgqMNST5tcQi2R0xpZn2A",
        {
            "url": "https://www.example.com/invoices/INV-7781?utm_source=mail",
            "user_agent": USER_AGENT,
            "ip": "203.0.113.7",
            "tags": ["invoice"],
            "client_type": "browser",
        },
        CORRELATED,
    ),
    "unsubscribed": (
        EventKind.UNSUBSCRIBED,
        ALICE,
        at("2026-11-23T09:42:05"),
        MESSAGE_A,
        "2026-11-23/6hNwFQcVVuOSqaOCZ6UY_Q",
        {
            "user_agent": USER_AGENT,
            "ip": "203.0.113.7",
            "tags": ["invoice"],
            "client_type": "browser",
        },
        {},
    ),
    "complained": (
        EventKind.SPAM,
        ALICE,
        at("2026-11-23T10:05:33.75"),
        MESSAGE_A,
        "2026-11-23/_UMh7rpXuzIkOLjMVJIehw",
        {"tags": ["invoice"], "subject": "Your invoice INV-7781", "sender": SENDER},
        {},
    ),
    "failed": (
        EventKind.HARD_BOUNCE,
        "nobody@example.net",
        at("2026-11-23T09:35:12.389832"),
        MESSAGE_B,
        "2026-11-23/wh5uqGcIaS5bodmAO08opA",
        {
            "smtp_code": 550,
            "smtp_status": "5.1.1",
            "diagnostic": "5.1.1 The email account that you tried to reach does not exist.",
            "bounce_type": "permanent",
            "bounce_subtype": "bounce",
            "remote_mta": "mx.example.net",
            "attempt": 1,
            "sending_ip": "198.51.100.25",
            "tags": ["invoice"],
            "subject": "Your invoice INV-7790",
            "sender": SENDER,
        },
        {"tenant": "acme", "dossier_id": "BK-2026-0413", "external_ref": "INV-7790"},
    ),
    "rejected": (
        EventKind.ERROR,
        "carol@example.org",
        at("2026-11-23T09:31:10.5"),
        MESSAGE_C,
        "2026-11-23/0N5yZAPWHo4KmuDFLp_IcA",
        {
            "reason": "Sandbox subdomains are for test purposes only. Please add your own "
            "domain or add the address to authorized recipients in Account Settings.",
            "subject": "Your invoice INV-7782",
            "sender": SENDER,
        },
        {},
    ),
}

NOT_DELIVERY_FACTS = {"stored", "list_member_uploaded", "list_member_upload_error", "list_uploaded"}

DOCUMENTED_TYPES = {
    "accepted",
    "rejected",
    "delivered",
    "failed",
    "opened",
    "clicked",
    "unsubscribed",
    "complained",
    "stored",
    "list_member_uploaded",
    "list_member_upload_error",
    "list_uploaded",
}


REMOVE = object()
"""A value for event_body that removes the field instead of setting it."""


def event_body(name: str, **changes: Any) -> bytes:
    """Fixture ``name`` with event-data fields set (``user_variables`` is "user-variables")."""
    data = json.loads(body("mailgun", name))
    for key, value in changes.items():
        field = key.replace("_", "-")
        if value is REMOVE:
            data["event-data"].pop(field, None)
        else:
            data["event-data"][field] = value
    return json.dumps(data).encode()


def only_observation(raw: bytes) -> Observation:
    parsed = mailgun.parse(raw)
    assert parsed.notices == []
    assert len(parsed.observations) == 1
    return parsed.observations[0]


def test_every_documented_type_is_mapped_and_has_a_fixture() -> None:
    assert set(mailgun.MAPPING) == DOCUMENTED_TYPES
    assert set(names("mailgun")) == DOCUMENTED_TYPES
    assert set(EXPECTED) | NOT_DELIVERY_FACTS == DOCUMENTED_TYPES
    assert {raw for raw, kind in mailgun.MAPPING.items() if kind is None} == NOT_DELIVERY_FACTS


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_becomes_its_observation(name: str) -> None:
    kind, recipient, occurred_at, message_id, event_id, details, metadata = EXPECTED[name]
    observation = only_observation(body("mailgun", name))
    assert observation.provider == "mailgun"
    assert observation.kind is kind
    assert observation.raw_type == name
    assert observation.recipient == recipient
    assert observation.occurred_at == occurred_at
    assert observation.occurred_at.utcoffset() is not None
    assert observation.provider_message_id == message_id
    assert observation.event_id == event_id
    assert dict(observation.details) == details
    assert dict(observation.metadata) == metadata


@pytest.mark.parametrize("name", sorted(NOT_DELIVERY_FACTS))
def test_documented_non_delivery_types_are_known_notices(name: str) -> None:
    parsed = mailgun.parse(body("mailgun", name))
    assert parsed.observations == []
    assert len(parsed.notices) == 1
    notice = parsed.notices[0]
    assert (notice.index, notice.raw_type, notice.known) == (0, name, True)
    assert notice.reason == mailgun.NOT_DELIVERY_FACTS[name]
    assert "not a delivery fact" in notice.reason
    assert parsed.unknown == []


def test_an_unknown_type_is_an_unknown_notice_never_a_kind() -> None:
    parsed = mailgun.parse(event_body("delivered", event="teleported"))
    assert parsed.observations == []
    assert len(parsed.unknown) == 1
    notice = parsed.unknown[0]
    assert (notice.index, notice.raw_type, notice.known) == (0, "teleported", False)
    assert "mailgun" in notice.reason
    assert "'teleported'" in notice.reason


@pytest.mark.parametrize(
    ("severity", "reason", "kind"),
    [
        ("permanent", "bounce", EventKind.HARD_BOUNCE),
        ("permanent", "generic", EventKind.HARD_BOUNCE),
        ("permanent", None, EventKind.HARD_BOUNCE),
        (REMOVE, REMOVE, EventKind.HARD_BOUNCE),
        ("permanent", "suppress-bounce", EventKind.BLOCKED),
        ("permanent", "suppress-complaint", EventKind.BLOCKED),
        ("permanent", "suppress-unsubscribe", EventKind.BLOCKED),
        ("permanent", "espblock", EventKind.BLOCKED),
        ("permanent", "old", EventKind.SOFT_BOUNCE),
        ("temporary", "old", EventKind.SOFT_BOUNCE),
        ("temporary", "generic", EventKind.DEFERRED),
        ("temporary", "greylisted", EventKind.DEFERRED),
        ("temporary", "espblock", EventKind.DEFERRED),
        ("temporary", None, EventKind.DEFERRED),
    ],
)
def test_a_failed_event_is_classed_by_severity_and_reason(
    severity: object, reason: object, kind: EventKind
) -> None:
    observation = only_observation(event_body("failed", severity=severity, reason=reason))
    assert observation.kind is kind
    assert observation.raw_type == "failed"
    assert observation.details.get("bounce_type") == (None if severity is REMOVE else severity)
    assert observation.details.get("bounce_subtype") == (None if reason is REMOVE else reason)


def test_a_temporary_failure_is_a_deferral_with_its_attempt() -> None:
    status = {
        "attempt-no": 3,
        "code": 451,
        "enhanced-code": "4.7.1",
        "message": "4.7.1 Try again later",
        "description": "",
        "mx-host": "mx.example.net",
        "retry-seconds": 1800,
        "session-seconds": 0.4,
    }
    raw = event_body("failed", severity="temporary", reason="generic", delivery_status=status)
    observation = only_observation(raw)
    assert observation.kind is EventKind.DEFERRED
    assert observation.details["attempt"] == 3
    assert observation.details["smtp_code"] == 451
    assert observation.details["smtp_status"] == "4.7.1"
    assert observation.details["diagnostic"] == "4.7.1 Try again later"


def test_a_suppressed_address_is_blocked_with_mailguns_explanation() -> None:
    status = {
        "attempt-no": 1,
        "code": 605,
        "description": "Not delivering to previously bounced address",
        "message": "",
        "session-seconds": 0.0,
    }
    raw = event_body("failed", reason="suppress-bounce", delivery_status=status)
    observation = only_observation(raw)
    assert observation.kind is EventKind.BLOCKED
    assert observation.details["reason"] == "Not delivering to previously bounced address"
    assert observation.details["bounce_subtype"] == "suppress-bounce"
    assert observation.details["smtp_code"] == 605
    assert "diagnostic" not in observation.details


@pytest.mark.parametrize(("code", "expected"), [("550", 550), (0, None), ("", None), ("n/a", None)])
def test_smtp_code_is_a_number_or_left_out(code: object, expected: int | None) -> None:
    status = {"code": code, "message": "x"}
    observation = only_observation(event_body("failed", delivery_status=status))
    assert observation.details.get("smtp_code") == expected


def test_the_event_id_is_mailguns_id_within_its_utc_day() -> None:
    same_id_next_day = event_body("delivered", timestamp=1795426202.654321 + 86_400)
    first = only_observation(body("mailgun", "delivered"))
    second = only_observation(same_id_next_day)
    assert first.event_id == "2026-11-23/BBB_a3y75DpbBrZFQvyB7Q"
    assert second.event_id == "2026-11-24/BBB_a3y75DpbBrZFQvyB7Q"
    late = only_observation(event_body("delivered", timestamp=1795478399.999))
    assert late.event_id == "2026-11-23/BBB_a3y75DpbBrZFQvyB7Q"


@pytest.mark.parametrize("raw_id", [REMOVE, None, "", "   "])
def test_without_an_event_id_the_domain_hashes_the_content(raw_id: object) -> None:
    observation = only_observation(event_body("delivered", id=raw_id))
    assert observation.event_id is not None
    assert observation.event_id.startswith("sha256:")
    assert observation.event_id == only_observation(event_body("delivered", id=raw_id)).event_id


def test_a_message_id_in_angle_brackets_is_normalised() -> None:
    data = json.loads(body("mailgun", "opened"))
    data["event-data"]["message"]["headers"]["message-id"] = f"<{MESSAGE_A}>"
    bracketed = only_observation(json.dumps(data).encode())
    plain = only_observation(body("mailgun", "opened"))
    assert bracketed.provider_message_id == MESSAGE_A
    assert bracketed.for_tenant(TENANT).message_id == plain.for_tenant(TENANT).message_id


def test_user_variables_carry_our_correlation_ids() -> None:
    assert dict(only_observation(body("mailgun", "delivered")).metadata) == CORRELATED
    prefixed = only_observation(body("mailgun", "failed")).metadata
    assert dict(prefixed) == {
        "tenant": "acme",
        "dossier_id": "BK-2026-0413",
        "external_ref": "INV-7790",
    }


@pytest.mark.parametrize(
    "user_variables",
    [[], {}, None, REMOVE, "tenant=acme", ["acme"], 7, {"tenant": {"nested": "x"}, "y": "z"}],
)
def test_user_variables_of_any_shape_never_fail_a_body(user_variables: object) -> None:
    observation = only_observation(event_body("delivered", user_variables=user_variables))
    assert dict(observation.metadata) == {}
    assert observation.kind is EventKind.DELIVERED


def test_user_variables_as_mailgun_sends_them_empty_list() -> None:
    raw = json.loads(body("mailgun", "accepted"))
    assert raw["event-data"]["user-variables"] == []
    assert dict(only_observation(body("mailgun", "accepted")).metadata) == {}


def test_numeric_correlation_values_are_kept_as_text() -> None:
    variables = {"tenant": "acme", "external_ref": 7781, "dossier": "BK-1"}
    observation = only_observation(event_body("delivered", user_variables=variables))
    assert dict(observation.metadata) == {
        "tenant": "acme",
        "external_ref": "7781",
        "dossier_id": "BK-1",
    }


def test_fields_mailgun_may_add_never_fail_a_body() -> None:
    data = json.loads(body("mailgun", "clicked"))
    data["new-top-level"] = {"x": 1}
    data["event-data"]["brand-new-field"] = [1, 2, {"y": None}]
    data["event-data"]["message"]["headers"]["x-extra"] = "z"
    observation = only_observation(json.dumps(data).encode())
    assert observation.kind is EventKind.CLICKED
    assert "brand-new-field" not in observation.details


@pytest.mark.parametrize("bot", ["apple", "gmail", "generic"])
@pytest.mark.parametrize("name", ["opened", "clicked"])
def test_an_open_or_click_mailgun_says_a_bot_made_is_a_machine_one(name: str, bot: str) -> None:
    data = json.loads(body("mailgun", name))
    data["event-data"]["client-info"]["bot"] = bot
    observation = only_observation(json.dumps(data).encode())
    assert observation.kind is only_observation(body("mailgun", name)).kind
    assert observation.details[MACHINE_OPEN] is True
    assert observation.details["bot"] == bot


@pytest.mark.parametrize("bot", ["", "  ", None])
def test_an_empty_bot_field_is_a_person(bot: str | None) -> None:
    data = json.loads(body("mailgun", "opened"))
    data["event-data"]["client-info"]["bot"] = bot
    observation = only_observation(json.dumps(data).encode())
    assert MACHINE_OPEN not in observation.details
    assert "bot" not in observation.details


def test_non_text_tags_are_left_out() -> None:
    observation = only_observation(event_body("opened", tags=["a", 3, None, "b"]))
    assert observation.details["tags"] == ["a", "b"]
    assert "tags" not in only_observation(event_body("opened", tags=[1, 2])).details


def test_bodies_of_several_messages_each_name_their_own_message() -> None:
    # Mailgun posts one event per request: a stream of bodies, not a batch, carries many messages.
    by_message: dict[str, set[str]] = {}
    for name in sorted(EXPECTED):
        observation = only_observation(body("mailgun", name))
        by_message.setdefault(observation.provider_message_id, set()).add(name)
    assert sorted(map(sorted, by_message.values())) == [
        ["accepted", "clicked", "complained", "delivered", "opened", "unsubscribed"],
        ["failed"],
        ["rejected"],
    ]


def test_a_json_array_of_events_is_refused_whole() -> None:
    events = [json.loads(body("mailgun", name)) for name in ("delivered", "failed")]
    with pytest.raises(BodyError) as caught:
        mailgun.parse(json.dumps(events).encode())
    assert (caught.value.provider, caught.value.index, caught.value.field) == ("mailgun", 0, None)
    assert str(caught.value) == "mailgun event 0: expected a JSON object"


@pytest.mark.parametrize(
    ("raw", "index", "field", "problem"),
    [
        (b'{"event-data": {"event": "delivered"', None, None, "not valid JSON"),
        (b'{"event-data": {"event": "deliv\xff\xfeered"}}', None, None, "not valid JSON"),
        (b"", None, None, "not valid JSON"),
        (b'"delivered"', 0, None, "expected a JSON object"),
        (b'{"signature": {}}', 0, "event-data", "Field required"),
        (b'{"event-data": ["delivered"]}', 0, "event-data", "object"),
        (b'{"event-data": null}', 0, "event-data", "object"),
    ],
)
def test_a_body_not_in_mailguns_format_is_refused(
    raw: bytes, index: int | None, field: str | None, problem: str
) -> None:
    with pytest.raises(BodyError) as caught:
        mailgun.parse(raw)
    error = caught.value
    assert (error.provider, error.index, error.field) == ("mailgun", index, field)
    assert problem in error.problem
    assert str(error).startswith("mailgun body" if index is None else "mailgun event 0")
    if field is not None:
        assert f"field '{field}'" in str(error)


@pytest.mark.parametrize(
    ("changes", "field", "problem"),
    [
        ({"event": REMOVE}, "event-data.event", "Field required"),
        ({"timestamp": REMOVE}, "event-data.timestamp", "Field required"),
        ({"timestamp": "yesterday"}, "event-data.timestamp", "valid number"),
        ({"timestamp": "1795426200"}, "event-data.timestamp", "valid number"),
        ({"timestamp": True}, "event-data.timestamp", "valid number"),
        ({"timestamp": 10.0**17}, "event-data.timestamp", "not a time in epoch milliseconds"),
        ({"timestamp": -1}, "event-data.timestamp", "not a time in epoch seconds"),
        ({"recipient": REMOVE}, "event-data.recipient", "missing"),
        ({"recipient": None}, "event-data.recipient", "missing"),
        ({"recipient": ""}, "event-data.recipient", "missing"),
        ({"recipient": "not-an-address"}, "event-data.recipient", "not an e-mail address"),
        ({"message": REMOVE}, MESSAGE_ID_FIELD, "missing"),
        ({"message": None}, MESSAGE_ID_FIELD, "missing"),
        ({"message": {"headers": {}}}, MESSAGE_ID_FIELD, "missing"),
        ({"message": {"headers": {"message-id": " "}}}, MESSAGE_ID_FIELD, "missing"),
        ({"message": {"headers": {"message-id": "<>"}}}, MESSAGE_ID_FIELD, "empty"),
        ({"message": {"headers": {"message-id": 42}}}, MESSAGE_ID_FIELD, "string"),
    ],
)
def test_a_bad_event_is_rejected_whole_naming_provider_index_and_field(
    changes: dict[str, Any], field: str, problem: str
) -> None:
    raw = event_body("delivered", **changes)
    parsed = mailgun.parse(raw)
    assert (parsed.observations, parsed.notices) == ([], [])
    [rejected] = parsed.rejected
    assert rejected.index == 0
    assert rejected.data == raw
    assert rejected.raw_type == json.loads(raw)["event-data"].get("event")
    assert rejected.reason.startswith(f"mailgun event 0: field '{field}': ")
    assert problem in rejected.reason


def test_a_timestamp_in_milliseconds_is_read_by_its_magnitude() -> None:
    seconds = only_observation(event_body("delivered"))
    milliseconds = only_observation(event_body("delivered", timestamp=1795426202654.321))
    assert milliseconds.occurred_at == seconds.occurred_at.replace(microsecond=654321)


def test_an_unknown_type_needs_no_message_id() -> None:
    parsed = mailgun.parse(b'{"event-data": {"event": "mystery", "timestamp": 1795426200.5}}')
    assert [notice.raw_type for notice in parsed.unknown] == ["mystery"]


MESSAGE_A_FIXTURES = ["accepted", "delivered", "opened", "clicked", "unsubscribed", "complained"]


def replay(arrivals: list[Observation]) -> Message:
    message = Message(tenant=TENANT, provider="mailgun", provider_message_id=MESSAGE_A)
    for observation in arrivals:
        message.observe(observation.for_tenant(TENANT))
    return message


@st.composite
def arrivals(draw: st.DrawFn) -> list[Observation]:
    """Some of message A's fixtures, each at least once, in any order with duplicates."""
    chosen = draw(st.lists(st.sampled_from(MESSAGE_A_FIXTURES), min_size=1, unique=True))
    events = [only_observation(body("mailgun", name)) for name in chosen]
    repeated = events + draw(st.lists(st.sampled_from(events), max_size=8))
    return draw(st.permutations(repeated))


@given(st.data())
def test_any_order_and_duplication_of_fixtures_gives_the_same_state(data: st.DataObject) -> None:
    first_arrival = data.draw(arrivals())
    distinct = {observation.event_id: observation for observation in first_arrival}
    second_arrival = data.draw(st.permutations(list(distinct.values()) * 2))
    first, second = replay(first_arrival), replay(second_arrival)
    assert first.state() == second.state()
    assert first.version == second.version == 1 + len(distinct)


@pytest.mark.parametrize("missing", [REMOVE, None, ""])
def test_a_rejected_event_naming_no_recipient_is_an_error_about_the_whole_message(
    missing: Any,
) -> None:
    observation = only_observation(event_body("rejected", recipient=missing))
    assert (observation.kind, observation.recipient) == (EventKind.ERROR, None)
    assert observation.provider_message_id == EXPECTED["rejected"][3]
    assert observation.details["reason"].startswith("Sandbox subdomains")


def test_a_rejected_event_naming_its_recipient_stays_about_that_recipient() -> None:
    observation = only_observation(body("mailgun", "rejected"))
    assert observation.recipient == "carol@example.org"
    assert not observation.message_wide


def test_a_rejected_event_naming_neither_recipient_nor_message_is_set_aside() -> None:
    raw = event_body("rejected", recipient=REMOVE, message=REMOVE)
    parsed = mailgun.parse(raw)
    assert (parsed.observations, parsed.notices) == ([], [])
    [rejected] = parsed.rejected
    assert (rejected.raw_type, rejected.data) == ("rejected", raw)
    assert rejected.reason.startswith(f"mailgun event 0: field '{MESSAGE_ID_FIELD}': missing")
