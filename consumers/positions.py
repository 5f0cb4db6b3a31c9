"""A partition's tracking name and what Kafka calls it."""

from __future__ import annotations

from kafka import TopicPartition


def tracking_name(tp: TopicPartition) -> str:
    """``topic:partition``: the name a partition's next offset is tracked under."""
    return f"{tp.topic}:{tp.partition}"
