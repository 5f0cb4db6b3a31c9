"""``mailledger projections rebuild|status``: the read models, rebuilt or looked at.

``projections run``, the process that keeps them current, is ``consumers/projection_runner.py``.
"""

from __future__ import annotations

import time

import click

from adapters.cli.support import database_of, settings_of, user_errors
from adapters.storage.database import Database
from adapters.storage.read_side import ReadSide, open_read_side
from projections.catalogue import READ_MODELS
from projections.runner import Progress


def open_views(ctx: click.Context) -> tuple[Database, ReadSide]:
    """The database the command line names, and the read side on it."""
    database = database_of(ctx)
    with user_errors(database):
        return database, open_read_side(database, policies=settings_of(ctx).policy_defaults())


@click.group()
def projections() -> None:
    """Keep the read models (views) of the database current, or rebuild one."""


@projections.command()
@click.argument("name", metavar="NAME", type=click.Choice(list(READ_MODELS)))
@click.pass_context
def rebuild(ctx: click.Context, name: str) -> None:
    """Drop one view and replay the whole event log into it; prints the rate."""
    database, side = open_views(ctx)
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
    database, side = open_views(ctx)
    with user_errors(database), side:
        head = side.ledger.recorder.max_notification_id() or 0
        positions = {name: model.view.position() for name, model in side.models.items()}
        # The policy process is not a view, but it follows the log the same way.
        positions["policies"] = side.policies.position()
        for name, position in positions.items():
            click.echo(f"{name:<18} at {position:>10}  behind {head - position:>10}")


def _shown(progress: Progress) -> None:
    # Long rebuilds show where they are; one line on stderr, rewritten in place.
    click.echo(f"\r{progress.position:,} / {progress.last:,} events", err=True, nl=False)
    if progress.position >= progress.last:
        click.echo("", err=True)
