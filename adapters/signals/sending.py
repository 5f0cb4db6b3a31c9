"""The senders' loop: a dispatcher step and a Kafka step, again and again until told to stop.

A step that fails (the database away, the broker not acknowledging) is logged and tried
again at the next turn: the cursors stayed where they were, so nothing is lost, and the
process rides out an outage instead of exiting.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import structlog
from kafka.errors import KafkaError

from adapters.errors import first_line
from adapters.kafka.publisher import PublishError
from adapters.signals.delivery import Dispatcher, RunSummary
from adapters.signals.kafka_sink import KafkaSignalSink
from adapters.storage.database import DATABASE_ERRORS
from domain.values import utc_now

log = structlog.get_logger()

Clock = Callable[[], datetime]


@dataclass
class Senders:
    """The webhook dispatcher and, when Kafka is configured, the topic's sink."""

    dispatcher: Dispatcher
    sink: KafkaSignalSink | None = None
    clock: Clock = utc_now

    def step(self) -> RunSummary:
        """One turn of each sender; what the dispatcher did."""
        summary = RunSummary()
        try:
            summary = self.dispatcher.run_once(self.clock())
        except DATABASE_ERRORS as error:
            log.warning("signals.step_failed", sender="webhooks", error=first_line(error))
        if self.sink is not None:
            try:
                published = self.sink.run_once()
            except (PublishError, KafkaError, *DATABASE_ERRORS) as error:
                log.warning("signals.step_failed", sender="kafka", error=first_line(error))
            else:
                if published:
                    log.info("signals.published", topic=self.sink.topic, signals=published)
        return summary

    def run(self, stop: threading.Event, interval: float) -> None:
        """Step every ``interval`` seconds until ``stop`` is set."""
        while not stop.is_set():
            self.step()
            stop.wait(interval)


@contextmanager
def sending_in_background(senders: Senders, interval: float) -> Iterator[None]:
    """While inside, a thread steps ``senders`` every ``interval`` seconds; on the way out
    it finishes its step and ends."""
    stop = threading.Event()
    thread = threading.Thread(
        target=senders.run, args=(stop, interval), name="signal-senders", daemon=True
    )
    thread.start()
    log.info("signals.sending", interval=interval)
    try:
        yield
    finally:
        stop.set()
        thread.join()
