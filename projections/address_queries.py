"""Queries over the address statuses: the suppression list, the pre-send check, one address.

Every query is one tenant's: a row of another tenant is never read, counted or named.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson

from projections.addresses import TABLE
from projections.fold import from_micros, micros
from projections.queries import Page, decode_cursor, encode_cursor
from projections.read_model import in_conditions
from projections.view import View

NOT_ALLOWED_PREFERENCE = "no"


@dataclass(frozen=True)
class SuppressionQuery:
    """Filters of the suppression list (newest suppression first)."""

    tenant: str
    now: datetime
    reason: str | None = None
    domain: str | None = None
    since_from: datetime | None = None
    since_until: datetime | None = None
    limit: int = 50
    cursor: str | None = None


@dataclass(frozen=True)
class Verdict:
    """May the platform send to this address, and if not, why."""

    allowed: bool
    reason: str | None


class AddressQueries:
    """Reads of the ``addresses`` view."""

    def __init__(self, view: View) -> None:
        self._view = view
        self._table = view.table(TABLE)

    def suppressions(self, query: SuppressionQuery) -> Page:
        """The tenant's addresses suppressed at ``query.now``."""
        conditions = ["tenant = %s", "suppressed = 1", "(until_us IS NULL OR until_us > %s)"]
        params: list[Any] = [query.tenant, micros(query.now)]
        if query.reason is not None:
            conditions.append("reason = %s")
            params.append(query.reason)
        if query.domain is not None:
            conditions.append("domain = %s")
            params.append(query.domain.strip().lstrip("@").lower())
        if query.since_from is not None:
            conditions.append("since_us >= %s")
            params.append(micros(query.since_from))
        if query.since_until is not None:
            conditions.append("since_us < %s")
            params.append(micros(query.since_until))
        if query.cursor is not None:
            since, address_id = decode_cursor(query.cursor, (int, str))
            conditions.append("(since_us < %s OR (since_us = %s AND address_id < %s))")
            params += [since, since, address_id]
        rows = self._fetch(
            f"SELECT * FROM {self._table} WHERE {' AND '.join(conditions)} "
            "ORDER BY since_us DESC, address_id DESC LIMIT %s",
            [*params, query.limit + 1],
        )
        more = len(rows) > query.limit
        rows = rows[: query.limit]
        cursor = encode_cursor([rows[-1]["since_us"], rows[-1]["address_id"]]) if more else None
        return Page([status_item(row, query.now) for row in rows], cursor)

    def statuses(self, tenant: str, ids: Sequence[UUID]) -> dict[UUID, dict[str, Any]]:
        """The rows of the tenant's addresses among ``ids`` (absent: nothing recorded)."""
        found: dict[UUID, dict[str, Any]] = {}
        for condition, params in in_conditions(ids, postgres=self._view.postgres):
            for row in self._fetch(
                f"SELECT * FROM {self._table} WHERE tenant = %s AND address_id{condition}",
                [tenant, *params],
            ):
                found[UUID(row["address_id"])] = row
        return found

    def check(self, tenant: str, ids: Sequence[UUID], now: datetime) -> dict[UUID, Verdict]:
        """Per id, whether the platform may send: neither suppressed nor a preference of no."""
        rows = self.statuses(tenant, ids)
        return {i: verdict(rows.get(i), now) for i in ids}

    def _fetch(self, statement: str, params: list[Any]) -> list[dict[str, Any]]:
        with self._view.reading() as tx:
            return tx.fetchall(statement, params)


def in_force(row: dict[str, Any], now: datetime) -> bool:
    """The row's suppression holds at ``now``."""
    until = row["until_us"]
    return bool(row["suppressed"]) and (until is None or until > micros(now))


def verdict(row: dict[str, Any] | None, now: datetime) -> Verdict:
    if row is None:
        return Verdict(True, None)
    if in_force(row, now):
        return Verdict(False, f"suppressed: {row['reason']}")
    if row["preference"] == NOT_ALLOWED_PREFERENCE:
        return Verdict(False, "preference: no")
    return Verdict(True, None)


def _moment(value: int | None) -> str | None:
    return from_micros(value).isoformat() if value is not None else None


def status_item(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    """An address's status as the API and the command line show it."""
    suppressed = in_force(row, now)
    return {
        "address": row["address"],
        "status": "suppressed" if suppressed else "active",
        "reason": row["reason"] if suppressed else None,
        "since": _moment(row["since_us"]) if suppressed else None,
        "until": _moment(row["until_us"]) if suppressed else None,
        "failures": orjson.loads(row["failures"]) if suppressed else [],
        "lifted": (
            {
                "by": row["lifted_by"],
                "reason": row["lifted_reason"],
                "at": _moment(row["lifted_us"]),
            }
            if row["lifted_us"] is not None
            else None
        ),
        "preference": row["preference"],
        "preference_set": (
            {"by": row["preference_by"], "at": _moment(row["preference_us"])}
            if row["preference"] is not None
            else None
        ),
        "allowed": verdict(row, now).allowed,
    }
