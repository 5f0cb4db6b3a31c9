"""The sent-mail log's filters, read from the page's URL and written back into its links.

Everything the viewer chose lives in the query string, so a filtered list can be bookmarked,
shared with a colleague of the same tenant, reloaded or exported as it is shown. Dates are
days in the viewer's time zone, from the first to the last day shown, both included.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from adapters.console.i18n import N_
from domain.kinds import EventKind, Outcome
from projections.queries import MessageQuery
from projections.query_limits import MAX_FILTER_TEXT

PAGE_SIZE = 50
"""Rows per page of the log."""


@dataclass(frozen=True)
class LogFilters:
    """The log's filters as the viewer set them (texts as typed; empty: no filter)."""

    show: str = "failed"
    """``failed`` (the default, as the users' own logs do) or ``all``."""
    dossier: str = ""
    recipient: str = ""
    sender: str = ""
    subject: str = ""
    category: str = ""
    template: str = ""
    status: str = ""
    outcome: str = ""
    sent_from: str = ""
    sent_until: str = ""

    @property
    def all_shown(self) -> bool:
        return self.show == "all"

    def query_values(self) -> dict[str, str]:
        """The non-empty filters under their URL names (``show`` only when not the default)."""
        values = {
            _URL_NAMES.get(field.name, field.name): getattr(self, field.name)
            for field in fields(self)
        }
        if values["show"] == "failed":
            del values["show"]
        return {name: value for name, value in values.items() if value}

    def toggled(self) -> LogFilters:
        """The same filters, showing failed e-mails only if all are shown, and the other way."""
        return replace(self, show="failed" if self.all_shown else "all")

    @property
    def narrowed(self) -> bool:
        """True when some filter beside ``show`` is set: an empty list then says so."""
        return any(value for name, value in self.query_values().items() if name != "show")


_URL_NAMES = {"sent_from": "from", "sent_until": "until"}
_FIELD_NAMES = {url: name for name, url in _URL_NAMES.items()}


@dataclass(frozen=True)
class ReadFilters:
    """Filters read from a URL: what was kept, and a sentence per value that was not."""

    filters: LogFilters
    problems: tuple[tuple[str, dict[str, str]], ...]
    """English msgids with their values, shown above the list; the filter is left out."""


def read_filters(params: dict[str, str]) -> ReadFilters:
    """The filters of a query string; a value that cannot be used is dropped and named."""
    problems: list[tuple[str, dict[str, str]]] = []
    kept: dict[str, Any] = {}
    for url_name, raw in params.items():
        name = _FIELD_NAMES.get(url_name, url_name)
        if name not in _NAMES:
            continue
        value = raw.strip()
        if len(value) > MAX_FILTER_TEXT:
            problems.append(
                (
                    N_("A filter is longer than {limit} characters; it was left out."),
                    {"limit": str(MAX_FILTER_TEXT)},
                )
            )
            continue
        kept[name] = value
    if kept.get("show") not in (None, "failed", "all"):
        kept.pop("show")
    if kept.get("status") and kept["status"] not in set(EventKind):
        problems.append(
            (N_("There is no status {value}; it was left out."), {"value": kept["status"]})
        )
        kept.pop("status")
    if kept.get("outcome") and kept["outcome"] not in set(Outcome):
        problems.append(
            (N_("There is no result {value}; it was left out."), {"value": kept["outcome"]})
        )
        kept.pop("outcome")
    for name in ("sent_from", "sent_until"):
        if kept.get(name) and _day(kept[name]) is None:
            problems.append(
                (
                    N_("{value} is not a date (year-month-day); it was left out."),
                    {"value": kept[name]},
                )
            )
            kept.pop(name)
    return ReadFilters(LogFilters(**kept), tuple(problems))


_NAMES = {field.name for field in fields(LogFilters)}


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def message_query(
    filters: LogFilters, tenant: str, zone: ZoneInfo, *, cursor: str | None, limit: int
) -> MessageQuery:
    """The read models' query for the viewer's tenant and filters."""
    start = _day(filters.sent_from)
    end = _day(filters.sent_until)
    return MessageQuery(
        tenant=tenant,
        failed_only=not filters.all_shown,
        outcome=Outcome(filters.outcome) if filters.outcome else None,
        status=EventKind(filters.status) if filters.status else None,
        dossier_id=filters.dossier or None,
        category=filters.category or None,
        template=filters.template or None,
        recipient=filters.recipient or None,
        sender=filters.sender or None,
        subject=filters.subject or None,
        sent_from=_midnight(start, zone) if start else None,
        sent_until=_midnight(end + timedelta(days=1), zone) if end else None,
        limit=limit,
        cursor=cursor,
    )


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)
