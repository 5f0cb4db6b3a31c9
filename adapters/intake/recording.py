"""The last step of every intake: a batch into the ledger in one transaction, views after.

The command line, the HTTP routes and the Kafka consumer all end here, so what is recorded,
and when the read models see it, is decided once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Protocol

from eventsourcing.persistence import Tracking

from domain.content import MessageContent
from domain.ledger import Ledger, Recorded
from domain.values import Observation, Send


class ContentSink(Protocol):
    """Where the copies of sent e-mails are kept (adapters/storage/contents.py)."""

    def put_many(self, items: Iterable[tuple[str, MessageContent]]) -> object: ...


class MissingContentStoreError(ValueError):
    """A batch carries copies of e-mails but no store was given to keep them."""


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
    contents: ContentSink | None = None,
) -> list[Recorded]:
    """Record the batch (and ``tracking``, the position it came from) in one transaction,
    then bring ``views`` up to date, so a read right after sees it.

    Sends that conflict with their message's registration raise before anything is saved:
    at the first, or with ``reject_each`` as one BatchRejectedError naming every one. ``lock``
    is held while writing (one writer at a time where the database has one connection).

    The copies of the sends' e-mails go to ``contents`` first, each write idempotent, so a
    Registered event never references a copy that is not there; a batch refused after that
    leaves copies nothing references, which is harmless. A batch with copies and no
    ``contents`` raises MissingContentStoreError before anything is written.
    """
    copies = [(s.tenant, s.content) for s in batch.sends if s.content is not None]
    if copies and contents is None:
        raise MissingContentStoreError(
            "the registrations carry copies of their e-mails and no content store was given"
        )
    with lock if lock is not None else nullcontext():
        if copies:
            assert contents is not None
            contents.put_many(copies)
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
