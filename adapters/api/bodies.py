"""Request bodies read whole, up to a limit, before anything is parsed."""

from __future__ import annotations

from typing import Any, TypeVar

import orjson
from fastapi import Request
from pydantic import BaseModel, ValidationError

from adapters.api.errors import ApiError
from adapters.intake.input_errors import describe_validation_error

Model = TypeVar("Model", bound=BaseModel)

MAX_BODY_BYTES = 5 * 1024 * 1024
"""The largest body a route reads; providers batch well below it."""


async def read_limited(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The body's bytes; 413 as soon as it is known to be larger than ``limit``."""
    declared = request.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> ApiError:
    size = f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"
    return ApiError(413, f"the body is larger than {size}", where="body")


def parse_json(data: bytes) -> Any:
    """The body as JSON; 400 naming the problem when it is not."""
    if not data.strip():
        raise ApiError(400, "the body is empty; send JSON", where="body")
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise ApiError(400, f"the body is not valid JSON ({error})", where="body") from None


def validated(model: type[Model], payload: Any) -> Model:
    """A parsed body as ``model``; 422 naming the field at fault when it is not one."""
    try:
        return model.model_validate(payload)
    except ValidationError as error:
        field, problem = describe_validation_error(error)
        where = f"body.{field}" if field else "body"
        raise ApiError(422, f"{where}: {problem}", where=where) from None
