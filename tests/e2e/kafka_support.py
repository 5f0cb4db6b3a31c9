"""Running mailledger's Kafka commands as a user does, against the suite's broker."""

from __future__ import annotations

import os
import signal
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

from adapters.kafka.settings import KafkaSettings
from adapters.kafka.topics import ensure_topics
from adapters.storage.database import open_ledger, parse_database_url
from domain.state import MessageState
from tests.e2e.logged_process import LoggedProcess
from tests.e2e.test_cli import MAILLEDGER

PARTITIONS = 3


@dataclass(frozen=True)
class Topics:
    """Topics and a group of one test's own, so tests never see each other's records."""

    bootstrap: str
    prefix: str

    @property
    def env(self) -> dict[str, str]:
        return {
            "MAILLEDGER_KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "MAILLEDGER_KAFKA_PROVIDER_EVENTS_TOPIC": f"{self.prefix}.provider-events",
            "MAILLEDGER_KAFKA_MESSAGES_TOPIC": f"{self.prefix}.messages",
            "MAILLEDGER_KAFKA_DEAD_LETTER_TOPIC": f"{self.prefix}.dead-letter",
            "MAILLEDGER_KAFKA_PARTITIONS": str(PARTITIONS),
            "MAILLEDGER_KAFKA_GROUP_ID": f"{self.prefix}-group",
        }

    @property
    def names(self) -> list[str]:
        return [v for k, v in self.env.items() if k.endswith("_TOPIC")]


@pytest.fixture
def topics(kafka_bootstrap: str) -> Iterator[Topics]:
    made = Topics(kafka_bootstrap, f"test-{uuid.uuid4().hex[:12]}")
    yield made
    try:
        admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap, request_timeout_ms=10_000)
        try:
            existing = set(admin.list_topics())
            admin.delete_topics([t for t in made.names if t in existing])
        finally:
            admin.close()
    except Exception:
        pass


def mailledger(
    topics: Topics,
    database_url: str,
    *args: str,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MAILLEDGER, "--database", database_url, *args],
        input=stdin,
        capture_output=True,
        encoding="utf-8",
        timeout=180,
        check=False,
        env={**os.environ, **topics.env, **(env or {})},
    )


def succeeds(topics: Topics, database_url: str, *args: str, stdin: str | None = None) -> str:
    result = mailledger(topics, database_url, *args, stdin=stdin)
    assert result.returncode == 0, result.stderr
    return result.stdout


class ConsumerProcess(LoggedProcess):
    """``mailledger consume`` in a process of its own, its JSON log lines kept in a file."""

    def __init__(
        self,
        topics: Topics,
        database_url: str,
        log_path: Path,
        *args: str,
        env: dict[str, str] | None = None,
    ) -> None:
        super().__init__(
            ["--database", database_url, "--log-level", "info", "consume", *args],
            log_path,
            {**topics.env, **(env or {})},
        )

    def batches(self) -> list[dict[str, Any]]:
        return self.events("consumer.batch")

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self._log.close()


@pytest.fixture
def consumers() -> Iterator[list[ConsumerProcess]]:
    """Consumers a test starts, killed at its end whatever happened."""
    started: list[ConsumerProcess] = []
    yield started
    for consumer in started:
        consumer.stop()


def states(database_url: str) -> dict[str, MessageState]:
    """Every message's state, by id."""
    with open_ledger(parse_database_url(database_url)) as ledger:
        return {str(s.id): s for s in ledger.get_messages(list(ledger.message_ids()))}


def provider_event_count(database_url: str) -> int:
    """Provider events stored, over all messages and recipients."""
    return sum(len(r.facts) for s in states(database_url).values() for r in s.recipients)


def tracked(database_url: str, topics: Topics) -> dict[str, int | None]:
    """The position tracked for each partition of both input topics."""
    with open_ledger(parse_database_url(database_url)) as ledger:
        return {
            f"{topic}:{p}": ledger.tracked_position(f"{topic}:{p}")
            for topic in topics.names[:2]
            for p in range(PARTITIONS)
        }


def end_offsets(topics: Topics) -> dict[str, int | None]:
    """Each input partition's end offset, None where it holds nothing: what tracking should say
    once everything was consumed."""
    consumer = KafkaConsumer(
        bootstrap_servers=topics.bootstrap, group_id=None, enable_auto_commit=False
    )
    try:
        partitions = [TopicPartition(t, p) for t in topics.names[:2] for p in range(PARTITIONS)]
        ends = consumer.end_offsets(partitions)
    finally:
        consumer.close()
    return {f"{tp.topic}:{tp.partition}": ends[tp] or None for tp in partitions}


def create_topics(topics: Topics) -> None:
    """The test's topics as mailledger creates them, for records a test produces by hand."""
    env = topics.env
    ensure_topics(
        KafkaSettings(
            bootstrap_servers=topics.bootstrap,
            provider_events_topic=env["MAILLEDGER_KAFKA_PROVIDER_EVENTS_TOPIC"],
            messages_topic=env["MAILLEDGER_KAFKA_MESSAGES_TOPIC"],
            dead_letter_topic=env["MAILLEDGER_KAFKA_DEAD_LETTER_TOPIC"],
            partitions=PARTITIONS,
        )
    )
