"""Counts of the tenant's sends: per day, per category, per template."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from adapters.api.auth import MessagesReader
from adapters.api.context import Context
from adapters.api.errors import ApiError, documented
from adapters.api.models import CategoryList, DailyStats, TemplateList
from adapters.api.references import SentFrom, SentUntil
from adapters.api.responses import json_response

router = APIRouter(prefix="/v1", tags=["stats"])


@router.get(
    "/stats/daily",
    response_model=DailyStats,
    responses=documented(400, 401, 403, 422, 503),
    summary="One row per day with counts and rates",
)
def daily_stats(
    key: MessagesReader,
    context: Context,
    since: Annotated[date | None, Query(description="First day (YYYY-MM-DD).")] = None,
    until: Annotated[date | None, Query(description="Last day, inclusive.")] = None,
    by: Annotated[
        Literal["category", "template"] | None,
        Query(
            description="One row per day and category (or template), the value under its "
            "name, null for the sends without one, last within its day."
        ),
    ] = None,
) -> Response:
    """Days oldest first."""
    if since is not None and until is not None and since > until:
        raise ApiError(
            400,
            f"since ({since}) is after until ({until}); until is inclusive",
            where="query.since",
        )
    days = context.read_side.queries.daily_counts(key.tenant, since=since, until=until, by=by)
    return json_response({"days": days})


def _summary_route(by: str, plural: str, model: type[BaseModel]) -> None:
    """``GET /v1/{plural}``: each value of ``by`` among the tenant's sends, with counts."""

    def summary(
        key: MessagesReader,
        context: Context,
        sent_from: SentFrom = None,
        sent_until: SentUntil = None,
    ) -> Response:
        items = context.read_side.queries.groups(
            key.tenant, by, sent_from=sent_from, sent_until=sent_until
        )
        return json_response({"items": items})

    summary.__name__ = plural
    summary.__doc__ = (
        f"The sends of the range (all by default) per {by}, and how many of them failed "
        "(some recipient did); by name, the sends without one (null) last."
    )
    router.get(
        f"/{plural}",
        response_model=model,
        responses=documented(400, 401, 403, 422, 503),
        summary=f"Each {by} of the tenant's sends, with counts",
    )(summary)


_summary_route("category", "categories", CategoryList)
_summary_route("template", "templates", TemplateList)
