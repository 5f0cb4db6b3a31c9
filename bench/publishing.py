"""Putting the benchmark's traffic on the scratch topics, as ``mailledger publish`` would.

Records are built by the publisher's own code (``provider_records``: each body parsed and,
when it holds several messages, split per message) a chunk at a time, so that memory stays
bounded; only the publisher's time is counted as publishing.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Iterator, Sequence

from adapters.intake.bodies import Body
from adapters.intake.registrations import registration_line
from adapters.intake.to_kafka import provider_records, registration_record
from adapters.kafka.publisher import Publisher
from adapters.kafka.records import Record
from adapters.kafka.settings import KafkaSettings
from bench.consume_report import Published
from bench.progress import PhaseProgress
from bench.provider_bodies import Renderer
from bench.workload import Traffic
from domain.values import Send, utc_now

CHUNK_RECORDS = 20_000
"""Records built before they are published, bounding the benchmark's own memory."""

ARRIVAL_MESSAGES = 1000
"""Messages whose events arrive shuffled together, as providers deliver them."""


def publish_registrations(settings: KafkaSettings, sends: Sequence[Send]) -> Published:
    """Every send as a registration record on the messages topic."""
    progress = PhaseProgress("publish", f"{len(sends):,} registrations")
    chunks = (
        [
            registration_record(settings.messages_topic, send, registration_line(send))
            for send in sends[start : start + CHUNK_RECORDS]
        ]
        for start in range(0, len(sends), CHUNK_RECORDS)
    )
    return _publish(settings, chunks, len(sends), progress)


def publish_events(
    settings: KafkaSettings, renderer: Renderer, traffic: Traffic, seed: int
) -> Published:
    """Every event of the traffic as provider bodies on the provider-events topic."""
    total = traffic.observation_count
    progress = PhaseProgress("publish", f"{total:,} provider events")
    chunks = _event_chunks(settings, renderer, traffic, random.Random(seed))
    return _publish(settings, chunks, total, progress)


def _event_chunks(
    settings: KafkaSettings, renderer: Renderer, traffic: Traffic, rng: random.Random
) -> Iterator[list[Record]]:
    sent_at = {
        m.send.provider_message_id: m.send.sent_at
        for m in traffic.messages
        if m.send.provider_message_id is not None
    }
    received_at = utc_now()
    chunk: list[Record] = []
    for arriving in traffic.batches(ARRIVAL_MESSAGES, rng):
        for number, body in enumerate(renderer.bodies(arriving, sent_at)):
            posted = Body(f"bench-{number}", body.data, received_at, tenant=body.tenant)
            chunk.extend(provider_records(settings.provider_events_topic, body.provider, [posted]))
        if len(chunk) >= CHUNK_RECORDS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _publish(
    settings: KafkaSettings,
    chunks: Iterable[list[Record]],
    total: int,
    progress: PhaseProgress,
) -> Published:
    records = events = 0
    publishing = rendering = 0.0
    with Publisher(settings, client_id="mailledger-bench") as publisher:
        started = time.perf_counter()
        for chunk in chunks:
            built = time.perf_counter()
            rendering += built - started
            records += publisher.publish(chunk)
            events += sum(r.events for r in chunk)
            started = time.perf_counter()
            publishing += started - built
            progress(events, total)
    return Published(records, events, publishing, rendering)
