"""Timing provider events recorded through the domain, batched or one transaction each."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from domain.ledger import Ledger, Recorded
from domain.values import Observation, Send

Progress = Callable[[int, int], None]
"""Told (done, total) now and then during a long phase."""


def register_seconds(
    ledger: Ledger, sends: Sequence[Send], per_transaction: int, progress: Progress
) -> float:
    """Seconds to register the sends, ``per_transaction`` of them in each transaction."""
    started = time.perf_counter()
    for start in range(0, len(sends), per_transaction):
        ledger.register(sends[start : start + per_transaction])
        progress(min(start + per_transaction, len(sends)), len(sends))
    return time.perf_counter() - started


def record_batches_seconds(
    ledger: Ledger, batches: Sequence[Sequence[Observation]], progress: Progress
) -> float:
    """Seconds to record each batch in its own transaction; every event must be new."""
    total = sum(len(b) for b in batches)
    done = 0
    started = time.perf_counter()
    for batch in batches:
        _check_all_new(ledger.record(batch))
        done += len(batch)
        progress(done, total)
    return time.perf_counter() - started


def record_one_by_one_seconds(
    ledger: Ledger, observations: Sequence[Observation], progress: Progress
) -> float:
    """Seconds to record every event in a transaction of its own."""
    started = time.perf_counter()
    for done, observation in enumerate(observations, start=1):
        _check_all_new(ledger.record([observation]))
        if done % 100 == 0 or done == len(observations):
            progress(done, len(observations))
    return time.perf_counter() - started


def _check_all_new(results: Sequence[Recorded]) -> None:
    if any(r.duplicate for r in results):
        raise RuntimeError("the benchmark's traffic must hold no duplicates")
