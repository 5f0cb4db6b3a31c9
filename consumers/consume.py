"""``mailledger consume``: the Kafka consumer process, wired from its settings.

This is the one place that opens the ledger, the views, the dead-letter producer and the
Kafka consumer for the loop (``consumers/consumer.py``), hands them to it, stops it on a
signal and closes them all, newest first.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from contextlib import ExitStack

import click
import structlog
from kafka import ConsumerRebalanceListener, KafkaConsumer, TopicPartition

from adapters.cli.kafka import kafka_errors
from adapters.cli.kafka_options import kafka_options
from adapters.cli.support import database_of, settings_of, user_errors
from adapters.errors import SettingError
from adapters.intake.from_kafka import Verifiers
from adapters.kafka.publisher import Publisher
from adapters.kafka.settings import DEFAULT_GROUP_ID, KafkaSettings
from adapters.kafka.topics import ensure_topics
from adapters.kafka.undecodable import fix_for, locate_undecodable
from adapters.settings import variable
from adapters.storage.contents import ContentStore
from adapters.storage.database import Database, open_ledger
from adapters.storage.quarantine import Quarantine
from adapters.storage.read_side import ReadSide, open_read_side
from adapters.storage.seen_tokens import SeenTokens
from consumers.consumer import (
    BrokerUnavailableError,
    ConsumerLoop,
    Topics,
    UndecodableBatchError,
)
from consumers.consumer_settings import ConsumeSettings
from consumers.patience import DatabasePatience, DatabaseUnavailableError
from consumers.signals import stopping_on_signals
from domain.cache import MessageCache

log = structlog.get_logger()

FETCH_MAX_BYTES = 8 * 1024 * 1024
"""Most bytes one fetch brings, across partitions: enough for a few thousand records."""

CLOSE_MS = 5000
"""Longest the consumer waits to leave its group at exit; a broker that is gone never answers."""


@click.command()
@click.option(
    "--group-id",
    "kafka_group_id",
    help="The consumer group; its members share the partitions "
    f"[default: {DEFAULT_GROUP_ID}] (env {variable('kafka_group_id')}).",
)
@click.option(
    "--instance-id",
    "kafka_instance_id",
    help="A stable name for this member: restarted under it, it takes its partitions back at "
    f"once (static membership; env {variable('kafka_instance_id')}).",
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
    kafka_group_id: str | None,
    kafka_instance_id: str | None,
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
    with user_errors():
        process = settings_of(ctx).overridden(
            kafka_group_id=kafka_group_id, kafka_instance_id=kafka_instance_id
        )
        verifiers = Verifiers(process.verification()) if verify else None
    database = database_of(ctx)
    settings = ConsumeSettings(
        group_id=process.kafka_group_id,
        instance_id=process.kafka_instance_id,
        max_records=max_records,
        idle_exit_seconds=idle_exit,
        database_timeout_seconds=database_timeout,
        broker_timeout_seconds=broker_timeout,
        verify=verify,
        cache_messages=cache_messages,
        lag_interval_seconds=lag_interval,
        default_tenant=process.default_tenant,
        policies=process.policy_defaults(),
        views=views,
    )
    stop = threading.Event()

    def stopping(signal_name: str) -> None:
        log.info("consumer.stopping", signal=signal_name)
        stop.set()

    with stopping_on_signals(stopping), kafka_errors(kafka), user_errors(database):
        try:
            _consume(kafka, database, settings, verifiers, stop)
        except (DatabaseUnavailableError, BrokerUnavailableError, SettingError) as error:
            raise click.ClickException(str(error)) from None
        except UndecodableBatchError as error:
            raise click.ClickException(_undecodable(kafka, error)) from None


def _consume(
    kafka: KafkaSettings,
    database: Database,
    settings: ConsumeSettings,
    verifiers: Verifiers | None,
    stop: threading.Event,
) -> None:
    patience = DatabasePatience(database.display, settings.database_timeout_seconds, stop)
    ensure_topics(kafka)
    with ExitStack() as resources:
        ledger = patience.call("open the ledger", lambda: open_ledger(database))
        resources.callback(ledger.close)
        ledger.cache = MessageCache(settings.cache_messages)
        if verifiers is not None:
            seen = patience.call("open the seen tokens", lambda: SeenTokens(database))
            resources.callback(seen.close)
            verifiers.remember_tokens(seen)
        read_side: ReadSide | None = None
        if settings.views if settings.views is not None else not database.is_postgres:
            read_side = patience.call(
                "open the views",
                lambda: open_read_side(database, ledger, policies=settings.policies),
            )
            resources.callback(read_side.close)
        quarantine = patience.call("open the quarantine", lambda: Quarantine(database))
        resources.callback(quarantine.close)
        contents = patience.call("open the content store", lambda: ContentStore(database))
        resources.callback(contents.close)
        dead_letters = Publisher(kafka, client_id="mailledger-dead-letters")
        resources.callback(dead_letters.close)
        source = _kafka_consumer(kafka, settings)
        loop = ConsumerLoop(
            source,
            ledger,
            dead_letters,
            Topics(kafka.messages_topic, kafka.dead_letter_topic, kafka.bootstrap_servers),
            settings,
            patience,
            views=read_side,
            verifiers=verifiers,
            quarantine=quarantine,
            contents=contents,
        )
        source.subscribe(list(kafka.input_topics), listener=_Rebalance(loop))
        log.info(
            "consumer.started",
            group_id=settings.group_id,
            topics=list(kafka.input_topics),
            database=database.display,
        )
        try:
            try:
                loop.run()
            finally:
                # Leaving the group first hands the partitions to another member at once;
                # the views catch up after that, then the rest closes.
                source.close(autocommit=False, timeout_ms=CLOSE_MS)
                loop.finish()
        finally:
            log.info("consumer.stopped", **vars(loop.totals))


def _undecodable(kafka: KafkaSettings, error: UndecodableBatchError) -> str:
    """One line: where the batch is (read again outside the group to find it), and the fix."""
    found = locate_undecodable(kafka, error.positions)
    if found is None:
        place = "a partition of " + ", ".join(sorted({tp.topic for tp in error.positions}))
        reason = str(error)
    else:
        place = f"{found.partition.topic}:{found.partition.partition}@{found.offset}"
        reason = found.error
    return (
        f"cannot read the record batch at {place} ({reason}); that partition waits there, "
        f"nothing after it recorded: {fix_for(error.error)}"
    )


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    """Tells the loop which partitions it gained and lost."""

    def __init__(self, loop: ConsumerLoop) -> None:
        self._loop = loop

    def on_partitions_revoked(self, revoked: Sequence[TopicPartition]) -> None:
        self._loop.revoked(revoked)

    def on_partitions_assigned(self, assigned: Sequence[TopicPartition]) -> None:
        self._loop.assigned(assigned)


def _kafka_consumer(kafka: KafkaSettings, settings: ConsumeSettings) -> KafkaConsumer:
    return KafkaConsumer(
        bootstrap_servers=kafka.servers,
        client_id="mailledger-consumer",
        group_id=settings.group_id,
        group_instance_id=settings.instance_id,
        # The database holds each partition's position, saved with the events it led to.
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=settings.max_records,
        # Bounded fetches: the client buffers whole responses, 50 MB by default.
        fetch_max_bytes=FETCH_MAX_BYTES,
        max_partition_fetch_bytes=min(FETCH_MAX_BYTES, 1024 * 1024),
        session_timeout_ms=settings.session_timeout_ms,
        heartbeat_interval_ms=max(1000, settings.session_timeout_ms // 4),
        request_timeout_ms=kafka.request_timeout_ms + 5000,
    )
