"""A dropped connection is tried again; a database the pool could not reach is not."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from eventsourcing.persistence import InterfaceError, OperationalError
from psycopg_pool import PoolTimeout

from adapters.storage.reconnecting import ATTEMPTS, retry_dropped_connections


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(time, "sleep", waits.append)
    return waits


def failing(errors: list[Exception]) -> tuple[list[int], Callable[[], str]]:
    calls: list[int] = []

    @retry_dropped_connections
    def call() -> str:
        calls.append(1)
        if errors:
            raise errors.pop(0)
        return "answered"

    return calls, call


def dropped() -> OperationalError:
    return OperationalError("server closed the connection unexpectedly")


def unreachable() -> OperationalError:
    try:
        raise OperationalError("couldn't get a connection after 5.00 sec") from PoolTimeout()
    except OperationalError as error:
        return error


def test_a_dropped_connection_is_tried_again_until_it_answers(no_waiting: list[float]) -> None:
    calls, call = failing([dropped(), InterfaceError("connection already closed"), dropped()])

    assert call() == "answered"
    assert len(calls) == 4
    assert len(no_waiting) == 3


def test_it_gives_up_after_so_many_attempts() -> None:
    calls, call = failing([dropped() for _ in range(ATTEMPTS + 5)])

    with pytest.raises(OperationalError, match="closed the connection"):
        call()
    assert len(calls) == ATTEMPTS


def test_a_pool_that_waited_its_timeout_is_not_waited_for_again() -> None:
    calls, call = failing([dropped(), dropped(), unreachable(), dropped()])

    with pytest.raises(OperationalError, match="couldn't get a connection"):
        call()
    assert len(calls) == 3, "the error goes to the caller as soon as the pool has answered"
