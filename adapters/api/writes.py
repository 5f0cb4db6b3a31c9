"""Where the API's writes go: the event store (then the views catch up), or Kafka.

Stored writes hold the server's write lock, so one batch is written at a time, and return
only once the views have applied them: a read right after a write sees it.
"""

from __future__ import annotations

from collections.abc import Sequence

import structlog
from kafka.errors import KafkaError

from adapters.api.context import ApiContext
from adapters.api.errors import ApiError
from adapters.errors import first_line
from adapters.intake.recording import Batch, record_batch
from adapters.kafka.publisher import PublishError
from adapters.kafka.records import Record
from domain.ledger import Recorded
from domain.values import Observation, Send

log = structlog.get_logger()


def store_sends(context: ApiContext, sends: Sequence[Send]) -> list[Recorded]:
    """Register the sends in one transaction (every conflict named at once), then catch up.

    Raises BatchRejectedError when some sends conflict with stored registrations; nothing of
    the batch is stored then.
    """
    return _store(context, Batch(sends=sends))


def store_observations(context: ApiContext, observations: Sequence[Observation]) -> list[Recorded]:
    """Record the provider events in one transaction, then catch up the views."""
    if not observations:
        return []
    return _store(context, Batch(observations=observations))


def _store(context: ApiContext, batch: Batch) -> list[Recorded]:
    return record_batch(
        context.ledger,
        batch,
        views=context.read_side,
        reject_each=True,
        lock=context.write_lock,
        contents=context.contents,
    )


def publish(context: ApiContext, records: Sequence[Record]) -> int:
    """Put the records on their topics; returns once the broker acknowledged every one.

    A broker that does not take them is a 503: the caller may send the same request again,
    since records that did land are recognised as duplicates when consumed.
    """
    assert context.publisher is not None and context.kafka is not None, "needs Kafka"
    try:
        return context.publisher.publish(records)
    except (PublishError, KafkaError) as error:
        log.warning("api.kafka_unavailable", error=first_line(error))
        raise ApiError(
            503,
            f"Kafka at {context.kafka.bootstrap_servers} did not acknowledge the records; "
            "send the request again shortly (a repeat is recognised as a duplicate)",
        ) from None
