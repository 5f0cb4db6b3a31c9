"""One error body for every failure, and the handlers that turn exceptions into it.

Every 4xx and 5xx answer is ``{"error": {"status", "code", "message", "where", "request_id"}}``:
``where`` points at the part of the request that is wrong (``path.ref``, ``query.limit``,
``body[1].recipients.0.address``) or is null.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from adapters.errors import first_line
from adapters.storage.database import DATABASE_ERRORS

log = structlog.get_logger()

CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    500: "internal",
    503: "unavailable",
}
"""The ``code`` of each status; a status missing here gets its reason phrase in snake case."""

BEARER_CHALLENGE = "Bearer"
"""What a 401 asks for, so clients know to send a key."""


class ApiError(Exception):
    """A failure the API answers on purpose: a status, a sentence, and where the problem is."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        where: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.where = where
        self.headers = dict(headers or {})


def code_of(status: int) -> str:
    """The machine-readable code of an HTTP status."""
    if status in CODES:
        return CODES[status]
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "error"


def request_id_of(request: Request) -> str:
    """The request id the middleware gave this request ("" outside the middleware)."""
    state: Mapping[str, Any] = request.scope.get("state") or {}
    return str(state.get("request_id", ""))


def error_content(status: int, message: str, where: str | None, request_id: str) -> dict[str, Any]:
    """The error body."""
    return {
        "error": {
            "status": status,
            "code": code_of(status),
            "message": message,
            "where": where,
            "request_id": request_id,
        }
    }


def error_response(
    request: Request,
    status: int,
    message: str,
    *,
    where: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The error body as a response, with the request's id."""
    return JSONResponse(
        error_content(status, message, where, request_id_of(request)),
        status_code=status,
        headers=dict(headers or {}),
    )


def where_of(loc: Sequence[int | str]) -> str | None:
    """``("body", 1, "recipients", 0, "address")`` as ``body[1].recipients.0.address``.

    The first index after ``body`` is the item of a batch, so it reads as one; deeper parts
    are dotted as the command line names fields.
    """
    if not loc:
        return None
    where = str(loc[0])
    rest = list(loc[1:])
    if rest and isinstance(rest[0], int):
        where += f"[{rest.pop(0)}]"
    if rest:
        where += "." + ".".join(str(part) for part in rest)
    return where


async def _api_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ApiError)
    return error_response(
        request, error.status, error.message, where=error.where, headers=error.headers
    )


async def http_error_answer(request: Request, error: Exception) -> JSONResponse:
    """An HTTP error of the framework (no route, wrong method) in the API's error shape."""
    assert isinstance(error, StarletteHTTPException)
    message = str(error.detail) if error.detail else HTTPStatus(error.status_code).phrase
    if error.status_code == 404 and message == "Not Found":
        message = f"no route {request.method} {request.url.path}; see /docs for the API"
    elif error.status_code == 405:
        message = f"{request.method} is not allowed on {request.url.path}"
    return error_response(request, error.status_code, message, headers=error.headers)


async def _validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = list(error.errors())
    first: Mapping[str, Any] = problems[0] if problems else {}
    loc = tuple(first.get("loc", ()))
    if first.get("type") == "json_invalid":
        reason = (first.get("ctx") or {}).get("error", "syntax error")
        return error_response(request, 400, f"the body is not valid JSON ({reason})", where="body")
    message = str(first.get("msg", "invalid request"))
    where = where_of(loc)
    if where:
        message = f"{where}: {message}"
    return error_response(request, 422, message, where=where)


async def _database_error(request: Request, error: Exception) -> JSONResponse:
    display = getattr(request.app.state, "database_display", "the database")
    log.warning("http.database_unavailable", database=display, error=first_line(error))
    return error_response(
        request, 503, f"the database {display} is not available; try again shortly"
    )


def install_error_handlers(app: FastAPI) -> None:
    """Every expected failure answered in the error shape; the rest is the middleware's 500."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, http_error_answer)
    app.add_exception_handler(RequestValidationError, _validation_error)
    for database_error in DATABASE_ERRORS:
        app.add_exception_handler(database_error, _database_error)


_DESCRIPTIONS = {
    400: "The request is malformed: a bad reference, cursor, JSON or combination of parameters.",
    401: "No API key, or an unknown or revoked one.",
    403: "The key's role lacks the permission, or the body names another tenant.",
    404: "Nothing of the key's tenant has that id.",
    409: "The registration conflicts with the one stored; nothing of the batch was stored.",
    413: "The body is larger than the limit.",
    422: "A parameter or a field of the body is invalid.",
    503: "The database, the broker or the server's verification settings are not usable.",
}


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The error answers of a route, for its OpenAPI document (422 always: every route
    takes parameters or a body, and FastAPI's own 422 shape is replaced by ours)."""
    from adapters.api.models import ErrorBody

    return {
        status: {"model": ErrorBody, "description": _DESCRIPTIONS.get(status, "An error.")}
        for status in sorted({*statuses, 422})
    }
