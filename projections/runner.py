"""Brings views up to date with the ledger's event log, in batches.

eventsourcing's ProjectionRunner follows an application through a subscription and hands its
projection one event per transaction. Catching up a view over millions of events that way costs
a transaction per event; this runner reads the log a page at a time, decodes each page once for
every view, and applies it to each view in one transaction with the position it reaches. The
projections remain eventsourcing Projections: the library's runner can drive them as well.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from eventsourcing.persistence import ApplicationRecorder, Mapper, Tracking

from projections.read_model import ReadModel
from projections.view import PositionMovedError

log = structlog.get_logger()

PAGE_SIZE = 2000
"""Events read and applied per transaction: large enough to amortise a round trip."""


@dataclass(frozen=True)
class Progress:
    """Where a catch-up stands: events applied so far, the log's position, the last event."""

    applied: int
    position: int
    last: int


class Runner:
    """Applies the ledger's events to a set of read models."""

    def __init__(
        self,
        recorder: ApplicationRecorder,
        mapper: Mapper[Any],
        upstream: str,
        read_models: Sequence[ReadModel],
        *,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.recorder = recorder
        self.mapper = mapper
        self.upstream = upstream
        self.read_models = list(read_models)
        self.page_size = page_size

    def catch_up(self, on_progress: Callable[[Progress], None] | None = None) -> int:
        """Apply every event the views have not seen; returns how many events were read.

        Another process may be catching up the same views: a batch it applied first is not
        applied twice, and this one goes on from where the view now is.
        """
        positions = {model.name: model.view.position() for model in self.read_models}
        last = self.recorder.max_notification_id() or 0
        applied = 0
        while True:
            start = min(positions.values(), default=last)
            if start >= last:
                last = self.recorder.max_notification_id() or 0
                if start >= last:
                    return applied
            notifications = self.recorder.select_notifications(
                start, self.page_size, inclusive_of_start=False
            )
            if not notifications:
                return applied
            page = [(n.id, self.mapper.to_domain_event(n)) for n in notifications]
            end = notifications[-1].id
            for model in self.read_models:
                at = positions[model.name]
                events = [event for number, event in page if number > at]
                if not events:
                    continue
                started = time.perf_counter()
                try:
                    model.process_events(events, Tracking(self.upstream, end), expected=at)
                except PositionMovedError:
                    positions[model.name] = model.view.position()
                    continue
                positions[model.name] = end
                log.debug(
                    "projection.batch",
                    projection=model.name,
                    events=len(events),
                    position=end,
                    ms=round((time.perf_counter() - started) * 1000, 1),
                )
            applied += len(page)
            if on_progress is not None:
                on_progress(Progress(applied, min(positions.values()), last))
