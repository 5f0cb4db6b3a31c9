"""The thread that keeps the views current while the server runs.

Writes made through the API catch the views up before they answer; this thread brings in
what other processes write (``mailledger register``/``ingest``, Kafka consumers).
"""

from __future__ import annotations

import threading

import structlog

from adapters.errors import first_line
from adapters.storage.database import DATABASE_ERRORS
from adapters.storage.read_side import ReadSide

log = structlog.get_logger()

RETRY_SECONDS = 1.0
"""The pause after a failed catch-up before trying again."""


class Follower:
    """Runs ``read_side.follow`` in a daemon thread until stopped; a failure is retried."""

    def __init__(self, read_side: ReadSide, interval: float = 0.2) -> None:
        self._read_side = read_side
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mailledger-views", daemon=True)

    def start(self) -> None:
        """Start following."""
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to stop and wait for it (at most ``timeout`` seconds)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._read_side.follow(self._stop, self._interval)
            except DATABASE_ERRORS as error:
                # A restarting database: the views wait, the API answers 503 meanwhile.
                log.warning("api.views_unavailable", error=first_line(error))
            except Exception:
                log.exception("api.views_failed")
            self._stop.wait(RETRY_SECONDS)
