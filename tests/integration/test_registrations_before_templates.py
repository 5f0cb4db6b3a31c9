"""Registrations stored before ``template`` existed still load, as sends from no template.

Such an event is written here the way the previous version wrote it: its stored state without
``template`` and without a ``class_version``, inserted through the ledger's own recorder.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from eventsourcing.persistence import StoredEvent

from adapters.storage.database import parse_database_url
from adapters.storage.read_side import open_read_side
from domain.ledger import Ledger
from domain.message import Message
from projections.queries import MessageQuery
from tests.conftest import a_send


def _stored_as_before_templates(ledger: Ledger, event: Any) -> StoredEvent:
    stored = ledger.mapper.to_stored_event(event)
    if not isinstance(event, Message.Registered):
        return stored
    state = ledger.mapper.transcoder.decode(stored.state)
    assert state.pop("template") is None
    # Nor copies: version 1 had neither field.
    assert state.pop("content") is None
    assert state.pop("class_version") == 3
    return replace(stored, state=ledger.mapper.transcoder.encode(state))


def _record_as_before_templates(ledger: Ledger) -> Message:
    send = a_send("ana@example.com")
    message = Message.start(send.tenant, *send.identity)
    message.register(send)
    events = message.collect_events()
    ledger.recorder.insert_events([_stored_as_before_templates(ledger, e) for e in events])
    return message


def test_a_registration_stored_without_a_template_loads_as_from_no_template(
    ledger: Ledger,
) -> None:
    message = _record_as_before_templates(ledger)

    state = ledger.get_message(message.id)
    [registered] = [e for e in ledger.get_history(message.id) if isinstance(e, Message.Registered)]

    assert state.registration is not None
    assert state.registration.template is None
    assert registered.template is None
    assert state.registration == a_send("ana@example.com")


def test_registering_the_same_send_again_is_a_duplicate_not_a_conflict(ledger: Ledger) -> None:
    message = _record_as_before_templates(ledger)

    [result] = ledger.register([a_send("ana@example.com")])

    assert result.duplicate
    assert len(ledger.get_history(message.id)) == 2


def test_the_views_read_it_as_a_send_from_no_template(database_url: str, ledger: Ledger) -> None:
    message = _record_as_before_templates(ledger)
    everything = MessageQuery(tenant="acme", failed_only=False)

    with open_read_side(parse_database_url(database_url), ledger) as side:
        side.catch_up()
        shown = side.queries.message(message.id, "acme")
        untemplated = side.queries.list_messages(replace(everything, templated=False)).items
        templated = side.queries.list_messages(replace(everything, templated=True)).items
        per_template = side.queries.groups("acme", "template")
        days = side.queries.daily_counts("acme", by="template")

    assert shown is not None and shown["template"] is None
    assert [item["id"] for item in untemplated] == [str(message.id)]
    assert templated == []
    assert per_template == [{"template": None, "messages": 1, "failed": 0}]
    assert [(day["template"], day["messages"]) for day in days] == [(None, 1)]
