"""Daily counts per tenant: what happened to the messages sent each day.

Counts are by the day a message was sent (a cohort), not by the day each event came: a bounce
that arrives two days late still counts against the day of its send, so the rates of a day
compare like with like. Each message's contribution is kept beside the counts; when the
message changes, its old contribution is taken out and the new one put in.

The same counts are kept per day and value of each grouping (a registration's category, its
template) in ``daily_group_counts``, so a day's counts split by category are a read of rows
written with the day's, not a second pass over the messages.
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

GROUPINGS = ("category", "template")
"""What a day's counts are also split by: fields of the registration."""


def group_value(value: str | None) -> str:
    """A grouping's value as ``daily_group_counts`` keys it: JSON text, ``null`` for none.

    A key column cannot hold NULL, and any text may be a category, so no text can stand for
    "none"; JSON tells the two apart.
    """
    return orjson.dumps(value).decode()


def groups_of(fold: MessageFold) -> dict[str, str]:
    """Per grouping, the keyed value of the message's registration (none before it)."""
    registration = fold.registration
    if registration is None:
        return {}
    return {grouping: group_value(getattr(registration, grouping)) for grouping in GROUPINGS}


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
    tables = ("daily_counts", "daily_messages", "daily_group_counts")

    def schema(self) -> list[str]:
        counts = ", ".join(f"{name} BIGINT NOT NULL" for name in COUNTS)
        return [
            f"CREATE TABLE IF NOT EXISTS {self.t('daily_counts')} ("
            f"tenant TEXT NOT NULL, day TEXT NOT NULL, {counts}, PRIMARY KEY (tenant, day))",
            f"CREATE TABLE IF NOT EXISTS {self.t('daily_messages')} ("
            "message_id TEXT PRIMARY KEY, version BIGINT NOT NULL, fold TEXT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {self.t('daily_group_counts')} ("
            "tenant TEXT NOT NULL, grouped_by TEXT NOT NULL, value TEXT NOT NULL, "
            f"day TEXT NOT NULL, {counts}, PRIMARY KEY (tenant, grouped_by, value, day))",
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
        before = {
            message_id: (contribution(fold), groups_of(fold))
            for message_id, (fold, _) in folds.items()
        }
        touched = fold_events(folds, events)
        deltas: dict[tuple[str, str], Counter[str]] = {}
        group_deltas: dict[tuple[str, str, str, str], Counter[str]] = {}
        for message_id in touched:
            fold = folds[message_id][0]
            old, old_groups = before.get(message_id, (None, {}))
            new, new_groups = contribution(fold), groups_of(fold)
            if old == new and old_groups == new_groups:
                continue
            for sign, part, groups in ((-1, old, old_groups), (1, new, new_groups)):
                if part is None:
                    continue
                tenant, day, counts = part
                _add(deltas.setdefault((tenant, day), Counter()), sign, counts)
                for grouping, value in groups.items():
                    key = (tenant, grouping, value, day)
                    _add(group_deltas.setdefault(key, Counter()), sign, counts)
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
        tx.upsert(
            "daily_group_counts",
            ("tenant", "grouped_by", "value", "day", *COUNTS),
            ("tenant", "grouped_by", "value", "day"),
            [
                (*key, *(delta[name] for name in COUNTS))
                for key, delta in sorted(group_deltas.items())
            ],
            sums=True,
        )


def _add(delta: Counter[str], sign: int, counts: dict[str, int]) -> None:
    for name, value in counts.items():
        delta[name] += sign * value
