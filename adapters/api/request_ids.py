"""Request ids and the one log line per request; the last resort for unexpected errors.

A pure ASGI middleware rather than Starlette's BaseHTTPMiddleware: it runs in the request's
own task, so the structlog context it binds reaches every log line of the request.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any
from urllib.parse import unquote_plus

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.api.errors import error_content

log = structlog.get_logger()

HEADER = "X-Request-ID"
_ACCEPTED = re.compile(r"[A-Za-z0-9._-]{1,128}")


def request_id_from(headers: list[tuple[bytes, bytes]]) -> str:
    """The caller's X-Request-ID when it is 1 to 128 of [A-Za-z0-9._-], else a new one.

    Anything else could smuggle text into logs and headers, so it is replaced, not cleaned.
    """
    for name, value in headers:
        if name.lower() == b"x-request-id":
            text = value.decode("latin-1")
            if _ACCEPTED.fullmatch(text):
                return text
            break
    return uuid.uuid4().hex


class RequestIds:
    """Gives every request an id (header, error bodies, logs) and logs ``http.request``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(scope.get("headers", []))
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() != b"x-request-id"
                ]
                headers.append((b"x-request-id", request_id.encode("ascii")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # The body never holds the trace: the id lets an operator find it in the log.
            log.exception("http.unhandled", method=scope.get("method"), path=scope.get("path"))
            status = 500
            if not response_started:
                await _internal_error(send_with_id, request_id)
        finally:
            log.info(
                "http.request",
                method=scope.get("method"),
                path=scope.get("path"),
                query=_query_names(scope.get("query_string", b"")),
                status=status,
                ms=round((time.perf_counter() - started) * 1000, 1),
                tenant=state.get("tenant"),
                key_id=state.get("key_id"),
            )
            structlog.contextvars.clear_contextvars()


def _query_names(query_string: bytes) -> list[str]:
    """The query's parameter names only: values may be addresses or subjects."""
    names: list[str] = []
    for pair in query_string.decode("latin-1").split("&"):
        name = unquote_plus(pair.partition("=")[0])
        if name and name not in names:
            names.append(name)
    return names


async def _internal_error(send: Send, request_id: str) -> None:
    body = json.dumps(
        error_content(500, f"internal error; quote request id {request_id}", None, request_id)
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
