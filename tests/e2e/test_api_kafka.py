"""``serve --bootstrap-servers``: webhooks and registrations go to Kafka, the consumer records
them, and the server's follower thread brings them into its views."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.api_support import ServerProcess, create_key, servers, start_server
from tests.e2e.kafka_support import ConsumerProcess, Topics, consumers, topics
from tests.e2e.logged_process import wait_until
from tests.unit.api.bodies import MAILGUN_KEY, mailgun_webhook, registration

__all__ = ["consumers", "servers", "start_server", "topics"]  # fixtures

pytestmark = pytest.mark.kafka

Start = Callable[..., ServerProcess]


def test_a_signed_webhook_travels_through_kafka_to_the_servers_views(
    database_url: str,
    topics: Topics,
    start_server: Start,
    consumers: list[ConsumerProcess],
    tmp_path: Path,
) -> None:
    env = {**topics.env, "MAILLEDGER_MAILGUN_SIGNING_KEY": MAILGUN_KEY}
    server = start_server(database_url, env=env)
    assert server.events("api.listening")[0]["kafka"] == topics.bootstrap
    ingest = server.client(create_key(database_url, "acme", "ingest"))
    viewer = server.client(create_key(database_url, "acme", "viewer"))
    send = registration(
        "INV-7781",
        provider="mailgun",
        provider_message_id="20261123093000.5e1c2b7a9d4f8e31@mg.example.org",
        recipients=["alice@example.com"],
    )

    registered = ingest.post("/v1/messages", json=[send])
    tampered = ingest.post("/v1/webhooks/mailgun", content=mailgun_webhook(tamper=True))
    webhook = ingest.post("/v1/webhooks/mailgun", content=mailgun_webhook())

    assert registered.status_code == 202, registered.text
    assert registered.json()["records"] == 1
    (item,) = registered.json()["items"]
    assert tampered.status_code == 401
    assert webhook.status_code == 202, webhook.text
    assert webhook.json() == {"records": 1, "events": 1}
    # Nothing is stored by the server itself: the consumer records what Kafka holds.
    assert viewer.get(f"/v1/messages/{item['id']}").status_code == 404

    consumers.append(ConsumerProcess(topics, database_url, tmp_path / "consumer.log"))

    def delivered() -> bool:
        shown = viewer.get(f"/v1/messages/{item['id']}")
        if shown.status_code != 200:
            return False
        statuses = [r["status"] for r in shown.json()["recipients"]]
        return statuses == ["delivered"]

    wait_until(delivered, "the consumed webhook in the server's views", timeout=120)
    dead = [b["dead_letters"] for b in consumers[0].batches()]
    assert sum(dead) == 0
