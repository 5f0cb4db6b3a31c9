"""The tenant's API keys, for its admins: listed (never a secret), issued, revoked."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from adapters.access.keys import KeyInputError, KeyNotFoundError
from adapters.api.auth import KeyManager
from adapters.api.bodies import parse_json, read_limited, validated
from adapters.api.context import Context
from adapters.api.errors import ApiError, documented
from adapters.api.models import KeyIssued, KeyList, KeyOut, KeyRequest
from adapters.cli.keys import key_json

log = structlog.get_logger()

router = APIRouter(prefix="/v1", tags=["keys"])

MAX_KEY_REQUEST_BYTES = 16 * 1024
"""A key request is a role and a label: anything larger is not one."""

_OPENAPI_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/KeyRequest"}}},
    }
}


@router.get(
    "/keys",
    response_model=KeyList,
    responses=documented(401, 403, 503),
    summary="The tenant's keys, oldest first, revoked ones too",
)
def list_keys(key: KeyManager, context: Context) -> dict[str, Any]:
    """Never a secret: only a hash of each token is stored."""
    return {"items": [key_json(k) for k in context.keys.list(key.tenant)]}


@router.post(
    "/keys",
    status_code=201,
    response_model=KeyIssued,
    responses=documented(400, 401, 403, 413, 422, 503),
    openapi_extra=_OPENAPI_BODY,
    summary="Issue a key for the tenant; its token is shown this once",
)
async def create_key(request: Request, key: KeyManager, context: Context) -> dict[str, Any]:
    """The new key is for the caller's tenant, with the role asked for."""
    # Read by hand, after the key is checked: a body FastAPI read for us would be read (and
    # held in memory) whole before anyone knew whether the caller may post at all.
    wanted = validated(KeyRequest, parse_json(await read_limited(request, MAX_KEY_REQUEST_BYTES)))
    try:
        issued = await run_in_threadpool(context.keys.create, key.tenant, wanted.role, wanted.label)
    except KeyInputError as error:
        raise ApiError(422, str(error), where="body.label") from None
    log.info("api.key_issued", issued_key_id=issued.key.key_id, role=issued.key.role.value)
    return {"key": key_json(issued.key), "token": issued.secret}


@router.delete(
    "/keys/{key_id}",
    response_model=KeyOut,
    responses=documented(401, 403, 404, 503),
    summary="Revoke one of the tenant's keys for good",
)
def revoke_key(key_id: str, key: KeyManager, context: Context) -> dict[str, Any]:
    """The key is refused from the next request on; revoking it again changes nothing."""
    try:
        revoked = context.keys.revoke(key_id, tenant=key.tenant)
    except KeyNotFoundError:
        raise ApiError(404, f"no API key {key_id}", where="path.key_id") from None
    context.recent_keys.forget(revoked.key_id)
    log.info("api.key_revoked", revoked_key_id=revoked.key_id)
    return key_json(revoked)
