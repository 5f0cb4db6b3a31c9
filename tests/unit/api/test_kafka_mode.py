"""With Kafka configured, writes are published (never stored here) and credentials stay out."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from typing import Any

import pytest

from adapters.api.routes.webhooks import _signature_headers
from adapters.kafka.publisher import PublishError
from adapters.kafka.records import Record
from adapters.kafka.settings import KafkaSettings
from tests.unit.api.bodies import generic_line, mailgun_webhook, registration
from tests.unit.api.conftest import Api
from tests.unit.api.test_errors import error_of

KAFKA = KafkaSettings(bootstrap_servers="broker.invalid:9092")


class RecordingPublisher:
    """Takes records as the broker would, or refuses them all."""

    def __init__(self) -> None:
        self.records: list[Record] = []
        self.down = False

    def publish(self, records: Iterable[Record], **_: Any) -> int:
        if self.down:
            raise PublishError("the broker did not take a record: KafkaTimeoutError")
        taken = list(records)
        self.records += taken
        return len(taken)


@pytest.fixture
def publisher(api: Api) -> RecordingPublisher:
    recording = RecordingPublisher()
    api.context.kafka = KAFKA
    api.context.publisher = recording  # type: ignore[assignment]
    return recording


def test_registrations_are_published_keyed_by_message_and_not_stored(
    api: Api, publisher: RecordingPublisher
) -> None:
    response = api.post("/v1/messages", json=[registration("inv-1"), registration("inv-2")])

    assert response.status_code == 202, response.text
    body = response.json()
    assert body["records"] == 2
    assert [r.topic for r in publisher.records] == [KAFKA.messages_topic] * 2
    assert [r.key.decode() for r in publisher.records if r.key] == [i["id"] for i in body["items"]]
    assert json.loads(publisher.records[0].value)["tenant"] == "acme"
    assert api.event_count() == 0


def test_a_webhook_is_published_verified_without_the_api_key(
    api: Api, publisher: RecordingPublisher
) -> None:
    token = api.tokens["ingest"]
    basic = base64.b64encode(f"mailgun:{token}".encode()).decode()

    response = api.post(
        "/v1/webhooks/mailgun",
        key=None,
        headers={"Authorization": f"Basic {basic}", "X-Trace": "t"},
        content=mailgun_webhook(),
    )

    assert response.status_code == 202, response.text
    assert response.json() == {"records": 1, "events": 1}
    (record,) = publisher.records
    envelope = json.loads(record.value)
    assert envelope["provider"] == "mailgun"
    assert envelope["verified"] is True
    assert "headers" not in envelope or envelope["headers"] == {}
    assert token not in record.value.decode()
    assert api.event_count() == 0


def test_a_body_that_fails_verification_is_not_published(
    api: Api, publisher: RecordingPublisher
) -> None:
    error_of(api.post("/v1/webhooks/mailgun", content=mailgun_webhook(tamper=True)), 401)
    error_of(api.post("/v1/webhooks/generic", content=b"{oops"), 400)
    assert publisher.records == []


def test_a_key_authenticated_body_is_marked_verified(
    api: Api, publisher: RecordingPublisher
) -> None:
    response = api.post("/v1/webhooks/generic", content=generic_line("m-1"))

    assert response.status_code == 202, response.text
    assert json.loads(publisher.records[0].value)["verified"] is True


def test_a_broker_that_does_not_acknowledge_is_503(api: Api, publisher: RecordingPublisher) -> None:
    publisher.down = True

    webhook = api.post("/v1/webhooks/generic", content=generic_line("m-1"))
    registered = api.post("/v1/messages", json=registration("inv-1"))

    for response in (webhook, registered):
        error = error_of(response, 503)
        assert "broker.invalid:9092" in error["message"]


def test_only_signature_headers_travel_with_a_body() -> None:
    posted = {
        "authorization": "Bearer mlk_secret",
        "x-twilio-email-event-webhook-signature": "sig",
        "X-Twilio-Email-Event-Webhook-Timestamp": "1795426203",
        "X-MessageSystems-Webhook-Token": "legacy-secret",
        "cookie": "c",
    }

    assert _signature_headers("sendgrid", posted) == {
        "X-Twilio-Email-Event-Webhook-Signature": "sig",
        "X-Twilio-Email-Event-Webhook-Timestamp": "1795426203",
    }
    assert _signature_headers("sparkpost", posted) == {}
    assert _signature_headers("mailgun", posted) == {}


def test_a_registration_with_a_copy_is_published_with_the_copy_for_the_consumer_to_keep(
    api: Api, publisher: RecordingPublisher
) -> None:
    content = {"text": "Hello", "html": None, "attachments": [{"name": "a.pdf", "size": 3}]}
    recipients = [{"address": "ana@example.com", "contact_ref": "C-1"}]

    response = api.post(
        "/v1/messages", json=registration("inv-1", content=content, recipients=recipients)
    )

    assert response.status_code == 202, response.text
    line = json.loads(publisher.records[0].value)
    assert line["content"] == {
        "text": "Hello",
        "html": None,
        "attachments": [{"name": "a.pdf", "size": 3, "content_type": None}],
    }
    assert line["recipients"] == [
        {"address": "ana@example.com", "type": "to", "contact_ref": "C-1"}
    ]
    assert api.context.contents.count("acme") == 0  # the consumer keeps it, not the API
    assert api.post("/v1/messages", json=registration("inv-2")).status_code == 202
    plain = json.loads(publisher.records[1].value)
    assert "content" not in plain
    assert plain["recipients"] == [{"address": "ana@example.com", "type": "to"}]
