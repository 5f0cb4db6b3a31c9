"""What was sent where: one delivery per subscription and signal, and every attempt of it.

A delivery holds the signal's body as it was signed, so a re-send sends the same bytes. Its
state is ``pending`` until a receiver answers 2xx (``delivered``) or mailledger gives up on
it (``failed``, kept for the record). Each attempt is a row of its own: when, the status
code or the error, and when the next attempt is due.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from adapters.storage.micros import micros, moment
from adapters.storage.plain_connection import PlainConnection

DELIVERIES = "signal_deliveries"
ATTEMPTS = "signal_attempts"
MAX_LISTED = 1000
"""The most attempts one page of the log holds."""

_CREATE = [
    f"CREATE TABLE IF NOT EXISTS {DELIVERIES} (subscription_id TEXT NOT NULL, "
    "signal_id TEXT NOT NULL, seq BIGINT, kind TEXT NOT NULL, body TEXT NOT NULL, "
    "state TEXT NOT NULL, attempts INTEGER NOT NULL, enqueued_us BIGINT NOT NULL, "
    "first_attempt_us BIGINT, next_attempt_us BIGINT, PRIMARY KEY (subscription_id, signal_id))",
    f"CREATE INDEX IF NOT EXISTS {DELIVERIES}_due ON {DELIVERIES} "
    "(subscription_id, state, enqueued_us)",
    f"CREATE TABLE IF NOT EXISTS {ATTEMPTS} (subscription_id TEXT NOT NULL, "
    "signal_id TEXT NOT NULL, attempt INTEGER NOT NULL, at_us BIGINT NOT NULL, "
    "status INTEGER, error TEXT, outcome TEXT NOT NULL, next_attempt_us BIGINT, "
    "PRIMARY KEY (subscription_id, signal_id, attempt))",
    f"CREATE INDEX IF NOT EXISTS {ATTEMPTS}_log ON {ATTEMPTS} "
    "(subscription_id, at_us, signal_id, attempt)",
]
_DELIVERY_COLUMNS = "subscription_id, signal_id, seq, kind, body, state, attempts, enqueued_us, "
_DELIVERY_COLUMNS += "first_attempt_us, next_attempt_us"
_ATTEMPT_COLUMNS = "subscription_id, signal_id, attempt, at_us, status, error, outcome, "
_ATTEMPT_COLUMNS += "next_attempt_us"


class State(StrEnum):
    """Where a delivery stands."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class Outcome(StrEnum):
    """What one attempt came to."""

    DELIVERED = "delivered"
    RETRYING = "retrying"
    """Failed; another attempt is due at ``next_attempt_at``."""
    FAILED = "failed"
    """Failed, and the last: the signal was retried long enough."""


class InvalidLogCursorError(ValueError):
    """A cursor the delivery log did not hand out."""


@dataclass(frozen=True)
class Delivery:
    """One signal bound for one subscription."""

    subscription_id: str
    signal_id: UUID
    seq: int | None
    """Its place in the outbox; None for a signal about a subscription itself."""
    kind: str
    body: bytes
    state: State
    attempts: int
    enqueued_at: datetime
    first_attempt_at: datetime | None
    next_attempt_at: datetime | None
    """None: due now (not yet tried, or sent again by hand)."""


@dataclass(frozen=True)
class Attempt:
    """One POST of a delivery, as the log shows it."""

    subscription_id: str
    signal_id: UUID
    attempt: int
    at: datetime
    status: int | None
    error: str | None
    outcome: Outcome
    next_attempt_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        """The attempt as the API and the command line show it."""
        return {
            "subscription_id": self.subscription_id,
            "signal_id": str(self.signal_id),
            "attempt": self.attempt,
            "at": self.at.isoformat(),
            "status": self.status,
            "error": self.error,
            "outcome": self.outcome.value,
            "next_attempt_at": self.next_attempt_at.isoformat() if self.next_attempt_at else None,
        }


@dataclass(frozen=True)
class LogPage:
    """Attempts newest first, and the cursor of the next page (None: the last)."""

    items: list[Attempt]
    next_cursor: str | None


class DeliveryLog:
    """The deliveries and attempts of one database, on the signal stores' connection."""

    def __init__(self, connection: PlainConnection) -> None:
        self._connection = connection
        connection.create(*_CREATE)

    def enqueue(
        self,
        subscription_id: str,
        signal_id: UUID,
        seq: int | None,
        kind: str,
        body: bytes,
        at: datetime,
    ) -> None:
        """A signal to deliver; the same signal again for the same subscription is one."""
        with self._connection.lock:
            self._connection.execute(
                f"INSERT INTO {DELIVERIES} ({_DELIVERY_COLUMNS}) "
                "VALUES (%s, %s, %s, %s, %s, %s, 0, %s, NULL, NULL) "
                "ON CONFLICT (subscription_id, signal_id) DO NOTHING",
                [
                    subscription_id,
                    str(signal_id),
                    seq,
                    kind,
                    body.decode(),
                    State.PENDING.value,
                    micros(at),
                ],
            )

    def due(self, subscription_id: str, now: datetime, limit: int) -> list[Delivery]:
        """The subscription's pending deliveries whose next attempt is due at ``now``, in the
        order they were decided."""
        return self._deliveries(
            "WHERE subscription_id = %s AND state = %s "
            "AND (next_attempt_us IS NULL OR next_attempt_us <= %s) "
            "ORDER BY enqueued_us, COALESCE(seq, 0), signal_id LIMIT %s",
            [subscription_id, State.PENDING.value, micros(now), limit],
        )

    def delivery(self, subscription_id: str, signal_id: UUID) -> Delivery | None:
        """The delivery of that signal to that subscription, if there is one."""
        found = self._deliveries(
            "WHERE subscription_id = %s AND signal_id = %s", [subscription_id, str(signal_id)]
        )
        return found[0] if found else None

    def record(self, delivery: Delivery, attempt: Attempt) -> None:
        """An attempt made, and the delivery's state after it."""
        state = {
            Outcome.DELIVERED: State.DELIVERED,
            Outcome.RETRYING: State.PENDING,
            Outcome.FAILED: State.FAILED,
        }[attempt.outcome]
        first = delivery.first_attempt_at or attempt.at
        with self._connection.lock:
            self._connection.execute(
                f"INSERT INTO {ATTEMPTS} ({_ATTEMPT_COLUMNS}) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    attempt.subscription_id,
                    str(attempt.signal_id),
                    attempt.attempt,
                    micros(attempt.at),
                    attempt.status,
                    attempt.error,
                    attempt.outcome.value,
                    micros(attempt.next_attempt_at) if attempt.next_attempt_at else None,
                ],
            )
            self._connection.execute(
                f"UPDATE {DELIVERIES} SET state = %s, attempts = %s, first_attempt_us = %s, "
                "next_attempt_us = %s WHERE subscription_id = %s AND signal_id = %s",
                [
                    state.value,
                    attempt.attempt,
                    micros(first),
                    micros(attempt.next_attempt_at) if attempt.next_attempt_at else None,
                    delivery.subscription_id,
                    str(delivery.signal_id),
                ],
            )

    def restart(self, delivery: Delivery) -> Delivery:
        """A delivery sent again by hand: pending, with a fresh window of retries."""
        with self._connection.lock:
            self._connection.execute(
                f"UPDATE {DELIVERIES} SET state = %s, first_attempt_us = NULL, "
                "next_attempt_us = NULL "
                "WHERE subscription_id = %s AND signal_id = %s",
                [State.PENDING.value, delivery.subscription_id, str(delivery.signal_id)],
            )
        restarted = self.delivery(delivery.subscription_id, delivery.signal_id)
        assert restarted is not None  # it was just there
        return restarted

    def attempts(self, subscription_id: str, limit: int, cursor: str | None = None) -> LogPage:
        """The subscription's attempts, newest first, a page at a time."""
        limit = min(limit, MAX_LISTED)
        where, params = "WHERE subscription_id = %s", [subscription_id]
        if cursor is not None:
            where += " AND (at_us, signal_id, attempt) < (%s, %s, %s)"
            params.extend(_read_cursor(cursor))
        with self._connection.lock:
            rows = self._connection.execute(
                f"SELECT {_ATTEMPT_COLUMNS} FROM {ATTEMPTS} {where} "
                "ORDER BY at_us DESC, signal_id DESC, attempt DESC LIMIT %s",
                [*params, limit + 1],
            )
        items = [_attempt(row) for row in rows[:limit]]
        last = items[-1] if len(rows) > limit else None
        next_cursor = _cursor(micros(last.at), str(last.signal_id), last.attempt) if last else None
        return LogPage(items, next_cursor)

    def forget(self, subscription_id: str) -> None:
        """Delete a removed subscription's deliveries and attempts."""
        with self._connection.lock:
            for table in (ATTEMPTS, DELIVERIES):
                self._connection.execute(
                    f"DELETE FROM {table} WHERE subscription_id = %s", [subscription_id]
                )

    def _deliveries(self, clause: str, params: list[Any]) -> list[Delivery]:
        with self._connection.lock:
            rows = self._connection.execute(
                f"SELECT {_DELIVERY_COLUMNS} FROM {DELIVERIES} {clause}", params
            )
        return [_delivery(row) for row in rows]


def _cursor(at_us: int, signal_id: str, attempt: int) -> str:
    return base64.urlsafe_b64encode(f"{at_us}|{signal_id}|{attempt}".encode()).decode()


def _read_cursor(cursor: str) -> list[Any]:
    try:
        at_us, signal_id, attempt = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        return [int(at_us), str(UUID(signal_id)), int(attempt)]
    except (ValueError, binascii.Error, UnicodeError):
        raise InvalidLogCursorError(
            f"cursor {cursor[:40]!r} is not one this listing handed out"
        ) from None


def _delivery(row: Sequence[Any]) -> Delivery:
    subscription_id, signal_id, seq, kind, body, state, attempts, enqueued, first, next_at = row
    return Delivery(
        subscription_id=subscription_id,
        signal_id=UUID(signal_id),
        seq=int(seq) if seq is not None else None,
        kind=kind,
        body=body.encode(),
        state=State(state),
        attempts=int(attempts),
        enqueued_at=moment(enqueued),
        first_attempt_at=moment(first) if first is not None else None,
        next_attempt_at=moment(next_at) if next_at is not None else None,
    )


def _attempt(row: Sequence[Any]) -> Attempt:
    subscription_id, signal_id, attempt, at, status, error, outcome, next_at = row
    return Attempt(
        subscription_id=subscription_id,
        signal_id=UUID(signal_id),
        attempt=int(attempt),
        at=moment(at),
        status=int(status) if status is not None else None,
        error=error,
        outcome=Outcome(outcome),
        next_attempt_at=moment(next_at) if next_at is not None else None,
    )
