"""A registration line carrying the copy of its e-mail, through Kafka: the consumer keeps the
copy before the events, and a copy past the limit is a dead letter saying so."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
from kafka import KafkaProducer

from adapters.storage.contents import ContentStore
from adapters.storage.database import parse_database_url
from tests.e2e.kafka_support import (
    ConsumerProcess,
    Topics,
    create_topics,
    states,
    succeeds,
    topics,
)
from tests.e2e.test_cli import NOW, jsonl, ok

__all__ = ["topics"]  # fixtures

CONTENT: dict[str, Any] = {
    "text": "Please find your invoice attached.",
    "html": "<p>Please find your <b>invoice</b> attached.</p>",
    "attachments": [{"name": "INV-981.pdf", "size": 48213, "content_type": "application/pdf"}],
}


def _registration(ref: str, **extra: Any) -> dict[str, Any]:
    return {
        "tenant": "acme",
        "external_ref": ref,
        "subject": "Invoice",
        "provider": "sendgrid",
        "provider_message_id": f"sg-{ref}",
        "recipients": [{"address": "ana@x.example", "contact_ref": "C-1042"}],
        "sent_at": NOW.isoformat(),
        **extra,
    }


def test_a_copy_published_and_consumed_is_the_copy_registered_directly(
    fresh_postgres_url: str, topics: Topics, tmp_path: Path
) -> None:
    reference = f"sqlite:///{tmp_path / 'reference.sqlite'}"
    good = jsonl(_registration("inv-1", content=CONTENT))
    ok(reference, "register", stdin=good)
    succeeds(topics, fresh_postgres_url, "publish", "--registrations", stdin=good)
    create_topics(topics)
    too_large = _registration("inv-2", content={"text": "x" * (513 * 1024)})
    producer = KafkaProducer(bootstrap_servers=topics.bootstrap, acks="all")
    try:
        producer.send(
            topics.env["MAILLEDGER_KAFKA_MESSAGES_TOPIC"], key=b"k", value=orjson.dumps(too_large)
        )
        producer.flush()
    finally:
        producer.close()

    consumer = ConsumerProcess(topics, fresh_postgres_url, tmp_path / "c.log", "--idle-exit", "2")
    assert consumer.wait() == 0, consumer.log_path.read_text()

    assert states(fresh_postgres_url) == states(reference)
    [state] = states(fresh_postgres_url).values()
    assert state.registration is not None and state.registration.content_ref is not None
    assert state.registration.recipients[0].contact_ref == "C-1042"
    with ContentStore(parse_database_url(fresh_postgres_url)) as contents:
        copy = contents.get("acme", state.registration.content_ref.sha256)
        assert contents.count("acme") == 1
    assert copy is not None and copy.to_json() == CONTENT
    [letter] = [
        json.loads(line)
        for line in succeeds(topics, fresh_postgres_url, "dead-letters", "list", "--json")
        .strip()
        .splitlines()
    ]
    assert "524288" in letter["reason"] and "content" in letter["reason"]
    assert "xxxx" not in consumer.log_path.read_text()
