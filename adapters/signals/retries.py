"""When a failed delivery is tried again, when it is given up, and when a subscription that
keeps failing is turned off.

After a signal's n-th failed attempt, its next waits ``BACKOFF[n-1]`` (the last step
repeating): 10 s, 30 s, 2 min, 10 min, 30 min, 1 h, then every 2 h. When the receiver could
not be reached at all (refused, timed out, a URL now refused), or after three failures in
a row without a success between them, the whole subscription pauses as long, so a receiver
that is down is not called once per waiting signal. A signal is
given up (``failed`` in the log) at its first failed attempt 24 h or more after its first
attempt: some 18 attempts in all. A subscription with no success for 24 h (its failure
streak began that long ago) is disabled at its next failure.
"""

from __future__ import annotations

from datetime import timedelta

BACKOFF = (
    timedelta(seconds=10),
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
    timedelta(hours=1),
    timedelta(hours=2),
)
GIVE_UP_AFTER = timedelta(hours=24)
"""How long a signal is retried, from its first attempt."""
PAUSE_AFTER_FAILURES = 3
"""Failures in a row after which a subscription pauses although its receiver answers."""
DISABLE_AFTER = timedelta(hours=24)
"""How long a subscription may fail without a single success before it is disabled."""


def backoff(failures: int) -> timedelta:
    """The wait after the ``failures``-th failed attempt (1 for the first)."""
    return BACKOFF[min(max(failures, 1), len(BACKOFF)) - 1]
