"""Trying a query again when its connection dropped, but not when the database is down.

eventsourcing retries a PostgreSQL call ten times on any connection error. When the database
is down, each try after the pool's dropped connections are gone waits the pool's whole
timeout for a new one, so a call took over 20 s to fail: longer than a provider waits for a
webhook's answer, and than a client waits for a 503. A pool that waited its timeout has
already answered; the error goes to the caller at once, whose own patience decides (the
consumer retries up to --database-timeout, the API answers 503).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from eventsourcing.persistence import InterfaceError, OperationalError
from psycopg_pool import PoolTimeout

P = ParamSpec("P")
R = TypeVar("R")

ATTEMPTS = 10
WAIT_SECONDS = 0.2


def retry_dropped_connections(call: Callable[P, R]) -> Callable[P, R]:
    """``call``, tried again (up to ATTEMPTS times) while its connection drops, not past a
    pool that could not get one."""

    @wraps(call)
    def attempt(*args: P.args, **kwargs: P.kwargs) -> R:
        tries = 1
        while True:
            try:
                return call(*args, **kwargs)
            except (InterfaceError, OperationalError) as error:
                if tries >= ATTEMPTS or isinstance(error.__cause__, PoolTimeout):
                    raise
                tries += 1
                time.sleep(WAIT_SECONDS)

    return attempt
