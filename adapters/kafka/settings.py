"""Where the broker is and what the topics are called, from options or the environment."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PROVIDER_EVENTS_TOPIC = "mailledger.provider-events"
DEFAULT_MESSAGES_TOPIC = "mailledger.messages"
DEFAULT_DEAD_LETTER_TOPIC = "mailledger.dead-letter"
DEFAULT_GROUP_ID = "mailledger-consumers"
DEFAULT_PARTITIONS = 6
"""Partitions of a topic created by mailledger: the most consumers of a group that share work."""


@dataclass(frozen=True)
class KafkaSettings:
    """The broker and the three topics; both input topics must have the same partition count."""

    bootstrap_servers: str
    provider_events_topic: str = DEFAULT_PROVIDER_EVENTS_TOPIC
    messages_topic: str = DEFAULT_MESSAGES_TOPIC
    dead_letter_topic: str = DEFAULT_DEAD_LETTER_TOPIC
    partitions: int = DEFAULT_PARTITIONS
    replication_factor: int = 1
    request_timeout_ms: int = 30_000

    @property
    def servers(self) -> list[str]:
        """The bootstrap servers as kafka-python takes them."""
        return [s.strip() for s in self.bootstrap_servers.split(",") if s.strip()]

    @property
    def input_topics(self) -> tuple[str, str]:
        """The topics a consumer reads: provider events and registrations."""
        return (self.provider_events_topic, self.messages_topic)
