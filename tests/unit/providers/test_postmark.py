"""Postmark webhook bodies become observations; other records become notices, bad ones errors."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.providers import postmark
from adapters.providers.errors import BodyError
from adapters.providers.parsed import Parsed
from domain.kinds import EventKind
from domain.message import Message
from domain.values import Observation
from tests.conftest import TENANT
from tests.unit.providers.bodies import body, names
from tests.unit.providers.set_aside import element_alone, only_set_aside

MESSAGE = "8c1f5a7e-3b2d-4e9a-9f10-2d6b7c4e1a01"
BOUNCED_MESSAGE = "f3b9d2c4-7a1e-4c55-8b3d-0e2a9c6f4b12"
ANA = "ana.silva@example.com"
CORRELATION = {"tenant": "acme", "dossier_id": "BK-2026-0412", "external_ref": "inv-000123"}
USER_AGENT = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
)


@dataclass(frozen=True)
class Expected:
    kind: EventKind
    raw_type: str
    recipient: str
    occurred_at: datetime
    message_id: str
    event_id: str | None  # None: Postmark gives none, so the content hash stands in
    details: dict[str, Any]


EXPECTED = {
    "delivery": Expected(
        EventKind.DELIVERED,
        "Delivery",
        ANA,
        datetime(2026, 11, 23, 9, 1, 12, 407025, tzinfo=UTC),
        MESSAGE,
        None,
        {
            "smtp_code": 250,
            "smtp_status": "2.0.0",
            "diagnostic": "smtp;250 2.0.0 OK 1795424472 l186si10190883ite.73 - gsmtp",
            "tags": ["invoice"],
            "server_id": 23,
            "message_stream": "outbound",
        },
    ),
    "bounce": Expected(
        EventKind.HARD_BOUNCE,
        "Bounce",
        "no-such-user@example.org",
        datetime(2026, 11, 23, 12, 2, 10, 273539, tzinfo=UTC),
        BOUNCED_MESSAGE,
        "4323372036854775807",
        {
            "smtp_code": 550,
            "smtp_status": "5.1.1",
            "diagnostic": (
                "smtp;550 5.1.1 The email account that you tried to reach does not exist."
            ),
            "reason": (
                "The server was unable to deliver your message "
                "(ex: unknown user, mailbox not found)."
            ),
            "bounce_type": "HardBounce",
            "inactive": True,
            "can_activate": True,
            "subject": "Your invoice inv-000124",
            "sender": "billing@example.com",
        },
    ),
    "spam_complaint": Expected(
        EventKind.SPAM,
        "SpamComplaint",
        ANA,
        datetime(2026, 11, 23, 9, 15, 0, 339643, tzinfo=UTC),
        MESSAGE,
        "7810245563",
        {
            "bounce_type": "SpamComplaint",
            "reason": "The subscriber explicitly marked this message as spam.",
            "inactive": True,
            "can_activate": False,
        },
    ),
    "open": Expected(
        EventKind.OPENED,
        "Open",
        ANA,
        datetime(2026, 11, 23, 9, 5, 30, 123456, tzinfo=UTC),
        MESSAGE,
        None,
        {
            "user_agent": USER_AGENT,
            "ip": "198.51.100.23",
            "first_open": True,
            "read_seconds": 5,
            "platform": "WebMail",
            "client": "Chrome 120.0.6099.110",
            "os": "OS X 10.15 Catalina",
        },
    ),
    "click": Expected(
        EventKind.CLICKED,
        "Click",
        ANA,
        datetime(2026, 11, 23, 9, 7, 2, 906561, tzinfo=UTC),
        MESSAGE,
        None,
        {
            "url": "https://example.com/invoices/inv-000123",
            "user_agent": USER_AGENT,
            "ip": "198.51.100.23",
            "click_location": "HTML",
            "platform": "Desktop",
        },
    ),
    "subscription_change": Expected(
        EventKind.UNSUBSCRIBED,
        "SubscriptionChange",
        ANA,
        datetime(2026, 11, 23, 9, 20, 41, 416071, tzinfo=UTC),
        MESSAGE,
        None,
        {"reason": "ManualSuppression", "origin": "Recipient", "tags": ["invoice"]},
    ),
}

DOCUMENTED_RECORD_TYPES = {
    "Delivery",
    "Bounce",
    "SpamComplaint",
    "Open",
    "Click",
    "SubscriptionChange",
    "Inbound",
}
DOCUMENTED_BOUNCE_TYPES = {
    "HardBounce",
    "Transient",
    "Unsubscribe",
    "Subscribe",
    "AutoResponder",
    "AddressChange",
    "DnsError",
    "SpamNotification",
    "OpenRelayTest",
    "Unknown",
    "SoftBounce",
    "VirusNotification",
    "ChallengeVerification",
    "BadEmailAddress",
    "SpamComplaint",
    "ManuallyDeactivated",
    "Unconfirmed",
    "Blocked",
    "SMTPApiError",
    "InboundError",
    "DMARCPolicy",
    "TemplateRenderingFailed",
    # Not in Postmark's bounce-type table, but posted as a bounce Type without an Email.
    "SubscriptionChange",
}


def record(name: str) -> dict[str, Any]:
    """The fixture ``name`` as a JSON object to edit."""
    loaded: dict[str, Any] = json.loads(body("postmark", name))
    return loaded


def encoded(*records: dict[str, Any]) -> bytes:
    """One record as Postmark posts it, or several as an array."""
    return json.dumps(records[0] if len(records) == 1 else list(records)).encode()


def edited(name: str, drop: tuple[str, ...] = (), **changes: Any) -> bytes:
    """The fixture ``name`` with ``changes`` applied and the ``drop`` fields removed."""
    changed = {**record(name), **changes}
    for field in drop:
        del changed[field]
    return encoded(changed)


def only(parsed: Parsed) -> Observation:
    assert parsed.notices == []
    (observation,) = parsed.observations
    return observation


def error_of(raw: bytes) -> BodyError:
    with pytest.raises(BodyError) as caught:
        postmark.parse(raw)
    return caught.value


def test_every_fixture_is_checked() -> None:
    assert set(names("postmark")) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_fixture_becomes_its_observation(name: str) -> None:
    expected = EXPECTED[name]
    observation = only(postmark.parse(body("postmark", name)))
    assert observation.provider == "postmark"
    assert observation.kind is expected.kind
    assert observation.raw_type == expected.raw_type
    assert observation.recipient == expected.recipient
    assert observation.occurred_at == expected.occurred_at
    assert observation.occurred_at.tzinfo is UTC
    assert observation.provider_message_id == expected.message_id
    if expected.event_id is None:
        assert observation.event_id == observation.content_hash()
    else:
        assert observation.event_id == expected.event_id
    assert {key: observation.details.get(key) for key in expected.details} == expected.details


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_numeric_type_codes_are_not_read(name: str) -> None:
    # Postmark's own sources disagree on TypeCode (SpamComplaint: 100001 or 512).
    assert postmark.parse(edited(name, TypeCode=512)) == postmark.parse(body("postmark", name))


def test_the_message_id_is_normalised_by_the_domain() -> None:
    observation = only(postmark.parse(edited("delivery", MessageID=f" <{MESSAGE}> ")))
    assert observation.provider_message_id == MESSAGE


def test_the_message_id_spelled_message_id_is_read_too() -> None:
    changed = record("delivery")
    changed["MessageId"] = changed.pop("MessageID")
    assert only(postmark.parse(encoded(changed))).provider_message_id == MESSAGE


def test_a_body_of_several_records_for_several_messages_keeps_body_order() -> None:
    other = {**record("open"), "MessageID": "0d9e2f61-5c4b-4a3e-b2d1-7f8e9a0b1c2d"}
    parsed = postmark.parse(
        encoded(record("bounce"), record("delivery"), other, record("subscription_change"))
    )
    assert parsed.notices == []
    assert [(o.provider_message_id, o.kind) for o in parsed.observations] == [
        (BOUNCED_MESSAGE, EventKind.HARD_BOUNCE),
        (MESSAGE, EventKind.DELIVERED),
        ("0d9e2f61-5c4b-4a3e-b2d1-7f8e9a0b1c2d", EventKind.OPENED),
        (MESSAGE, EventKind.UNSUBSCRIBED),
    ]
    assert len({(o.provider, o.provider_message_id) for o in parsed.observations}) == 3


def test_an_empty_array_yields_nothing() -> None:
    assert postmark.parse(b" [] ") == Parsed()


def test_the_same_body_twice_gives_the_same_event_id() -> None:
    first = only(postmark.parse(body("postmark", "open")))
    again = only(postmark.parse(body("postmark", "open")))
    later = only(postmark.parse(edited("open", ReceivedAt="2026-11-23T09:30:00Z", FirstOpen=False)))
    assert first.event_id == again.event_id
    assert later.event_id != first.event_id


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_metadata_carries_our_correlation_ids(name: str) -> None:
    observation = only(postmark.parse(body("postmark", name)))
    if name == "bounce":
        # The bounced send used the prefixed names and a platform field of its own.
        assert observation.metadata == {
            "tenant": "acme",
            "dossier_id": "BK-2026-0413",
            "external_ref": "inv-000124",
        }
    else:
        assert observation.metadata == CORRELATION


@pytest.mark.parametrize("metadata", [None, {}, {"tenant": ["not", "text"]}, {"other": "x"}])
def test_metadata_without_our_ids_gives_no_correlation(metadata: Any) -> None:
    assert only(postmark.parse(edited("delivery", Metadata=metadata))).metadata == {}


def test_a_record_without_metadata_or_optional_fields_is_read() -> None:
    minimal = {
        "RecordType": "Delivery",
        "MessageID": MESSAGE,
        "Recipient": ANA,
        "DeliveredAt": "2026-11-23T09:01:12Z",
    }
    observation = only(postmark.parse(encoded(minimal)))
    assert observation.details == {}
    assert observation.metadata == {}


def test_extra_fields_never_make_a_body_fail() -> None:
    observation = only(
        postmark.parse(edited("click", NewField={"nested": [1, 2]}, Geo=None, Client=None))
    )
    assert "ip" not in observation.details
    assert "client" not in observation.details


@pytest.mark.parametrize(
    ("bounce_type", "kind"),
    sorted((name, kind) for name, kind in postmark.BOUNCE_TYPES.items() if kind is not None),
)
def test_each_bounce_type_maps_to_its_kind(bounce_type: str, kind: EventKind) -> None:
    observation = only(postmark.parse(edited("bounce", Type=bounce_type)))
    assert observation.kind is kind
    assert observation.raw_type == "Bounce"
    assert observation.details["bounce_type"] == bounce_type


def test_bounce_kinds_follow_the_documented_rule() -> None:
    kinds = postmark.BOUNCE_TYPES
    assert kinds["HardBounce"] is EventKind.HARD_BOUNCE
    assert {kinds[t] for t in ("SoftBounce", "Transient", "DnsError")} == {EventKind.SOFT_BOUNCE}
    assert kinds["BadEmailAddress"] is EventKind.INVALID_EMAIL
    assert {kinds[t] for t in ("Blocked", "ManuallyDeactivated")} == {EventKind.BLOCKED}
    assert {kinds[t] for t in ("SpamNotification", "SpamComplaint")} == {EventKind.SPAM}


def test_every_documented_type_is_mapped() -> None:
    assert set(postmark.MAPPING) == DOCUMENTED_RECORD_TYPES
    assert set(postmark.BOUNCE_TYPES) == DOCUMENTED_BOUNCE_TYPES
    not_facts = {name for name, kind in postmark.BOUNCE_TYPES.items() if kind is None}
    assert set(postmark.BOUNCE_NOTICES) == not_facts


@pytest.mark.parametrize("record_type", sorted(DOCUMENTED_RECORD_TYPES - {"Inbound"}))
def test_every_record_type_is_read_as_its_mapped_kind(record_type: str) -> None:
    name = {"SpamComplaint": "spam_complaint", "SubscriptionChange": "subscription_change"}.get(
        record_type, record_type.lower()
    )
    assert only(postmark.parse(body("postmark", name))).kind is postmark.MAPPING[record_type]


@pytest.mark.parametrize(
    "bounce_type", sorted(t for t, kind in postmark.BOUNCE_TYPES.items() if kind is None)
)
def test_bounce_types_that_are_no_delivery_fact_are_known_notices(bounce_type: str) -> None:
    parsed = postmark.parse(edited("bounce", Type=bounce_type))
    assert parsed.observations == []
    (notice,) = parsed.notices
    assert notice.known
    assert notice.index == 0
    assert notice.raw_type == "Bounce"
    assert bounce_type in notice.reason
    assert notice.details["bounce_type"] == bounce_type
    assert parsed.unknown == []


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"SuppressSending": False, "SuppressionReason": None, "MessageID": None}, "reactivation"),
        ({"SuppressionReason": "HardBounce"}, "HardBounce"),
        ({"SuppressionReason": "SpamComplaint"}, "SpamComplaint"),
        ({"Origin": "Customer", "MessageID": None}, "Customer"),
        ({"Origin": "Admin", "MessageID": None}, "Admin"),
        ({"SuppressionReason": None}, "without a reason"),
    ],
)
def test_subscription_changes_other_than_an_unsubscription_are_known_notices(
    changes: dict[str, Any], why: str
) -> None:
    parsed = postmark.parse(edited("subscription_change", **changes))
    assert parsed.observations == []
    (notice,) = parsed.notices
    assert (notice.known, notice.raw_type) == (True, "SubscriptionChange")
    assert why in notice.reason


def test_an_inbound_email_is_a_known_notice() -> None:
    inbound = {
        "From": "customer@example.org",
        "FromFull": {"Email": "customer@example.org", "Name": "", "MailboxHash": ""},
        "To": "support@example.com",
        "Subject": "Question about inv-000123",
        "MessageID": "22c74902-a0c1-4511-804f-341342852c90",
        "MessageStream": "inbound",
        "Date": "Mon, 23 Nov 2026 09:30:00 +0100",
        "TextBody": "Hello",
    }
    parsed = postmark.parse(encoded(inbound))
    assert parsed.observations == []
    (notice,) = parsed.notices
    assert (notice.known, notice.raw_type) == (True, "Inbound")


@pytest.mark.parametrize(
    ("name", "changes", "raw_type"),
    [
        ("delivery", {"RecordType": "Rendered"}, "Rendered"),
        ("bounce", {"Type": "QuantumBounce"}, "Bounce/QuantumBounce"),
        (
            "subscription_change",
            {"SuppressionReason": "Complained"},
            "SubscriptionChange/Complained",
        ),
    ],
)
def test_unknown_types_are_unknown_notices_never_guessed(
    name: str, changes: dict[str, Any], raw_type: str
) -> None:
    parsed = postmark.parse(edited(name, **changes))
    assert parsed.observations == []
    (notice,) = parsed.unknown
    assert notice.raw_type == raw_type
    assert not notice.known
    assert "postmark" in notice.reason
    assert raw_type in notice.reason


def test_unknown_records_are_skipped_among_known_ones() -> None:
    unknown = {**record("delivery"), "RecordType": "Rendered"}
    parsed = postmark.parse(encoded(record("delivery"), unknown, record("click")))
    assert [o.kind for o in parsed.observations] == [EventKind.DELIVERED, EventKind.CLICKED]
    assert [(n.index, n.known) for n in parsed.notices] == [(1, False)]


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b'{"RecordType": "Delivery",', b"", b"\xff\xfe{}", b'{"Recipient": "\xe9"}'],
)
def test_a_body_that_is_not_json_is_refused(raw: bytes) -> None:
    error = error_of(raw)
    assert error.provider == "postmark"
    assert error.index is None
    assert str(error).startswith("postmark body: not valid JSON")


@pytest.mark.parametrize("raw", [b'"Delivery"', b"42", b"null", b"true"])
def test_a_body_that_is_not_an_object_is_refused(raw: bytes) -> None:
    error = error_of(raw)
    assert (error.provider, error.index) == ("postmark", 0)
    assert "expected a JSON object" in str(error)


def test_an_array_of_something_else_sets_that_element_aside_naming_the_index() -> None:
    parsed = postmark.parse(b"[" + body("postmark", "delivery") + b', "Delivery"]')
    aside = only_set_aside(parsed, "postmark")
    assert aside.index == 1
    assert aside.text == "postmark event 1: expected a JSON object"
    assert element_alone(aside.data) == "Delivery"
    assert [o.kind for o in parsed.observations] == [EventKind.DELIVERED]


@pytest.mark.parametrize(
    ("raw", "index", "field"),
    [
        (edited("delivery", drop=("MessageID",)), 0, "MessageID"),
        (edited("bounce", MessageID=" "), 0, "MessageID"),
        (edited("subscription_change", MessageID=None), 0, "MessageID"),
        (encoded(record("click"), {**record("open"), "MessageID": None}), 1, "MessageID"),
        (edited("bounce", BouncedAt="yesterday"), 0, "BouncedAt"),
        (edited("delivery", DeliveredAt="2026-11-23T09:01:12"), 0, "DeliveredAt"),
        (edited("open", drop=("ReceivedAt",)), 0, "ReceivedAt"),
        (
            encoded(record("delivery"), {**record("click"), "ReceivedAt": "23/11/2026"}),
            1,
            "ReceivedAt",
        ),
        (edited("subscription_change", ChangedAt=""), 0, "ChangedAt"),
        (edited("bounce", drop=("Email",)), 0, "Email"),
        (edited("delivery", Recipient="not-an-address"), 0, "recipient"),
        (edited("delivery", drop=("RecordType",)), 0, "RecordType"),
        (edited("bounce", Type=None), 0, "Type"),
        (edited("subscription_change", SuppressSending=None), 0, "SuppressSending"),
        (edited("bounce", ID="forty-two"), 0, "ID"),
        (edited("open", FirstOpen="perhaps"), 0, "FirstOpen"),
        (encoded(record("delivery"), {**record("bounce"), "Metadata": ["x"]}), 1, "Metadata"),
        (edited("click", Geo={"IP": 198}), 0, "Geo.IP"),
    ],
)
def test_a_bad_record_is_set_aside_naming_provider_index_and_field(
    raw: bytes, index: int, field: str
) -> None:
    parsed = postmark.parse(raw)
    aside = only_set_aside(parsed, "postmark")
    assert (aside.index, aside.field) == (index, field)
    assert aside.text.startswith(f"postmark event {index}: field '{field}'")
    assert len(parsed.observations) + len(parsed.notices) == index


def test_one_bad_record_is_set_aside_and_the_others_are_read() -> None:
    bad = {**record("click"), "ReceivedAt": "soon"}
    parsed = postmark.parse(encoded(record("delivery"), record("open"), bad))
    assert [o.kind for o in parsed.observations] == [EventKind.DELIVERED, EventKind.OPENED]
    aside = only_set_aside(parsed, "postmark")
    assert (aside.index, aside.field) == (2, "ReceivedAt")
    assert element_alone(aside.data) == bad
    assert parsed.rejected[0].raw_type == "Click"


def test_a_single_bad_record_is_set_aside_as_the_whole_body() -> None:
    raw = edited("bounce", BouncedAt="yesterday")
    parsed = postmark.parse(raw)
    assert (parsed.observations, parsed.notices) == ([], [])
    assert only_set_aside(parsed, "postmark").data == raw


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019-11-05T16:33:54.9070259Z", datetime(2019, 11, 5, 16, 33, 54, 907025, tzinfo=UTC)),
        (
            "2014-08-01T13:28:10.2735393-04:00",
            datetime(2014, 8, 1, 17, 28, 10, 273539, tzinfo=UTC),
        ),
        ("2016-12-01T15:41:45-05:00", datetime(2016, 12, 1, 20, 41, 45, tzinfo=UTC)),
        ("2020-02-01T10:53:34.416071Z", datetime(2020, 2, 1, 10, 53, 34, 416071, tzinfo=UTC)),
        ("2019-05-21T18:24:47Z", datetime(2019, 5, 21, 18, 24, 47, tzinfo=UTC)),
    ],
)
def test_postmark_times_become_utc(text: str, expected: datetime) -> None:
    parsed = postmark.instant(text, 0, "DeliveredAt")
    assert parsed == expected
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019-11-05T16:33:54.9070259Z", "2019-11-05T16:33:54.907025Z"),
        ("2014-08-01T13:28:10.273539312-04:00", "2014-08-01T13:28:10.273539-04:00"),
        ("2020-02-01T10:53:34.416071Z", "2020-02-01T10:53:34.416071Z"),
        ("2019-05-21T18:24:47Z", "2019-05-21T18:24:47Z"),
    ],
)
def test_fractions_past_the_microsecond_are_cut(text: str, expected: str) -> None:
    assert postmark.to_microseconds(text) == expected


@pytest.mark.parametrize(
    ("diagnostic", "code", "status"),
    [
        ("smtp;554 5.7.1 Message rejected by policy", 554, "5.7.1"),
        ("SMTP;421 4.7.0 Try again later", 421, "4.7.0"),
        ("smtp;550 Mailbox unavailable", 550, None),
        ("Test bounce details", None, None),
        ("smtp;5x0 5.1.1 odd", None, "5.1.1"),
        ("smtp;", None, None),
    ],
)
def test_smtp_codes_are_read_from_the_diagnostic(
    diagnostic: str, code: int | None, status: str | None
) -> None:
    observation = only(postmark.parse(edited("bounce", Details=diagnostic)))
    assert observation.details["diagnostic"] == diagnostic
    assert observation.details.get("smtp_code") == code
    assert observation.details.get("smtp_status") == status


ONE_MESSAGE = ["delivery", "open", "click", "spam_complaint", "subscription_change"]


def one_message_observations() -> list[Observation]:
    return [only(postmark.parse(body("postmark", name))) for name in ONE_MESSAGE]


def replay(arriving: list[Observation]) -> Message:
    message = Message(tenant=TENANT, provider="postmark", provider_message_id=MESSAGE)
    for observation in arriving:
        message.observe(observation.for_tenant(TENANT))
    return message


@st.composite
def arrivals(draw: st.DrawFn) -> list[Observation]:
    """The message's observations in some order, some of them more than once."""
    events = one_message_observations()
    repeated = events + draw(st.lists(st.sampled_from(events), max_size=8))
    return draw(st.permutations(repeated))


@given(arrivals(), arrivals())
def test_any_arrival_order_and_duplication_gives_the_same_state(
    first: list[Observation], second: list[Observation]
) -> None:
    one, other = replay(first), replay(second)
    assert one.state() == other.state()
    assert one.version == other.version == 1 + len(ONE_MESSAGE)


def test_the_fixtures_of_one_message_tell_its_story() -> None:
    state = replay(one_message_observations()).state()
    (recipient,) = state.recipients
    assert recipient.address == ANA
    assert recipient.status is EventKind.UNSUBSCRIBED
    assert recipient.delivered
    assert not recipient.failed
