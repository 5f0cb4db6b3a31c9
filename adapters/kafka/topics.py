"""Topics created when missing, the input ones co-partitioned."""

from __future__ import annotations

import structlog
from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from adapters.kafka.settings import KafkaSettings

log = structlog.get_logger()


class TopicLayoutError(RuntimeError):
    """The input topics exist with different partition counts, so keys would not line up."""


def ensure_topics(settings: KafkaSettings) -> dict[str, int]:
    """Create the three topics where missing; returns each topic's partition count.

    Both input topics are keyed by message id; they must have the same number of partitions
    so that one consumer owns a message's registration and its provider events.
    """
    names = [*settings.input_topics, settings.dead_letter_topic]
    admin = KafkaAdminClient(
        bootstrap_servers=settings.servers,
        client_id="mailledger-admin",
        request_timeout_ms=settings.request_timeout_ms,
    )
    try:
        existing = set(admin.list_topics())
        missing = [name for name in names if name not in existing]
        if missing:
            try:
                admin.create_topics(
                    [
                        NewTopic(
                            name=name,
                            num_partitions=settings.partitions,
                            replication_factor=settings.replication_factor,
                        )
                        for name in missing
                    ],
                    wait_for_metadata=True,
                )
                log.info("kafka.topics_created", topics=missing, partitions=settings.partitions)
            except TopicAlreadyExistsError:
                pass  # another process created them between our list and create
        counts = {
            topic["name"]: len(topic["partitions"])
            for topic in admin.describe_topics(names)
            if topic.get("partitions")
        }
    finally:
        admin.close()
    events, registrations = (counts.get(t) for t in settings.input_topics)
    if events != registrations:
        raise TopicLayoutError(
            f"topics {settings.provider_events_topic} ({events} partitions) and "
            f"{settings.messages_topic} ({registrations}) must have the same number of "
            "partitions, so that one consumer owns each message; recreate one of them"
        )
    return counts
