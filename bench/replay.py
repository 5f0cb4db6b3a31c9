"""Timing how long one long-lived message takes to load."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from eventsourcing.application import Repository

from bench.workload import START
from domain.kinds import EventKind
from domain.ledger import Ledger
from domain.message import Message
from domain.values import Observation

_BUILD_BATCH = 100
"""Events of the long message recorded per transaction while building it."""


@dataclass(frozen=True)
class Replay:
    """Mean load times of one message, with its snapshots and from its events alone."""

    version: int
    events: int
    loads: int
    with_snapshots_ms: float
    with_snapshots_median_ms: float
    events_only_ms: float


def build_long_message(ledger: Ledger, events: int) -> UUID:
    """A message of one recipient who opened it ``events`` times (each a distinct event)."""
    observations = [
        Observation(
            provider="sendgrid",
            provider_message_id="bench-replay-0000000001",
            recipient="reader@client.example",
            kind=EventKind.OPENED,
            occurred_at=START + timedelta(minutes=n),
            event_id=f"open-{n:05d}",
            details={"user_agent": "Mozilla/5.0", "ip": "198.51.100.7"},
            tenant="bench",
        )
        for n in range(events)
    ]
    for start in range(0, events, _BUILD_BATCH):
        ledger.record(observations[start : start + _BUILD_BATCH])
    return observations[0].message_id


def time_replay(ledger: Ledger, message_id: UUID, observed_events: int, loads: int) -> Replay:
    """Mean milliseconds of ``loads`` uncached loads, with snapshots and without."""
    with_snapshots = Repository[UUID](event_store=ledger.events, snapshot_store=ledger.snapshots)
    events_only = Repository[UUID](event_store=ledger.events)
    message: Message = with_snapshots.get(message_id)
    full: Message = events_only.get(message_id)
    if message.state() != full.state() or message.version != full.version:
        raise RuntimeError("the snapshot does not give back the state the events give")
    if len(message.facts.get("reader@client.example", {})) != observed_events:
        raise RuntimeError("the long message did not get all its events")
    timings = _load_ms(with_snapshots, message_id, loads)
    return Replay(
        version=message.version,
        events=observed_events,
        loads=loads,
        with_snapshots_ms=statistics.fmean(timings),
        with_snapshots_median_ms=statistics.median(timings),
        events_only_ms=statistics.fmean(_load_ms(events_only, message_id, max(1, loads // 5))),
    )


def _load_ms(repository: Repository[UUID], message_id: UUID, loads: int) -> list[float]:
    timings = []
    for _ in range(loads):
        started = time.perf_counter()
        repository.get(message_id)
        timings.append((time.perf_counter() - started) * 1000)
    return timings
