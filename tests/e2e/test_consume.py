"""``mailledger publish`` → Kafka → ``mailledger consume`` → the event store, on the real broker."""

from __future__ import annotations

import json
from pathlib import Path

from adapters.providers.registry import WEBHOOK_PROVIDERS
from tests.e2e.kafka_support import (
    ConsumerProcess,
    Topics,
    consumers,
    end_offsets,
    mailledger,
    states,
    succeeds,
    topics,
    tracked,
)
from tests.e2e.test_cli import SENDS, assert_one_line_error, ok
from tests.e2e.test_ingest_providers import fixture_files

__all__ = ["consumers", "topics"]  # fixtures


def _consume_until_idle(
    topics: Topics, database_url: str, log_path: Path, *args: str
) -> ConsumerProcess:
    log_path.parent.mkdir(exist_ok=True)
    consumer = ConsumerProcess(topics, database_url, log_path, "--idle-exit", "2", *args)
    assert consumer.wait() == 0, consumer.log_path.read_text()
    return consumer


def test_published_bodies_give_the_state_ingest_gives(
    database_url: str, topics: Topics, tmp_path: Path
) -> None:
    reference = f"sqlite:///{tmp_path / 'reference.sqlite'}"
    ok(reference, "register", stdin=SENDS)
    succeeds(topics, database_url, "publish", "--registrations", stdin=SENDS)
    for provider in WEBHOOK_PROVIDERS:
        files = fixture_files(provider)
        ok(reference, "ingest", "--tenant", "acme", "--provider", provider, *files)
        published = succeeds(
            topics, database_url, "publish", "--tenant", "acme", "--provider", provider, *files
        )
        rows = [json.loads(line) for line in published.splitlines()]
        assert sum(row["events"] for row in rows) >= len(files)

    consumer = _consume_until_idle(topics, database_url, tmp_path / "consumer.log")

    assert states(database_url) == states(reference)
    batches = consumer.batches()
    assert sum(b["duplicates"] for b in batches) == 0
    assert sum(b["dead_letters"] for b in batches) == 0
    assert tracked(database_url, topics) == end_offsets(topics)
    # Consuming again starts from the tracked positions: nothing is read twice.
    again = _consume_until_idle(topics, database_url, tmp_path / "again.log")
    assert again.batches() == []
    assert states(database_url) == states(reference)


def test_publish_refuses_a_bad_body_and_publishes_nothing(
    postgres_url: str, topics: Topics, tmp_path: Path
) -> None:
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_bytes(Path(fixture_files("brevo")[0]).read_bytes())
    # Not a Brevo body as a whole; one odd event of a body would travel, to be quarantined.
    bad.write_text('"not an event"')

    result = mailledger(
        topics,
        postgres_url,
        "publish",
        "--tenant",
        "acme",
        "--provider",
        "brevo",
        str(good),
        str(bad),
    )

    assert_one_line_error(result, f"{bad}: brevo", "expected a JSON object")
    assert result.stdout == ""


def test_publish_to_an_unreachable_broker_is_one_line(postgres_url: str, topics: Topics) -> None:
    result = mailledger(
        topics,
        postgres_url,
        "publish",
        "--registrations",
        stdin=SENDS,
        env={"MAILLEDGER_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9"},
    )
    assert_one_line_error(result, "127.0.0.1:9", "--bootstrap-servers")


def test_publish_needs_a_provider_or_registrations(postgres_url: str, topics: Topics) -> None:
    result = mailledger(topics, postgres_url, "publish", stdin="")
    assert_one_line_error(result, "--provider P or --registrations")
