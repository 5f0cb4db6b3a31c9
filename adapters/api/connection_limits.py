"""The HTTP server's connection timeouts and limit, as settings: no web library needed here."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_HEADER_TIMEOUT = 10.0
"""Seconds a client has to send a request's line and headers."""
DEFAULT_KEEP_ALIVE_TIMEOUT = 5
"""Seconds an idle connection is kept open after a response."""
DEFAULT_MAX_CONNECTIONS = 1000
"""Connections served at once; beyond them uvicorn answers 503 at once."""


@dataclass(frozen=True)
class ConnectionLimits:
    """The server's connection timeouts and limit (see docs/security.md)."""

    header_timeout: float = DEFAULT_HEADER_TIMEOUT
    keep_alive_timeout: int = DEFAULT_KEEP_ALIVE_TIMEOUT
    max_connections: int = DEFAULT_MAX_CONNECTIONS
