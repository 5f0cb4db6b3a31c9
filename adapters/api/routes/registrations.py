"""Registrations of sends over HTTP: the ``mailledger register`` format, one object or an array.

The whole body is validated before anything is written, and a batch is stored in one
transaction: all of it or nothing, as on the command line.
"""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from adapters.api.auth import Ingester
from adapters.api.bodies import parse_json, read_limited
from adapters.api.context import ApiContext, Context
from adapters.api.errors import ApiError, documented
from adapters.api.models import (
    AcceptedItem,
    Registered,
    RegisteredItem,
    RegistrationsAccepted,
)
from adapters.api.writes import publish, store_sends
from adapters.intake.input_errors import describe_validation_error
from adapters.intake.registrations import RegistrationIn, registration_line
from adapters.intake.to_kafka import registration_record
from domain.content import ContentTooLargeError
from domain.errors import (
    BatchRejectedError,
    InvalidObservationError,
    RegistrationConflictError,
)
from domain.values import Send

log = structlog.get_logger()

router = APIRouter(prefix="/v1", tags=["ingest"])

MAX_REGISTRATIONS = 1000
"""The most sends one request registers."""

_OPENAPI_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "One registration, or an array of up to 1000, in the format "
        "`mailledger register` reads (docs/cli.md). `tenant` may be left out: it is the key's.",
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"$ref": "#/components/schemas/RegistrationIn"},
                        {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/RegistrationIn"},
                            "minItems": 1,
                            "maxItems": MAX_REGISTRATIONS,
                        },
                    ]
                }
            }
        },
    }
}


@router.post(
    "/messages",
    status_code=201,
    response_model=Registered,
    responses={
        202: {
            "model": RegistrationsAccepted,
            "description": "Published to Kafka (when configured); the consumer records them.",
        },
        **documented(400, 401, 403, 409, 413, 422, 503),
    },
    openapi_extra=_OPENAPI_BODY,
    summary="Register sends: one object or an array, all of them or none",
)
async def register_messages(request: Request, key: Ingester, context: Context) -> Any:
    """A send already registered identically is not recorded again (``recorded`` false)."""
    payload = parse_json(await read_limited(request))
    sends = sends_of(payload, key.tenant)
    if context.kafka is not None:
        accepted = await run_in_threadpool(_publish, context, sends)
        log.info("registrations.published", sends=len(sends))
        return JSONResponse(accepted.model_dump(), status_code=202)
    try:
        results = await run_in_threadpool(store_sends, context, sends)
    except BatchRejectedError as error:
        raise _rejected(error, batch=isinstance(payload, list)) from None
    except InvalidObservationError as error:
        raise ApiError(422, str(error), where="body") from None
    registered = Registered(
        items=[
            RegisteredItem(
                id=str(result.message_id),
                external_ref=send.external_ref,
                recorded=not result.duplicate,
            )
            for send, result in zip(sends, results, strict=True)
        ]
    )
    log.info(
        "registrations.recorded",
        sends=len(sends),
        duplicates=sum(result.duplicate for result in results),
    )
    return registered


def sends_of(payload: Any, tenant: str) -> list[Send]:
    """The sends of a body; the first problem, in order, is a 403 or 422 naming its place.

    A registration without ``tenant`` is the key's tenant's; one naming another is refused.
    """
    batch = isinstance(payload, list)
    items: list[Any] = payload if batch else [payload]
    if batch and not items:
        raise ApiError(422, "the array is empty; send at least one registration", where="body")
    if len(items) > MAX_REGISTRATIONS:
        raise ApiError(
            413,
            f"{len(items)} registrations in one request; send at most {MAX_REGISTRATIONS}",
            where="body",
        )
    return [
        _send_of(item, f"body[{i}]" if batch else "body", tenant) for i, item in enumerate(items)
    ]


def _send_of(item: Any, place: str, tenant: str) -> Send:
    if not isinstance(item, dict):
        raise ApiError(422, f"{place}: expected a JSON object", where=place)
    named = item.get("tenant")
    if named is None:
        item = {**item, "tenant": tenant}
    elif named != tenant:
        raise ApiError(
            403,
            f"{place}.tenant: this key registers sends of tenant {tenant!r} only",
            where=f"{place}.tenant",
        )
    try:
        return RegistrationIn.model_validate(item).to_send()
    except ValidationError as error:
        field, problem = describe_validation_error(error)
        where = f"{place}.{field}" if field else place
    except ContentTooLargeError as error:
        where = f"{place}.{error.field}"
        raise ApiError(413, f"{where}: {error.problem}", where=where) from None
    except InvalidObservationError as error:
        where, problem = f"{place}.{error.field}", error.problem
    raise ApiError(422, f"{where}: {problem}", where=where)


def _rejected(error: BatchRejectedError, *, batch: bool) -> ApiError:
    index = min(error.rejected)
    first = error.rejected[index]
    place = f"body[{index}]" if batch else "body"
    more = len(error.rejected) - 1
    also = f" ({more} more of the batch refused as well)" if more else ""
    status = 409 if isinstance(first, RegistrationConflictError) else 422
    return ApiError(status, f"{place}: {first}{also}; nothing was recorded", where=place)


def _publish(context: ApiContext, sends: list[Send]) -> RegistrationsAccepted:
    assert context.kafka is not None
    topic = context.kafka.messages_topic
    records = [
        registration_record(topic, send, registration_line(send), f"api:{index}")
        for index, send in enumerate(sends)
    ]
    return RegistrationsAccepted(
        records=publish(context, records),
        items=[
            AcceptedItem(id=str(send.message_id), external_ref=send.external_ref) for send in sends
        ],
    )
