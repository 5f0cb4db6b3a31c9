"""``mailledger consume``: the consumer process's command line."""

from __future__ import annotations

import click
from click.core import ParameterSource

from adapters.cli.kafka import kafka_errors
from adapters.cli.kafka_options import kafka_options
from adapters.cli.support import user_errors
from adapters.kafka.settings import DEFAULT_GROUP_ID, KafkaSettings
from adapters.logging import configure_logging
from adapters.storage.database import parse_database_url
from adapters.verification.settings import SettingError
from consumers.consumer import (
    BrokerUnavailableError,
    Consumer,
    DatabaseUnavailableError,
    stopping_on_signals,
)
from consumers.settings import ConsumeSettings


@click.command()
@click.option(
    "--group-id",
    envvar="MAILLEDGER_KAFKA_GROUP_ID",
    default=DEFAULT_GROUP_ID,
    show_default=True,
    help="The consumer group; its members share the partitions (env MAILLEDGER_KAFKA_GROUP_ID).",
)
@click.option(
    "--instance-id",
    envvar="MAILLEDGER_KAFKA_INSTANCE_ID",
    help="A stable name for this member: restarted under it, it takes its partitions back at "
    "once (static membership; env MAILLEDGER_KAFKA_INSTANCE_ID).",
)
@click.option(
    "--max-records",
    type=click.IntRange(min=1),
    default=ConsumeSettings.max_records,
    show_default=True,
    help="Records per poll; each partition's share is saved in one transaction.",
)
@click.option(
    "--idle-exit",
    "idle_exit",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="Exit 0 after this long without a record (back-fills, scripts).",
)
@click.option(
    "--database-timeout",
    type=click.FloatRange(min=0),
    default=ConsumeSettings.database_timeout_seconds,
    show_default=True,
    metavar="SECONDS",
    help="Exit non-zero once the database has been unreachable this long.",
)
@click.option(
    "--broker-timeout",
    type=click.FloatRange(min=0),
    default=ConsumeSettings.broker_timeout_seconds,
    show_default=True,
    metavar="SECONDS",
    help="Exit non-zero once Kafka has been unusable this long.",
)
@click.option(
    "--verify",
    is_flag=True,
    help="Verify the signature of bodies their producer did not verify (see docs/kafka.md).",
)
@click.option(
    "--cache-messages",
    type=click.IntRange(min=1),
    default=ConsumeSettings.cache_messages,
    show_default=True,
    help="Messages of owned partitions kept in memory between batches.",
)
@click.option(
    "--lag-interval",
    type=click.FloatRange(min=0.1),
    default=ConsumeSettings.lag_interval_seconds,
    show_default=True,
    metavar="SECONDS",
    help="How often the lag per partition is logged.",
)
@click.option(
    "--views/--no-views",
    default=None,
    help="Bring the read models up to date whenever the consumer is idle, and at exit "
    "[default: on SQLite only; on PostgreSQL 'projections run' or 'serve' does it].",
)
@kafka_options
@click.pass_context
def consume(
    ctx: click.Context,
    kafka: KafkaSettings,
    group_id: str,
    instance_id: str | None,
    max_records: int,
    idle_exit: float | None,
    database_timeout: float,
    broker_timeout: float,
    verify: bool,
    cache_messages: int,
    views: bool | None,
    lag_interval: float,
) -> None:
    """Record provider events and registrations from Kafka, exactly once, until stopped.

    SIGTERM or SIGINT finish the batch in hand and exit 0. Logs one line per partition batch
    (info level, JSON when stderr is not a terminal).
    """
    if ctx.parent is not None and (
        ctx.parent.get_parameter_source("log_level") is ParameterSource.DEFAULT
    ):
        configure_logging("info")
    with user_errors():
        database = parse_database_url(ctx.obj["database_url"])
    settings = ConsumeSettings(
        group_id=group_id,
        instance_id=instance_id,
        max_records=max_records,
        idle_exit_seconds=idle_exit,
        database_timeout_seconds=database_timeout,
        broker_timeout_seconds=broker_timeout,
        verify=verify,
        cache_messages=cache_messages,
        lag_interval_seconds=lag_interval,
        views=views,
    )
    consumer = Consumer(kafka, database, settings)
    with stopping_on_signals(consumer), kafka_errors(kafka), user_errors(database):
        try:
            consumer.run()
        except (DatabaseUnavailableError, BrokerUnavailableError, SettingError) as error:
            raise click.ClickException(str(error)) from None
