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

from domain.contact_links import contact_url
from domain.kinds import MACHINE_OPEN
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


def recipient_json(
    recipient: RecipientState,
    contact_ref: str | None = None,
    contact_template: str | None = None,
) -> dict[str, Any]:
    """One recipient with its timeline, ordered by occurred_at."""
    return {
        "address": recipient.address,
        "type": recipient.type.value,
        "contact_ref": contact_ref,
        "contact_url": contact_url(
            contact_template, contact_ref=contact_ref, address=recipient.address
        ),
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


def message_json(state: MessageState, contact_template: str | None = None) -> dict[str, Any]:
    """The ``show`` shape: the message, its outcome, whether a copy of it is kept, and each
    recipient's timeline (with its contact link from ``contact_template``)."""
    send = state.registration
    contact_refs = (
        {r.address: r.contact_ref for r in send.recipients if r.contact_ref is not None}
        if send
        else {}
    )
    shape: dict[str, Any] = jsonable(
        {
            "id": state.id,
            "provider": None if state.refused else state.provider,
            "provider_message_id": None if state.refused else state.provider_message_id,
            "tenant": state.tenant,
            "external_ref": send.external_ref if send else None,
            "dossier_id": send.dossier_id if send else None,
            "category": send.category if send else None,
            "template": send.template if send else None,
            "subject": send.subject if send else None,
            "sender": send.sender if send else None,
            "tags": list(send.tags) if send else [],
            "error": send.error if send else None,
            "sent_at": state.sent_at,
            "registered": send is not None,
            "outcome": state.outcome.value,
            "last_status": state.last_status.value,
            "version": state.version,
            "content": send.content_ref.to_json() if send and send.content_ref else None,
            "recipients": [
                recipient_json(r, contact_refs.get(r.address), contact_template)
                for r in state.recipients
            ],
        }
    )
    return shape


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


def when(moment: str | None, today: datetime) -> str:
    """The time for today's sends and the date otherwise, like the mail logs users know."""
    if moment is None:
        return "-"
    local = datetime.fromisoformat(moment).astimezone(today.tzinfo)
    return local.strftime("%H:%M") if local.date() == today.date() else local.strftime("%Y-%m-%d")


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def format_list(items: Sequence[Mapping[str, Any]], today: datetime) -> str:
    """The sent-mail list (rows in the list's JSON shape) as a table."""
    if not items:
        return "No messages match."
    lines = [
        f"{'WHEN':<10}  {'OUTCOME':<9}  {'LAST STATUS':<13}  {'FROM':<26}  {'TO':<34}  SUBJECT"
    ]
    for item in items:
        registered = item["registered"]
        lines.append(
            f"{when(item['sent_at'], today):<10}  {item['outcome']:<9}  "
            f"{item['last_status']:<13}  {_cut(item['sender'] if registered else '?', 26):<26}  "
            f"{_cut(', '.join(item['recipients']), 34):<34}  "
            f"{_cut(item['subject'] if registered else '(not registered)', 48)}"
        )
    return "\n".join(lines)


def format_groups(items: Sequence[Mapping[str, Any]], by: str) -> str:
    """Categories (or templates) and their counts as a table; none shown as ``(none)``."""
    if not items:
        return "No sends match."
    width = max(len(by), *(len(item[by] or "(none)") for item in items))
    lines = [f"{by.upper():<{width}}  {'MESSAGES':>8}  {'FAILED':>8}"]
    lines += [
        f"{item[by] or '(none)':<{width}}  {item['messages']:>8}  {item['failed']:>8}"
        for item in items
    ]
    return "\n".join(lines)


_DAY_COLUMNS = ("messages", "recipients", "delivered", "failed", "bounced", "opened", "clicked")


def format_days(days: Sequence[Mapping[str, Any]], by: str | None) -> str:
    """Daily counts as a table, a column of the category (or template) with ``by``."""
    if not days:
        return "No sends match."
    width = max([len(by), *(len(day[by] or "(none)") for day in days)]) if by else 0
    group = f"{by.upper():<{width}}  " if by else ""
    lines = [f"{'DAY':<10}  {group}" + "  ".join(f"{c.upper():>10}" for c in _DAY_COLUMNS)]
    for day in days:
        value = f"{day[by] or '(none)':<{width}}  " if by else ""
        lines.append(
            f"{day['day']:<10}  {value}" + "  ".join(f"{day[c]:>10}" for c in _DAY_COLUMNS)
        )
    return "\n".join(lines)


def format_outcomes(items: Sequence[Mapping[str, Any]]) -> str:
    """How many messages have each outcome."""
    counts = Counter(item["outcome"] for item in items)
    return "  ".join(
        f"{name}: {counts.get(name, 0)}" for name in ("delivered", "pending", "alert", "error")
    )


def format_message(shape: Mapping[str, Any]) -> str:
    """One message (in the ``show`` JSON shape) and each recipient's timeline."""
    lines = [
        f"Message   {shape['id']}",
    ]
    if shape["provider"] is not None:
        lines.append(f"Provider  {shape['provider']}:{shape['provider_message_id']}")
    if shape["registered"]:
        lines += [
            f"Tenant    {shape['tenant']}   dossier {shape['dossier_id'] or '-'}   "
            f"ref {shape['external_ref']}",
            f"From      {shape['sender']}",
            f"Subject   {shape['subject']}",
        ]
        if shape["error"]:
            lines.append(f"Refused   {shape['error']}")
    else:
        lines.append("Not registered yet: provider events only.")
    lines.append(f"Sent      {shape['sent_at'] or '-'}")
    lines.append(f"Outcome   {shape['outcome']} (last status {shape['last_status']})")
    for recipient in shape["recipients"]:
        flag = (
            "FAILED"
            if recipient["failed"]
            else "delivered"
            if recipient["delivered"]
            else "in flight"
        )
        lines.append("")
        lines.append(
            f"  {recipient['type']} {recipient['address']}: {recipient['status']} [{flag}]"
        )
        for event in recipient["events"]:
            raw = f" ({event['raw_type']})" if event["raw_type"] != event["kind"] else ""
            detail = f"  {dumps(event['details'])}" if event["details"] else ""
            kind = event["kind"]
            if event["details"].get(MACHINE_OPEN):
                # A machine's open proves delivery, not a reader: say so where it is shown.
                kind = f"{kind} (machine)"
            lines.append(f"    {event['occurred_at']}  {kind:<13}{raw}{detail}")
    return "\n".join(lines)


def format_history(rows: Sequence[Mapping[str, Any]]) -> str:
    """The audit history as text: one stored event per line."""
    return "\n".join(
        f"v{row['version']:<4} {row['recorded_at']}  {row['type']:<22} {dumps(row['payload'])}"
        for row in rows
    )
