"""Reads of the read models: the sent-mail list, a message, a dossier's history, daily counts.

Everything here reads the views only, never the event store. Lists are paged by keyset: a
cursor holds the sort key of the last row handed out, so a page starts exactly after it however
many rows were inserted meanwhile, and costs an index range scan whatever its depth.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from uuid import UUID

import orjson

from domain.contact_links import contact_url
from domain.kinds import EventKind, Outcome
from projections.daily_counts import COUNTS, GROUPINGS
from projections.fold import from_micros, micros
from projections.query_limits import check_filters
from projections.sent_mail import search_key
from projections.view import View

MAX_PAGE_SIZE = 500
"""The most rows one page holds."""


class InvalidCursorError(ValueError):
    """A cursor that no page of this listing handed out."""


@dataclass(frozen=True)
class MessageQuery:
    """Which messages of one tenant the list shows; by default only those where some failed.

    ``tenant`` None lists every tenant's messages (the CLI, which reads the database directly);
    the HTTP API always passes the key's tenant.
    """

    tenant: str | None
    failed_only: bool = True
    outcome: Outcome | None = None
    status: EventKind | None = None
    """Some recipient is now in this status."""
    dossier_id: str | None = None
    category: str | None = None
    """The registration's category: the kind of e-mail."""
    template: str | None = None
    """The template the e-mail was rendered from."""
    templated: bool | None = None
    """True: from any template; False: from none; None: either."""
    recipient: str | None = None
    """An exact address, or a domain ("example.com" or "@example.com")."""
    sender: str | None = None
    subject: str | None = None
    """Case-insensitive text the subject contains."""
    sent_from: datetime | None = None
    """Inclusive lower bound of the sent time."""
    sent_until: datetime | None = None
    """Exclusive upper bound of the sent time."""
    tags: tuple[str, ...] = ()
    """Every one of these tags."""
    limit: int = 50
    cursor: str | None = None


@dataclass(frozen=True)
class Page:
    """One page of a listing, and the cursor of the next page (None on the last one)."""

    items: list[dict[str, Any]]
    next_cursor: str | None


def encode_cursor(key: Sequence[Any]) -> str:
    """An opaque cursor holding a row's sort key."""
    return base64.urlsafe_b64encode(orjson.dumps(list(key))).decode().rstrip("=")


def decode_cursor(cursor: str, types: Sequence[type]) -> list[Any]:
    """The sort key a cursor holds; InvalidCursorError when it is not one of ours."""
    try:
        key = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError):
        raise InvalidCursorError(f"cursor {cursor!r} is not one this listing handed out") from None
    if (
        not isinstance(key, list)
        or len(key) != len(types)
        or not all(type(value) is kind for value, kind in zip(key, types, strict=True))
    ):
        raise InvalidCursorError(f"cursor {cursor!r} is not one this listing handed out")
    return key


def like_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its own % and _ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


LIST_COLUMNS = (
    "message_id, sent_us, tenant, dossier_id, external_ref, provider, provider_message_id, "
    "subject, sender, recipients, tags, registered, refused, last_status, outcome, counts, "
    "recipient_count"
)


class ReadModels:
    """Queries over the views; every method reads the views only, never the event store."""

    def __init__(self, sent_mail: View, recipients: View, dossiers: View, daily: View) -> None:
        self._sent_mail = sent_mail
        self._recipients = recipients
        self._dossiers = dossiers
        self._daily = daily

    def list_messages(self, query: MessageQuery) -> Page:
        """Rows of the sent-mail list, newest first; InvalidCursorError for a foreign cursor,
        QueryLimitError for a filter beyond its limit."""
        check_filters(query.subject, query.tags)
        sent_mail = self._sent_mail.table("sent_mail")
        recipients = self._recipients.table("recipient_status")
        where: list[str] = []
        params: list[Any] = []

        def recipient_rows(column: str, value: str) -> None:
            owner = "tenant = %s AND " if query.tenant is not None else ""
            where.append(
                f"message_id IN (SELECT message_id FROM {recipients} WHERE {owner}{column} = %s)"
            )
            params.extend([query.tenant, value] if query.tenant is not None else [value])

        if query.tenant is not None:
            # A tenant's list is of what it sent: a message known only from provider events
            # is its (its detail and history are shown), but is listed once registered.
            where.append("tenant = %s AND registered = 1")
            params.append(query.tenant)
        if query.failed_only:
            where.append("failed = 1")
        if query.outcome is not None:
            where.append("outcome = %s")
            params.append(query.outcome.value)
        if query.dossier_id is not None:
            where.append("dossier_id = %s")
            params.append(query.dossier_id)
        if query.category is not None:
            where.append("category = %s")
            params.append(query.category)
        if query.template is not None:
            where.append("template = %s")
            params.append(query.template)
        if query.templated is not None:
            where.append("template IS NOT NULL" if query.templated else "template IS NULL")
        if query.sender is not None:
            where.append("sender_key = %s")
            params.append(search_key(query.sender.strip()))
        if query.subject:
            where.append("subject_key LIKE %s ESCAPE '\\'")
            params.append(like_pattern(search_key(query.subject)))
        sent_between(where, params, query.sent_from, query.sent_until)
        for tag in query.tags:
            # A whole element of the JSON array: opened by [ or , and closed by , or ]. A quote
            # inside a JSON string is escaped, so this never matches inside another tag.
            element = orjson.dumps(tag).decode()
            where.append("(" + " OR ".join(["tags LIKE %s ESCAPE '\\'"] * 4) + ")")
            params.extend(
                like_pattern(f"{before}{element}{after}") for before in "[," for after in ",]"
            )
        if query.recipient:
            wanted = query.recipient.strip().lower()
            if "@" in wanted.lstrip("@"):
                recipient_rows("address", wanted)
            else:
                recipient_rows("domain", wanted.lstrip("@"))
        if query.status is not None:
            recipient_rows("status", query.status.value)
        if query.cursor is not None:
            sent_us, message_id = decode_cursor(query.cursor, (int, str))
            where.append("(sent_us, message_id) < (%s, %s)")
            params.extend([sent_us, message_id])
        limit = max(1, min(query.limit, MAX_PAGE_SIZE))
        statement = (
            f"SELECT {LIST_COLUMNS} FROM {sent_mail} "
            f"{'WHERE ' + ' AND '.join(where) if where else ''} "
            "ORDER BY sent_us DESC, message_id DESC LIMIT %s"
        )
        with self._sent_mail.reading() as tx:
            rows = tx.fetchall(statement, [*params, limit + 1])
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = encode_cursor([rows[-1]["sent_us"], rows[-1]["message_id"]]) if more else None
        return Page([list_item(row) for row in rows], next_cursor)

    def message(
        self, message_id: UUID, tenant: str | None, *, contact_template: str | None = None
    ) -> dict[str, Any] | None:
        """The ``show`` shape of a message, or None when the tenant's views do not hold it.

        With tenant None, any tenant's message and unregistered ones too. Each recipient's
        ``contact_url`` is ``contact_template`` filled in (domain/contact_links.py).
        """
        with self._sent_mail.reading() as tx:
            found = tx.fetchall(
                f"SELECT {LIST_COLUMNS}, version, fold FROM {self._sent_mail.table('sent_mail')} "
                "WHERE message_id = %s",
                [str(message_id)],
            )
        if not found or (tenant is not None and found[0]["tenant"] != tenant):
            return None
        with self._recipients.reading() as tx:
            recipients = tx.fetchall(
                "SELECT address, type, status, delivered, failed, times, events "
                f"FROM {self._recipients.table('recipient_status')} WHERE message_id = %s "
                "ORDER BY position, address",
                [str(message_id)],
            )
        return detail(found[0], recipients, contact_template=contact_template)

    def recipient_statuses(self, message_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        """Each listed message's recipients with their status, in the order registered: what a
        row of the sent-mail list shows beside the message (one query for a whole page)."""
        found: dict[str, list[dict[str, Any]]] = {message_id: [] for message_id in message_ids}
        if not message_ids:
            return found
        marks = ", ".join(["%s"] * len(message_ids))
        with self._recipients.reading() as tx:
            rows = tx.fetchall(
                "SELECT message_id, address, type, status, delivered, failed "
                f"FROM {self._recipients.table('recipient_status')} "
                f"WHERE message_id IN ({marks}) ORDER BY message_id, position, address",
                list(message_ids),
            )
        for row in rows:
            found[row["message_id"]].append(
                {
                    "address": row["address"],
                    "type": row["type"],
                    "status": row["status"],
                    "delivered": bool(row["delivered"]),
                    "failed": bool(row["failed"]),
                }
            )
        return found

    def messages_named(
        self, provider: str, provider_message_id: str
    ) -> list[tuple[UUID, str | None]]:
        """Every message (id, tenant) the views hold under a provider's message id, any
        tenant's: for an operator's command line, never for an API answer."""
        with self._sent_mail.reading() as tx:
            found = tx.fetchall(
                f"SELECT message_id, tenant FROM {self._sent_mail.table('sent_mail')} "
                "WHERE provider = %s AND provider_message_id = %s ORDER BY tenant",
                [provider, provider_message_id],
            )
        return [(UUID(row["message_id"]), row["tenant"]) for row in found]

    def message_tenant(self, message_id: UUID) -> str | None:
        """The tenant whose message it is; None when unknown (or, in a log written before ids
        named their tenant, unregistered)."""
        with self._sent_mail.reading() as tx:
            found = tx.fetchall(
                f"SELECT tenant FROM {self._sent_mail.table('sent_mail')} WHERE message_id = %s",
                [str(message_id)],
            )
        return found[0]["tenant"] if found else None

    def dossier_history(
        self, tenant: str | None, dossier_id: str, *, cursor: str | None = None, limit: int = 100
    ) -> Page:
        """Every event of every message of the dossier, in occurred-at order (oldest first)."""
        where = ["dossier_id = %s"]
        params: list[Any] = [dossier_id]
        if tenant is not None:
            where.append("tenant = %s")
            params.append(tenant)
        if cursor is not None:
            occurred_us, message_id, version = decode_cursor(cursor, (int, str, int))
            where.append("(occurred_us, message_id, version) > (%s, %s, %s)")
            params.extend([occurred_us, message_id, version])
        limit = max(1, min(limit, MAX_PAGE_SIZE))
        with self._dossiers.reading() as tx:
            rows = tx.fetchall(
                "SELECT occurred_us, occurred_at, message_id, version, kind, recipient, event_id, "
                f"raw_type, details FROM {self._dossiers.table('dossier_history')} "
                f"WHERE {' AND '.join(where)} "
                "ORDER BY occurred_us, message_id, version LIMIT %s",
                [*params, limit + 1],
            )
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = (
            encode_cursor([rows[-1]["occurred_us"], rows[-1]["message_id"], rows[-1]["version"]])
            if more
            else None
        )
        items = [
            {
                "occurred_at": row["occurred_at"],
                "message_id": row["message_id"],
                "version": row["version"],
                "kind": row["kind"],
                "recipient": row["recipient"],
                "event_id": row["event_id"],
                "raw_type": row["raw_type"],
                "details": orjson.loads(row["details"]),
            }
            for row in rows
        ]
        return Page(items, next_cursor)

    def daily_counts(
        self,
        tenant: str | None,
        *,
        since: date | None = None,
        until: date | None = None,
        by: str | None = None,
    ) -> list[dict[str, Any]]:
        """One row per day (oldest first) with counts and rates; ``until`` inclusive.

        ``by`` one of GROUPINGS: one row per day and value of it (the value under its name,
        null for none, last within its day).
        """
        where: list[str] = []
        params: list[Any] = []
        if by is not None:
            where.append("grouped_by = %s")
            params.append(_grouping(by))
        if tenant is not None:
            where.append("tenant = %s")
            params.append(tenant)
        if since is not None:
            where.append("day >= %s")
            params.append(since.isoformat())
        if until is not None:
            where.append("day <= %s")
            params.append(until.isoformat())
        sums = ", ".join(f"SUM({name}) AS {name}" for name in COUNTS)
        table = self._daily.table("daily_counts" if by is None else "daily_group_counts")
        keys = "day" if by is None else "day, value"
        with self._daily.reading() as tx:
            rows = tx.fetchall(
                f"SELECT {keys}, {sums} FROM {table} "
                f"{'WHERE ' + ' AND '.join(where) if where else ''} "
                f"GROUP BY {keys} ORDER BY {keys}",
                params,
            )
        if by is None:
            return [day_item(row) for row in rows]
        items = [(row["day"], orjson.loads(row["value"]), row) for row in rows]
        items.sort(key=lambda item: (item[0], item[1] is None, item[1] or ""))
        return [{"day": day, by: value, **day_item(row)} for day, value, row in items]

    def groups(
        self,
        tenant: str | None,
        by: str,
        *,
        sent_from: datetime | None = None,
        sent_until: datetime | None = None,
    ) -> list[dict[str, Any]]:
        """Each value of ``by`` (one of GROUPINGS) among the registered messages sent in the
        range, with their count and how many failed (the list's ``failed``: some recipient
        did); by value, none (null) last."""
        column = _grouping(by)
        where = ["registered = 1"]
        params: list[Any] = []
        if tenant is not None:
            where.append("tenant = %s")
            params.append(tenant)
        sent_between(where, params, sent_from, sent_until)
        with self._sent_mail.reading() as tx:
            rows = tx.fetchall(
                f"SELECT {column} AS value, COUNT(*) AS messages, SUM(failed) AS failed "
                f"FROM {self._sent_mail.table('sent_mail')} WHERE {' AND '.join(where)} "
                f"GROUP BY {column}",
                params,
            )
        rows.sort(key=lambda row: (row["value"] is None, row["value"] or ""))
        return [
            {by: row["value"], "messages": int(row["messages"]), "failed": int(row["failed"])}
            for row in rows
        ]


def sent_between(
    where: list[str], params: list[Any], sent_from: datetime | None, sent_until: datetime | None
) -> None:
    """The conditions of a sent-time range (from inclusive, until exclusive), added."""
    if sent_from is not None:
        where.append("sent_us >= %s")
        params.append(micros(sent_from))
    if sent_until is not None:
        where.append("sent_us < %s")
        params.append(micros(sent_until))


def _grouping(by: str) -> str:
    # Also the name of a column: never anything but one of these.
    if by not in GROUPINGS:
        raise ValueError(f"cannot group by {by!r}; only by {', '.join(GROUPINGS)}")
    return by


def list_item(row: dict[str, Any]) -> dict[str, Any]:
    """One row of the sent-mail list as JSON."""
    registered = bool(row["registered"])
    return {
        "id": row["message_id"],
        "sent_at": from_micros(row["sent_us"]).isoformat() if row["sent_us"] else None,
        "tenant": row["tenant"],
        "dossier_id": row["dossier_id"],
        "external_ref": row["external_ref"],
        "provider": None if row["refused"] else row["provider"],
        "provider_message_id": None if row["refused"] else row["provider_message_id"],
        "subject": row["subject"],
        "sender": row["sender"],
        "recipients": orjson.loads(row["recipients"]),
        "tags": orjson.loads(row["tags"]),
        "registered": registered,
        "last_status": row["last_status"],
        "outcome": row["outcome"],
        "counts": orjson.loads(row["counts"]),
    }


def detail(
    message: dict[str, Any],
    recipients: list[dict[str, Any]],
    *,
    contact_template: str | None = None,
) -> dict[str, Any]:
    """The ``show`` shape (adapters' message_json) from a list row and its recipients' rows."""
    registration = orjson.loads(message["fold"])["registration"]
    # A fold stored before copies and contact links existed has neither.
    contact_refs: dict[str, str] = registration.get("contact_refs", {}) if registration else {}
    return {
        "id": message["message_id"],
        "provider": None if message["refused"] else message["provider"],
        "provider_message_id": None if message["refused"] else message["provider_message_id"],
        "tenant": message["tenant"],
        "external_ref": message["external_ref"],
        "dossier_id": message["dossier_id"],
        "category": registration["category"] if registration else None,
        # A fold stored before templates existed has none.
        "template": registration.get("template") if registration else None,
        "subject": message["subject"],
        "sender": message["sender"],
        "tags": orjson.loads(message["tags"]),
        "error": registration["error"] if registration else None,
        "sent_at": from_micros(message["sent_us"]).isoformat() if message["sent_us"] else None,
        "registered": bool(message["registered"]),
        "outcome": message["outcome"],
        "last_status": message["last_status"],
        "version": message["version"],
        "content": registration.get("content") if registration else None,
        "recipients": [
            {
                "address": row["address"],
                "type": row["type"],
                "contact_ref": contact_refs.get(row["address"]),
                "contact_url": contact_url(
                    contact_template,
                    contact_ref=contact_refs.get(row["address"]),
                    address=row["address"],
                ),
                "status": row["status"],
                "delivered": bool(row["delivered"]),
                "failed": bool(row["failed"]),
                "times": orjson.loads(row["times"]),
                "events": [
                    {key: value for key, value in event.items() if key != "metadata"}
                    for event in orjson.loads(row["events"])
                ],
            }
            for row in recipients
        ],
    }


def day_item(row: dict[str, Any]) -> dict[str, Any]:
    """One day's counts and rates."""
    counts = {name: int(row[name]) for name in COUNTS}
    return {
        "day": row["day"],
        **counts,
        "delivery_rate": rate(counts["delivered"], counts["recipients"]),
        "bounce_rate": rate(counts["bounced"], counts["recipients"]),
        "open_rate": rate(counts["opened"], counts["delivered"]),
    }


def every_item(queries: ReadModels, query: MessageQuery) -> Iterator[dict[str, Any]]:
    """Every row the query matches, page after page."""
    page = queries.list_messages(query)
    yield from page.items
    while page.next_cursor is not None:
        page = queries.list_messages(replace(query, cursor=page.next_cursor))
        yield from page.items
