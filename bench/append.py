"""``python -m bench append``: events recorded through the domain against a raw-write ceiling.

What is timed, per database (SQLite always, in a temporary folder; PostgreSQL when given, in a
scratch schema dropped afterwards):

* registrations of every send first, batched the same way (reported, not part of the ratio);
* domain appends: N provider events through ``Ledger.record``, the events of
  ``--batch-messages`` messages per transaction (each message loaded, its events appended);
* the ceiling: the same N stored-event rows written raw into a table shaped like the event
  table (PostgreSQL: binary COPY into a logged table; SQLite: one executemany INSERT);
* one transaction per event, on a smaller sample of other messages;
* replay: uncached loads of one message with 1,000 provider events.
"""

from __future__ import annotations

import gc
import random
from collections.abc import Callable

import click
from eventsourcing.utils import get_topic

from adapters.storage.database import Database, open_ledger, redact
from bench.ceiling import postgres_copy_seconds, sqlite_insert_seconds, stored_rows
from bench.progress import PhaseProgress, announce
from bench.recording import (
    record_batches_seconds,
    record_one_by_one_seconds,
    register_seconds,
)
from bench.replay import build_long_message, time_replay
from bench.report import Figures, format_figures, format_targets
from bench.scratch import postgres_scratch, sqlite_scratch
from bench.workload import Traffic, generate
from domain.ledger import SNAPSHOT_INTERVAL
from domain.message import Message

REPLAY_EVENTS = 1000
"""Provider events of the message whose load time is measured."""

REPLAY_LOADS = 50
"""Loads the replay time is the mean of."""

_SKIPPED_TOPICS = (get_topic(Message.Created), get_topic(Message.Registered))
"""Stored events that are not provider events, left out of the ceiling's rows."""


@click.command()
@click.option(
    "-n",
    "--observations",
    type=click.IntRange(min=1),
    default=100_000,
    show_default=True,
    help="Provider events to record through the domain, and rows for the ceiling.",
)
@click.option(
    "--batch-messages",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Messages whose events are recorded in one transaction.",
)
@click.option(
    "--single",
    "single_events",
    type=click.IntRange(min=1),
    default=2000,
    show_default=True,
    help="Events recorded one transaction each, to show what batching gains.",
)
@click.option(
    "--postgres",
    "postgres_url",
    envvar="MAILLEDGER_BENCH_POSTGRES_URL",
    help="postgresql://user:pass@host:port/db to bench too, in a scratch schema dropped"
    " afterwards (env MAILLEDGER_BENCH_POSTGRES_URL).",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the traffic.")
def append(
    observations: int,
    batch_messages: int,
    single_events: int,
    postgres_url: str | None,
    seed: int,
) -> None:
    """Record N provider events into SQLite (and PostgreSQL) and compare with raw writes."""
    announce("traffic", f"generating {observations:,} + {single_events:,} events")
    main_traffic, single_traffic = generate(seed, observations, single_events)
    # Every garbage-collection pass would otherwise walk the whole pre-generated traffic, a
    # cost of the benchmark alone: a consumer holds one batch at a time.
    gc.collect()
    gc.freeze()
    run = _runner(main_traffic, single_traffic, batch_messages, seed)
    figures = []
    with sqlite_scratch() as database:
        figures.append(run(database, "sqlite", "temporary file (WAL journal)"))
    click.echo(format_figures(figures[-1]))
    if postgres_url:
        with postgres_scratch(postgres_url) as database:
            where = f"{redact(postgres_url)}, scratch schema {database.env['POSTGRES_SCHEMA']}"
            figures.append(run(database, "postgresql", where))
        click.echo(format_figures(figures[-1]))
    click.echo(format_targets(figures))


def _runner(
    main_traffic: Traffic, single_traffic: Traffic, batch_messages: int, seed: int
) -> Callable[[Database, str, str], Figures]:
    def run(database: Database, name: str, where: str) -> Figures:
        return _bench(database, name, where, main_traffic, single_traffic, batch_messages, seed)

    return run


def _bench(
    database: Database,
    name: str,
    where: str,
    main_traffic: Traffic,
    single_traffic: Traffic,
    batch_messages: int,
    seed: int,
) -> Figures:
    ledger = open_ledger(database)
    try:
        sends = main_traffic.sends
        registering = register_seconds(
            ledger, sends, batch_messages, PhaseProgress(name, f"registering {len(sends):,} sends")
        )
        batches = main_traffic.batches(batch_messages, random.Random(seed))
        events = main_traffic.observation_count
        appending = record_batches_seconds(
            ledger,
            batches,
            PhaseProgress(name, f"recording {events:,} events in {len(batches):,} transactions"),
        )
        ledger.register(single_traffic.sends)
        single = single_traffic.observations()
        single_seconds = record_one_by_one_seconds(
            ledger, single, PhaseProgress(name, f"recording {len(single):,} events one by one")
        )
        announce(name, f"reading back {events:,} stored events for the ceiling")
        rows = stored_rows(ledger, events, skip_topics=_SKIPPED_TOPICS)
        if database.is_postgres:
            method = "binary COPY into a logged table like the event table, one transaction"
            announce(name, "ceiling: COPY")
            ceiling_seconds = postgres_copy_seconds(database, rows)
        else:
            method = "executemany INSERT into a table like the event table, one transaction"
            announce(name, "ceiling: executemany INSERT")
            ceiling_seconds = sqlite_insert_seconds(database, rows)
        announce(name, f"replay: building a message of {REPLAY_EVENTS:,} events")
        message_id = build_long_message(ledger, REPLAY_EVENTS)
        announce(name, f"replay: timing {REPLAY_LOADS} loads")
        replay = time_replay(ledger, message_id, REPLAY_EVENTS, REPLAY_LOADS)
    finally:
        ledger.close()
    return Figures(
        database=name,
        where=where,
        sends=len(sends),
        register_seconds=registering,
        events=events,
        transactions=len(batches),
        batch_messages=batch_messages,
        append_seconds=appending,
        ceiling_method=method,
        ceiling_rows=len(rows),
        ceiling_seconds=ceiling_seconds,
        single_events=len(single),
        single_seconds=single_seconds,
        replay=replay,
        snapshot_interval=SNAPSHOT_INTERVAL,
    )
