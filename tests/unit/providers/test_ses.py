"""Amazon SES bodies as SNS posts them: every documented type, the rules, bad bodies, replay."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.providers.errors import BodyError
from adapters.providers.ses import MAPPING, NAME, parse
from domain.kinds import EventKind
from domain.message import Message
from domain.values import Observation
from tests.conftest import TENANT
from tests.unit.providers.bodies import body, names
from tests.unit.providers.set_aside import SetAside, only_set_aside

MESSAGE_A = "0102019aa1b2c3d4-5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9-000000"
MESSAGE_B = "0102019aa2c3d4e5-6f7a8b9c-0d1e-4f2a-b3c4-d5e6f7a8b9c0-000000"
MESSAGE_C = "0102019aa3d4e5f6-7a8b9c0d-1e2f-4a3b-c4d5-e6f7a8b9c0d1-000000"
MESSAGE_D = "0102019aa4e5f6a7-8b9c0d1e-2f3a-4b4c-d5e6-f7a8b9c0d1e2-000000"
MESSAGE_E = "0102019aa5f6a7b8-9c0d1e2f-3a4b-4c5d-e6f7-a8b9c0d1e2f3-000000"
MESSAGE_F = "0102019aa6a7b8c9-0d1e2f3a-4b5c-4d6e-f7a8-b9c0d1e2f3a4-000000"
MESSAGE_G = "0102019aa7b8c9d0-1e2f3a4b-5c6d-4e7f-a8b9-c0d1e2f3a4b5-000000"
TOPIC = "arn:aws:sns:eu-west-1:123456789012:mailledger-ses-events"
IDS_A = {"tenant": "acme", "dossier_id": "BK-2026-0412", "external_ref": "confirmation-0412"}
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15"


def at(day: int, hour: int, minute: int, second: int, micro: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, micro, tzinfo=UTC)


@dataclass(frozen=True)
class Expected:
    """One observation a fixture must give."""

    kind: EventKind
    recipient: str
    occurred_at: datetime
    details: dict[str, Any]
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Fixture:
    """What one fixture must become: its message, event id, raw type and observations."""

    message_id: str
    event_id: str
    raw_type: str
    observations: list[Expected]


EXPECTED: dict[str, Fixture] = {
    "send": Fixture(
        MESSAGE_A,
        "6f1b0a7e-1c2d-5e3f-8a9b-0c1d2e3f4a5b",
        "Send",
        [
            Expected(
                EventKind.SENT,
                "alice@example.com",
                at(20, 9, 15, 2, 214000),
                {"sender": "bookings@example.org"},
                IDS_A,
            )
        ],
    ),
    "delivery_delay": Fixture(
        MESSAGE_A,
        "7a2c1b8f-2d3e-5f40-9b0c-1d2e3f4a5b6c",
        "DeliveryDelay",
        [
            Expected(
                EventKind.DEFERRED,
                "alice@example.com",
                at(20, 9, 15, 5, 102000),
                {
                    "smtp_code": 421,
                    "smtp_status": "4.4.1",
                    "diagnostic": "smtp; 421 4.4.1 Unable to connect to remote host",
                    "reason": "TransientCommunicationFailure",
                },
                IDS_A,
            )
        ],
    ),
    "delivery": Fixture(
        MESSAGE_A,
        "8b3d2c90-3e4f-5051-8c1d-2e3f4a5b6c7d",
        "Delivery",
        [
            Expected(
                EventKind.DELIVERED,
                "alice@example.com",
                at(20, 9, 25, 41, 330000),
                {
                    "smtp_code": 250,
                    "smtp_status": "2.6.0",
                    "diagnostic": (
                        "250 2.6.0 <0102019aa1b2c3d4@eu-west-1.amazonses.com> "
                        "Queued mail for delivery"
                    ),
                    "sending_ip": "198.51.100.25",
                },
                IDS_A,
            )
        ],
    ),
    "open": Fixture(
        MESSAGE_A,
        "9c4e3da1-4f50-5162-9d2e-3f4a5b6c7d8e",
        "Open",
        [
            Expected(
                EventKind.OPENED,
                "alice@example.com",
                at(20, 10, 2, 17, 455000),
                {"ip": "192.0.2.1", "user_agent": f"{IPHONE} (KHTML, like Gecko) Mobile/15E148"},
                IDS_A,
            )
        ],
    ),
    "click": Fixture(
        MESSAGE_A,
        "ad5f4eb2-5061-5273-8e3f-4a5b6c7d8e9f",
        "Click",
        [
            Expected(
                EventKind.CLICKED,
                "alice@example.com",
                at(20, 10, 2, 31, 908000),
                {
                    "url": "https://www.example.org/bookings/BK-2026-0412?utm_source=ses",
                    "ip": "192.0.2.1",
                    "user_agent": (
                        f"{IPHONE} (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
                    ),
                },
                IDS_A,
            )
        ],
    ),
    "subscription": Fixture(
        MESSAGE_A,
        "be6a5fc3-6172-5384-9f4a-5b6c7d8e9fa0",
        "Subscription",
        [
            Expected(
                EventKind.UNSUBSCRIBED,
                "alice@example.com",
                at(20, 10, 3, 0, 120000),
                {"reason": "UnsubscribeHeader", "contact_list": "booking-news"},
                IDS_A,
            )
        ],
    ),
    "complaint": Fixture(
        MESSAGE_A,
        "cf7b60d4-7283-5495-8a5b-6c7d8e9fa0b1",
        "Complaint",
        [
            Expected(
                EventKind.SPAM,
                "alice@example.com",
                at(21, 8, 0, 12),
                {"feedback_type": "abuse"},
                IDS_A,
            )
        ],
    ),
    "bounce": Fixture(
        MESSAGE_B,
        "d08c71e5-8394-55a6-9b6c-7d8e9fa0b1c2",
        "Bounce",
        [
            Expected(
                EventKind.HARD_BOUNCE,
                "carol@example.com",
                at(20, 11, 30, 45, 882000),
                {
                    "smtp_code": 550,
                    "smtp_status": "5.1.1",
                    "diagnostic": (
                        "smtp; 550 5.1.1 <carol@example.com>: Recipient address rejected: "
                        "User unknown"
                    ),
                    "bounce_type": "Permanent",
                    "bounce_subtype": "General",
                    "remote_mta": "192.0.2.45",
                },
                {"tenant": "acme", "external_ref": "invoice-1187"},
            ),
            Expected(
                EventKind.HARD_BOUNCE,
                "dave@example.com",
                at(20, 11, 30, 45, 882000),
                {
                    "smtp_code": 550,
                    "smtp_status": "5.2.1",
                    "diagnostic": (
                        "smtp; 550 5.2.1 The email account that you tried to reach is disabled"
                    ),
                    "bounce_type": "Permanent",
                    "bounce_subtype": "General",
                    "remote_mta": "192.0.2.45",
                },
                {"tenant": "acme", "external_ref": "invoice-1187"},
            ),
        ],
    ),
    "reject": Fixture(
        MESSAGE_C,
        "e19d82f6-94a5-56b7-8c7d-8e9fa0b1c2d3",
        "Reject",
        [
            Expected(
                EventKind.BLOCKED,
                "erin@example.com",
                at(20, 12, 0, 0, 500000),
                {"reason": "Bad content"},
                {"tenant": "acme"},
            ),
            Expected(
                EventKind.BLOCKED,
                "frank@example.org",
                at(20, 12, 0, 0, 500000),
                {"reason": "Bad content"},
                {"tenant": "acme"},
            ),
        ],
    ),
    "rendering_failure": Fixture(
        MESSAGE_D,
        "f2ae9307-a5b6-57c8-9d8e-9fa0b1c2d3e4",
        "Rendering Failure",
        [
            Expected(
                EventKind.ERROR,
                "grace@example.com",
                at(20, 12, 5, 10),
                {
                    "reason": "Attribute 'firstName' is not present in the rendering data.",
                    "template": "booking-confirmation",
                },
            )
        ],
    ),
    "notification_bounce": Fixture(
        MESSAGE_E,
        "03bfa418-b6c7-58d9-8e9f-a0b1c2d3e4f5",
        "Bounce",
        [
            Expected(
                EventKind.SOFT_BOUNCE,
                "heidi@example.org",
                at(21, 7, 45, 0),
                {
                    "smtp_code": 452,
                    "smtp_status": "4.2.2",
                    "diagnostic": (
                        "smtp; 452 4.2.2 The email account that you tried to reach is over quota"
                    ),
                    "bounce_type": "Transient",
                    "bounce_subtype": "MailboxFull",
                    "remote_mta": "198.51.100.7",
                },
                {"tenant": "acme", "dossier_id": "BK-2026-0500", "external_ref": "reminder-0500"},
            )
        ],
    ),
    "notification_delivery": Fixture(
        MESSAGE_F,
        "14c0b529-c7d8-59ea-9fa0-b1c2d3e4f5a6",
        "Delivery",
        [
            Expected(
                EventKind.DELIVERED,
                address,
                at(21, 8, 10, 3, 500000),
                {
                    "smtp_code": 250,
                    "diagnostic": "250 ok:  Message 64111812 accepted",
                    "remote_mta": "192.0.2.77",
                },
            )
            for address in ("ivan@example.com", "judy@example.com")
        ],
    ),
    "notification_complaint": Fixture(
        MESSAGE_G,
        "25d1c63a-d8e9-5afb-8a0b-c2d3e4f5a6b7",
        "Complaint",
        [
            Expected(
                EventKind.SPAM,
                "mallory@example.org",
                at(21, 9, 30, 38, 623000),
                {"feedback_type": "abuse"},
            )
        ],
    ),
}
"""Every fixture of a delivery event, and exactly what it must give."""

NOTICES: dict[str, tuple[str, dict[str, Any]]] = {
    "subscription_confirmation": ("SubscriptionConfirmation", {"topic_arn": TOPIC}),
    "unsubscribe_confirmation": ("UnsubscribeConfirmation", {"topic_arn": TOPIC}),
    "amazon_sns_subscription_succeeded": ("AmazonSnsSubscriptionSucceeded", {"topic_arn": TOPIC}),
    "received": ("Received", {"topic_arn": TOPIC}),
    "topic_validated": ("Notification", {"topic_arn": TOPIC}),
}
"""Fixtures that record nothing: their notice's raw type and some of its details."""


def fixture_record(name: str) -> dict[str, Any]:
    """The SES record inside a fixture's envelope."""
    record: dict[str, Any] = json.loads(json.loads(body(NAME, name))["Message"])
    return record


def envelope(record: dict[str, Any] | str, **fields: Any) -> bytes:
    """An SNS notification carrying ``record``; ``fields`` override envelope fields (None drops)."""
    message = record if isinstance(record, str) else json.dumps(record)
    sns: dict[str, Any] = {
        "Type": "Notification",
        "MessageId": "0f1e2d3c-4b5a-5968-8776-a5b4c3d2e1f0",
        "TopicArn": TOPIC,
        "Message": message,
        "Timestamp": "2026-11-23T09:00:00.000Z",
        "SignatureVersion": "1",
        "Signature": "EXAMPLE",
        "SigningCertURL": "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-x.pem",
    }
    sns.update(fields)
    return json.dumps({key: value for key, value in sns.items() if value is not None}).encode()


def with_fields(name: str, **changes: Any) -> dict[str, Any]:
    """A fixture's record with top-level objects merged with ``changes``."""
    record = fixture_record(name)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(record.get(key), dict):
            record[key] = {**record[key], **value}
        else:
            record[key] = value
    return record


def observations_of(name: str) -> list[Observation]:
    parsed = parse(body(NAME, name))
    assert parsed.notices == []
    return parsed.observations


def test_every_fixture_is_covered_by_these_tests() -> None:
    assert sorted([*EXPECTED, *NOTICES]) == names(NAME)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_fixture_gives_its_observations(name: str) -> None:
    expected = EXPECTED[name]

    found = observations_of(name)

    assert [(o.kind, o.recipient, o.occurred_at) for o in found] == [
        (e.kind, e.recipient, e.occurred_at) for e in expected.observations
    ]
    for observation, wanted in zip(found, expected.observations, strict=True):
        assert observation.provider == "ses"
        assert observation.provider_message_id == expected.message_id
        assert observation.event_id == expected.event_id
        assert observation.raw_type == expected.raw_type
        assert observation.details == wanted.details
        assert observation.metadata == wanted.metadata
        assert observation.occurred_at.tzinfo is UTC


@pytest.mark.parametrize("name", sorted(NOTICES))
def test_documented_types_that_are_no_delivery_fact_give_known_notices(name: str) -> None:
    raw_type, facts = NOTICES[name]

    parsed = parse(body(NAME, name))

    assert parsed.observations == []
    assert parsed.unknown == []
    [notice] = parsed.notices
    assert (notice.index, notice.raw_type, notice.known) == (0, raw_type, True)
    assert facts.items() <= notice.details.items()
    assert notice.reason


def test_a_subscription_confirmation_carries_what_confirming_it_needs() -> None:
    sns = json.loads(body(NAME, "subscription_confirmation"))

    [notice] = parse(body(NAME, "subscription_confirmation")).notices

    assert notice.details == {
        "topic_arn": TOPIC,
        "subscribe_url": sns["SubscribeURL"],
        "token": sns["Token"],
    }
    assert "subscribe_url" in notice.reason


def test_the_mapping_names_every_type_of_the_fixtures_and_only_known_kinds() -> None:
    raw_types = {fixture.raw_type for fixture in EXPECTED.values()}
    raw_types |= {raw_type for raw_type, _ in NOTICES.values() if raw_type != "Notification"}
    assert raw_types <= set(MAPPING)
    assert {kind for kind in MAPPING.values() if kind is not None} <= set(EventKind)
    documented = {
        "Send",
        "Reject",
        "Bounce",
        "Complaint",
        "Delivery",
        "Open",
        "Click",
        "Rendering Failure",
        "DeliveryDelay",
        "Subscription",
    }
    assert documented <= {raw for raw, kind in MAPPING.items() if kind is not None}


# --- the rules of types whose kind depends on their fields -----------------------------------


@pytest.mark.parametrize(
    ("bounce_type", "subtype", "kind"),
    [
        ("Permanent", "General", EventKind.HARD_BOUNCE),
        ("Permanent", "NoEmail", EventKind.HARD_BOUNCE),
        ("Permanent", "Suppressed", EventKind.BLOCKED),
        ("Permanent", "OnAccountSuppressionList", EventKind.BLOCKED),
        ("Transient", "General", EventKind.SOFT_BOUNCE),
        ("Transient", "MailboxFull", EventKind.SOFT_BOUNCE),
        ("Transient", "MessageTooLarge", EventKind.SOFT_BOUNCE),
        ("Transient", "ContentRejected", EventKind.SOFT_BOUNCE),
        ("Transient", "AttachmentRejected", EventKind.SOFT_BOUNCE),
        ("Undetermined", "Undetermined", EventKind.SOFT_BOUNCE),
    ],
)
def test_a_bounce_is_hard_soft_or_blocked_by_its_type_and_subtype(
    bounce_type: str, subtype: str, kind: EventKind
) -> None:
    record = with_fields("bounce", bounce={"bounceType": bounce_type, "bounceSubType": subtype})

    found = parse(envelope(record)).observations

    assert [o.kind for o in found] == [kind, kind]
    assert {o.details["bounce_type"] for o in found} == {bounce_type}
    assert {o.details["bounce_subtype"] for o in found} == {subtype}


def test_a_bounced_recipient_whose_dsn_says_delayed_is_deferred() -> None:
    record = fixture_record("bounce")
    record["bounce"]["bouncedRecipients"][1].update(action="delayed", status="4.0.0")

    found = parse(envelope(record)).observations

    assert [(o.recipient, o.kind) for o in found] == [
        ("carol@example.com", EventKind.HARD_BOUNCE),
        ("dave@example.com", EventKind.DEFERRED),
    ]


def test_a_bounce_of_an_undocumented_type_is_reported_not_guessed() -> None:
    record = with_fields("bounce", bounce={"bounceType": "Sideways"})

    parsed = parse(envelope(record))

    assert parsed.observations == []
    [notice] = parsed.unknown
    assert notice.raw_type == "Bounce Sideways"


def test_a_complaint_on_the_account_suppression_list_is_blocked() -> None:
    record = with_fields("complaint", complaint={"complaintSubType": "OnAccountSuppressionList"})

    [observation] = parse(envelope(record)).observations

    assert observation.kind is EventKind.BLOCKED
    assert observation.raw_type == "Complaint"
    assert observation.details == {
        "feedback_type": "abuse",
        "reason": "OnAccountSuppressionList",
    }


def test_a_not_spam_feedback_report_records_nothing() -> None:
    record = with_fields("complaint", complaint={"complaintFeedbackType": "not-spam"})

    parsed = parse(envelope(record))

    assert parsed.observations == []
    [notice] = parsed.notices
    assert (notice.raw_type, notice.known) == ("Complaint", True)


def test_a_complaint_names_every_recipient_ses_suspects() -> None:
    record = fixture_record("complaint")
    record["complaint"]["complainedRecipients"] = [
        {"emailAddress": "alice@example.com"},
        {"emailAddress": "zoe@example.com"},
    ]

    found = parse(envelope(record)).observations

    assert [(o.recipient, o.kind) for o in found] == [
        ("alice@example.com", EventKind.SPAM),
        ("zoe@example.com", EventKind.SPAM),
    ]


def test_a_topic_preference_change_without_leaving_the_list_is_a_known_notice() -> None:
    record = fixture_record("subscription")
    record["subscription"]["newTopicPreferences"]["unsubscribeAll"] = False

    parsed = parse(envelope(record))

    assert parsed.observations == []
    [notice] = parsed.notices
    assert (notice.raw_type, notice.known) == ("Subscription", True)
    assert notice.details == {"contact_list": "booking-news", "topics": {"offers": "OptOut"}}


@pytest.mark.parametrize("name", ["open", "click", "subscription"])
def test_an_event_about_a_shared_copy_is_a_notice_since_ses_cannot_say_who(name: str) -> None:
    record = fixture_record(name)
    record["mail"]["destination"] = ["alice@example.com", "zoe@example.com"]

    parsed = parse(envelope(record))

    assert parsed.observations == []
    [notice] = parsed.notices
    assert notice.known
    assert notice.details["message_id"] == MESSAGE_A
    assert "2 addresses" in notice.reason


@pytest.mark.parametrize(
    ("name", "kind"), [("send", EventKind.SENT), ("reject", EventKind.BLOCKED)]
)
def test_events_that_name_no_recipient_apply_to_every_destination(
    name: str, kind: EventKind
) -> None:
    record = fixture_record(name)
    record["mail"]["destination"] = [
        "Alice <alice@example.com>",
        "zoe@example.com",
        "x@example.org",
    ]

    found = parse(envelope(record)).observations

    assert [(o.recipient, o.kind) for o in found] == [
        ("alice@example.com", kind),
        ("zoe@example.com", kind),
        ("x@example.org", kind),
    ]


def test_an_event_that_names_no_recipient_at_all_is_a_known_notice() -> None:
    record = fixture_record("delivery")
    record["delivery"]["recipients"] = []

    parsed = parse(envelope(record))

    assert parsed.observations == []
    [notice] = parsed.notices
    assert (notice.raw_type, notice.known) == ("Delivery", True)


# --- times, ids and correlation ---------------------------------------------------------------


def test_the_older_notifications_mail_timestamp_with_a_spaced_offset_is_read() -> None:
    record = fixture_record("send")
    record["mail"]["timestamp"] = "2026-11-21T07:40:12 +0000"

    [observation] = parse(envelope(record)).observations

    assert observation.occurred_at == at(21, 7, 40, 12)


def test_an_offset_other_than_z_becomes_utc() -> None:
    record = with_fields("delivery", delivery={"timestamp": "2026-11-20T10:25:41.330+01:00"})

    [observation] = parse(envelope(record)).observations

    assert observation.occurred_at == at(20, 9, 25, 41, 330000)


def test_angle_brackets_around_the_message_id_are_dropped() -> None:
    record = fixture_record("send")
    record["mail"]["messageId"] = f"<{MESSAGE_A}>"

    [observation] = parse(envelope(record)).observations

    assert observation.provider_message_id == MESSAGE_A


def test_a_retried_notification_is_a_duplicate_for_each_recipient() -> None:
    first = parse(body(NAME, "bounce")).observations
    again = parse(body(NAME, "bounce")).observations
    message = Message(tenant=TENANT, provider="ses", provider_message_id=MESSAGE_B)

    recorded = [message.observe(o.for_tenant(TENANT)) for o in first]
    repeated = [message.observe(o.for_tenant(TENANT)) for o in again]

    assert recorded == [True, True]
    assert repeated == [False, False]
    assert {o.event_id for o in first} == {"d08c71e5-8394-55a6-9b6c-7d8e9fa0b1c2"}


def test_correlation_ids_are_read_from_the_first_value_of_each_message_tag() -> None:
    record = fixture_record("send")
    record["mail"]["tags"] = {
        "ses:configuration-set": ["mailledger-events"],
        "tenant": ["acme", "ignored"],
        "dossier": ["BK-1"],
        "mailledger_external_ref": ["ref-9"],
        "external_ref": [],
        "other": ["x"],
    }

    [observation] = parse(envelope(record)).observations

    assert observation.metadata == {"tenant": "acme", "dossier_id": "BK-1", "external_ref": "ref-9"}


def test_without_tags_the_correlation_ids_come_from_the_tags_header() -> None:
    [observation] = observations_of("notification_bounce")

    assert observation.metadata == {
        "tenant": "acme",
        "dossier_id": "BK-2026-0500",
        "external_ref": "reminder-0500",
    }


def test_without_tags_nor_headers_there_is_no_correlation() -> None:
    assert [o.metadata for o in observations_of("notification_delivery")] == [{}, {}]


def test_bodies_of_several_messages_give_each_their_own_observations() -> None:
    by_message: dict[str, list[str]] = {}
    for name in names(NAME):
        for observation in parse(body(NAME, name)).observations:
            by_message.setdefault(observation.provider_message_id, []).append(
                str(observation.raw_type)
            )

    assert by_message == {
        MESSAGE_A: [
            "Click",
            "Complaint",
            "Delivery",
            "DeliveryDelay",
            "Open",
            "Send",
            "Subscription",
        ],
        MESSAGE_B: ["Bounce", "Bounce"],
        MESSAGE_C: ["Reject", "Reject"],
        MESSAGE_D: ["Rendering Failure"],
        MESSAGE_E: ["Bounce"],
        MESSAGE_F: ["Delivery", "Delivery"],
        MESSAGE_G: ["Complaint"],
    }


# --- what is not an SES body ------------------------------------------------------------------


def test_an_unknown_event_type_is_reported_and_skipped() -> None:
    record = with_fields("send", eventType="Teleported")

    parsed = parse(envelope(record))

    assert parsed.observations == []
    [notice] = parsed.unknown
    assert (notice.index, notice.raw_type) == (0, "Teleported")
    assert "ses" in notice.reason


def test_an_unknown_sns_message_type_is_reported_and_skipped() -> None:
    parsed = parse(envelope(fixture_record("send"), Type="Teleport"))

    assert parsed.observations == []
    assert [n.raw_type for n in parsed.unknown] == ["Teleport"]


def test_fields_ses_adds_never_make_a_body_fail() -> None:
    record = with_fields("delivery", newField={"a": [1]}, delivery={"newDetail": True})
    record["mail"]["newMailField"] = "x"

    assert len(parse(envelope(record, NewEnvelopeField=3)).observations) == 1


def bad(raw: bytes) -> BodyError:
    with pytest.raises(BodyError) as caught:
        parse(raw)
    assert caught.value.provider == "ses"
    return caught.value


def aside(raw: bytes) -> SetAside:
    parsed = parse(raw)
    assert (parsed.observations, parsed.notices) == ([], [])
    found = only_set_aside(parsed, "ses")
    assert found.data == raw
    return found


def test_invalid_json_is_refused() -> None:
    error = bad(b'{"Type": "Notification",')

    assert (error.index, error.field) == (None, None)
    assert str(error).startswith("ses body: not valid JSON")


def test_bytes_that_are_not_utf8_are_refused() -> None:
    error = bad(envelope(fixture_record("send")).replace(b"alice", b"al\xffce"))

    assert str(error).startswith("ses body: not valid JSON")


def test_a_body_that_is_not_an_object_is_refused() -> None:
    error = bad(b"[]")

    assert (error.index, error.field) == (0, None)
    assert str(error) == "ses event 0: expected a JSON object"


def test_an_envelope_without_its_message_id_is_refused() -> None:
    error = bad(envelope(fixture_record("send"), MessageId=None))

    assert (error.index, error.field) == (0, "MessageId")
    assert str(error).startswith("ses event 0: field 'MessageId': ")


def test_a_message_that_is_not_json_names_the_message_field() -> None:
    error = aside(envelope('{"eventType": "Send", "mail": '))

    assert (error.index, error.field) == (0, "Message")
    assert error.text.startswith("ses event 0: field 'Message': not valid JSON")


def test_a_message_that_is_not_an_object_names_the_message_field() -> None:
    error = aside(envelope('["Send"]'))

    assert error.text == "ses event 0: field 'Message': expected a JSON object"


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("send", "Message.mail.messageId"),
        ("bounce", "Message.bounce.timestamp"),
        ("bounce", "Message.bounce.bouncedRecipients"),
        ("delivery", "Message.delivery.recipients"),
    ],
)
def test_a_missing_required_field_is_named_with_its_path(name: str, field: str) -> None:
    record = fixture_record(name)
    *parents, last = field.split(".")[1:]
    container = record
    for key in parents:
        container = container[key]
    del container[last]

    error = aside(envelope(record))

    assert (error.index, error.field) == (0, field)
    assert error.text.startswith(f"ses event 0: field '{field}': ")


def test_an_empty_message_id_is_refused() -> None:
    record = fixture_record("send")
    record["mail"]["messageId"] = ""

    assert aside(envelope(record)).field == "Message.mail.messageId"


@pytest.mark.parametrize(("name", "part"), [("send", "mail"), ("bounce", "bounce")])
def test_a_record_without_its_objects_is_refused(name: str, part: str) -> None:
    record = fixture_record(name)
    del record[part]

    error = aside(envelope(record))

    assert (error.index, error.field) == (0, f"Message.{part}")


def test_a_record_without_a_type_is_refused() -> None:
    record = fixture_record("send")
    del record["eventType"]

    assert aside(envelope(record)).field == "Message.eventType"


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("delivery", ("delivery", "timestamp")),
        ("open", ("open", "timestamp")),
        ("send", ("mail", "timestamp")),
        ("delivery_delay", ("deliveryDelay", "timestamp")),
    ],
)
def test_an_unparseable_timestamp_is_refused_naming_it(name: str, path: tuple[str, str]) -> None:
    record = fixture_record(name)
    record[path[0]][path[1]] = "yesterday"

    error = aside(envelope(record))

    assert (error.index, error.field) == (0, f"Message.{path[0]}.{path[1]}")
    assert "'yesterday' is not an ISO-8601 time" in error.text


def test_a_timestamp_without_offset_is_refused_never_guessed() -> None:
    record = with_fields("click", click={"timestamp": "2026-11-20T10:02:31.908"})

    error = aside(envelope(record))

    assert error.field == "Message.click.timestamp"
    assert "has no UTC offset" in error.text


def test_a_recipient_that_is_not_an_address_is_refused() -> None:
    record = fixture_record("delivery")
    record["delivery"]["recipients"] = ["not an address"]

    error = aside(envelope(record))

    assert (error.index, error.field) == (0, "recipient")


# --- replay -------------------------------------------------------------------------------------

MESSAGE_A_FIXTURES = [name for name, f in EXPECTED.items() if f.message_id == MESSAGE_A]
EVENTS_OF_A = [o for name in MESSAGE_A_FIXTURES for o in observations_of(name)]


@st.composite
def arrivals(draw: st.DrawFn) -> list[Observation]:
    """The events of message A in any order, some of them repeated."""
    repeated = draw(st.lists(st.sampled_from(EVENTS_OF_A), max_size=10))
    return draw(st.permutations([*EVENTS_OF_A, *repeated]))


def replay(events: list[Observation]) -> Message:
    message = Message(tenant=TENANT, provider="ses", provider_message_id=MESSAGE_A)
    for event in events:
        message.observe(event.for_tenant(TENANT))
    return message


@given(arrivals(), arrivals())
def test_any_order_and_repetition_of_a_message_events_gives_one_state(
    first: list[Observation], second: list[Observation]
) -> None:
    one, other = replay(first), replay(second)

    assert one.state() == other.state()
    assert one.version == other.version == 1 + len(EVENTS_OF_A)


def test_the_replayed_state_follows_the_provider_times() -> None:
    state = replay(list(reversed(EVENTS_OF_A))).state()

    [recipient] = state.recipients
    assert recipient.address == "alice@example.com"
    assert recipient.status is EventKind.SPAM
    assert len(MESSAGE_A_FIXTURES) == 7
