"""Brings views up to date with the ledger's event log, in batches.

eventsourcing's ProjectionRunner follows an application through a subscription and hands its
projection one event per transaction. Catching up a view over millions of events that way costs
a transaction per event; this runner reads the log a page at a time, decodes each page once for
every view, and applies it to each view in one transaction with the position it reaches. While
a page is applied, the next one is read and decoded in a second thread, so the database's work
on one page overlaps Python's on the next. The projections remain eventsourcing Projections:
the library's runner can drive them as well.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import structlog
from eventsourcing.persistence import ApplicationRecorder, Mapper, Tracking

from projections.read_model import ReadModel
from projections.view import PositionMovedError

log = structlog.get_logger()

PAGE_SIZE = 5000
"""Events read and applied per transaction: large enough to amortise a round trip."""

Page = list[tuple[int, Any]]
"""(notification id, domain event) in log order."""


@dataclass(frozen=True)
class Progress:
    """Where a catch-up stands: events read so far, the lowest view position, the log's head."""

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
        start = min(positions.values(), default=0)
        head = self.recorder.max_notification_id() or 0
        if start >= head:
            return 0
        applied = 0
        with ThreadPoolExecutor(1, thread_name_prefix="projection-reader") as reader:
            upcoming: Future[Page] = reader.submit(self._page, start)
            while True:
                page = upcoming.result()
                if not page:
                    return applied
                end = page[-1][0]
                upcoming = reader.submit(self._page, end)
                for model in self.read_models:
                    self._apply(model, page, positions)
                applied += len(page)
                if on_progress is not None:
                    on_progress(Progress(applied, min(positions.values()), max(head, end)))
                lowest = min(positions.values())
                if lowest != end:
                    # Another process moved a view: read on from where the views now are.
                    upcoming.cancel()
                    upcoming = reader.submit(self._page, lowest)

    def _page(self, after: int) -> Page:
        notifications = self.recorder.select_notifications(
            after, self.page_size, inclusive_of_start=False
        )
        return [(n.id, self.mapper.to_domain_event(n)) for n in notifications]

    def _apply(self, model: ReadModel, page: Page, positions: dict[str, int]) -> None:
        at = positions[model.name]
        end = page[-1][0]
        events = [event for number, event in page if number > at]
        if not events:
            return
        started = time.perf_counter()
        try:
            model.process_events(events, Tracking(self.upstream, end), expected=at)
        except PositionMovedError:
            positions[model.name] = model.view.position()
            return
        positions[model.name] = end
        log.debug(
            "projection.batch",
            projection=model.name,
            events=len(events),
            position=end,
            ms=round((time.perf_counter() - started) * 1000, 1),
        )
