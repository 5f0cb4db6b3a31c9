"""``mailledger serve``: the HTTP API's command line. FastAPI loads only when it runs."""

from __future__ import annotations

import click
from click.core import ParameterSource

from adapters.cli.support import user_errors
from adapters.kafka.settings import (
    DEFAULT_DEAD_LETTER_TOPIC,
    DEFAULT_MESSAGES_TOPIC,
    DEFAULT_PARTITIONS,
    DEFAULT_PROVIDER_EVENTS_TOPIC,
    KafkaSettings,
)
from adapters.logging import configure_logging
from adapters.storage.database import parse_database_url


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="The port to listen on; 0 lets the system choose (the api.listening line names it).",
)
@click.option(
    "--bootstrap-servers",
    envvar="MAILLEDGER_KAFKA_BOOTSTRAP_SERVERS",
    metavar="HOST:PORT[,…]",
    help="Publish webhooks and registrations to Kafka instead of storing them here "
    "(env MAILLEDGER_KAFKA_BOOTSTRAP_SERVERS).",
)
@click.option(
    "--provider-events-topic",
    envvar="MAILLEDGER_KAFKA_PROVIDER_EVENTS_TOPIC",
    default=DEFAULT_PROVIDER_EVENTS_TOPIC,
    show_default=True,
    help="Provider bodies in envelopes (env MAILLEDGER_KAFKA_PROVIDER_EVENTS_TOPIC).",
)
@click.option(
    "--messages-topic",
    envvar="MAILLEDGER_KAFKA_MESSAGES_TOPIC",
    default=DEFAULT_MESSAGES_TOPIC,
    show_default=True,
    help="Registrations of sends (env MAILLEDGER_KAFKA_MESSAGES_TOPIC).",
)
@click.option(
    "--dead-letter-topic",
    envvar="MAILLEDGER_KAFKA_DEAD_LETTER_TOPIC",
    default=DEFAULT_DEAD_LETTER_TOPIC,
    show_default=True,
    help="Created with the others when missing (env MAILLEDGER_KAFKA_DEAD_LETTER_TOPIC).",
)
@click.option(
    "--partitions",
    envvar="MAILLEDGER_KAFKA_PARTITIONS",
    type=click.IntRange(min=1),
    default=DEFAULT_PARTITIONS,
    show_default=True,
    help="Partitions of each topic created when missing (env MAILLEDGER_KAFKA_PARTITIONS).",
)
@click.pass_context
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    bootstrap_servers: str | None,
    provider_events_topic: str,
    messages_topic: str,
    dead_letter_topic: str,
    partitions: int,
) -> None:
    """Serve the HTTP API (JSON under /v1, OpenAPI at /openapi.json, docs at /docs).

    The views are caught up before the first request and followed while serving. With
    --bootstrap-servers, webhooks and registrations go to Kafka for 'mailledger consume'.
    Webhook verification settings come from the environment as for 'ingest --verify'.
    SIGTERM or SIGINT finish the requests in flight and exit 0.
    """
    if ctx.parent is not None and (
        ctx.parent.get_parameter_source("log_level") is ParameterSource.DEFAULT
    ):
        configure_logging("info")
    with user_errors():
        database = parse_database_url(ctx.obj["database_url"])
    kafka = (
        KafkaSettings(
            bootstrap_servers=bootstrap_servers,
            provider_events_topic=provider_events_topic,
            messages_topic=messages_topic,
            dead_letter_topic=dead_letter_topic,
            partitions=partitions,
        )
        if bootstrap_servers and bootstrap_servers.strip()
        else None
    )
    # Imported here so that the rest of the command line starts without FastAPI.
    from adapters.api.server import serve_forever

    serve_forever(database, kafka, host, port)
