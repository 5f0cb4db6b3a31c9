"""How long a connection may take to say what it wants, and how many may be open at once.

uvicorn times out a connection idle between requests (``timeout_keep_alive``) but not one
that never finishes its request line and headers: a client sending a byte now and then
would hold a connection, and its memory, for ever. This protocol gives the headers of each
request a deadline from the moment the connection opens or the previous response ends.
"""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from uvicorn.protocols.http.h11_impl import H11Protocol

from adapters.api.connection_limits import ConnectionLimits

log = structlog.get_logger()


def protocol_with_header_timeout(seconds: float) -> type[H11Protocol]:
    """uvicorn's h11 protocol, closing a connection whose headers take over ``seconds``."""

    class HeaderTimeoutProtocol(H11Protocol):
        _header_deadline: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.cycle is not None and not self.cycle.response_complete:
                self._disarm()  # the headers are in: a request is being served

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._disarm()
            self._header_deadline = self.loop.call_later(seconds, self._too_slow)

        def _disarm(self) -> None:
            if self._header_deadline is not None:
                self._header_deadline.cancel()
                self._header_deadline = None

        def _too_slow(self) -> None:
            self._header_deadline = None
            if not self.transport.is_closing():
                log.info("http.headers_timed_out", seconds=seconds)
                self.transport.close()

    return HeaderTimeoutProtocol


def uvicorn_options(limits: ConnectionLimits) -> dict[str, Any]:
    """The options of ``uvicorn.Config`` that enforce ``limits``."""
    return {
        "http": protocol_with_header_timeout(limits.header_timeout),
        "timeout_keep_alive": limits.keep_alive_timeout,
        "limit_concurrency": limits.max_connections,
    }
