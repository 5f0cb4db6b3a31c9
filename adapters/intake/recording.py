"""The last step of every intake: a batch into the ledger in one transaction, views after.

The command line, the HTTP routes and the Kafka consumer all end here, so what is recorded,
and when the read models see it, is decided once.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Protocol

from eventsourcing.persistence import Tracking

from domain.ledger import Ledger, Recorded
from domain.values import Observation, Send


class Views(Protocol):
    """Read models that can be brought up to date with the log."""

    def catch_up(self) -> int: ...


@dataclass(frozen=True)
class Batch:
    """What one unit of intake records: provider events, or registrations of sends."""

    observations: Sequence[Observation] = field(default_factory=tuple)
    sends: Sequence[Send] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.observations and self.sends:
            raise ValueError("a batch holds provider events or sends, not both")


def record_batch(
    ledger: Ledger,
    batch: Batch,
    *,
    views: Views | None = None,
    tracking: Tracking | None = None,
    reject_each: bool = False,
    lock: AbstractContextManager[object] | None = None,
) -> list[Recorded]:
    """Record the batch (and ``tracking``, the position it came from) in one transaction,
    then bring ``views`` up to date, so a read right after sees it.

    Sends that conflict with their message's registration raise before anything is saved:
    at the first, or with ``reject_each`` as one BatchRejectedError naming every one. ``lock``
    is held while writing (one writer at a time where the database has one connection).
    """
    with lock if lock is not None else nullcontext():
        if batch.sends:
            results = ledger.register(batch.sends, tracking=tracking, reject_each=reject_each)
        elif batch.observations or tracking is not None:
            # A batch of nothing but dead letters still moves its position on.
            results = ledger.record(batch.observations, tracking=tracking)
        else:
            results = []
    if views is not None:
        views.catch_up()
    return results
