"""The consumer through what really happens: poison, kill -9, rebalances, restarts of its services.

Every test waits on observable conditions (log lines, tracked positions), never on sleeps.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from kafka import KafkaProducer

from adapters.kafka.envelope import Envelope
from domain.values import utc_now
from tests.conftest import TENANT
from tests.e2e.kafka_support import (
    ConsumerProcess,
    Topics,
    consumers,
    create_topics,
    end_offsets,
    provider_event_count,
    succeeds,
    topics,
    tracked,
)
from tests.e2e.logged_process import wait_until
from tests.e2e.test_failures import generic_events, restartable_postgres, services
from tests.unit.providers.bodies import body, names

__all__ = ["consumers", "restartable_postgres", "topics"]  # fixtures

EVENTS = 20_000
MESSAGES = 2_000


def _publish_load(topics: Topics, database_url: str, tmp_path: Path, *, part: int = 0) -> None:
    """The events, or with ``part`` 1 or 2 their first or second half."""
    lines = generic_events(EVENTS, messages=MESSAGES).splitlines(keepends=True)
    if part:
        lines = lines[(part - 1) * EVENTS // 2 : part * EVENTS // 2]
    file = tmp_path / f"events-{part}.jsonl"
    file.write_text("".join(lines))
    succeeds(
        topics, database_url, "publish", "--tenant", "acme", "--provider", "generic", str(file)
    )


def _all_consumed(database_url: str, topics: Topics, ends: dict[str, int | None]) -> bool:
    try:
        return tracked(database_url, topics) == ends
    except Exception:
        return False


def _start(
    topics: Topics,
    database_url: str,
    log: Path,
    started: list[ConsumerProcess],
    *args: str,
    env: dict[str, str] | None = None,
) -> ConsumerProcess:
    consumer = ConsumerProcess(topics, database_url, log, "--max-records", "100", *args, env=env)
    started.append(consumer)
    return consumer


def _stop_cleanly(consumer: ConsumerProcess) -> None:
    consumer.process.send_signal(signal.SIGTERM)
    assert consumer.wait(timeout=60) == 0, consumer.log_path.read_text()[-3000:]
    assert consumer.events("consumer.stopped")


def _assert_exactly_once(database_url: str, *runs: ConsumerProcess) -> None:
    assert provider_event_count(database_url) == EVENTS
    # The workload has no duplicate events: a duplicate would mean a record was applied twice.
    assert sum(b["duplicates"] for run in runs for b in run.batches()) == 0


def test_kill_9_mid_stream_then_restart_records_each_event_exactly_once(
    fresh_postgres_url: str,
    topics: Topics,
    tmp_path: Path,
    consumers: list[ConsumerProcess],
) -> None:
    _publish_load(topics, fresh_postgres_url, tmp_path)
    first = _start(topics, fresh_postgres_url, tmp_path / "first.log", consumers)
    wait_until(lambda: len(first.batches()) >= 3, "the first consumer's third batch")
    first.kill()
    assert provider_event_count(fresh_postgres_url) < EVENTS, "killed too late to prove anything"

    second = _start(topics, fresh_postgres_url, tmp_path / "second.log", consumers)
    ends = end_offsets(topics)
    wait_until(
        lambda: _all_consumed(fresh_postgres_url, topics, ends), "every record consumed", 180
    )
    _stop_cleanly(second)

    _assert_exactly_once(fresh_postgres_url, first, second)
    # The restart resumed where the database said, not from the start of the partitions.
    resumed = {b["partition"]: b["first_offset"] for b in reversed(second.batches())}
    assert any(offset > 0 for offset in resumed.values())


def test_a_second_consumer_joining_mid_stream_shares_the_work_and_loses_nothing(
    fresh_postgres_url: str,
    topics: Topics,
    tmp_path: Path,
    consumers: list[ConsumerProcess],
) -> None:
    _publish_load(topics, fresh_postgres_url, tmp_path, part=1)
    one = _start(topics, fresh_postgres_url, tmp_path / "one.log", consumers)
    wait_until(lambda: len(one.batches()) >= 2, "the first consumer's second batch")
    two = _start(topics, fresh_postgres_url, tmp_path / "two.log", consumers)
    wait_until(
        lambda: any(a["positions"] for a in two.events("consumer.assigned")),
        "the rebalance giving the second member partitions",
    )
    _publish_load(topics, fresh_postgres_url, tmp_path, part=2)
    ends = end_offsets(topics)
    wait_until(
        lambda: _all_consumed(fresh_postgres_url, topics, ends), "every record consumed", 180
    )
    _stop_cleanly(two)
    _stop_cleanly(one)

    _assert_exactly_once(fresh_postgres_url, one, two)
    assert two.batches(), "the second member got partitions and recorded batches"


@pytest.fixture
def restartable_kafka() -> Iterator[None]:
    yield
    services(("start-kafka",), check=False)  # whatever happened, leave it running


def test_the_broker_restarted_under_load_loses_nothing(
    fresh_postgres_url: str,
    topics: Topics,
    tmp_path: Path,
    consumers: list[ConsumerProcess],
    restartable_kafka: None,
) -> None:
    _publish_load(topics, fresh_postgres_url, tmp_path)
    consumer = _start(topics, fresh_postgres_url, tmp_path / "consumer.log", consumers)
    wait_until(lambda: len(consumer.batches()) >= 2, "the consumer's second batch")
    services(("stop-kafka",))
    recorded_while_down = provider_event_count(fresh_postgres_url)
    services(("start-kafka",))
    ends = end_offsets(topics)
    wait_until(
        lambda: _all_consumed(fresh_postgres_url, topics, ends), "every record consumed", 180
    )
    _stop_cleanly(consumer)

    assert recorded_while_down < EVENTS, "the broker stopped too late to prove anything"
    _assert_exactly_once(fresh_postgres_url, consumer)


def test_postgres_restarted_under_load_loses_nothing(
    restartable_postgres: str,
    topics: Topics,
    tmp_path: Path,
    consumers: list[ConsumerProcess],
) -> None:
    url = restartable_postgres
    _publish_load(topics, url, tmp_path)
    consumer = _start(topics, url, tmp_path / "consumer.log", consumers)
    wait_until(lambda: len(consumer.batches()) >= 2, "the consumer's second batch")
    services(("stop-postgres",))
    wait_until(
        lambda: bool(consumer.events("consumer.database_unavailable")),
        "the consumer noticing the database is down",
    )
    services(("start-postgres",))
    ends = end_offsets(topics)
    wait_until(lambda: _all_consumed(url, topics, ends), "every record consumed", 180)
    _stop_cleanly(consumer)

    _assert_exactly_once(url, consumer)


def test_a_database_that_stays_down_makes_the_consumer_exit_non_zero(
    topics: Topics, tmp_path: Path, consumers: list[ConsumerProcess]
) -> None:
    unreachable = "postgresql://mailledger:secret@127.0.0.1:9/mailledger"
    consumer = _start(topics, unreachable, tmp_path / "c.log", consumers, "--database-timeout", "1")

    assert consumer.wait(timeout=60) != 0
    last = consumer.log_path.read_text().strip().splitlines()[-1]
    assert "cannot open the ledger: postgresql://mailledger:***@127.0.0.1:9" in last
    assert "--database-timeout" in last
    assert "secret" not in consumer.log_path.read_text()


def _mailgun_signed(key: str) -> bytes:
    posted = json.loads(body("mailgun", names("mailgun")[0]))
    timestamp, token = str(int(time.time())), "a" * 50
    digest = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    posted["signature"] = {"timestamp": timestamp, "token": token, "signature": digest}
    return json.dumps(posted).encode()


GOOD_LINE = (
    b'{"provider":"postmark","provider_message_id":"pm-good","recipient":"ana@example.com",'
    b'"event":"delivered","occurred_at":"2026-11-23T09:00:00Z","event_id":"good-1"}\n'
)
REGISTRATION = {
    "tenant": "acme",
    "external_ref": "inv-9",
    "recipients": ["ana@example.com"],
    "provider": "postmark",
    "provider_message_id": "pm-good",
    "sent_at": "2026-11-23T08:59:00Z",
}


def test_poison_goes_to_the_dead_letter_topic_and_a_replay_after_a_fix_is_recorded(
    fresh_postgres_url: str,
    topics: Topics,
    tmp_path: Path,
    consumers: list[ConsumerProcess],
) -> None:
    events_topic, messages_topic = topics.names[:2]
    now = utc_now()
    trusted = Envelope.of(
        "generic", GOOD_LINE, now, tenant=TENANT, source="t", verified=True
    ).to_bytes()
    poison = {
        b"\x00not json": "not valid JSON",
        Envelope.of(
            "sendgrid", b'{"not": "a batch"}', now, tenant=TENANT, source="t", verified=True
        ).to_bytes(): "sendgrid",
        b'{"provider":"carrier-pigeon","received_at":"2026-11-23T09:00:00Z","body":""}': (
            "carrier-pigeon"
        ),
        Envelope.of(
            "mailgun", _mailgun_signed("right-key"), now, tenant=TENANT, source="t"
        ).to_bytes(): ("signature"),
    }
    conflicting = dict(REGISTRATION, recipients=["bob@example.com"])
    create_topics(topics)
    producer = KafkaProducer(bootstrap_servers=topics.bootstrap, acks="all")
    try:
        for value in [trusted, *poison]:
            producer.send(events_topic, key=b"k", value=value, partition=0)
        for registration in [
            orjson.dumps(REGISTRATION),
            b"{broken",
            orjson.dumps(conflicting),
            None,
        ]:
            producer.send(messages_topic, key=b"k", value=registration, partition=0)
        producer.flush()
    finally:
        producer.close()

    wrong_key = {"MAILLEDGER_MAILGUN_SIGNING_KEY": "wrong-key"}
    consumer = _start(
        topics, fresh_postgres_url, tmp_path / "1.log", consumers, "--verify", env=wrong_key
    )
    ends = end_offsets(topics)
    wait_until(lambda: _all_consumed(fresh_postgres_url, topics, ends), "every record consumed")
    _stop_cleanly(consumer)

    assert provider_event_count(fresh_postgres_url) == 1
    listed = [
        json.loads(line)
        for line in succeeds(topics, fresh_postgres_url, "dead-letters", "list", "--json")
        .strip()
        .splitlines()
    ]
    assert len(listed) == 7
    by_origin = {row["from"]: row for row in listed}
    for offset, fragment in enumerate(poison.values(), start=1):
        assert fragment in by_origin[f"{events_topic}:0@{offset}"]["reason"]
    assert "not valid JSON" in by_origin[f"{messages_topic}:0@1"]["reason"]
    assert (
        "already registered with different recipients"
        in (by_origin[f"{messages_topic}:0@2"]["reason"])
    )
    assert "tombstone" in by_origin[f"{messages_topic}:0@3"]["reason"]
    # Whichever partition the consumer took first, the dead letters keep the original bytes.
    originals = {
        base64.b64decode(row["value_base64"])
        for row in listed
        if row["from"].startswith(f"{events_topic}:")
    }
    assert originals == set(poison)

    # The operator fixes the key and replays the Mailgun body's dead letter.
    mailgun = by_origin[f"{events_topic}:0@4"]
    replayed = succeeds(
        topics,
        fresh_postgres_url,
        "dead-letters",
        "replay",
        "--at",
        f"{mailgun['partition']}@{mailgun['offset']}",
    )
    assert json.loads(replayed)["topic"] == events_topic
    right_key = {"MAILLEDGER_MAILGUN_SIGNING_KEY": "right-key"}
    fixed = _start(
        topics, fresh_postgres_url, tmp_path / "2.log", consumers, "--verify", env=right_key
    )
    ends = end_offsets(topics)
    wait_until(lambda: _all_consumed(fresh_postgres_url, topics, ends), "the replay consumed")
    _stop_cleanly(fixed)
    assert provider_event_count(fresh_postgres_url) == 2
    assert sum(b["dead_letters"] for b in fixed.batches()) == 0
