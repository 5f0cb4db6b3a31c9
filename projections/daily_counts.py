"""Daily counts per tenant: what happened to the messages sent each day.

Counts are by the day a message was sent (a cohort), not by the day each event came: a bounce
that arrives two days late still counts against the day of its send, so the rates of a day
compare like with like. Each message's contribution is kept beside the counts; when the
message changes, its old contribution is taken out and the new one put in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import orjson

from projections.fold import MessageFold, from_micros
from projections.read_model import ReadModel
from projections.sent_mail import dumps, fold_events
from projections.view import Tx

COUNTS = (
    "messages",
    "recipients",
    "delivered",
    "failed",
    "bounced",
    "soft_bounced",
    "hard_bounced",
    "opened",
    "clicked",
    "complaints",
)
"""The day's counts: messages, and recipients in each situation."""


def contribution(fold: MessageFold) -> tuple[str, str, dict[str, int]] | None:
    """(tenant, day, counts) a registered message adds to its day; None before registration."""
    registration = fold.registration
    if registration is None:
        return None
    refused = fold.refused
    counts: Counter[str] = Counter(messages=1)
    for _, recipient in fold.ordered():
        seen = recipient.seen
        counts["recipients"] += 1
        counts["delivered"] += recipient.delivered()
        counts["failed"] += recipient.failed(refused)
        counts["bounced"] += bool(seen & {"soft_bounce", "hard_bounce"})
        counts["soft_bounced"] += "soft_bounce" in seen
        counts["hard_bounced"] += "hard_bounce" in seen
        # A click is an open the tracking pixel missed.
        counts["opened"] += bool(seen & {"opened", "clicked"})
        counts["clicked"] += "clicked" in seen
        counts["complaints"] += "spam" in seen
    day = from_micros(registration.sent_us).date().isoformat()
    return registration.tenant, day, {name: counts[name] for name in COUNTS}


class DailyCounts(ReadModel):
    """Per tenant and day: sent, delivered, failed, bounced, opened, clicked, complaints."""

    name = "daily_counts"
    tables = ("daily_counts", "daily_messages")

    def schema(self) -> list[str]:
        counts = ", ".join(f"{name} BIGINT NOT NULL" for name in COUNTS)
        return [
            f"CREATE TABLE IF NOT EXISTS {self.t('daily_counts')} ("
            f"tenant TEXT NOT NULL, day TEXT NOT NULL, {counts}, PRIMARY KEY (tenant, day))",
            f"CREATE TABLE IF NOT EXISTS {self.t('daily_messages')} ("
            "message_id TEXT PRIMARY KEY, version BIGINT NOT NULL, fold TEXT NOT NULL)",
        ]

    def apply(self, tx: Tx, events: Sequence[Any]) -> None:
        ids = {event.originator_id for event in events}
        folds: dict[UUID, tuple[MessageFold, int]] = {
            UUID(row["message_id"]): (
                MessageFold.from_json(orjson.loads(row["fold"])),
                row["version"],
            )
            for row in self.select_in(
                tx,
                f"SELECT message_id, fold, version FROM {self.t('daily_messages')} "
                "WHERE message_id",
                ids,
            )
        }
        before = {message_id: contribution(folds[message_id][0]) for message_id in folds}
        touched = fold_events(folds, events)
        deltas: dict[tuple[str, str], Counter[str]] = {}
        for message_id in touched:
            old, new = before.get(message_id), contribution(folds[message_id][0])
            if old == new:
                continue
            for sign, part in ((-1, old), (1, new)):
                if part is not None:
                    tenant, day, counts = part
                    delta = deltas.setdefault((tenant, day), Counter())
                    for name, value in counts.items():
                        delta[name] += sign * value
        tx.upsert(
            "daily_messages",
            ("message_id", "version", "fold"),
            ("message_id",),
            [
                (str(message_id), folds[message_id][1], dumps(folds[message_id][0].to_json()))
                for message_id in sorted(touched)
            ],
        )
        tx.upsert(
            "daily_counts",
            ("tenant", "day", *COUNTS),
            ("tenant", "day"),
            [
                (tenant, day, *(delta[name] for name in COUNTS))
                for (tenant, day), delta in sorted(deltas.items())
            ],
            sums=True,
        )
