"""Registrations and webhooks over HTTP: all or nothing, tenant-checked, verified."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.unit.api.bodies import generic_line, mailgun_webhook, registration
from tests.unit.api.conftest import TENANT, Api
from tests.unit.api.test_errors import error_of


def test_a_batch_is_registered_and_listed_at_once(api: Api) -> None:
    batch = [registration("inv-1"), registration("inv-2", tenant=None)]

    response = api.post("/v1/messages", key="ingest", json=batch)

    assert response.status_code == 201, response.text
    items = response.json()["items"]
    assert [(i["external_ref"], i["recorded"]) for i in items] == [("inv-1", True), ("inv-2", True)]
    listed = api.get("/v1/messages?filter=all", key="viewer").json()["items"]
    assert {row["id"] for row in listed} == {i["id"] for i in items}
    assert {row["tenant"] for row in listed} == {TENANT}


def test_the_same_registration_again_is_not_recorded_twice(api: Api) -> None:
    first = api.post("/v1/messages", json=registration("inv-1"))
    again = api.post("/v1/messages", json=registration("inv-1"))

    assert first.json()["items"][0]["recorded"] is True
    assert again.status_code == 201
    assert again.json()["items"] == [{**first.json()["items"][0], "recorded": False}]


def test_a_conflicting_registration_is_409_and_nothing_of_the_batch_is_stored(api: Api) -> None:
    api.post("/v1/messages", json=registration("inv-1", subject="Invoice 1"))
    events = api.event_count()

    response = api.post(
        "/v1/messages",
        json=[registration("inv-2"), registration("inv-1", subject="Invoice one")],
    )

    error = error_of(response, 409)
    assert error["where"] == "body[1]"
    assert "subject" in error["message"]
    assert api.event_count() == events
    assert len(api.get("/v1/messages?filter=all").json()["items"]) == 1


def test_a_registration_for_another_tenant_is_403(api: Api) -> None:
    response = api.post(
        "/v1/messages", json=[registration("inv-1"), registration("inv-2", tenant="globex")]
    )

    error = error_of(response, 403)
    assert error["where"] == "body[1].tenant"
    assert api.event_count() == 0


@pytest.mark.parametrize(
    ("body", "where"),
    [([], "body"), ([1], "body[0]"), ("text", "body"), ([{}] * 1001, "body")],
)
def test_bodies_that_are_not_registrations_are_refused(api: Api, body: Any, where: str) -> None:
    response = api.post("/v1/messages", json=body)

    assert response.status_code in (413, 422)
    assert response.json()["error"]["where"] == where


def test_a_signed_mailgun_webhook_is_recorded_and_a_retry_is_a_duplicate(api: Api) -> None:
    posted = mailgun_webhook()

    first = api.post("/v1/webhooks/mailgun", key="ingest", content=posted)
    again = api.post("/v1/webhooks/mailgun", key="ingest", content=posted)

    assert first.status_code == 200, first.text
    assert first.json() == {"recorded": 1, "duplicates": 0, "skipped": 0, "quarantined": 0}
    assert again.json() == {"recorded": 0, "duplicates": 1, "skipped": 0, "quarantined": 0}


def test_a_tampered_webhook_is_401_and_nothing_is_recorded(api: Api) -> None:
    response = api.post("/v1/webhooks/mailgun", content=mailgun_webhook(tamper=True))

    error = error_of(response, 401)
    assert "mailgun request not verified" in error["message"]
    assert api.event_count() == 0


def test_a_webhook_signed_with_another_key_is_401(api: Api) -> None:
    response = api.post("/v1/webhooks/mailgun", content=mailgun_webhook(key="other-key"))
    assert error_of(response, 401)["message"].endswith("the signature does not match")


def test_a_malformed_body_is_400_with_the_parsers_message_and_nothing_is_recorded(
    api: Api,
) -> None:
    good = generic_line("m-1")
    bad = json.dumps({**json.loads(generic_line("m-2")), "occurred_at": "yesterday"})

    response = api.post("/v1/webhooks/generic", content=f"{good}\n{bad}\n")

    error = error_of(response, 400)
    assert error["message"].startswith("generic line 2: field 'occurred_at'")
    assert error["where"] == "body"
    assert api.event_count() == 0


def test_a_provider_without_its_verification_setting_is_503_naming_it(api: Api) -> None:
    response = api.post("/v1/webhooks/sendgrid", content=b"[]")

    error = error_of(response, 503)
    assert "MAILLEDGER_SENDGRID_VERIFICATION_KEY" in error["message"]


def test_an_unknown_provider_is_404_listing_the_known_ones(api: Api) -> None:
    error = error_of(api.post("/v1/webhooks/pigeon", content=b"{}"), 404)
    assert error["where"] == "path.provider"
    assert "mailgun" in error["message"]
    assert "generic" in error["message"]


def test_events_that_record_nothing_are_counted_as_skipped(api: Api) -> None:
    body = json.loads(mailgun_webhook())
    body["event-data"]["event"] = "teleported"

    # Re-signed: the signature covers only timestamp and token, not the event.
    response = api.post("/v1/webhooks/mailgun", content=json.dumps(body))

    assert response.status_code == 200, response.text
    assert response.json() == {"recorded": 0, "duplicates": 0, "skipped": 1, "quarantined": 0}
