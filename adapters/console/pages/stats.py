"""Daily counts and rates of the tenant's sends, with a chart, overall or by category."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from babel.dates import format_date
from babel.numbers import format_decimal
from fastapi import APIRouter
from starlette.responses import Response

from adapters.access.roles import Permission
from adapters.console.chart import ChartLabels, daily_chart
from adapters.console.pages.support import Console, SignedIn

router = APIRouter()

DEFAULT_DAYS = 30
"""The days shown when the viewer chose none: the last month."""
MAX_DAYS = 400


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@router.get("/statistics")
def statistics(console: SignedIn) -> Response:
    console.require(Permission.READ_MESSAGES)
    viewer = console.viewer
    params = console.request.query_params
    today = datetime.now(viewer.zone).date()
    until = _day(params.get("until")) or today
    since = _day(params.get("from")) or until - timedelta(days=DEFAULT_DAYS - 1)
    if since > until:
        since, until = until, since
    since = max(since, until - timedelta(days=MAX_DAYS - 1))
    by_category = params.get("by") == "category"
    queries = console.context.read_side.queries
    days = queries.daily_counts(viewer.tenant, since=since, until=until)
    groups = (
        queries.daily_counts(viewer.tenant, since=since, until=until, by="category")
        if by_category
        else []
    )
    totals = _totals(days)
    categories = _by_category(groups) if by_category else []
    return console.pages.render(
        console.request,
        "stats.html",
        language=viewer.language,
        viewer=viewer,
        days=days,
        totals=totals,
        categories=categories,
        by_category=by_category,
        since=since.isoformat(),
        until=until.isoformat(),
        chart=_chart(days, console),
    )


def _totals(days: list[dict[str, object]]) -> dict[str, int]:
    names = ("messages", "recipients", "delivered", "bounced", "opened", "clicked")
    return {name: sum(int(str(day.get(name, 0) or 0)) for day in days) for name in names}


def _by_category(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    found: dict[str, dict[str, int]] = {}
    for row in rows:
        name = str(row.get("category") or "")
        totals = found.setdefault(
            name, {"recipients": 0, "delivered": 0, "bounced": 0, "opened": 0}
        )
        for key in totals:
            totals[key] += int(str(row.get(key, 0) or 0))
    return [{"category": name, **totals} for name, totals in sorted(found.items())]


def _chart(days: list[dict[str, object]], console: Console) -> str:
    _ = console.pages.gettext(console.viewer.language)
    language = console.viewer.language
    return daily_chart(
        days,
        labels=ChartLabels(
            title=_("Recipients per day"),
            sent=_("Recipients"),
            delivered=_("Delivered"),
            failed=_("Failed"),
            pending=_("No news yet"),
            opened=_("Opened"),
            no_data=_("No e-mail was sent in these days."),
            format_number=lambda number: format_decimal(number, locale=language),
            format_day=lambda day: format_date(day, format="short", locale=language),
        ),
    )
