"""A message's audit history from the event store, once the views say it is the tenant's."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query

from adapters.api.auth import HistoryReader
from adapters.api.context import ApiContext, Context
from adapters.api.errors import ApiError, documented
from adapters.api.models import MessageHistory, MessageStateAt
from adapters.api.references import QueryTime, iso, message_id_of
from adapters.cli.presenters import history_json, message_json
from adapters.storage.integers import MAX_STORED_INTEGER
from domain.errors import UnknownMessageError, UnknownVersionError

router = APIRouter(prefix="/v1", tags=["history"])


@router.get(
    "/messages/{ref}/history",
    response_model=MessageHistory | MessageStateAt,
    responses=documented(400, 401, 403, 404, 422, 503),
    summary="Every stored event of a message, or its state at a moment or version",
)
def message_history(
    ref: str,
    key: HistoryReader,
    context: Context,
    at: Annotated[
        QueryTime | None,
        Query(description="The state from the events recorded up to this moment."),
    ] = None,
    version: Annotated[
        int | None,
        Query(ge=1, description=f"The state at this version, 1 to {MAX_STORED_INTEGER}."),
    ] = None,
) -> dict[str, Any]:
    """For auditors: without parameters every stored event in log order, with its version,
    type, recorded time and payload; with ``at`` or ``version`` the state as of then."""
    message_id = message_id_of(ref, key.tenant)
    if version is not None and version > MAX_STORED_INTEGER:
        raise ApiError(
            400,
            f"query.version: versions run from 1 to {MAX_STORED_INTEGER}",
            where="query.version",
        )
    if at is not None and version is not None:
        raise ApiError(400, "at and version exclude each other; give one", where="query.at")
    # The views know the message's tenant; the event store does not filter by it.
    if context.read_side.queries.message_tenant(message_id) != key.tenant:
        raise ApiError(404, f"no message {ref}", where="path.ref")
    if at is None and version is None:
        try:
            events = context.ledger.get_history(message_id, reference=ref)
        except UnknownMessageError:
            raise ApiError(404, f"no message {ref}", where="path.ref") from None
        return {"message_id": str(message_id), "events": history_json(events)}
    return _state_as_of(context, message_id, ref, at, version)


def _state_as_of(
    context: ApiContext, message_id: UUID, ref: str, at: datetime | None, version: int | None
) -> dict[str, Any]:
    try:
        state = context.ledger.get_message_at(message_id, version=version, at=at, reference=ref)
    except UnknownVersionError as error:
        raise ApiError(404, str(error), where="query.version") from None
    except UnknownMessageError:
        if at is None:
            raise ApiError(404, f"no message {ref}", where="path.ref") from None
        raise ApiError(
            404, f"message {ref} had no events recorded by {at.isoformat()}", where="query.at"
        ) from None
    return {
        "message_id": str(message_id),
        "as_of": {"at": iso(at), "version": state.version},
        "state": message_json(state),
    }
