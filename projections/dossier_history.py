"""Dossier history: every event of every message of a dossier, in the order things happened.

A message's provider events can arrive before the platform registers it, and only the
registration names the dossier. Until then its events wait in ``dossier_pending``; the
registration moves them into the history (or drops them when the message has no dossier).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import orjson

from domain.message import Message
from projections.fold import micros
from projections.read_model import ReadModel
from projections.sent_mail import dumps
from projections.view import Tx

COLUMNS = (
    "tenant",
    "dossier_id",
    "occurred_us",
    "message_id",
    "version",
    "kind",
    "recipient",
    "event_id",
    "raw_type",
    "details",
    "occurred_at",
)

_NO_DOSSIER = ""
"""dossier_messages' mark of a registered message that belongs to no dossier."""


def entry_of(event: Any) -> dict[str, Any] | None:
    """The history's entry for an event, without tenant and dossier; None for Created."""
    if isinstance(event, Message.Registered):
        return {
            "occurred_us": micros(event.sent_at),
            "occurred_at": event.sent_at.isoformat(),
            "message_id": str(event.originator_id),
            "version": event.originator_version,
            "kind": "registered",
            "recipient": None,
            "event_id": None,
            "raw_type": None,
            "details": {
                "external_ref": event.external_ref,
                "subject": event.subject,
                "sender": event.sender,
                "recipients": [r["address"] for r in event.recipients],
                "error": event.error,
            },
        }
    if isinstance(event, Message.Observed):
        return {
            "occurred_us": micros(event.occurred_at),
            "occurred_at": event.occurred_at.isoformat(),
            "message_id": str(event.originator_id),
            "version": event.originator_version,
            "kind": event.kind.value,
            "recipient": event.recipient,
            "event_id": event.event_id,
            "raw_type": event.raw_type,
            "details": dict(event.details),
        }
    return None


class DossierHistory(ReadModel):
    """Per dossier, each message's registration and provider events, oldest first."""

    name = "dossier_history"
    tables = ("dossier_history", "dossier_messages", "dossier_pending")

    def schema(self) -> list[str]:
        history = self.t("dossier_history")
        return [
            f"CREATE TABLE IF NOT EXISTS {history} ("
            "tenant TEXT NOT NULL, dossier_id TEXT NOT NULL, occurred_us BIGINT NOT NULL, "
            "message_id TEXT NOT NULL, version BIGINT NOT NULL, kind TEXT NOT NULL, "
            "recipient TEXT, event_id TEXT, raw_type TEXT, details TEXT NOT NULL, "
            "occurred_at TEXT NOT NULL, PRIMARY KEY (message_id, version))",
            f"CREATE INDEX IF NOT EXISTS dossier_history_order ON {history} "
            "(tenant, dossier_id, occurred_us, message_id, version)",
            f"CREATE TABLE IF NOT EXISTS {self.t('dossier_messages')} ("
            "message_id TEXT PRIMARY KEY, tenant TEXT NOT NULL, dossier_id TEXT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {self.t('dossier_pending')} ("
            "message_id TEXT NOT NULL, version BIGINT NOT NULL, entry TEXT NOT NULL, "
            "PRIMARY KEY (message_id, version))",
        ]

    def apply(self, tx: Tx, events: Sequence[Any]) -> None:
        ids = {event.originator_id for event in events}
        owners: dict[UUID, tuple[str, str]] = {
            UUID(row["message_id"]): (row["tenant"], row["dossier_id"])
            for row in self.select_in(
                tx,
                f"SELECT message_id, tenant, dossier_id FROM {self.t('dossier_messages')} "
                "WHERE message_id",
                ids,
            )
        }
        history: list[tuple[Any, ...]] = []
        waiting: dict[UUID, list[dict[str, Any]]] = {}
        registered: list[tuple[UUID, str, str]] = []
        for event in events:
            entry = entry_of(event)
            if entry is None:
                continue
            message_id = event.originator_id
            if isinstance(event, Message.Registered):
                owner = (event.tenant, event.dossier_id or _NO_DOSSIER)
                owners[message_id] = owner
                registered.append((message_id, *owner))
                # Events of this batch that came before the registration wait no longer.
                for earlier in waiting.pop(message_id, []):
                    if owner[1] != _NO_DOSSIER:
                        history.append(history_row(owner, earlier))
            owner_of = owners.get(message_id)
            if owner_of is None:
                waiting.setdefault(message_id, []).append(entry)
            elif owner_of[1] != _NO_DOSSIER:
                history.append(history_row(owner_of, entry))
        tx.insert(
            "dossier_pending",
            ("message_id", "version", "entry"),
            [
                (str(message_id), entry["version"], dumps(entry))
                for message_id, entries in waiting.items()
                for entry in entries
            ],
        )
        if registered:
            history += self._release(tx, registered)
            tx.insert(
                "dossier_messages",
                ("message_id", "tenant", "dossier_id"),
                [(str(m), tenant, dossier) for m, tenant, dossier in registered],
            )
        tx.insert("dossier_history", COLUMNS, sorted(history, key=lambda row: (row[3], row[4])))

    def _release(self, tx: Tx, registered: list[tuple[UUID, str, str]]) -> list[tuple[Any, ...]]:
        """The waiting events of newly registered messages, now that their dossier is known."""
        owners = {str(m): (tenant, dossier) for m, tenant, dossier in registered}
        rows = self.select_in(
            tx,
            f"SELECT message_id, entry FROM {self.t('dossier_pending')} WHERE message_id",
            owners,
        )
        if not rows:
            return []
        self.delete_in(tx, f"DELETE FROM {self.t('dossier_pending')} WHERE message_id", owners)
        return [
            history_row(owners[row["message_id"]], orjson.loads(row["entry"]))
            for row in rows
            if owners[row["message_id"]][1] != _NO_DOSSIER
        ]


def history_row(owner: tuple[str, str], entry: dict[str, Any]) -> tuple[Any, ...]:
    """A dossier_history row, in COLUMNS order."""
    tenant, dossier_id = owner
    return (
        tenant,
        dossier_id,
        entry["occurred_us"],
        entry["message_id"],
        entry["version"],
        entry["kind"],
        entry["recipient"],
        entry["event_id"],
        entry["raw_type"],
        dumps(entry["details"]),
        entry["occurred_at"],
    )
