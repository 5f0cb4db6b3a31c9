"""SIGTERM and SIGINT as a request to stop, for every long-running process."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@contextmanager
def stopping_on_signals(stop: Callable[[str], None]) -> Iterator[None]:
    """While inside, SIGTERM and SIGINT call ``stop`` with the signal's name, and nothing else.

    The process finishes the work in hand and returns on its own, so it exits 0 and leaves
    nothing half-written; the previous handlers are back on the way out.
    """

    def handle(signum: int, _: FrameType | None) -> None:
        stop(signal.Signals(signum).name)

    previous = {signum: signal.signal(signum, handle) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
