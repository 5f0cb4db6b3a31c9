"""``python -m bench consume``: the Kafka consumer's sustained rate into PostgreSQL.

What is done, on the real broker and database, in scratch topics and a scratch schema that
are deleted afterwards:

* the workload of ``bench append`` (N provider events of realistic messages) rendered as
  the providers' own bodies (``provider_bodies``), and its sends as registrations;
* the registrations published and consumed first, in a run of their own, so that the rate
  below is provider events alone;
* the N events published, then ``mailledger consume --idle-exit`` started as a process of
  its own: its rate is the events it logged over the time from its first batch to its last
  (no group join, no idling), and its peak RSS is the process's own;
* the store then counted: exactly N provider events, or the benchmark fails;
* the ceiling: the same N stored rows written raw by binary COPY, in the same run;
* unless ``--skip-restart``: more events published, the consumer killed with SIGKILL in
  the middle of them and started again under the same static member id, and the time from
  that launch to its first batch of events measured; then every event counted once.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import click
import psycopg
from eventsourcing.postgres import PostgresAggregateRecorder
from eventsourcing.utils import get_topic
from psycopg import sql

from adapters.cli.kafka import kafka_errors
from adapters.errors import first_line
from adapters.kafka.settings import KafkaSettings
from adapters.storage.database import (
    DATABASE_ERRORS,
    Database,
    open_ledger,
    redact,
)
from bench.ceiling import postgres_copy_seconds, stored_rows
from bench.consume_report import (
    ConsumeFigures,
    Restart,
    Sustained,
    format_figures,
    format_targets,
    sustained,
)
from bench.consumer_process import ConsumerFailedError, ConsumerProcess, stop_all
from bench.kafka_scratch import ScratchKafka, kafka_scratch
from bench.progress import PhaseProgress, announce
from bench.provider_bodies import SENDGRID_BATCH, Renderer, check_rendering
from bench.publishing import publish_events, publish_registrations
from bench.scratch import connect, postgres_scratch, required_postgres_url
from bench.workload import Traffic, generate
from consumers.consumer_settings import ConsumeSettings
from domain.message import Message

INSTANCE_ID = "bench-1"
"""The static member id of the consumer that is killed and restarted."""

START_TIMEOUT_SECONDS = 60.0
"""How long a consumer may take to log its first batch of events."""

_SKIPPED_TOPICS = (get_topic(Message.Created), get_topic(Message.Registered))
"""Stored events that are not provider events."""

WORKLOAD = (
    "rendered as the providers' own bodies from bench parse's samples (each event its"
    " provider's sample of the nearest kind: send, delivery, open, click or bounce), SendGrid"
    f" in arrays of {SENDGRID_BATCH} split per message by the publisher, Mailgun, Postmark,"
    " Brevo and SES one event a body"
)


@dataclass(frozen=True)
class Plan:
    """What one run does."""

    observations: int
    partitions: int
    max_records: int
    seed: int
    restart_events: int | None


@click.command("consume")
@click.option(
    "-n",
    "--observations",
    type=click.IntRange(min=1),
    default=200_000,
    show_default=True,
    help="Provider events to publish and consume, and rows for the ceiling.",
)
@click.option(
    "--postgres",
    "postgres_url",
    envvar="MAILLEDGER_BENCH_POSTGRES_URL",
    help="postgresql://user:pass@host:port/db to record into, in a scratch schema dropped"
    " afterwards (env MAILLEDGER_BENCH_POSTGRES_URL); required.",
)
@click.option(
    "--bootstrap-servers",
    envvar="MAILLEDGER_KAFKA_BOOTSTRAP_SERVERS",
    metavar="HOST:PORT[,…]",
    help="The Kafka brokers, for scratch topics deleted afterwards"
    " (env MAILLEDGER_KAFKA_BOOTSTRAP_SERVERS); required.",
)
@click.option(
    "--partitions",
    type=click.IntRange(min=1),
    default=6,
    show_default=True,
    help="Partitions of each scratch topic.",
)
@click.option(
    "--max-records",
    type=click.IntRange(min=1),
    default=ConsumeSettings.max_records,
    show_default=True,
    help="The consumer's records per poll (mailledger consume --max-records).",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the traffic.")
@click.option("--skip-restart", is_flag=True, help="Skip the kill -9 and restart measurement.")
def consume(
    observations: int,
    postgres_url: str | None,
    bootstrap_servers: str | None,
    partitions: int,
    max_records: int,
    seed: int,
    skip_restart: bool,
) -> None:
    """Publish N provider events to Kafka, consume them into PostgreSQL, and compare with COPY."""
    url = _postgres_url(postgres_url)
    servers = _bootstrap_servers(bootstrap_servers)
    plan = Plan(
        observations=observations,
        partitions=partitions,
        max_records=max_records,
        seed=seed,
        # Several polls' worth at least, so that the kill lands in the middle of them.
        restart_events=None if skip_restart else max(observations // 4, 4 * max_records),
    )
    counts = [observations] + ([plan.restart_events] if plan.restart_events else [])
    announce("traffic", f"generating {' + '.join(f'{c:,}' for c in counts)} events")
    traffics = generate(seed, *counts)
    # As in bench append: the garbage collector need not walk the pre-generated traffic.
    gc.collect()
    gc.freeze()
    renderer = Renderer()
    check_rendering(renderer, traffics[0].messages[0].send)
    consumers: list[ConsumerProcess] = []
    with (
        _one_line_errors(url),
        postgres_scratch(url) as database,
        kafka_errors(KafkaSettings(bootstrap_servers=servers)),
        kafka_scratch(servers, partitions, static_members=[INSTANCE_ID]) as scratch,
    ):
        where = f"{redact(url)}, scratch schema {database.env['POSTGRES_SCHEMA']}"
        try:
            figures = _Run(plan, database, scratch, renderer, consumers).measure(where, traffics)
        finally:
            # Before the topics and the schema go, so that no consumer holds them.
            stop_all(consumers)
    click.echo(format_figures(figures))
    click.echo(format_targets(figures))


@contextmanager
def _one_line_errors(url: str) -> Iterator[None]:
    """A failed check, a failed consumer or an unreachable database as one line."""
    try:
        yield
    except (ConsumerFailedError, StoreCountError) as error:
        raise click.ClickException(str(error)) from None
    except DATABASE_ERRORS as error:
        raise click.ClickException(
            f"cannot use {redact(url)}: {first_line(error)}; check --postgres or"
            " MAILLEDGER_BENCH_POSTGRES_URL"
        ) from None


class StoreCountError(RuntimeError):
    """The store does not hold the events the benchmark published, each exactly once."""


class _Run:
    """The phases of one run, on its scratch database and topics."""

    def __init__(
        self,
        plan: Plan,
        database: Database,
        scratch: ScratchKafka,
        renderer: Renderer,
        consumers: list[ConsumerProcess],
    ) -> None:
        self.plan = plan
        self.database = database
        self.scratch = scratch
        self.renderer = renderer
        self.consumers = consumers

    def measure(self, where: str, traffics: list[Traffic]) -> ConsumeFigures:
        """Every phase in turn; the first traffic is the main one, a second the restart's."""
        main = traffics[0]
        sends = [s for t in traffics for s in t.sends]
        registrations_published = publish_registrations(self.scratch.settings, sends)
        registrations = self._consume_registrations(len(sends))
        self._check_registrations(len(sends))
        events_published = publish_events(
            self.scratch.settings, self.renderer, main, self.plan.seed
        )
        events, peak_rss_kib = self._consume_events(main.observation_count)
        self._check_events(main.observation_count)
        ceiling_rows, ceiling_seconds = self._ceiling(main.observation_count)
        restart = self._restart(traffics[1], main.observation_count) if len(traffics) > 1 else None
        return ConsumeFigures(
            where=where,
            durability=self._durability(),
            workload=WORKLOAD,
            partitions=self.plan.partitions,
            max_records=self.plan.max_records,
            messages=len(main.messages),
            registrations_published=registrations_published,
            registrations=registrations,
            events_published=events_published,
            events=events,
            peak_rss_kib=peak_rss_kib,
            ceiling_rows=ceiling_rows,
            ceiling_seconds=ceiling_seconds,
            restart=restart,
        )

    def _start(self, instance_id: str | None = None) -> ConsumerProcess:
        consumer = ConsumerProcess(
            self.scratch, self.database.url, self.plan.max_records, instance_id=instance_id
        )
        self.consumers.append(consumer)
        return consumer

    def _consume_registrations(self, expected: int) -> Sustained:
        consumer = self._start()
        progress = _Ticker(f"recording {expected:,} registrations", expected)
        consumer.wait(_timeout(expected), lambda: progress(consumer.sends))
        return sustained(consumer.batches)

    def _consume_events(self, expected: int) -> tuple[Sustained, int | None]:
        consumer = self._start()
        progress = _Ticker(f"recording {expected:,} provider events", expected)
        consumer.wait(_timeout(expected), lambda: progress(consumer.observations))
        return sustained(consumer.batches), consumer.peak_rss_kib

    def _ceiling(self, rows_wanted: int) -> tuple[int, float]:
        announce("ceiling", f"reading back {rows_wanted:,} stored events")
        with open_ledger(self.database) as ledger:
            rows = stored_rows(ledger, rows_wanted, skip_topics=_SKIPPED_TOPICS)
        announce("ceiling", "binary COPY")
        return len(rows), postgres_copy_seconds(self.database, rows)

    def _restart(self, traffic: Traffic, already: int) -> Restart:
        publish_events(self.scratch.settings, self.renderer, traffic, self.plan.seed + 1)
        events = traffic.observation_count
        announce("restart", f"consuming {events:,} events, to be killed after its first batch")
        first = self._start(INSTANCE_ID)
        first.wait_for_observations(START_TIMEOUT_SECONDS)
        first.kill()
        before_kill = first.observations
        announce("restart", f"killed (-9) after {before_kill:,} events logged; starting again")
        second = self._start(INSTANCE_ID)
        try:
            seconds: float | None = second.wait_for_observations(START_TIMEOUT_SECONDS)
        except ConsumerFailedError:
            if second.batches or not second.exited:
                raise
            seconds = None  # nothing was left to record after the kill
        progress = _Ticker(f"recording the rest of {events:,} events", events, "restart")
        second.wait(_timeout(events), lambda: progress(before_kill + second.observations))
        self._check_events(already + events)
        return Restart(events=events, recorded_before_kill=before_kill, seconds=seconds)

    def _check_registrations(self, expected: int) -> None:
        registered, _ = self._stored()
        if registered != expected:
            raise StoreCountError(
                f"the store holds {registered:,} registrations, {expected:,} were published"
            )

    def _check_events(self, expected: int) -> None:
        _, observed = self._stored()
        if observed != expected:
            raise StoreCountError(
                f"the store holds {observed:,} provider events, {expected:,} were published: "
                "events were lost or recorded twice"
            )

    def _stored(self) -> tuple[int, int]:
        """Registrations and provider events in the event table, counted by the database."""
        with open_ledger(self.database) as ledger:
            recorder = ledger.recorder
            assert isinstance(recorder, PostgresAggregateRecorder)
            table = recorder.events_table_name
        created, registered = _SKIPPED_TOPICS
        with connect(self.database) as conn:
            row = conn.execute(
                sql.SQL(
                    "SELECT count(*) FILTER (WHERE topic = %s),"
                    " count(*) FILTER (WHERE topic NOT IN (%s, %s)) FROM {}"
                ).format(sql.Identifier(table)),
                (registered, created, registered),
            ).fetchone()
        assert row is not None
        return int(str(row[0])), int(str(row[1]))

    def _durability(self) -> str:
        """Whether a commit waits for the disk: the server's settings, as it reports them."""
        with connect(self.database) as conn:
            settings = {name: _setting(conn, name) for name in ("fsync", "synchronous_commit")}
        durable = all(value == "on" for value in settings.values())
        shown = ", ".join(f"{k} {v}" for k, v in settings.items())
        return f"durable commits: {shown}" if durable else f"NOT durable: {shown}"


class _Ticker:
    """Progress of a consumer on stderr: told the count every tick, reports it on change."""

    def __init__(self, phase: str, total: int, label: str = "consume") -> None:
        self._progress = PhaseProgress(label, phase)
        self._total = total
        self._done = 0

    def __call__(self, done: int) -> None:
        if done != self._done:
            self._done = done
            self._progress(min(done, self._total), self._total)


def _setting(conn: psycopg.Connection[tuple[object, ...]], name: str) -> str:
    row = conn.execute(sql.SQL("SHOW {}").format(sql.Identifier(name))).fetchone()
    assert row is not None
    return str(row[0])


def _timeout(events: int) -> float:
    """Generous: two minutes, plus a second per thousand events."""
    return 120.0 + events / 1000


def _postgres_url(value: str | None) -> str:
    return required_postgres_url(value, "consume")


def _bootstrap_servers(value: str | None) -> str:
    if not value or not value.strip():
        raise click.ClickException(
            "--bootstrap-servers is missing: give --bootstrap-servers HOST:PORT or set"
            " MAILLEDGER_KAFKA_BOOTSTRAP_SERVERS"
        )
    return value
