"""The copy of a sent e-mail and contact links, in the domain: limits, hashes, the Registered
event's reference, the conflict check and the upcast of events stored before them."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from domain.contact_links import InvalidContactTemplateError, check_template, contact_url
from domain.content import (
    MAX_ATTACHMENT_NAME,
    MAX_ATTACHMENTS,
    MAX_CONTENT_BYTES,
    Attachment,
    ContentTooLargeError,
    MessageContent,
)
from domain.errors import InvalidObservationError, RegistrationConflictError
from domain.message import Message, payload_of_send
from domain.values import Recipient
from tests.conftest import a_send

INVOICE = MessageContent(
    text="Hello, your invoice.",
    html="<p>Hello, your <b>invoice</b>.</p>",
    attachments=(Attachment("INV-981.pdf", 48213, "application/pdf"),),
)


def test_the_same_copy_has_the_same_hash_and_another_copy_another() -> None:
    again = MessageContent.from_json(INVOICE.to_json())

    assert again == INVOICE
    assert again.sha256 == INVOICE.sha256
    assert len(INVOICE.sha256) == 64
    assert replace(INVOICE, text="Hello.").sha256 != INVOICE.sha256


def test_the_reference_summarises_the_copy() -> None:
    ref = INVOICE.ref

    assert ref.to_json() == {
        "sha256": INVOICE.sha256,
        "size": len(b"Hello, your invoice.") + len(b"<p>Hello, your <b>invoice</b>.</p>"),
        "has_text": True,
        "has_html": True,
        "attachments": 1,
    }
    assert MessageContent(html="<p>é</p>").ref.size == len("<p>é</p>".encode())


def test_text_and_html_together_are_at_most_512_kib_of_utf8() -> None:
    half = "x" * (MAX_CONTENT_BYTES // 2)
    MessageContent(text=half, html=half)  # exactly the limit

    with pytest.raises(ContentTooLargeError, match="524288"):
        MessageContent(text=half, html=half + "x")
    with pytest.raises(ContentTooLargeError):
        # Characters are counted as their UTF-8 bytes: 2 each.
        MessageContent(text="é" * (MAX_CONTENT_BYTES // 2 + 1))


def test_attachments_are_at_most_a_hundred_with_names_of_at_most_255_characters() -> None:
    MessageContent(text="t", attachments=(Attachment("a" * MAX_ATTACHMENT_NAME, 1),))
    with pytest.raises(ContentTooLargeError, match="at most 100"):
        MessageContent(text="t", attachments=tuple(Attachment(f"{n}.pdf", 1) for n in range(101)))
    with pytest.raises(ContentTooLargeError, match="at most 255"):
        MessageContent(text="t", attachments=(Attachment("a" * 256, 1),))
    assert MAX_ATTACHMENTS == 100


def test_a_copy_needs_a_body_and_sane_attachments() -> None:
    with pytest.raises(InvalidObservationError, match="'text' or an 'html'"):
        MessageContent(attachments=(Attachment("a.pdf", 1),))
    with pytest.raises(InvalidObservationError, match="must not be empty"):
        MessageContent(text="t", attachments=(Attachment(" ", 1),))
    with pytest.raises(InvalidObservationError, match="control character"):
        MessageContent(text="t", attachments=(Attachment("a\nb.pdf", 1),))


def test_the_registered_event_keeps_the_reference_never_the_copy() -> None:
    send = replace(a_send(), content=INVOICE)

    payload = payload_of_send(send)

    assert payload["content"] == INVOICE.ref.to_json()
    assert "Hello" not in str(payload)
    assert payload_of_send(a_send())["content"] is None


def test_a_contact_ref_is_kept_only_when_given() -> None:
    send = replace(
        a_send(),
        recipients=(Recipient("ana@example.com", contact_ref="C-1042"), Recipient("b@x.example")),
    )

    assert payload_of_send(send)["recipients"] == [
        {"address": "ana@example.com", "type": "to", "contact_ref": "C-1042"},
        {"address": "b@x.example", "type": "to"},
    ]


def test_the_same_copy_again_is_a_duplicate_and_another_a_conflict_naming_content() -> None:
    send = replace(a_send(), content=INVOICE)
    message = Message.start(send.tenant, *send.identity)
    assert message.register(send)

    assert not message.register(replace(a_send(), content=INVOICE))
    with pytest.raises(RegistrationConflictError, match="content"):
        message.register(replace(a_send(), content=replace(INVOICE, text="Other.")))
    with pytest.raises(RegistrationConflictError, match="content"):
        message.register(a_send())


def test_the_registration_read_back_knows_its_copy_and_contact_refs() -> None:
    send = replace(
        a_send(),
        recipients=(Recipient("ana@example.com", contact_ref="C-1"),),
        content=INVOICE,
    )
    message = Message.start(send.tenant, *send.identity)
    message.register(send)

    registration = message.registration

    assert registration is not None
    assert registration.content is None  # the log does not hold it
    assert registration.content_ref == INVOICE.ref
    assert registration.recipients[0].contact_ref == "C-1"


def test_a_registered_event_stored_before_copies_is_upcast_to_none() -> None:
    state: dict[str, object] = {"template": None}

    Message.Registered.upcast_v2_v3(state)

    assert state == {"template": None, "content": None}
    assert Message.Registered.class_version == 3


@pytest.mark.parametrize(
    ("template", "contact_ref", "expected"),
    [
        (
            "https://crm.example/contacts/{contact_ref}",
            "C-1042",
            "https://crm.example/contacts/C-1042",
        ),
        (
            "https://crm.example/contacts/{contact_ref}",
            "a/b c?",
            "https://crm.example/contacts/a%2Fb%20c%3F",
        ),
        (
            "https://crm.example/search?email={address}",
            None,
            "https://crm.example/search?email=ana%2Btag%40example.com",
        ),
        (
            "http://crm.example/c/{contact_ref}?e={address}",
            "7",
            "http://crm.example/c/7?e=ana%2Btag%40example.com",
        ),
        ("https://crm.example/contacts/{contact_ref}", None, None),
        (None, "C-1", None),
    ],
)
def test_contact_url_fills_the_placeholders_url_quoted(
    template: str | None, contact_ref: str | None, expected: str | None
) -> None:
    assert contact_url(template, contact_ref=contact_ref, address="ana+tag@example.com") == expected


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("ftp://crm.example/{contact_ref}", "http:// or https://"),
        ("javascript:alert(1)//{address}", "http:// or https://"),
        ("crm.example/{contact_ref}", "http:// or https://"),
        ("https://{address}/x", "host itself"),
        ("https://crm.example/{name}", "{name} is not a placeholder"),
        ("https://crm.example/{address!r}", "is not a placeholder"),
        ("https://crm.example/{address:>10}", "is not a placeholder"),
        ("https://crm.example/{address", "malformed"),
        ("https://crm.example/a b/{address}", "space"),
        ("https://crm.example/" + "a" * 2000, "at most 2000"),
        ("   ", "empty"),
    ],
)
def test_a_template_that_cannot_be_used_is_refused_saying_why(template: str, problem: str) -> None:
    with pytest.raises(InvalidContactTemplateError, match=re.escape(problem)) as raised:
        check_template(template)
    assert problem in str(raised.value)


def test_a_template_of_2000_characters_is_taken_trimmed() -> None:
    template = "https://crm.example/" + "a" * (2000 - len("https://crm.example/"))

    assert check_template(f"  {template} ") == template


def test_a_send_copied_with_another_copy_takes_that_copys_reference() -> None:
    send = replace(a_send(), content=INVOICE)
    other = replace(INVOICE, text="Other.")

    assert replace(send, content=other).content_ref == other.ref
    assert replace(send, subject="Invoice 2").content_ref == INVOICE.ref
