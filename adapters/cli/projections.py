"""``mailledger projections run|rebuild|status``: keeping the read models current."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from types import FrameType

import click
import structlog
from click.core import ParameterSource

from adapters.cli.support import user_errors
from adapters.logging import configure_logging
from adapters.storage.database import Database, parse_database_url
from adapters.storage.read_side import ReadSide, open_read_side
from projections.catalogue import READ_MODELS
from projections.runner import Progress

log = structlog.get_logger()


def _open(ctx: click.Context) -> tuple[Database, ReadSide]:
    database: Database | None = None
    with user_errors(database):
        database = parse_database_url(ctx.obj["database_url"])
    with user_errors(database):
        return database, open_read_side(database)


@click.group()
def projections() -> None:
    """Keep the read models (views) of the database current, or rebuild one."""


@projections.command()
@click.option(
    "--interval",
    type=click.FloatRange(min=0.01),
    default=0.2,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait for new events when the views are current.",
)
@click.option("--once", is_flag=True, help="Catch up and exit instead of following the log.")
@click.pass_context
def run(ctx: click.Context, interval: float, once: bool) -> None:
    """Apply new events to every view, following the log until SIGTERM or SIGINT."""
    if ctx.find_root().get_parameter_source("log_level") is ParameterSource.DEFAULT:
        configure_logging("info")
    database, side = _open(ctx)
    stop = threading.Event()

    def handle(signum: int, _: FrameType | None) -> None:
        log.info("projections.stopping", signal=signal.Signals(signum).name)
        stop.set()

    previous = {s: signal.signal(s, handle) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        with user_errors(database), side:
            applied = side.catch_up(_logged("projections.catch_up"))
            log.info("projections.current", events=applied, database=database.display)
            if not once:
                side.follow(stop, interval)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@projections.command()
@click.argument("name", metavar="NAME", type=click.Choice(list(READ_MODELS)))
@click.pass_context
def rebuild(ctx: click.Context, name: str) -> None:
    """Drop one view and replay the whole event log into it; prints the rate."""
    database, side = _open(ctx)
    started = time.perf_counter()
    with user_errors(database), side:
        applied = side.rebuild(name, _shown)
    seconds = time.perf_counter() - started
    click.echo(
        f"rebuilt {name}: {applied} events in {seconds:.1f} s "
        f"({applied / seconds if seconds else 0:,.0f} events/s)"
    )


@projections.command()
@click.pass_context
def status(ctx: click.Context) -> None:
    """Each view's position in the event log, and how far behind it is."""
    database, side = _open(ctx)
    with user_errors(database), side:
        head = side.ledger.recorder.max_notification_id() or 0
        for name, model in side.models.items():
            position = model.view.position()
            click.echo(f"{name:<18} at {position:>10}  behind {head - position:>10}")


def _logged(event: str) -> Callable[[Progress], None]:
    def report(progress: Progress) -> None:
        log.info(event, applied=progress.applied, position=progress.position, head=progress.last)

    return report


def _shown(progress: Progress) -> None:
    # Long rebuilds show where they are; one line on stderr, rewritten in place.
    click.echo(f"\r{progress.position:,} / {progress.last:,} events", err=True, nl=False)
    if progress.position >= progress.last:
        click.echo("", err=True)
