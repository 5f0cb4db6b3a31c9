"""Copies of sent e-mails and contact links on both databases: kept per tenant, deduplicated,
written before the events that reference them, shown by the views; events stored before
copies and contact refs existed still read."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from eventsourcing.persistence import StoredEvent

from adapters.cli.presenters import message_json
from adapters.intake.recording import Batch, MissingContentStoreError, record_batch
from adapters.storage.contact_links import ContactLinks
from adapters.storage.contents import TABLE, ContentStore
from adapters.storage.database import parse_database_url
from adapters.storage.plain_connection import PlainConnection
from adapters.storage.read_side import open_read_side
from domain.contact_links import InvalidContactTemplateError
from domain.content import Attachment, MessageContent
from domain.ledger import Ledger
from domain.message import Message
from domain.values import Recipient
from tests.conftest import a_send

INVOICE = MessageContent(
    text="Please find your invoice attached.",
    html="<p>Please find your <b>invoice</b> attached.</p>",
    attachments=(Attachment("INV-981.pdf", 48213, "application/pdf"),),
)


@pytest.fixture
def contents(database_url: str) -> Iterator[ContentStore]:
    with ContentStore(parse_database_url(database_url)) as store:
        yield store


def _rows(database_url: str) -> list[Any]:
    connection = PlainConnection(parse_database_url(database_url))
    try:
        return connection.execute(f"SELECT tenant, sha256, size FROM {TABLE} ORDER BY tenant")
    finally:
        connection.close()


def test_a_copy_is_kept_compressed_and_read_back_as_it_was(
    contents: ContentStore, database_url: str
) -> None:
    ref = contents.put("acme", INVOICE)

    assert ref == INVOICE.ref
    assert contents.get("acme", ref.sha256) == INVOICE
    connection = PlainConnection(parse_database_url(database_url))
    try:
        [(data,)] = connection.execute(f"SELECT data FROM {TABLE}")
    finally:
        connection.close()
    assert b"invoice" not in bytes(data)  # zlib, not the text


def test_two_messages_with_the_same_copy_store_one_row(
    ledger: Ledger, contents: ContentStore, database_url: str
) -> None:
    sends = [
        replace(a_send(provider_message_id="m-1", external_ref="r-1"), content=INVOICE),
        replace(a_send(provider_message_id="m-2", external_ref="r-2"), content=INVOICE),
    ]

    record_batch(ledger, Batch(sends=sends), contents=contents)
    record_batch(ledger, Batch(sends=sends[:1]), contents=contents)

    assert _rows(database_url) == [("acme", INVOICE.sha256, INVOICE.size)]
    assert contents.count("acme") == 1


def test_the_same_copy_of_two_tenants_is_stored_twice_each_seeing_only_its_own(
    contents: ContentStore, database_url: str
) -> None:
    contents.put("acme", INVOICE)
    assert contents.get("globex", INVOICE.sha256) is None

    contents.put("globex", INVOICE)

    assert [row[0] for row in _rows(database_url)] == ["acme", "globex"]
    assert contents.get("acme", INVOICE.sha256) == INVOICE
    assert contents.get("globex", INVOICE.sha256) == INVOICE
    assert contents.count("acme") == contents.count("globex") == 1


def test_the_copy_is_written_before_the_events_that_reference_it(
    ledger: Ledger, contents: ContentStore
) -> None:
    send = replace(a_send(), content=INVOICE)
    seen: list[bool] = []

    class Watching:
        def put_many(self, items: Any) -> object:
            seen.append(len(list(ledger.message_ids())) == 0)
            return contents.put_many(items)

    [result] = record_batch(ledger, Batch(sends=[send]), contents=Watching())

    assert seen == [True]
    state = ledger.get_message(result.message_id)
    assert state.registration is not None and state.registration.content_ref == INVOICE.ref
    assert contents.get("acme", INVOICE.sha256) == INVOICE


def test_a_batch_with_copies_and_no_store_records_nothing(ledger: Ledger) -> None:
    with pytest.raises(MissingContentStoreError):
        record_batch(ledger, Batch(sends=[replace(a_send(), content=INVOICE)]))

    assert list(ledger.message_ids()) == []


def test_the_views_show_the_summary_and_contact_links_as_the_ledger_does(
    database_url: str, ledger: Ledger, contents: ContentStore
) -> None:
    send = replace(
        a_send(),
        recipients=(Recipient("ana@example.com", contact_ref="C-1042"), Recipient("b@x.example")),
        content=INVOICE,
    )
    record_batch(ledger, Batch(sends=[send]), contents=contents)
    template = "https://crm.example/contacts/{contact_ref}"

    with open_read_side(parse_database_url(database_url), ledger) as side:
        side.catch_up()
        shown = side.queries.message(send.message_id, "acme", contact_template=template)
        plain = side.queries.message(send.message_id, "acme")

    assert shown is not None and plain is not None
    assert shown["content"] == INVOICE.ref.to_json()
    assert [(r["contact_ref"], r["contact_url"]) for r in shown["recipients"]] == [
        ("C-1042", "https://crm.example/contacts/C-1042"),
        (None, None),
    ]
    assert [r["contact_url"] for r in plain["recipients"]] == [None, None]
    assert shown == message_json(ledger.get_message(send.message_id), template)


def _stored_as_version_2(ledger: Ledger, event: Any) -> StoredEvent:
    """The event as the version before copies and contact refs wrote it."""
    stored = ledger.mapper.to_stored_event(event)
    if not isinstance(event, Message.Registered):
        return stored
    state = ledger.mapper.transcoder.decode(stored.state)
    assert state.pop("content") is None
    state["class_version"] = 2
    return replace(stored, state=ledger.mapper.transcoder.encode(state))


def test_a_registration_stored_before_copies_reads_as_one_without(
    database_url: str, ledger: Ledger, contents: ContentStore
) -> None:
    send = a_send("ana@example.com")
    message = Message.start(send.tenant, *send.identity)
    message.register(send)
    ledger.recorder.insert_events(
        [_stored_as_version_2(ledger, e) for e in message.collect_events()]
    )

    state = ledger.get_message(message.id)
    [result] = record_batch(ledger, Batch(sends=[send]), contents=contents)
    with open_read_side(parse_database_url(database_url), ledger) as side:
        side.catch_up()
        shown = side.queries.message(message.id, "acme")

    assert state.registration == send
    assert state.registration.content_ref is None
    assert result.duplicate
    assert shown is not None and shown["content"] is None
    assert [(r["contact_ref"], r["contact_url"]) for r in shown["recipients"]] == [(None, None)]


def test_a_tenant_sets_resets_and_keeps_its_own_contact_link(database_url: str) -> None:
    with ContactLinks(parse_database_url(database_url)) as links:
        assert links.get("acme").template is None
        saved = links.set("acme", " https://crm.example/c/{contact_ref} ", by="test")

        assert saved.template == "https://crm.example/c/{contact_ref}"
        assert saved.updated_by == "test" and saved.updated_at is not None
        assert links.template_of("globex") is None
        with pytest.raises(InvalidContactTemplateError):
            links.set("acme", "ftp://crm.example/{address}", by="test")
        assert links.template_of("acme") == "https://crm.example/c/{contact_ref}"
        assert links.reset("acme").template is None
