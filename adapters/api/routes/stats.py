"""Daily counts of the tenant's sends and their outcomes."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from adapters.api.auth import MessagesReader
from adapters.api.context import Context
from adapters.api.errors import ApiError, documented
from adapters.api.models import DailyStats
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
) -> Response:
    """Days oldest first."""
    if since is not None and until is not None and since > until:
        raise ApiError(
            400,
            f"since ({since}) is after until ({until}); until is inclusive",
            where="query.since",
        )
    days = context.read_side.queries.daily_counts(key.tenant, since=since, until=until)
    return json_response({"days": days})
