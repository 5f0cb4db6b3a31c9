"""The signal outbox: every signal decided from the event log, in the order it was decided.

A signal is decided by a projection (``projections/signals.py``) in the same transaction as the
position in the log it reaches, so a crash never loses one and a replay never doubles one: a
signal's id is derived from the event that caused it, and a row with that id is written once.
The senders (webhook subscriptions, the Kafka topic) read the outbox after a cursor of their own
(``seq``), so each of them delivers every signal, in order, at least once, with the id a
receiver uses to keep it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import orjson

from projections.view import Tx

SIGNAL_FORMAT = 1
"""The ``format`` of a signal's JSON body; it changes only when a field changes meaning."""

OUTBOX_TABLE = "signal_outbox"

_NAMESPACE = uuid5(NAMESPACE_URL, "https://mailledger.invalid/signals")


class SignalKind(StrEnum):
    """What a signal tells."""

    MESSAGE_ALERT = "message.alert"
    """Some recipients of a message failed, others did not."""
    MESSAGE_ERROR = "message.error"
    """Every recipient of a message failed."""
    RECIPIENT_FAILED_AFTER_DELIVERY = "recipient.failed_after_delivery"
    """A recipient the message had reached failed later (a late bounce)."""
    ADDRESS_SUPPRESSED = "address.suppressed"
    """An address became suppressed: sending to it again is refused by ``check``."""
    SUBSCRIPTION_DISABLED = "subscription.disabled"
    """A webhook subscription failed for so long that it was turned off."""


@dataclass(frozen=True)
class Signal:
    """One row of the outbox."""

    seq: int
    """Its place in the outbox: increasing, never reused."""
    signal_id: UUID
    tenant: str
    kind: SignalKind
    message_id: UUID | None
    category: str | None
    template: str | None
    body: bytes
    """The JSON document receivers get, exactly as signed."""


def signal_id(cause: str) -> UUID:
    """The id of the signal ``cause`` (an event's originator, version and the signal kind) gives."""
    return uuid5(_NAMESPACE, cause)


def outbox_schema(table: str) -> list[str]:
    """The outbox's table, created by the projection that writes it (``table`` as spelled)."""
    return [
        f"CREATE TABLE IF NOT EXISTS {table} ("
        "seq BIGINT PRIMARY KEY, signal_id TEXT NOT NULL UNIQUE, tenant TEXT NOT NULL, "
        "kind TEXT NOT NULL, message_id TEXT, category TEXT, template TEXT, "
        "body TEXT NOT NULL)",
    ]


def signals_after(tx: Tx, table: str, seq: int, limit: int) -> list[Signal]:
    """The outbox's signals after ``seq``, oldest first, at most ``limit``."""
    rows = tx.fetchall(
        f"SELECT seq, signal_id, tenant, kind, message_id, category, template, body FROM {table} "
        "WHERE seq > %s ORDER BY seq LIMIT %s",
        [seq, limit],
    )
    return [
        Signal(
            seq=row["seq"],
            signal_id=UUID(row["signal_id"]),
            tenant=row["tenant"],
            kind=SignalKind(row["kind"]),
            message_id=UUID(row["message_id"]) if row["message_id"] else None,
            category=row["category"],
            template=row["template"],
            body=row["body"].encode(),
        )
        for row in rows
    ]


def encode_body(document: dict[str, Any]) -> str:
    """A signal's body: compact JSON, keys sorted, so the same signal is the same bytes."""
    return orjson.dumps(document, option=orjson.OPT_SORT_KEYS).decode()
