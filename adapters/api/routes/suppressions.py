"""The tenant's suppression list, and lifting an address's suppression."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from adapters.api.auth import AddressReader, PolicyManager
from adapters.api.context import Context
from adapters.api.errors import ApiError, documented
from adapters.api.references import QueryTime
from adapters.api.routes.addresses import address_shape, normalised
from domain.address import NotSuppressedError
from domain.address_book import UnknownAddressError
from domain.suppression import Reason
from projections.address_queries import SuppressionQuery
from projections.queries import MAX_PAGE_SIZE, InvalidCursorError

router = APIRouter(prefix="/v1", tags=["addresses"])


class LiftBody(BaseModel):
    """Why the address may be sent to again (kept in its history)."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500)


@router.get(
    "/suppressions",
    responses=documented(400, 401, 403, 503),
    summary="The tenant's suppressed addresses, most recently suppressed first",
)
def list_suppressions(
    key: AddressReader,
    context: Context,
    reason: Annotated[Reason | None, Query(description="Only this reason.")] = None,
    domain: Annotated[
        str | None, Query(description="Only addresses of this domain (example.com).")
    ] = None,
    since_from: Annotated[
        QueryTime | None, Query(description="Suppressed at or after (ISO-8601 with offset).")
    ] = None,
    since_until: Annotated[
        QueryTime | None, Query(description="Suppressed before (ISO-8601 with offset).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page.")] = None,
) -> dict[str, Any]:
    """Each item: the address, its reason, since, until (when the rules set an expiry) and
    the failures that led there."""
    query = SuppressionQuery(
        tenant=key.tenant,
        now=datetime.now(UTC),
        reason=reason.value if reason else None,
        domain=domain,
        since_from=since_from,
        since_until=since_until,
        limit=limit,
        cursor=cursor,
    )
    try:
        page = context.read_side.address_queries.suppressions(query)
    except InvalidCursorError as error:
        raise ApiError(400, str(error), where="query.cursor") from None
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post(
    "/suppressions/{address}/lift",
    responses=documented(401, 403, 404, 409, 503),
    summary="Allow sending to a suppressed address again",
)
async def lift_suppression(
    address: str, body: LiftBody, key: PolicyManager, context: Context
) -> dict[str, Any]:
    """Recorded with who (the key) and why; what happened before the lift no longer counts
    towards a suppression. 409 when the address is not suppressed."""
    target = normalised(address)

    def lift() -> dict[str, Any]:
        with context.write_lock:
            try:
                context.read_side.address_book.lift(
                    key.tenant,
                    target,
                    by=f"key {key.key_id}",
                    reason=body.reason,
                    at=datetime.now(UTC),
                )
            except UnknownAddressError as error:
                raise ApiError(404, str(error), where="path.address") from None
            except NotSuppressedError as error:
                raise ApiError(409, str(error), where="path.address") from None
            context.read_side.catch_up()
        return address_shape(context, key.tenant, target)

    return await run_in_threadpool(lift)
