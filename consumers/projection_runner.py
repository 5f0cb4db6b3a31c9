"""``mailledger projections run``: the process that keeps the read models current."""

from __future__ import annotations

import threading
from collections.abc import Callable

import click
import structlog

from adapters.cli.projections import open_views
from adapters.cli.support import user_errors
from consumers.signals import stopping_on_signals
from projections.runner import Progress

log = structlog.get_logger()


@click.command()
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
    database, side = open_views(ctx)
    stop = threading.Event()

    def stopping(signal_name: str) -> None:
        log.info("projections.stopping", signal=signal_name)
        stop.set()

    with stopping_on_signals(stopping), user_errors(database), side:
        applied = side.catch_up(_logged("projections.catch_up"))
        log.info("projections.current", events=applied, database=database.display)
        if not once:
            side.follow(stop, interval)


def _logged(event: str) -> Callable[[Progress], None]:
    def report(progress: Progress) -> None:
        log.info(event, applied=progress.applied, position=progress.position, head=progress.last)

    return report
