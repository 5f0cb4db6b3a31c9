from __future__ import annotations

from uuid import UUID

import pytest

from domain.errors import InvalidObservationError
from domain.identity import (
    check_tenant,
    message_id,
    normalise_provider_message_id,
    parse_message_reference,
    platform_message_id,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("14c5d75ce93.dfd.64b469.filter0001p3las1-27707-5B2D3E9C-1A.0", "14c5d75ce93.dfd.64b469"),
        ("abc123.recvd-5f9c7b4d-x-1", "abc123"),
        ("plainid", "plainid"),
        ("  abc.filterdrecv-1  ", "abc"),
    ],
)
def test_sendgrid_routing_suffix_is_cut_but_dots_of_the_id_are_kept(
    raw: str, expected: str
) -> None:
    assert normalise_provider_message_id("sendgrid", raw) == expected


@pytest.mark.parametrize("provider", ["mailgun", "ses", "postmark"])
def test_angle_brackets_around_a_message_id_are_dropped(provider: str) -> None:
    assert (
        normalise_provider_message_id(provider, "<20261123.1@mg.example>")
        == "20261123.1@mg.example"
    )


def test_dots_in_other_providers_ids_are_not_cut() -> None:
    assert normalise_provider_message_id("mailgun", "a.filter.b") == "a.filter.b"


def test_registration_and_provider_event_compute_the_same_id() -> None:
    assert message_id("acme", "SendGrid", "abc.filter001") == message_id("acme", "sendgrid", "abc")
    assert message_id("acme", "ses", "<0100.x@email.amazonses.com>") == message_id(
        "acme", "ses", "0100.x@email.amazonses.com"
    )


def test_two_tenants_with_the_same_provider_id_hold_two_messages() -> None:
    assert message_id("acme", "sendgrid", "abc") != message_id("globex", "sendgrid", "abc")
    assert platform_message_id("acme", "inv-1") != platform_message_id("globex", "inv-1")


def test_a_tenant_name_cannot_make_two_keys_read_alike() -> None:
    # "a:b" + "c" and "a" + "b:c" would be one key if tenants could hold ':'.
    with pytest.raises(InvalidObservationError, match="'tenant'"):
        message_id("acme:sendgrid", "sendgrid", "x")
    with pytest.raises(InvalidObservationError, match="'tenant'"):
        check_tenant("")


def test_reference_may_be_a_uuid_or_provider_and_id() -> None:
    expected = message_id("acme", "mailgun", "m-1@mg.example")
    assert parse_message_reference(str(expected), "acme") == expected
    assert parse_message_reference("mailgun:<m-1@mg.example>", "acme") == expected
    assert parse_message_reference("mailgun:<m-1@mg.example>", "globex") != expected


def test_refused_send_is_found_by_platform_reference() -> None:
    assert parse_message_reference("platform:inv:9", "acme") == platform_message_id("acme", "inv:9")


def test_ids_are_uuid5_in_the_project_namespace() -> None:
    assert isinstance(message_id("acme", "postmark", "x"), UUID)
    assert message_id("acme", "postmark", "x").version == 5


@pytest.mark.parametrize("text", ["nonsense", ":missing", "sendgrid:", "platform:"])
def test_unreadable_reference_names_the_expected_forms(text: str) -> None:
    with pytest.raises(InvalidObservationError, match="'id'"):
        parse_message_reference(text, "acme")


def test_empty_message_id_is_refused() -> None:
    with pytest.raises(InvalidObservationError, match="provider_message_id"):
        normalise_provider_message_id("mailgun", "<>")
