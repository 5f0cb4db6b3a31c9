"""The shapes other tools rely on: message JSON, list rows, audit history, and their text forms."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from domain.state import MessageState, RecipientState

_BASE_EVENT_FIELDS = ("originator_id", "originator_version", "timestamp")


def jsonable(value: Any) -> Any:
    """Plain JSON values: times in ISO-8601, ids and enums as strings."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def dumps(value: Any) -> str:
    """Compact JSON of a presented value."""
    return json.dumps(jsonable(value), ensure_ascii=False, separators=(",", ":"))


def recipient_json(recipient: RecipientState) -> dict[str, Any]:
    """One recipient with its timeline, ordered by occurred_at."""
    return {
        "address": recipient.address,
        "type": recipient.type.value,
        "status": recipient.status.value,
        "delivered": recipient.delivered,
        "failed": recipient.failed,
        "times": {
            kind.value: {"first": times.first, "last": times.last, "count": times.count}
            for kind, times in recipient.times.items()
        },
        "events": [
            {
                "kind": fact.kind.value,
                "occurred_at": fact.occurred_at,
                "event_id": fact.event_id,
                "raw_type": fact.raw_type,
                "details": dict(fact.details),
            }
            for fact in recipient.facts
        ],
    }


def message_json(state: MessageState) -> dict[str, Any]:
    """The ``show`` shape: the message, its outcome and each recipient's timeline."""
    send = state.registration
    shape: dict[str, Any] = jsonable(
        {
            "id": state.id,
            "provider": None if state.refused else state.provider,
            "provider_message_id": None if state.refused else state.provider_message_id,
            "tenant": send.tenant if send else None,
            "external_ref": send.external_ref if send else None,
            "dossier_id": send.dossier_id if send else None,
            "category": send.category if send else None,
            "subject": send.subject if send else None,
            "sender": send.sender if send else None,
            "tags": list(send.tags) if send else [],
            "error": send.error if send else None,
            "sent_at": state.sent_at,
            "registered": send is not None,
            "outcome": state.outcome.value,
            "last_status": state.last_status.value,
            "version": state.version,
            "recipients": [recipient_json(r) for r in state.recipients],
        }
    )
    return shape


def list_row_json(state: MessageState) -> dict[str, Any]:
    """One row of the sent-mail list."""
    send = state.registration
    row: dict[str, Any] = jsonable(
        {
            "id": state.id,
            "sent_at": state.sent_at,
            "tenant": send.tenant if send else None,
            "dossier_id": send.dossier_id if send else None,
            "subject": send.subject if send else None,
            "sender": send.sender if send else None,
            "recipients": [r.address for r in state.recipients],
            "last_status": state.last_status.value,
            "outcome": state.outcome.value,
        }
    )
    return row


def history_json(events: Iterable[DomainEventProtocol[UUID]]) -> list[dict[str, Any]]:
    """Every stored event in log order: version, type, recorded time and payload."""
    rows = []
    for event in events:
        payload = {
            f.name: getattr(event, f.name)
            for f in dataclasses.fields(event)  # type: ignore[arg-type]
            if f.name not in _BASE_EVENT_FIELDS
        }
        rows.append(
            jsonable(
                {
                    "version": event.originator_version,
                    "type": type(event).__qualname__,
                    "recorded_at": getattr(event, "timestamp", None),
                    "payload": payload,
                }
            )
        )
    return rows


def when(moment: datetime | None, today: datetime) -> str:
    """The time for today's sends and the date otherwise, like the mail logs users know."""
    if moment is None:
        return "-"
    local = moment.astimezone(today.tzinfo)
    return local.strftime("%H:%M") if local.date() == today.date() else local.strftime("%Y-%m-%d")


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def format_list(states: Sequence[MessageState], today: datetime) -> str:
    """The sent-mail list as a table."""
    if not states:
        return "No messages match."
    lines = [
        f"{'WHEN':<10}  {'OUTCOME':<9}  {'LAST STATUS':<13}  {'FROM':<26}  {'TO':<34}  SUBJECT"
    ]
    for state in states:
        send = state.registration
        lines.append(
            f"{when(state.sent_at, today):<10}  {state.outcome.value:<9}  "
            f"{state.last_status.value:<13}  {_cut(send.sender if send else '?', 26):<26}  "
            f"{_cut(', '.join(r.address for r in state.recipients), 34):<34}  "
            f"{_cut(send.subject if send else '(not registered)', 48)}"
        )
    return "\n".join(lines)


def format_outcomes(states: Sequence[MessageState]) -> str:
    """How many messages have each outcome."""
    counts = Counter(state.outcome.value for state in states)
    return "  ".join(
        f"{name}: {counts.get(name, 0)}" for name in ("delivered", "pending", "alert", "error")
    )


def format_message(state: MessageState) -> str:
    """One message and each recipient's timeline."""
    send = state.registration
    lines = [
        f"Message   {state.id}",
        f"Provider  {state.provider}:{state.provider_message_id}",
    ]
    if send is not None:
        lines += [
            f"Tenant    {send.tenant}   dossier {send.dossier_id or '-'}   ref {send.external_ref}",
            f"From      {send.sender}",
            f"Subject   {send.subject}",
        ]
        if send.error:
            lines.append(f"Refused   {send.error}")
    else:
        lines.append("Not registered yet: provider events only.")
    sent = state.sent_at.isoformat() if state.sent_at else "-"
    lines.append(f"Sent      {sent}")
    lines.append(f"Outcome   {state.outcome.value} (last status {state.last_status.value})")
    for recipient in state.recipients:
        flag = "FAILED" if recipient.failed else "delivered" if recipient.delivered else "in flight"
        lines.append("")
        lines.append(
            f"  {recipient.type.value} {recipient.address}: {recipient.status.value} [{flag}]"
        )
        for fact in recipient.facts:
            raw = f" ({fact.raw_type})" if fact.raw_type != fact.kind.value else ""
            detail = f"  {dumps(fact.details)}" if fact.details else ""
            lines.append(f"    {fact.occurred_at.isoformat()}  {fact.kind.value:<13}{raw}{detail}")
    return "\n".join(lines)


def format_history(rows: Sequence[Mapping[str, Any]]) -> str:
    """The audit history as text: one stored event per line."""
    return "\n".join(
        f"v{row['version']:<4} {row['recorded_at']}  {row['type']:<22} {dumps(row['payload'])}"
        for row in rows
    )
