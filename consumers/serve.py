"""``mailledger serve``: open, catch up, listen, serve until a signal, close.

The socket is bound before uvicorn starts, so a port in use is one line on stderr, and
``--port 0`` works: the ``api.listening`` log line names the port the system chose.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import click
import structlog

from adapters.api.connection_limits import ConnectionLimits
from adapters.cli.kafka import kafka_errors
from adapters.cli.kafka_options import optional_kafka_options
from adapters.cli.support import database_of, settings_of, user_errors
from adapters.kafka.settings import KafkaSettings
from adapters.kafka.topics import ensure_topics
from adapters.logging import route_to_structlog
from adapters.settings import DEFAULT_SIGNALS_TOPIC
from adapters.signals.delivery import DEFAULT_TIMEOUT
from adapters.signals.kafka_sink import KafkaSignalSink
from adapters.signals.sending import Senders, sending_in_background
from adapters.signals.urls import UrlPolicy
from adapters.storage.database import Database
from adapters.storage.tenant_policies import PolicyDefaults
from consumers.signals import stopping_on_signals

if TYPE_CHECKING:
    import uvicorn

    from adapters.api.context import ApiContext

log = structlog.get_logger()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="The port to listen on; 0 lets the system choose (the api.listening line names it).",
)
@optional_kafka_options("Publish webhooks and registrations to Kafka instead of storing them here")
@click.option(
    "--send-signals",
    is_flag=True,
    help="Also send the signals to webhook subscriptions (and the signals topic with Kafka) "
    "from a thread, as 'mailledger signals run' does; for a single server only.",
)
@click.pass_context
def serve(
    ctx: click.Context, kafka: KafkaSettings | None, host: str, port: int, send_signals: bool
) -> None:
    """Serve the HTTP API (JSON under /v1, OpenAPI at /openapi.json, docs at /docs).

    The views are caught up before the first request and followed while serving. With
    --bootstrap-servers, webhooks and registrations go to Kafka for 'mailledger consume'.
    Webhook verification settings come from the environment as for 'ingest --verify'.
    SIGTERM or SIGINT finish the requests in flight and exit 0.
    """
    # Every provider with settings is checked as the server opens, not on its first webhook.
    settings = settings_of(ctx)
    serve_forever(
        database_of(ctx),
        settings.verification(),
        kafka,
        host,
        port,
        limits=settings.connection_limits(),
        signals=SignalOptions(
            url_policy=settings.url_policy(),
            delivery_timeout=settings.signals_delivery_timeout,
            send=send_signals,
            interval=settings.signals_interval,
            topic=settings.signals_topic,
        ),
        policies=settings.policy_defaults(),
    )


@dataclass(frozen=True)
class SignalOptions:
    """Where the API lets webhook subscriptions point, how long a delivery may take, and
    whether the server sends the signals itself (every ``interval`` seconds)."""

    url_policy: UrlPolicy = field(default_factory=UrlPolicy)
    delivery_timeout: float = DEFAULT_TIMEOUT
    send: bool = False
    interval: float = 1.0
    topic: str = DEFAULT_SIGNALS_TOPIC


@dataclass
class _Stop:
    """Whether a signal asked the server to stop, and the server to tell once it runs.

    uvicorn installs its own handlers while serving and, once stopped, raises the signal it
    caught again for the handler it found installed: this one, so the exit stays clean.
    """

    requested: bool = False
    server: uvicorn.Server | None = None

    def __call__(self, signal_name: str) -> None:
        # Once serving, uvicorn's handler (see ApiServer) had the signal first.
        if not self.requested and self.server is None:
            log.info("api.stopping", signal=signal_name)
        self.requested = True
        if self.server is not None:
            self.server.should_exit = True


def _open(
    database: Database,
    verification: Mapping[str, str],
    kafka: KafkaSettings | None,
    signals: SignalOptions,
    policies: PolicyDefaults | None,
) -> ApiContext:
    # Imported here so that the rest of the command line starts without FastAPI.
    from adapters.api.context import open_context

    broker: AbstractContextManager[None] = kafka_errors(kafka) if kafka else nullcontext()
    with user_errors(database), broker:
        if kafka is not None:
            ensure_topics(kafka)
        return open_context(
            database,
            verification,
            kafka,
            policies=policies,
            url_policy=signals.url_policy,
            delivery_timeout=signals.delivery_timeout,
        )


def serve_forever(
    database: Database,
    verification: Mapping[str, str],
    kafka: KafkaSettings | None,
    host: str,
    port: int,
    *,
    limits: ConnectionLimits | None = None,
    signals: SignalOptions | None = None,
    policies: PolicyDefaults | None = None,
) -> None:
    """Serve the API until SIGTERM or SIGINT; failures to start raise ClickException."""
    stop = _Stop()
    options = signals or SignalOptions()
    with stopping_on_signals(stop):
        context = _open(database, verification, kafka, options, policies)
        try:
            _serve(context, kafka, host, port, stop, limits or ConnectionLimits(), options)
        finally:
            context.close()
    log.info("api.stopped")


def _serve(
    context: ApiContext,
    kafka: KafkaSettings | None,
    host: str,
    port: int,
    stop: _Stop,
    limits: ConnectionLimits,
    signals: SignalOptions,
) -> None:
    from adapters.api.listener import ApiServer, ListenError, bind

    with user_errors(context.database):
        applied = context.read_side.catch_up()
    log.info("api.caught_up", events=applied)
    if stop.requested:
        return
    try:
        sock = bind(host, port)
    except ListenError as error:
        raise click.ClickException(str(error)) from None
    try:
        route_to_structlog("uvicorn", "uvicorn.error", "uvicorn.access")
        listening: dict[str, object] = {
            "host": host,
            "port": sock.getsockname()[1],
            "database": context.database.display,
            "kafka": kafka.bootstrap_servers if kafka else None,
        }
        server = ApiServer(context, listening, limits)
        stop.server = server
        if not stop.requested:
            with _senders(context, signals):
                server.run(sockets=[sock])
    finally:
        sock.close()


def _senders(context: ApiContext, signals: SignalOptions) -> AbstractContextManager[None]:
    """With ``--send-signals``, the senders' thread on the server's own stores and producer."""
    if not signals.send:
        return nullcontext()
    sink = (
        KafkaSignalSink(context.dispatcher.stores, context.publisher, signals.topic)
        if context.publisher is not None
        else None
    )
    return sending_in_background(Senders(context.dispatcher, sink), signals.interval)
