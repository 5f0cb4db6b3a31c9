"""The tenant's provider events that could not be read, for its admins: listed, shown,
replayed once the cause is fixed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from adapters.api.auth import QuarantineManager
from adapters.api.context import ApiContext, Context
from adapters.api.errors import ApiError, documented
from adapters.intake.replay import replay
from adapters.storage.quarantine import MAX_LISTED, Entry

router = APIRouter(prefix="/v1", tags=["quarantine"])


@router.get(
    "/quarantine",
    responses=documented(400, 401, 403, 503),
    summary="The tenant's events that could not be read, newest first",
)
def list_quarantine(
    key: QuarantineManager,
    context: Context,
    replayed: Annotated[bool, Query(description="Entries already replayed too.")] = False,
    limit: Annotated[int, Query(ge=1, le=MAX_LISTED)] = 100,
) -> dict[str, Any]:
    """Each entry: id, provider, where it came from, the reason, the event's bytes."""
    entries = context.quarantine.entries(key.tenant, replayed=replayed, limit=limit)
    return {"items": [entry.to_json() for entry in entries]}


@router.get(
    "/quarantine/{entry_id}",
    responses=documented(401, 403, 404, 503),
    summary="One quarantined event",
)
def show_quarantined(entry_id: str, key: QuarantineManager, context: Context) -> dict[str, Any]:
    """Another tenant's entry is 404, like one that does not exist."""
    return _entry(context, entry_id, key.tenant).to_json()


@router.post(
    "/quarantine/{entry_id}/replay",
    responses=documented(401, 403, 404, 422, 503),
    summary="Read a quarantined event again and record it",
)
async def replay_quarantined(
    entry_id: str, key: QuarantineManager, context: Context
) -> dict[str, Any]:
    """200 with what was recorded (a replay twice records once); 422 with the reason when
    the event still cannot be read (it stays)."""
    entry = _entry(context, entry_id, key.tenant)

    def replayed() -> dict[str, object]:
        with context.write_lock:
            outcome = replay(context.ledger, context.quarantine, entry, views=context.read_side)
        return outcome.to_json()

    result = await run_in_threadpool(replayed)
    if not result["replayed"]:
        raise ApiError(422, f"the event still cannot be read: {result['reason']}")
    return result


def _entry(context: ApiContext, entry_id: str, tenant: str) -> Entry:
    found = context.quarantine.entry(entry_id, tenant)
    if found is None:
        raise ApiError(404, f"no quarantine entry {entry_id}", where="path.entry_id")
    return found
