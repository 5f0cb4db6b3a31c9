"""The read models, event by event, through the real ledger and ReadSide on both databases."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import orjson
import pytest

from adapters.cli.presenters import message_json
from adapters.storage.database import parse_database_url
from adapters.storage.read_side import ReadSide, open_read_side
from domain.kinds import EventKind as K
from domain.kinds import Outcome
from domain.ledger import Ledger
from domain.values import Observation, Recipient, RecipientType, Send
from projections.catalogue import READ_MODELS
from projections.queries import InvalidCursorError, MessageQuery, encode_cursor
from tests.conftest import T0, TENANT

Dump = dict[str, list[dict[str, Any]]]
"""Every row of every table of every projection, by table name."""


def dump_tables(side: ReadSide) -> Dump:
    """Every table of every projection, each ordered by all of its columns."""
    dumped: Dump = {}
    for name, model in side.models.items():
        with model.view.reading() as tx:
            for table in model.tables:
                spelled = model.view.table(table)
                rows = tx.fetchall(f"SELECT * FROM {spelled}")
                if rows:
                    rows = tx.fetchall(f"SELECT * FROM {spelled} ORDER BY {', '.join(rows[0])}")
                dumped[f"{name}.{table}"] = rows
    return dumped


def a_registration(
    ref: str,
    *addresses: str,
    tenant: str = "acme",
    dossier_id: str | None = "DOS-1",
    subject: str = "Invoice",
    sender: str = "billing@acme.example",
    sent_at: datetime = T0,
    tags: tuple[str, ...] = (),
    refused: bool = False,
    types: Sequence[RecipientType] = (),
) -> Send:
    """A send of message ``msg-REF`` (or, refused, with no provider message id)."""
    recipients = tuple(
        Recipient(address, types[i] if i < len(types) else RecipientType.TO)
        for i, address in enumerate(addresses or ("ana@example.com",))
    )
    return Send(
        tenant=tenant,
        external_ref=f"ref-{ref}",
        recipients=recipients,
        sent_at=sent_at,
        provider=None if refused else "sendgrid",
        provider_message_id=None if refused else f"msg-{ref}",
        dossier_id=dossier_id,
        subject=subject,
        sender=sender,
        tags=tags,
        error="rejected by the provider" if refused else None,
    )


def an_event(
    ref: str,
    kind: K,
    minutes: float,
    recipient: str = "ana@example.com",
    *,
    event_id: str | None = None,
    details: dict[str, Any] | None = None,
    base: datetime = T0,
    tenant: str = TENANT,
) -> Observation:
    """A provider event about ``tenant``'s message ``msg-REF``, ``minutes`` after ``base``."""
    return Observation(
        tenant=tenant,
        provider="sendgrid",
        provider_message_id=f"msg-{ref}",
        recipient=recipient,
        kind=kind,
        occurred_at=base + timedelta(minutes=minutes),
        event_id=event_id,
        details=details or {},
    )


def id_of(ref: str, tenant: str = TENANT) -> str:
    """The list's id of ``tenant``'s message ``msg-REF``."""
    return str(an_event(ref, K.SENT, 0, tenant=tenant).message_id)


@pytest.fixture
def side(database_url: str, ledger: Ledger) -> Iterator[ReadSide]:
    with open_read_side(parse_database_url(database_url), ledger) as opened:
        yield opened


def listed(side: ReadSide, tenant: str | None = "acme", **filters: Any) -> list[dict[str, Any]]:
    """Every row of the tenant's list (failed or not unless told), newest first."""
    query = MessageQuery(tenant=tenant, **{"failed_only": False, "limit": 500, **filters})
    page = side.queries.list_messages(query)
    assert page.next_cursor is None
    return page.items


def listed_ids(side: ReadSide, tenant: str | None = "acme", **filters: Any) -> list[str]:
    return [row["id"] for row in listed(side, tenant, **filters)]


def recipient_row(side: ReadSide, ref: str, address: str) -> dict[str, Any]:
    """The recipient_status row of one recipient of message ``msg-REF``."""
    view = side.models["recipient_status"].view
    with view.reading() as tx:
        rows = tx.fetchall(
            f"SELECT * FROM {view.table('recipient_status')} WHERE message_id = %s "
            "AND address = %s",
            [id_of(ref), address],
        )
    assert len(rows) == 1
    return rows[0]


# --- behaviour per event ------------------------------------------------------------------


def test_a_registration_alone_is_listed_pending_and_queued_but_not_among_the_failed(
    ledger: Ledger, side: ReadSide
) -> None:
    ledger.register(
        [
            a_registration(
                "1",
                "ana@example.com",
                "bob@example.org",
                dossier_id="DOS-7",
                subject="Your invoice",
                tags=("invoice",),
            )
        ]
    )
    side.catch_up()

    assert side.queries.list_messages(MessageQuery(tenant="acme")).items == []
    [row] = listed(side)
    assert row["id"] == id_of("1")
    assert row["tenant"] == "acme"
    assert row["dossier_id"] == "DOS-7"
    assert row["subject"] == "Your invoice"
    assert row["sender"] == "billing@acme.example"
    assert row["recipients"] == ["ana@example.com", "bob@example.org"]
    assert row["tags"] == ["invoice"]
    assert row["registered"] is True
    assert row["outcome"] == "pending"
    assert row["last_status"] == "queued"
    assert row["counts"] == {"queued": 2}
    assert row["sent_at"] == T0.isoformat()


def test_delivery_to_every_recipient_makes_the_message_delivered(
    ledger: Ledger, side: ReadSide
) -> None:
    ledger.register([a_registration("1", "ana@example.com", "bob@example.org")])
    ledger.record(
        [
            an_event("1", K.SENT, 0, "ana@example.com"),
            an_event("1", K.DELIVERED, 1, "ana@example.com"),
            an_event("1", K.DELIVERED, 2, "bob@example.org"),
        ]
    )
    side.catch_up()

    [row] = listed(side)
    assert (row["outcome"], row["last_status"]) == ("delivered", "delivered")
    assert row["counts"] == {"delivered": 2}
    assert side.queries.list_messages(MessageQuery(tenant="acme")).items == []


def test_a_late_hard_bounce_after_the_delivery_raises_an_alert_with_its_reason(
    ledger: Ledger, side: ReadSide
) -> None:
    ledger.register([a_registration("1", "ana@example.com", "bob@example.org")])
    ledger.record(
        [
            an_event("1", K.DELIVERED, 1, "ana@example.com"),
            an_event("1", K.DELIVERED, 1, "bob@example.org"),
        ]
    )
    side.catch_up()
    assert listed(side)[0]["outcome"] == "delivered"

    ledger.record(
        [
            an_event(
                "1",
                K.HARD_BOUNCE,
                90,
                "bob@example.org",
                details={"reason": "550 mailbox does not exist"},
            )
        ]
    )
    side.catch_up()

    [row] = listed(side)
    assert row["outcome"] == "alert"
    assert row["last_status"] == "hard_bounce"
    assert row["counts"] == {"delivered": 1, "hard_bounce": 1}
    failed = side.queries.list_messages(MessageQuery(tenant="acme")).items
    assert [item["id"] for item in failed] == [id_of("1")]
    bounced = recipient_row(side, "1", "bob@example.org")
    assert (bounced["status"], bounced["failed"], bounced["delivered"]) == ("hard_bounce", 1, 0)
    assert bounced["last_bounce_reason"] == "550 mailbox does not exist"
    assert bounced["domain"] == "example.org"
    delivered = recipient_row(side, "1", "ana@example.com")
    assert (delivered["status"], delivered["failed"], delivered["last_bounce_reason"]) == (
        "delivered",
        0,
        None,
    )


def test_a_bounce_that_happened_before_the_delivery_changes_nothing(
    ledger: Ledger, side: ReadSide
) -> None:
    ledger.register([a_registration("1", "ana@example.com")])
    ledger.record([an_event("1", K.DELIVERED, 10)])
    side.catch_up()
    before = listed(side)

    # Recorded after the delivery, but it happened before it: the delivery wins by time.
    ledger.record([an_event("1", K.HARD_BOUNCE, 5, details={"reason": "try again"})])
    side.catch_up()

    [row] = listed(side)
    assert row["outcome"] == "delivered"
    assert row["last_status"] == "delivered"
    assert row["counts"] == {"delivered": 1}
    assert row == before[0]
    recipient = recipient_row(side, "1", "ana@example.com")
    assert (recipient["status"], recipient["delivered"], recipient["failed"]) == ("delivered", 1, 0)
    assert side.queries.list_messages(MessageQuery(tenant="acme")).items == []


@pytest.mark.parametrize("catch_up_between", [True, False], ids=["apart", "one-batch"])
def test_provider_events_before_the_registration_join_it_under_its_tenant(
    ledger: Ledger, side: ReadSide, catch_up_between: bool
) -> None:
    ledger.record(
        [
            an_event("1", K.SENT, 0, event_id="s1"),
            an_event("1", K.DELIVERED, 3, event_id="d1"),
            an_event("1", K.OPENED, 7, event_id="o1"),
        ]
    )
    if catch_up_between:
        side.catch_up()
        assert listed(side) == []
        [unregistered] = listed(side, tenant=None)
        assert unregistered["id"] == id_of("1")
        # Whose it is is known from the first event: the tenant that received it.
        assert (unregistered["registered"], unregistered["tenant"]) == (False, "acme")
        assert unregistered["sent_at"] == T0.isoformat()  # the first provider time, for now
        assert unregistered["counts"] == {"opened": 1}
        assert side.queries.message(UUID(id_of("1")), "other") is None
        assert side.queries.message(UUID(id_of("1")), "acme") is not None
        assert side.queries.dossier_history("acme", "DOS-1").items == []
        assert side.queries.daily_counts("acme") == []

    sent_at = T0 - timedelta(minutes=1)
    ledger.register([a_registration("1", dossier_id="DOS-9", sent_at=sent_at)])
    side.catch_up()

    [row] = listed(side)
    assert row["id"] == id_of("1")
    assert (row["registered"], row["tenant"], row["dossier_id"]) == (True, "acme", "DOS-9")
    assert row["sent_at"] == sent_at.isoformat()
    assert (row["outcome"], row["last_status"], row["counts"]) == (
        "delivered",
        "opened",
        {"opened": 1},
    )
    history = side.queries.dossier_history("acme", "DOS-9").items
    assert [(item["kind"], item["occurred_at"]) for item in history] == [
        ("registered", sent_at.isoformat()),
        ("sent", T0.isoformat()),
        ("delivered", (T0 + timedelta(minutes=3)).isoformat()),
        ("opened", (T0 + timedelta(minutes=7)).isoformat()),
    ]
    assert [item["event_id"] for item in history] == [None, "s1", "d1", "o1"]
    assert side.queries.dossier_history("other", "DOS-9").items == []
    [day] = side.queries.daily_counts("acme")
    assert day["day"] == sent_at.date().isoformat()
    assert (day["messages"], day["recipients"], day["delivered"], day["opened"]) == (1, 1, 1, 1)


def test_a_message_whose_every_recipient_failed_is_an_error(ledger: Ledger, side: ReadSide) -> None:
    ledger.register([a_registration("1", "ana@example.com", "bob@example.org")])
    ledger.record(
        [
            an_event("1", K.DELIVERED, 1, "ana@example.com"),
            an_event("1", K.BLOCKED, 2, "bob@example.org"),
        ]
    )
    side.catch_up()
    assert listed(side)[0]["outcome"] == "alert"

    ledger.record([an_event("1", K.SOFT_BOUNCE, 3, "ana@example.com")])
    side.catch_up()

    [row] = listed(side)
    assert (row["outcome"], row["last_status"]) == ("error", "soft_bounce")
    assert row["counts"] == {"blocked": 1, "soft_bounce": 1}
    assert listed_ids(side, failed_only=True) == [id_of("1")]


def test_a_refused_registration_is_an_error_without_a_provider(
    ledger: Ledger, side: ReadSide
) -> None:
    refused = a_registration("1", "ana@example.com", "bob@example.org", refused=True)
    ledger.register([refused])
    side.catch_up()

    [row] = side.queries.list_messages(MessageQuery(tenant="acme")).items
    assert row["id"] == str(refused.message_id)
    assert (row["outcome"], row["last_status"]) == ("error", "error")
    assert row["counts"] == {"error": 2}
    assert (row["provider"], row["provider_message_id"]) == (None, None)
    shown = side.queries.message(refused.message_id, "acme")
    assert shown is not None
    assert shown["error"] == "rejected by the provider"
    assert [(r["status"], r["failed"]) for r in shown["recipients"]] == [("error", True)] * 2


def test_an_accepted_send_that_carries_an_error_is_shown_as_the_ledger_shows_it(
    ledger: Ledger, side: ReadSide
) -> None:
    send = Send(
        tenant="acme",
        external_ref="ref-1",
        recipients=(Recipient("ana@example.com"),),
        sent_at=T0,
        provider="sendgrid",
        provider_message_id="msg-1",
        error="throttled; the provider retries",
    )
    ledger.register([send])
    side.catch_up()

    assert side.queries.message(send.message_id, "acme") == message_json(
        ledger.get_message(send.message_id)
    )


def test_a_message_shows_exactly_what_the_ledger_shows_and_only_to_its_tenant(
    ledger: Ledger, side: ReadSide
) -> None:
    later = T0 + timedelta(days=1, hours=3)
    ledger.register(
        [
            a_registration("delivered", "ana@example.com", "bob@example.org", tags=("a", "b")),
            a_registration(
                "alert",
                "ana@example.com",
                "cc@example.org",
                "ana@example.com",  # named twice: kept once, at its first place
                "bcc@example.org",
                types=[RecipientType.TO, RecipientType.CC, RecipientType.BCC, RecipientType.BCC],
                sent_at=later,
            ),
            a_registration("refused", "zed@example.com", refused=True, dossier_id=None),
            a_registration("other", "ana@example.com", tenant="globex", subject="Hello"),
        ]
    )
    ledger.record(
        [
            an_event("delivered", K.SENT, 0, "ana@example.com"),
            an_event("delivered", K.DELIVERED, 1, "ana@example.com", details={"mx": "mx1"}),
            an_event("delivered", K.DELIVERED, 1, "bob@example.org", event_id="same"),
            an_event("delivered", K.OPENED, 1, "bob@example.org", event_id="same"),  # duplicate
            an_event("delivered", K.CLICKED, 2, "ana@example.com", details={"url": "https://x"}),
            an_event("alert", K.DEFERRED, 1, "cc@example.org", base=later),
            an_event("alert", K.HARD_BOUNCE, 5, "bcc@example.org", base=later),
            an_event("alert", K.DELIVERED, 5, "ana@example.com", base=later),
            # Named by the provider only: listed after the registration's recipients.
            an_event("alert", K.DELIVERED, 6, "extra@example.net", base=later),
            an_event("unregistered", K.QUEUED, 0, "x@example.com"),
            an_event("unregistered", K.BLOCKED, 0, "x@example.com", details={"reason": "no"}),
        ]
    )
    side.catch_up()
    # Events after a first catch-up: rows are brought up to date, not written anew.
    ledger.record(
        [
            an_event("delivered", K.UNSUBSCRIBED, 9, "bob@example.org"),
            an_event("alert", K.OPENED, 8, "ana@example.com", base=later),
            an_event("late", K.SENT, 0, "ana@example.com"),
        ]
    )
    ledger.register([a_registration("late", "ana@example.com", sent_at=T0 + timedelta(hours=1))])
    side.catch_up()

    ids = list(ledger.message_ids())
    assert len(ids) == 6
    for message_id in ids:
        state = ledger.get_message(message_id)
        expected = message_json(state)
        assert side.queries.message(message_id, None) == expected
        assert state.tenant is not None
        assert side.queries.message(message_id, state.tenant) == expected
        assert side.queries.message(message_id, "initech") is None
    assert side.queries.message(UUID(id_of("other", "globex")), "acme") is None
    assert side.queries.message(UUID(id_of("unregistered")), "globex") is None
    assert side.queries.message(UUID(id_of("never")), None) is None


# --- the list's filters -------------------------------------------------------------------


@pytest.fixture
def mail_log(ledger: Ledger, side: ReadSide) -> ReadSide:
    """Five messages of acme and one of globex, an hour apart (newest last)."""
    hour = timedelta(hours=1)
    ledger.register(
        [
            a_registration(
                "m1",
                "ana@example.com",
                "bob@other.org",
                subject="Invoice 100% paid",
                tags=("invoice", "q1"),
                sent_at=T0,
            ),
            a_registration(
                "m2",
                "carl@example.com",
                dossier_id="DOS-2",
                sender="support@acme.example",
                subject="Reminder_1 for you",
                tags=("reminder",),
                sent_at=T0 + hour,
            ),
            a_registration(
                "m3",
                "dora@sub.example.com",
                subject="INVOICE 1000 PAID",
                tags=("invoice",),
                sent_at=T0 + 2 * hour,
            ),
            a_registration(
                "m4",
                "ana@example.com",
                "eve@other.org",
                dossier_id="DOS-2",
                subject="ReminderX1",
                tags=("invoices",),
                sent_at=T0 + 3 * hour,
            ),
            a_registration(
                "o1",
                "ana@example.com",
                tenant="globex",
                subject="Invoice 100% paid",
                tags=("invoice", "q1"),
                sent_at=T0 + 4 * hour,
            ),
        ]
    )
    ledger.record(
        [
            an_event("m1", K.DELIVERED, 1, "ana@example.com"),
            an_event("m1", K.DELIVERED, 1, "bob@other.org"),
            an_event("m2", K.HARD_BOUNCE, 61, "carl@example.com"),
            an_event("m3", K.SENT, 121, "dora@sub.example.com"),
            an_event("m4", K.DEFERRED, 181, "ana@example.com"),
            an_event("m4", K.BLOCKED, 181, "eve@other.org"),
            an_event("o1", K.HARD_BOUNCE, 241, "ana@example.com", tenant="globex"),
        ]
    )
    side.catch_up()
    return side


M1, M2, M3, M4 = (id_of(ref) for ref in ("m1", "m2", "m3", "m4"))
O1 = id_of("o1", "globex")


def test_the_list_is_newest_first_and_each_tenant_sees_only_its_own(mail_log: ReadSide) -> None:
    assert listed_ids(mail_log) == [M4, M3, M2, M1]
    assert listed_ids(mail_log, tenant="globex") == [O1]
    assert listed_ids(mail_log, tenant="initech") == []
    assert listed_ids(mail_log, tenant=None) == [O1, M4, M3, M2, M1]
    # By default only messages where some recipient failed.
    assert [row["id"] for row in mail_log.queries.list_messages(MessageQuery("acme")).items] == [
        M4,
        M2,
    ]
    for tenant in ("acme", "globex"):
        for row in listed(mail_log, tenant, recipient="ana@example.com"):
            assert row["tenant"] == tenant


def test_the_list_filters_by_outcome_status_and_dossier(mail_log: ReadSide) -> None:
    assert listed_ids(mail_log, outcome=Outcome.ERROR) == [M2]
    assert listed_ids(mail_log, outcome=Outcome.ALERT) == [M4]
    assert listed_ids(mail_log, outcome=Outcome.DELIVERED) == [M1]
    assert listed_ids(mail_log, outcome=Outcome.PENDING) == [M3]
    assert listed_ids(mail_log, status=K.HARD_BOUNCE) == [M2]
    assert listed_ids(mail_log, status=K.DELIVERED) == [M1]
    assert listed_ids(mail_log, status=K.BLOCKED, failed_only=True) == [M4]
    assert listed_ids(mail_log, status=K.OPENED) == []
    assert listed_ids(mail_log, dossier_id="DOS-2") == [M4, M2]
    assert listed_ids(mail_log, dossier_id="DOS-1") == [M3, M1]
    assert listed_ids(mail_log, dossier_id="DOS-2", outcome=Outcome.ALERT) == [M4]


def test_the_list_filters_by_an_exact_recipient_or_a_domain(mail_log: ReadSide) -> None:
    assert listed_ids(mail_log, recipient="ana@example.com") == [M4, M1]
    assert listed_ids(mail_log, recipient=" ANA@Example.com ") == [M4, M1]
    assert listed_ids(mail_log, recipient="example.com") == [M4, M2, M1]
    assert listed_ids(mail_log, recipient="@example.com") == [M4, M2, M1]
    assert listed_ids(mail_log, recipient="sub.example.com") == [M3]
    assert listed_ids(mail_log, recipient="other.org") == [M4, M1]
    assert listed_ids(mail_log, recipient="nobody@example.com") == []
    assert listed_ids(mail_log, tenant="globex", recipient="example.com") == [O1]


def test_the_list_filters_by_sender_and_subject_text_taken_literally(mail_log: ReadSide) -> None:
    assert listed_ids(mail_log, sender="support@acme.example") == [M2]
    assert listed_ids(mail_log, sender="billing@acme.example") == [M4, M3, M1]
    assert listed_ids(mail_log, subject="invoice") == [M3, M1]
    assert listed_ids(mail_log, subject="INVOICE 100") == [M3, M1]
    assert listed_ids(mail_log, subject="100%") == [M1]  # not "1000"
    assert listed_ids(mail_log, subject="%") == [M1]
    assert listed_ids(mail_log, subject="reminder_1") == [M2]  # not "ReminderX1"
    assert listed_ids(mail_log, subject="_") == [M2]
    assert listed_ids(mail_log, subject="remind") == [M4, M2]
    assert listed_ids(mail_log, subject="refund") == []


def test_a_sender_registered_with_capitals_is_found_by_the_sender_filter(
    ledger: Ledger, side: ReadSide
) -> None:
    ledger.register([a_registration("1", sender="Billing@ACME.example")])
    side.catch_up()
    assert listed(side)[0]["sender"] == "Billing@ACME.example"

    assert listed_ids(side, sender="Billing@ACME.example") == [id_of("1")]


def test_the_list_filters_by_sent_time_from_inclusive_until_exclusive(mail_log: ReadSide) -> None:
    hour = timedelta(hours=1)
    assert listed_ids(mail_log, sent_from=T0 + hour) == [M4, M3, M2]
    assert listed_ids(mail_log, sent_until=T0 + 2 * hour) == [M2, M1]
    assert listed_ids(mail_log, sent_from=T0 + hour, sent_until=T0 + 2 * hour) == [M2]
    assert listed_ids(mail_log, sent_from=T0 + hour, sent_until=T0 + hour) == []
    assert listed_ids(mail_log, sent_from=T0 + timedelta(minutes=1)) == [M4, M3, M2]


def test_the_list_filters_by_tags_all_of_which_must_match(mail_log: ReadSide) -> None:
    assert listed_ids(mail_log, tags=("invoice",)) == [M3, M1]  # not "invoices"
    assert listed_ids(mail_log, tags=("invoice", "q1")) == [M1]
    assert listed_ids(mail_log, tags=("q1", "reminder")) == []
    assert listed_ids(mail_log, tags=("invoices",)) == [M4]
    assert listed_ids(mail_log, tags=("voice",)) == []


def test_a_tag_with_like_wildcards_matches_only_itself(ledger: Ledger, side: ReadSide) -> None:
    ledger.register(
        [
            a_registration("1", tags=("50%_off",)),
            a_registration("2", tags=("50xxoff", "50%")),
        ]
    )
    side.catch_up()

    assert listed_ids(side, tags=("50%_off",)) == [id_of("1")]
    assert listed_ids(side, tags=("50%",)) == [id_of("2")]
    assert listed_ids(side, tags=("50",)) == []


def test_a_tag_filter_does_not_match_inside_a_tag_that_holds_quotes(
    ledger: Ledger, side: ReadSide
) -> None:
    ledger.register([a_registration("1", tags=('x","a',)), a_registration("2", tags=("a",))])
    side.catch_up()

    assert listed_ids(side, tags=("a",)) == [id_of("2")]


def test_a_subject_with_accented_capitals_is_found_by_its_own_text(
    ledger: Ledger, side: ReadSide
) -> None:
    ledger.register([a_registration("1", subject="Été à Zürich")])
    side.catch_up()
    assert listed_ids(side, subject="zürich") == [id_of("1")]  # ASCII capitals fold

    assert listed_ids(side, subject="Été") == [id_of("1")]


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!",
        "",
        "bm90IGpzb24",  # "not json"
        encode_cursor([1]),
        encode_cursor(["1", "x"]),
        encode_cursor([1, 2]),
        encode_cursor([True, "x"]),
        "eyJhIjogMX0",  # {"a": 1}
    ],
)
def test_a_cursor_the_listing_did_not_hand_out_is_refused(mail_log: ReadSide, cursor: str) -> None:
    with pytest.raises(InvalidCursorError):
        mail_log.queries.list_messages(MessageQuery("acme", cursor=cursor))
    with pytest.raises(InvalidCursorError):
        mail_log.queries.dossier_history("acme", "DOS-1", cursor=cursor)


def test_pages_hold_every_message_once_while_newer_and_older_ones_arrive(
    ledger: Ledger, side: ReadSide
) -> None:
    # Ten messages; some share a sent time, so the message id breaks the tie.
    ledger.register(
        [a_registration(f"p{n}", sent_at=T0 + timedelta(minutes=10 * (n // 2))) for n in range(10)]
    )
    side.catch_up()
    at_start = listed_ids(side)
    assert len(at_start) == 10

    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = side.queries.list_messages(
            MessageQuery("acme", failed_only=False, limit=3, cursor=cursor)
        )
        assert len(page.items) <= 3
        seen += [row["id"] for row in page.items]
        pages += 1
        # Between pages, a newer and an older message arrive, and an existing one changes.
        ledger.register(
            [
                a_registration(f"new{pages}", sent_at=T0 + timedelta(days=1, minutes=pages)),
                a_registration(f"old{pages}", sent_at=T0 - timedelta(days=1, minutes=pages)),
            ]
        )
        ledger.record([an_event(f"p{pages}", K.HARD_BOUNCE, 1)])
        side.catch_up()
        if page.next_cursor is None:
            break
        cursor = page.next_cursor

    assert pages >= 4
    assert len(seen) == len(set(seen))
    # Every message there at the start, once each, in the order the first page began with.
    assert [i for i in seen if i in at_start] == at_start
    # Newer messages sort before the cursor and never show up; older ones come after it.
    newer = {id_of(f"new{n}") for n in range(1, pages + 1)}
    older = {id_of(f"old{n}") for n in range(1, pages + 1)}
    assert not newer & set(seen)
    assert set(seen) - set(at_start) <= older
    assert set(seen) & older


# --- daily counts -------------------------------------------------------------------------


def test_daily_counts_count_each_day_of_sends_per_tenant_with_rates(
    ledger: Ledger, side: ReadSide
) -> None:
    day1, day2 = T0, T0 + timedelta(days=1)
    ledger.register(
        [
            a_registration("a1", "ana@example.com", "bob@example.org", sent_at=day1),
            a_registration("a2", "carl@example.com", sent_at=day1 + timedelta(hours=5)),
            a_registration("a3", "dora@example.com", sent_at=day2),
            a_registration("a4", "eve@example.com", "fay@example.com", refused=True, sent_at=day2),
            a_registration("g1", "gus@example.com", tenant="globex", sent_at=day1),
        ]
    )
    ledger.record(
        [
            an_event("a1", K.DELIVERED, 1, "ana@example.com"),
            an_event("a1", K.OPENED, 2, "ana@example.com"),
            an_event("a1", K.CLICKED, 3, "ana@example.com"),
            an_event("a1", K.HARD_BOUNCE, 1, "bob@example.org"),
            an_event("a2", K.SOFT_BOUNCE, 301, "carl@example.com"),
            an_event("a2", K.DELIVERED, 302, "carl@example.com"),
            an_event("a3", K.DELIVERED, 1, "dora@example.com", base=day2),
            an_event("a3", K.SPAM, 2, "dora@example.com", base=day2),
            an_event("g1", K.DELIVERED, 1, "gus@example.com", tenant="globex"),
            an_event("g1", K.CLICKED, 2, "gus@example.com", tenant="globex"),
            # Not registered: counted on no day.
            an_event("u1", K.DELIVERED, 1, "ulf@example.com"),
        ]
    )
    side.catch_up()

    first = {
        "day": day1.date().isoformat(),
        "messages": 2,
        "recipients": 3,
        "delivered": 2,
        "failed": 1,
        "bounced": 2,
        "soft_bounced": 1,
        "hard_bounced": 1,
        "opened": 1,
        "clicked": 1,
        "complaints": 0,
        "delivery_rate": 0.6667,
        "bounce_rate": 0.6667,
        "open_rate": 0.5,
    }
    second = {
        "day": day2.date().isoformat(),
        "messages": 2,
        "recipients": 3,
        "delivered": 1,
        "failed": 2,
        "bounced": 0,
        "soft_bounced": 0,
        "hard_bounced": 0,
        "opened": 0,
        "clicked": 0,
        "complaints": 1,
        "delivery_rate": 0.3333,
        "bounce_rate": 0.0,
        "open_rate": 0.0,
    }
    assert side.queries.daily_counts("acme") == [first, second]
    assert side.queries.daily_counts("acme", since=day2.date()) == [second]
    assert side.queries.daily_counts("acme", until=day1.date()) == [first]
    assert side.queries.daily_counts("acme", since=day1.date(), until=day1.date()) == [first]
    assert side.queries.daily_counts("acme", since=day2.date(), until=day2.date()) == [second]
    assert side.queries.daily_counts("acme", since=date(2027, 1, 1)) == []
    [globex] = side.queries.daily_counts("globex")
    assert (globex["messages"], globex["delivered"], globex["opened"], globex["clicked"]) == (
        1,
        1,
        1,
        1,
    )
    both = side.queries.daily_counts(None)
    assert [(d["day"], d["messages"], d["recipients"]) for d in both] == [
        (day1.date().isoformat(), 3, 4),
        (day2.date().isoformat(), 2, 3),
    ]
    assert both[0]["open_rate"] == round(2 / 3, 4)

    # A bounce that comes a day late counts against the day of its send, and the message
    # registered late counts on its own sent day.
    ledger.record([an_event("a1", K.HARD_BOUNCE, 1, "ana@example.com", base=day2)])
    ledger.register([a_registration("u1", "ulf@example.com", sent_at=day2)])
    side.catch_up()

    later_first, later_second = side.queries.daily_counts("acme")
    assert {k: later_first[k] for k in ("messages", "delivered", "failed", "hard_bounced")} == {
        "messages": 2,
        "delivered": 1,
        "failed": 2,
        "hard_bounced": 2,
    }
    assert later_first["opened"] == 1  # the open happened all the same
    assert (later_second["messages"], later_second["recipients"], later_second["delivered"]) == (
        3,
        4,
        2,
    )


# --- concurrency --------------------------------------------------------------------------


def write_traffic(ledger: Ledger, first: int, count: int) -> int:
    """Register ``count`` messages and record eight events each; returns events written."""
    kinds = [K.QUEUED, K.SENT, K.DEFERRED, K.DELIVERED, K.OPENED, K.CLICKED, K.HARD_BOUNCE]
    sends = [
        a_registration(
            f"c{n}",
            "ana@example.com",
            f"r{n % 7}@example.org",
            tenant=("acme", "globex")[n % 2],
            dossier_id=f"DOS-{n % 5}" if n % 3 else None,
            sent_at=T0 + timedelta(hours=n % 48),
        )
        for n in range(first, first + count)
    ]
    events = [
        an_event(
            f"c{n}",
            kinds[(n + i) % len(kinds)],
            n % 48 * 60 + i,
            ("ana@example.com", f"r{n % 7}@example.org")[i % 2],
            tenant=("acme", "globex")[n % 2],
        )
        for n in range(first, first + count)
        for i in range(8)
    ]
    # Half the messages are registered after their events.
    ledger.register(sends[::2])
    for start in range(0, len(events), 400):
        ledger.record(events[start : start + 400])
    ledger.register(sends[1::2])
    return len(sends) * 2 + len(events)  # Created and Registered, then the events


def count_applied(
    side: ReadSide, applied: dict[str, int], lock: threading.Lock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Add up, per projection, the events this read side's batches actually applied."""
    for name, model in side.models.items():
        original = model.process_events

        def counting(
            events: Sequence[Any],
            tracking: Any,
            *,
            expected: int,
            name: str = name,
            original: Callable[..., None] = original,
        ) -> None:
            original(events, tracking, expected=expected)
            with lock:
                applied[name] += len(events)

        monkeypatch.setattr(model, "process_events", counting)


def test_two_read_sides_catching_up_at_once_apply_each_event_exactly_once(
    database_url: str, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = parse_database_url(database_url)
    applied = dict.fromkeys(READ_MODELS, 0)
    lock = threading.Lock()
    # Separate objects, each with its own ledger and connections, and pages that do not line
    # up, so each often finds the other has moved the view under it.
    sides = [open_read_side(database, page_size=size) for size in (23, 40)]
    written = 0
    try:
        for side in sides:
            count_applied(side, applied, lock, monkeypatch)
        # A first catch-up from nothing, then another from where the views stand.
        for first, count in ((0, 200), (200, 60)):
            new = write_traffic(ledger, first, count)
            written += new
            start = threading.Barrier(len(sides))

            def catch_up(side: ReadSide, start: threading.Barrier = start) -> int:
                start.wait()
                return side.catch_up()

            with ThreadPoolExecutor(len(sides)) as pool:
                read = list(pool.map(catch_up, sides))
            # Between them they read every new event (a page the other applied first too).
            assert sum(read) >= new

        assert written > 2000
        # Every event of the log, the addresses' that the policy process added included.
        in_log = ledger.recorder.max_notification_id()
        assert in_log is not None and in_log > written
        assert applied == dict.fromkeys(applied, in_log)
        concurrent = dump_tables(sides[0])
        totals = sum(day["messages"] for day in sides[0].queries.daily_counts(None))
        assert totals == 260
        assert len(concurrent["sent_mail.sent_mail"]) == 260
        # What one read side alone makes of the same log.
        with open_read_side(database, ledger, page_size=500) as alone:
            for name in alone.models:
                alone.rebuild(name)
            assert dump_tables(alone) == concurrent
    finally:
        for side in sides:
            side.close()


def test_json_columns_hold_sorted_compact_text(mail_log: ReadSide) -> None:
    # Rebuilds compare tables as text: the same state must always give the same bytes.
    for row in dump_tables(mail_log)["sent_mail.sent_mail"]:
        for column in ("recipients", "tags", "counts", "fold"):
            value = orjson.loads(row[column])
            assert row[column] == orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
