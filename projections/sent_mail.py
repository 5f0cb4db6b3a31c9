"""The sent-mail list: one row per message, as the users' mail logs show it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import orjson

from domain.kinds import MACHINE_OPEN
from domain.message import Message, registration_payload_of
from projections.fold import MessageFold
from projections.read_model import ReadModel
from projections.view import Tx

COLUMNS = (
    "message_id",
    "tenant",
    "dossier_id",
    "external_ref",
    "category",
    "template",
    "provider",
    "provider_message_id",
    "subject",
    "sender",
    "subject_key",
    "sender_key",
    "recipients",
    "tags",
    "sent_us",
    "registered",
    "refused",
    "outcome",
    "failed",
    "last_status",
    "counts",
    "recipient_count",
    "version",
    "fold",
)


def dumps(value: Any) -> str:
    """Compact JSON with sorted keys: the same state always gives the same text."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def search_key(text: str) -> str:
    """What subject and sender filters compare: case folded in Python, the same for any
    letter, where SQL's lower() folds only ASCII on SQLite and under a C locale."""
    return text.casefold()


def fold_events(folds: dict[UUID, tuple[MessageFold, int]], events: Sequence[Any]) -> set[UUID]:
    """Apply events to the folds of their messages; returns the ids of messages touched."""
    touched: set[UUID] = set()
    for event in events:
        message_id = event.originator_id
        if isinstance(event, Message.Created):
            fold = MessageFold(
                event.provider, event.provider_message_id, tenant=getattr(event, "tenant", None)
            )
            folds[message_id] = (fold, 0)
        fold = folds[message_id][0]
        if isinstance(event, Message.Registered):
            fold.register(registration_payload_of(event))
        elif isinstance(event, Message.Observed):
            fold.observe(
                event.recipient,
                event.kind,
                event.occurred_at,
                event.event_id,
                machine=bool(event.details.get(MACHINE_OPEN)),
            )
        folds[message_id] = (fold, event.originator_version)
        touched.add(message_id)
    return touched


class SentMailList(ReadModel):
    """Sent time, tenant, dossier, subject, sender, recipients, last status, outcome, counts."""

    name = "sent_mail"
    tables = ("sent_mail",)

    def schema(self) -> list[str]:
        table = self.t("sent_mail")
        newest = "sent_us DESC, message_id DESC"
        return [
            f"CREATE TABLE IF NOT EXISTS {table} ("
            "message_id TEXT PRIMARY KEY, tenant TEXT, dossier_id TEXT, external_ref TEXT, "
            "category TEXT, template TEXT, provider TEXT NOT NULL, "
            "provider_message_id TEXT NOT NULL, subject TEXT, sender TEXT, "
            "subject_key TEXT NOT NULL, sender_key TEXT NOT NULL, "
            "recipients TEXT NOT NULL, tags TEXT NOT NULL, "
            "sent_us BIGINT NOT NULL, registered INTEGER NOT NULL, refused INTEGER NOT NULL, "
            "outcome TEXT NOT NULL, failed INTEGER NOT NULL, last_status TEXT NOT NULL, "
            "counts TEXT NOT NULL, recipient_count INTEGER NOT NULL, version BIGINT NOT NULL, "
            "fold TEXT NOT NULL)",
            # One index per filter the list offers, each in the list's order, so a page is an
            # index range scan that stops after LIMIT rows.
            f"CREATE INDEX IF NOT EXISTS sent_mail_newest ON {table} (tenant, {newest})",
            f"CREATE INDEX IF NOT EXISTS sent_mail_failed ON {table} (tenant, {newest}) "
            "WHERE failed = 1",
            f"CREATE INDEX IF NOT EXISTS sent_mail_outcome ON {table} (tenant, outcome, {newest})",
            f"CREATE INDEX IF NOT EXISTS sent_mail_dossier ON {table} "
            f"(tenant, dossier_id, {newest})",
            f"CREATE INDEX IF NOT EXISTS sent_mail_category ON {table} "
            f"(tenant, category, {newest})",
            f"CREATE INDEX IF NOT EXISTS sent_mail_template ON {table} "
            f"(tenant, template, {newest})",
            f"CREATE INDEX IF NOT EXISTS sent_mail_sender ON {table} "
            f"(tenant, sender_key, {newest})",
            f"CREATE INDEX IF NOT EXISTS sent_mail_status ON {table} "
            f"(tenant, last_status, {newest})",
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
                f"SELECT message_id, fold, version FROM {self.t('sent_mail')} WHERE message_id",
                ids,
            )
        }
        touched = fold_events(folds, events)
        tx.upsert(
            "sent_mail",
            COLUMNS,
            ("message_id",),
            [row_of(message_id, *folds[message_id]) for message_id in sorted(touched)],
        )


def row_of(message_id: UUID, fold: MessageFold, version: int) -> tuple[Any, ...]:
    """The list's row for a message's fold, in COLUMNS order."""
    registration = fold.registration
    outcome = fold.outcome()
    return (
        str(message_id),
        fold.owner,
        registration.dossier_id if registration else None,
        registration.external_ref if registration else None,
        registration.category if registration else None,
        registration.template if registration else None,
        fold.provider,
        fold.provider_message_id,
        registration.subject if registration else None,
        registration.sender if registration else None,
        search_key(registration.subject) if registration else "",
        search_key(registration.sender) if registration else "",
        dumps([address for address, _ in fold.ordered()]),
        dumps(registration.tags if registration else []),
        fold.sent_us or 0,
        int(registration is not None),
        int(fold.refused),
        outcome.value,
        int(outcome.value in ("alert", "error")),
        fold.last_status().value,
        dumps(fold.status_counts()),
        len(fold.recipients),
        version,
        dumps(fold.to_json()),
    )
