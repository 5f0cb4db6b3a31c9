"""``mailledger serve`` at run time: open, catch up, listen, serve until a signal, close.

The socket is bound before uvicorn starts, so a port in use is one line on stderr, and
``--port 0`` works: the ``api.listening`` log line names the port the system chose.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
from contextlib import AbstractContextManager, nullcontext
from types import FrameType

import click
import structlog
import uvicorn

from adapters.api.app import create_app
from adapters.api.context import ApiContext, open_context
from adapters.cli.kafka import kafka_errors
from adapters.cli.support import user_errors
from adapters.kafka.settings import KafkaSettings
from adapters.kafka.topics import ensure_topics
from adapters.storage.database import Database

log = structlog.get_logger()

GRACEFUL_SECONDS = 10
"""How long requests in flight may finish after SIGTERM before connections are closed."""


class _Signals:
    """SIGTERM and SIGINT ask the server to stop; the process then exits 0.

    uvicorn installs its own handlers while serving and, once stopped, raises the signal it
    caught again for the handler it found installed: this one, so the exit stays clean.
    """

    def __init__(self) -> None:
        self.requested = False
        self.server: uvicorn.Server | None = None
        self._previous = {
            s: signal.signal(s, self._handle) for s in (signal.SIGTERM, signal.SIGINT)
        }

    def _handle(self, signum: int, _: FrameType | None) -> None:
        # Once serving, uvicorn's handler (see _Server) had the signal first.
        if not self.requested and self.server is None:
            log.info("api.stopping", signal=signal.Signals(signum).name)
        self.requested = True
        if self.server is not None:
            self.server.should_exit = True

    def restore(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)


class _Server(uvicorn.Server):
    """uvicorn's server, saying once that it listens."""

    def __init__(self, config: uvicorn.Config, listening: dict[str, object]) -> None:
        super().__init__(config)
        self._listening = listening

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if not self.should_exit:
            log.info("api.listening", **self._listening)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if not self.should_exit:
            log.info("api.stopping", signal=signal.Signals(sig).name)
        super().handle_exit(sig, frame)


class _ToStructlog(logging.Handler):
    """uvicorn's own warnings and errors as structlog lines, like every other line."""

    def emit(self, record: logging.LogRecord) -> None:
        fields: dict[str, object] = {"logger": record.name, "message": record.getMessage()}
        if record.exc_info:
            fields["exc_info"] = record.exc_info
        log.log(record.levelno, "uvicorn", **fields)


def _route_uvicorn_logs() -> None:
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers = [_ToStructlog()]
        logger.setLevel(logging.WARNING)
        logger.propagate = False


def _bind(host: str, port: int) -> socket.socket:
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
            # Listening at once lets early connections wait in the backlog, not be refused.
            sock.listen(2048)
        except OSError:
            sock.close()
            raise
    except OSError as error:
        raise click.ClickException(
            f"cannot listen on {host}:{port}: {error.strerror or error}; check --host and --port"
        ) from None
    return sock


def _open(database: Database, kafka: KafkaSettings | None) -> ApiContext:
    broker: AbstractContextManager[None] = kafka_errors(kafka) if kafka else nullcontext()
    with user_errors(database), broker:
        if kafka is not None:
            ensure_topics(kafka)
        return open_context(database, os.environ, kafka)


def serve_forever(database: Database, kafka: KafkaSettings | None, host: str, port: int) -> None:
    """Serve the API until SIGTERM or SIGINT; failures to start raise ClickException."""
    signals = _Signals()
    try:
        context = _open(database, kafka)
        try:
            _serve(context, kafka, host, port, signals)
        finally:
            context.close()
    finally:
        signals.restore()
    log.info("api.stopped")


def _serve(
    context: ApiContext,
    kafka: KafkaSettings | None,
    host: str,
    port: int,
    signals: _Signals,
) -> None:
    with user_errors(context.database):
        applied = context.read_side.catch_up()
    log.info("api.caught_up", events=applied)
    if signals.requested:
        return
    sock = _bind(host, port)
    try:
        bound = sock.getsockname()
        _route_uvicorn_logs()
        config = uvicorn.Config(
            create_app(context),
            log_config=None,
            access_log=False,
            lifespan="on",
            server_header=False,
            timeout_graceful_shutdown=GRACEFUL_SECONDS,
        )
        server = _Server(
            config,
            {
                "host": host,
                "port": bound[1],
                "database": context.database.display,
                "kafka": kafka.bootstrap_servers if kafka else None,
            },
        )
        signals.server = server
        if not signals.requested:
            server.run(sockets=[sock])
    finally:
        sock.close()
