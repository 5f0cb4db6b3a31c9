"""Recipient status: one row per (message, recipient), with its timeline.

Each row keeps the recipient's facts, and its status, flags and times are derived from them by
the domain's own function, so a row says exactly what the message's state says.

A fact about the whole message (a send the provider refused, naming no recipient) is in every
recipient's row, and kept once more in ``recipient_status_everyone``, so that a recipient
registered later gets it too, and a row's own facts are its events without those.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson

from domain.kinds import FAILURES, MACHINE_OPEN, EventKind
from domain.message import Message
from domain.state import RecipientState, derive_recipient_state
from domain.values import Fact, RecipientType
from projections.fold import MACHINE_OPENED
from projections.read_model import ReadModel
from projections.sent_mail import dumps
from projections.view import Tx

UNREGISTERED_POSITION = 1_000_000
"""Where recipients the registration did not name sort: after the named ones, by address."""

REASON_KEYS = ("reason", "diagnostic", "description", "smtp_response", "message")
"""Details that say why a recipient failed, in order of preference."""

COLUMNS = (
    "message_id",
    "address",
    "tenant",
    "domain",
    "position",
    "type",
    "refused",
    "status",
    "delivered",
    "failed",
    "last_bounce_reason",
    "times",
    "events",
)


@dataclass
class Recipient:
    """One recipient's row as it is being brought up to date."""

    type: RecipientType = RecipientType.TO
    position: int = UNREGISTERED_POSITION
    facts: list[Fact] = field(default_factory=list)


@dataclass
class MessageRecipients:
    """The rows of one message."""

    tenant: str | None = None
    refused: bool = False
    recipients: dict[str, Recipient] = field(default_factory=dict)
    changed: set[str] = field(default_factory=set)
    everyone: list[Fact] = field(default_factory=list)
    """The facts about the whole message, which every recipient's row holds too."""
    everyone_changed: bool = False


def fact_of(value: dict[str, Any]) -> Fact:
    return Fact(
        EventKind(value["kind"]),
        datetime.fromisoformat(value["occurred_at"]),
        value["event_id"],
        value["raw_type"],
        value["details"],
        value.get("metadata", {}),
    )


def fact_json(fact: Fact) -> dict[str, Any]:
    """One timeline entry: the shape of ``show``'s events, and the metadata."""
    return {
        "kind": fact.kind.value,
        "occurred_at": fact.occurred_at.isoformat(),
        "event_id": fact.event_id,
        "raw_type": fact.raw_type,
        "details": dict(fact.details),
        "metadata": dict(fact.metadata),
    }


def bounce_reason(state: RecipientState) -> str | None:
    """Why the latest failure happened, in the provider's words."""
    for fact in reversed(state.facts):
        if fact.kind in FAILURES:
            for key in REASON_KEYS:
                value = fact.details.get(key)
                if isinstance(value, str) and value:
                    return value
            return None
    return None


class RecipientStatus(ReadModel):
    """Status, delivered/failed, first and last times per kind, last bounce reason."""

    name = "recipient_status"
    tables = ("recipient_status", "recipient_status_everyone")

    def schema(self) -> list[str]:
        table = self.t("recipient_status")
        return [
            f"CREATE TABLE IF NOT EXISTS {table} ("
            "message_id TEXT NOT NULL, address TEXT NOT NULL, tenant TEXT, domain TEXT NOT NULL, "
            "position INTEGER NOT NULL, type TEXT NOT NULL, refused INTEGER NOT NULL, "
            "status TEXT NOT NULL, delivered INTEGER NOT NULL, failed INTEGER NOT NULL, "
            "last_bounce_reason TEXT, times TEXT NOT NULL, events TEXT NOT NULL, "
            "PRIMARY KEY (message_id, address))",
            f"CREATE INDEX IF NOT EXISTS recipient_status_address ON {table} "
            "(tenant, address, message_id)",
            f"CREATE INDEX IF NOT EXISTS recipient_status_domain ON {table} "
            "(tenant, domain, message_id)",
            f"CREATE INDEX IF NOT EXISTS recipient_status_status ON {table} "
            "(tenant, status, message_id)",
            f"CREATE TABLE IF NOT EXISTS {self.t('recipient_status_everyone')} ("
            "message_id TEXT PRIMARY KEY, events TEXT NOT NULL)",
        ]

    def apply(self, tx: Tx, events: Sequence[Any]) -> None:
        messages = self._load(tx, {event.originator_id for event in events})
        for event in events:
            message = messages.setdefault(event.originator_id, MessageRecipients())
            if isinstance(event, Message.Registered):
                message.tenant = event.tenant
                message.refused = event.provider_message_id is None
                for position, named in enumerate(event.recipients):
                    recipient = message.recipients.setdefault(named["address"], Recipient())
                    recipient.type = RecipientType(named["type"])
                    recipient.position = min(position, recipient.position)
                # Refusal changes every recipient's baseline.
                message.changed |= set(message.recipients)
            elif isinstance(event, Message.Observed):
                fact = Fact(
                    event.kind,
                    event.occurred_at,
                    event.event_id,
                    event.raw_type,
                    event.details,
                    event.metadata,
                )
                if event.recipient is None:
                    message.everyone.append(fact)
                    message.everyone_changed = True
                    message.changed |= set(message.recipients)
                else:
                    recipient = message.recipients.setdefault(event.recipient, Recipient())
                    recipient.facts.append(fact)
                    message.changed.add(event.recipient)
        rows = [
            row
            for message_id, message in sorted(messages.items())
            for row in self._rows(message_id, message)
        ]
        tx.upsert("recipient_status", COLUMNS, ("message_id", "address"), rows)
        tx.upsert(
            "recipient_status_everyone",
            ("message_id", "events"),
            ("message_id",),
            [
                (str(message_id), dumps([fact_json(fact) for fact in message.everyone]))
                for message_id, message in sorted(messages.items())
                if message.everyone_changed
            ],
        )

    def _load(self, tx: Tx, ids: set[UUID]) -> dict[UUID, MessageRecipients]:
        messages: dict[UUID, MessageRecipients] = {}
        for row in self.select_in(
            tx,
            "SELECT message_id, events "
            f"FROM {self.t('recipient_status_everyone')} WHERE message_id",
            ids,
        ):
            messages[UUID(row["message_id"])] = MessageRecipients(
                everyone=[fact_of(value) for value in orjson.loads(row["events"])]
            )
        for row in self.select_in(
            tx,
            "SELECT message_id, address, tenant, position, type, refused, events "
            f"FROM {self.t('recipient_status')} WHERE message_id",
            ids,
        ):
            message = messages.setdefault(UUID(row["message_id"]), MessageRecipients())
            message.tenant = row["tenant"]
            message.refused = bool(row["refused"])
            message.recipients[row["address"]] = Recipient(
                RecipientType(row["type"]),
                row["position"],
                own_facts(orjson.loads(row["events"]), message.everyone),
            )
        return messages

    def _rows(self, message_id: UUID, message: MessageRecipients) -> list[tuple[Any, ...]]:
        rows = []
        for address in sorted(message.changed):
            recipient = message.recipients[address]
            state = derive_recipient_state(
                address,
                recipient.type,
                [*recipient.facts, *message.everyone],
                refused=message.refused,
            )
            rows.append(
                (
                    str(message_id),
                    address,
                    message.tenant,
                    address.rpartition("@")[2],
                    recipient.position,
                    recipient.type.value,
                    int(message.refused),
                    state.status.value,
                    int(state.delivered),
                    int(state.failed),
                    bounce_reason(state),
                    dumps(times_of(state.facts)),
                    dumps([fact_json(fact) for fact in state.facts]),
                )
            )
        return rows


def own_facts(events: list[dict[str, Any]], everyone: Sequence[Fact]) -> list[Fact]:
    """A row's facts about its recipient alone: its events less one of each fact about the
    whole message (a recipient may have a fact of its own just like one of those)."""
    remaining = list(events)
    for fact in everyone:
        remaining.remove(fact_json(fact))
    return [fact_of(value) for value in remaining]


def times_of(facts: Sequence[Fact]) -> dict[str, dict[str, Any]]:
    """First and last time and count per kind, of facts in the domain's order.

    An open a machine made (``details.machine``) is counted under ``machine_opened``, never
    under ``opened``: it proves delivery, not that a person read the message.
    """
    times: dict[str, dict[str, Any]] = {}
    for fact in facts:
        name = fact.kind.value
        if fact.kind is EventKind.OPENED and fact.details.get(MACHINE_OPEN):
            name = MACHINE_OPENED
        at = fact.occurred_at.isoformat()
        seen = times.get(name)
        if seen is None:
            times[name] = {"first": at, "last": at, "count": 1}
        else:
            seen["last"] = at
            seen["count"] += 1
    return times
