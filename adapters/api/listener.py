"""The HTTP server under the API: a socket bound up front, and uvicorn serving the app on it."""

from __future__ import annotations

import signal
import socket
from types import FrameType

import structlog
import uvicorn

from adapters.api.app import create_app
from adapters.api.connection_limits import ConnectionLimits
from adapters.api.connections import uvicorn_options
from adapters.api.context import ApiContext

log = structlog.get_logger()

GRACEFUL_SECONDS = 10
"""How long requests in flight may finish after SIGTERM before connections are closed."""

BACKLOG = 2048


class ListenError(OSError):
    """The address cannot be listened on; the message names it and what to check."""


class ApiServer(uvicorn.Server):
    """uvicorn's server, saying once that it listens, and which signal stopped it."""

    def __init__(
        self,
        context: ApiContext,
        listening: dict[str, object],
        limits: ConnectionLimits | None = None,
    ) -> None:
        super().__init__(
            uvicorn.Config(
                create_app(context),
                **uvicorn_options(limits or ConnectionLimits()),
                log_config=None,
                access_log=False,
                lifespan="on",
                server_header=False,
                timeout_graceful_shutdown=GRACEFUL_SECONDS,
            )
        )
        self._listening = listening

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if not self.should_exit:
            log.info("api.listening", **self._listening)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if not self.should_exit:
            log.info("api.stopping", signal=signal.Signals(sig).name)
        super().handle_exit(sig, frame)


def bind(host: str, port: int) -> socket.socket:
    """A socket listening on host:port (0: a port the system chooses); ListenError if not."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
            # Listening at once lets early connections wait in the backlog, not be refused.
            sock.listen(BACKLOG)
        except OSError:
            sock.close()
            raise
    except OSError as error:
        raise ListenError(
            f"cannot listen on {host}:{port}: {error.strerror or error}; check --host and --port"
        ) from None
    return sock
