"""A dossier's history: every event of its messages, oldest first, for the key's tenant."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from adapters.api.auth import HistoryReader
from adapters.api.context import Context
from adapters.api.errors import ApiError, documented
from adapters.api.models import DossierPage
from adapters.api.responses import json_response
from projections.queries import MAX_PAGE_SIZE, InvalidCursorError

router = APIRouter(prefix="/v1", tags=["history"])

DEFAULT_LIMIT = 100


@router.get(
    "/dossiers/{dossier_id}/history",
    response_model=DossierPage,
    responses=documented(400, 401, 403, 404, 422, 503),
    summary="Every event of every message of a dossier, in occurred-at order",
)
def dossier_history(
    dossier_id: str,
    key: HistoryReader,
    context: Context,
    cursor: Annotated[
        str | None, Query(description="The next_cursor of the previous page.")
    ] = None,
    limit: Annotated[
        int, Query(ge=1, le=MAX_PAGE_SIZE, description="Events per page.")
    ] = DEFAULT_LIMIT,
) -> Response:
    """Pages of the dossier's events; a dossier the tenant has no message in is 404."""
    try:
        page = context.read_side.queries.dossier_history(
            key.tenant, dossier_id, cursor=cursor, limit=limit
        )
    except InvalidCursorError as error:
        message = str(error) or "the cursor is not one this listing handed out"
        raise ApiError(400, message, where="query.cursor") from None
    if cursor is None and not page.items:
        raise ApiError(404, f"no dossier {dossier_id}", where="path.dossier_id")
    return json_response({"items": page.items, "next_cursor": page.next_cursor})
