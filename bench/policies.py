"""``python -m bench policies``: the policy process beside a view's rebuild, and the check.

Everything happens in a scratch schema of the PostgreSQL given, dropped afterwards:

* **load**: N realistic messages written to the log by COPY, as ``bench query`` loads them;
* **policy process**: the whole log taken into the addresses (facts kept, suppressions
  settled), timed; beside it, in the same run, the ``sent_mail`` view rebuilt from the same
  log, the rate the views' rebuilds are measured by;
* **check**: the ``address_status`` view filled up to ``--addresses`` rows (the process's own,
  then rows written by COPY for other tenants' addresses), then ``--checks`` pre-send checks of
  100 addresses each (the keyed hash of each address, then the view's query), timed one by
  one after a warm-up; the baseline is a check of one address, in the same run.
"""

from __future__ import annotations

import random
import statistics
import time
import uuid
from datetime import UTC, datetime

import click
from psycopg import sql

from adapters.storage.database import DATABASE_ERRORS, Database, open_ledger, redact
from adapters.storage.read_side import ReadSide, open_read_side
from bench.progress import PhaseProgress, announce
from bench.query_load import Workload, load
from bench.scratch import connect, postgres_scratch, required_postgres_url
from projections.addresses import COLUMNS, TABLE

CHECKED = 100
"""Addresses per check, as a platform asks before a send to a list."""

FILL_BATCH = 50_000


@click.command()
@click.option("-n", "--messages", type=click.IntRange(min=1), default=20_000, show_default=True)
@click.option("--recipients", type=click.IntRange(min=1), default=3, show_default=True)
@click.option(
    "--addresses",
    type=click.IntRange(min=1),
    default=1_000_000,
    show_default=True,
    help="Rows of the address view the checks run against.",
)
@click.option("--checks", type=click.IntRange(min=1), default=500, show_default=True)
@click.option("--warmup", type=click.IntRange(min=0), default=50, show_default=True)
@click.option(
    "--postgres",
    "postgres_url",
    envvar="MAILLEDGER_BENCH_POSTGRES_URL",
    help="postgresql://user:pass@host:port/db to bench in, in a scratch schema dropped"
    " afterwards (env MAILLEDGER_BENCH_POSTGRES_URL); required.",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the data.")
def policies(
    messages: int,
    recipients: int,
    addresses: int,
    checks: int,
    warmup: int,
    postgres_url: str | None,
    seed: int,
) -> None:
    """Time the policy process against a view's rebuild, and the pre-send check."""
    url = required_postgres_url(postgres_url, "policies")
    try:
        with postgres_scratch(url) as database, open_ledger(database) as ledger:
            workload = Workload(seed, messages, recipients)
            loaded = load(
                ledger,
                database,
                workload,
                batch_messages=2000,
                processes=1,
                progress=PhaseProgress("load", f"building and writing {messages:,} messages"),
            )
            with open_read_side(database, ledger) as side:
                announce("policies", f"taking {loaded.events:,} events into the addresses")
                started = time.perf_counter()
                settled = side.policies.catch_up()
                process_seconds = time.perf_counter() - started
                progress = PhaseProgress("rebuild", "sent_mail, over the same log")
                started = time.perf_counter()
                rebuilt = side.rebuild("sent_mail", lambda p: progress(p.applied, p.last))
                rebuild_seconds = time.perf_counter() - started
                announce("addresses", "the addresses view brought up to date")
                side.runner(["addresses"]).catch_up()
                own = _fill(database, side, addresses)
                single, hundred = _checks(side, workload, random.Random(seed), checks, warmup)
    except DATABASE_ERRORS as error:
        raise click.ClickException(f"cannot use {redact(url)}: {error}") from None
    process_rate = settled.read / process_seconds
    rebuild_rate = rebuilt / rebuild_seconds
    click.echo(f"== postgresql: {redact(url)}")
    click.echo(f"workload:        {messages:,} messages of {recipients} recipients")
    click.echo(
        f"policy process:  {settled.read:,} events in {process_seconds:.2f} s: "
        f"{process_rate:,.0f} events/s = {process_rate / rebuild_rate:.2f} x rebuild "
        f"({settled.facts:,} facts kept, {settled.suppressed:,} addresses suppressed)"
    )
    click.echo(
        f"rebuild:         sent_mail {rebuilt:,} events in {rebuild_seconds:.2f} s: "
        f"{rebuild_rate:,.0f} events/s"
    )
    click.echo(
        f"check:           {checks:,} checks after {warmup} against {addresses:,} addresses "
        f"({own:,} from the process)"
    )
    click.echo("                 p50 ms   p95 ms   p99 ms   max ms")
    for name, timings in ((f"{CHECKED} addresses", hundred), ("1 address", single)):
        click.echo(f"{name:<16} " + "  ".join(f"{value:7.2f}" for value in _quantiles(timings)))
    p95 = _quantiles(hundred)[1]
    click.echo(f"check of {CHECKED} p95 = {p95 / _quantiles(single)[1]:.2f} x one address")
    click.echo(
        f"check of {CHECKED} p95 <= 10 ms: {'met' if p95 <= 10 else 'MISSED'} ({p95:.2f} ms)"
    )


def _fill(database: Database, side: ReadSide, total: int) -> int:
    """Rows of other tenants' addresses written by COPY up to ``total``; the process's count."""
    schema = database.env["POSTGRES_SCHEMA"]
    with connect(database) as conn:
        row = conn.execute(
            sql.SQL("SELECT count(*) FROM {}.{}").format(
                sql.Identifier(schema), sql.Identifier(TABLE)
            )
        ).fetchone()
        own = int(str(row[0])) if row else 0
        missing = max(0, total - own)
        progress = PhaseProgress("fill", f"{missing:,} more address rows")
        statement = sql.SQL("COPY {}.{} ({}) FROM STDIN").format(
            sql.Identifier(schema),
            sql.Identifier(TABLE),
            sql.SQL(", ").join(sql.Identifier(c) for c in COLUMNS),
        )
        written = 0
        while written < missing:
            count = min(FILL_BATCH, missing - written)
            with conn.transaction(), conn.cursor().copy(statement) as copy:
                for n in range(written, written + count):
                    copy.write_row(_filler(n))
            written += count
            progress(written, missing)
        conn.execute(sql.SQL("ANALYZE {}.{}").format(sql.Identifier(schema), sql.Identifier(TABLE)))
    return own


def _filler(n: int) -> list[object]:
    suppressed = n % 20 == 0
    values: dict[str, object] = {
        "address_id": str(uuid.UUID(int=random.getrandbits(128))),
        "tenant": f"other-{n % 50}",
        "address": f"user{n}@domain{n % 997}.example",
        "domain": f"domain{n % 997}.example",
        "suppressed": int(suppressed),
        "reason": "hard_bounce" if suppressed else None,
        "since_us": 1_700_000_000_000_000 + n if suppressed else None,
        "until_us": None,
        "failures": "[]",
        "lifted_by": None,
        "lifted_reason": None,
        "lifted_us": None,
        "preference": None,
        "preference_by": None,
        "preference_us": None,
        "facts": 1,
        "version": 2,
    }
    return [values[c] for c in COLUMNS]


def _checks(
    side: ReadSide, workload: Workload, rng: random.Random, checks: int, warmup: int
) -> tuple[list[float], list[float]]:
    """Milliseconds per check of one address and of CHECKED addresses, one at a time."""
    tenant, known = _known_addresses(side)
    pool = known + [f"nobody{n}@example.net" for n in range(len(known))]
    now = datetime.now(UTC)

    def check(size: int) -> float:
        chosen = rng.sample(pool, size)
        started = time.perf_counter()
        ids = [side.address_book.id_of(tenant, address) for address in chosen]
        side.address_queries.check(tenant, ids, now)
        return (time.perf_counter() - started) * 1000

    progress = PhaseProgress("check", f"{checks:,} checks of {CHECKED} and of 1 address")
    for _ in range(warmup):
        check(CHECKED)
        check(1)
    hundred, single = [], []
    for done in range(checks):
        hundred.append(check(CHECKED))
        single.append(check(1))
        progress(done + 1, checks)
    return single, hundred


def _known_addresses(side: ReadSide) -> tuple[str, list[str]]:
    """A tenant of the load and its addresses the process recorded."""
    view = side.models["addresses"].view
    with view.reading() as tx:
        rows = tx.fetchall(
            f"SELECT tenant, address FROM {view.table(TABLE)} "
            "WHERE tenant NOT LIKE 'other-%%' ORDER BY address_id LIMIT 5000"
        )
    if not rows:
        raise click.ClickException("the policy process recorded no address to check")
    tenant = rows[0]["tenant"]
    return tenant, [row["address"] for row in rows if row["tenant"] == tenant]


def _quantiles(timings: list[float]) -> tuple[float, float, float, float]:
    cuts = statistics.quantiles(timings, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98], max(timings)
