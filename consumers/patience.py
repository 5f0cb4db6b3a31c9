"""Waiting out a database that is down, up to a limit, without missing a request to stop."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import structlog

from adapters.errors import first_line
from adapters.storage.database import DATABASE_ERRORS

log = structlog.get_logger()

R = TypeVar("R")

RETRY_SECONDS = 1.0
"""Pause between attempts while the database is unreachable."""


class DatabaseUnavailableError(RuntimeError):
    """The database stayed unreachable longer than the process was told to wait."""


@dataclass(frozen=True)
class DatabasePatience:
    """How long to retry a database that does not answer, and what stops the waiting."""

    database: str
    """The database's URL without its password, for messages."""
    timeout_seconds: float
    stop: threading.Event

    def call(self, doing: str, action: Callable[[], R]) -> R:
        """The action, retried while the database is unreachable, up to the timeout."""
        first_failure: float | None = None
        while True:
            try:
                return action()
            except DATABASE_ERRORS as error:
                now = time.monotonic()
                first_failure = first_failure if first_failure is not None else now
                waited = now - first_failure
                reason = first_line(error)
                if self.stop.is_set():
                    raise DatabaseUnavailableError(
                        f"stopped while {self.database} was unreachable ({reason}); "
                        "the batch in hand was not recorded and will be read again"
                    ) from None
                if waited >= self.timeout_seconds:
                    raise DatabaseUnavailableError(
                        f"cannot {doing}: {self.database} unreachable for "
                        f"{waited:.0f}s ({reason}); check the database, or raise "
                        "--database-timeout"
                    ) from None
                log.warning(
                    "consumer.database_unavailable",
                    doing=doing,
                    error=reason,
                    waited_seconds=round(waited, 1),
                )
                self.stop.wait(RETRY_SECONDS)
