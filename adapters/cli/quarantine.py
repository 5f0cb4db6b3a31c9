"""``mailledger quarantine list|show|replay``: provider events that could not be read."""

from __future__ import annotations

import click

from adapters.cli.presenters import dumps
from adapters.cli.support import database_of, read_side_of, user_errors
from adapters.cli.tenancy import tenant_option
from adapters.intake.replay import replay
from adapters.storage.quarantine import Entry, Quarantine


@click.group()
def quarantine() -> None:
    """Look at the provider events that could not be read, and replay them after a fix."""


@quarantine.command("list")
@tenant_option("Only this tenant's entries.")
@click.option("--replayed", is_flag=True, help="Entries already replayed too.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines, with each event's bytes.")
@click.pass_context
def list_entries(ctx: click.Context, tenant: str | None, replayed: bool, as_json: bool) -> None:
    """Newest first: id, tenant, provider, where it came from, and why it was set aside."""
    database = database_of(ctx)
    with user_errors(database), Quarantine(database) as kept:
        entries = kept.entries(tenant, replayed=replayed)
    for entry in entries:
        if as_json:
            click.echo(dumps(entry.to_json()))
        else:
            click.echo(
                f"{entry.entry_id}  {entry.quarantined_at:%Y-%m-%d %H:%M}  {entry.tenant}  "
                f"{entry.provider}  {entry.source}#{entry.index}  {entry.reason}"
            )


@quarantine.command("show")
@click.argument("entry_id")
@click.pass_context
def show_entry(ctx: click.Context, entry_id: str) -> None:
    """One entry as JSON, the event's bytes included."""
    click.echo(dumps(_entry(ctx, entry_id).to_json()))


@quarantine.command("replay")
@click.argument("entry_ids", nargs=-1)
@click.option("--all", "replay_all", is_flag=True, help="Every entry not yet replayed.")
@tenant_option("With --all: only this tenant's entries.")
@click.pass_context
def replay_entries(
    ctx: click.Context, entry_ids: tuple[str, ...], replay_all: bool, tenant: str | None
) -> None:
    """Read entries again and record what now reads; one JSON line each. Exits 1 when
    some still cannot be read (they stay, with the reason)."""
    if replay_all == bool(entry_ids):
        raise click.UsageError("give entry ids or --all")
    database = database_of(ctx)
    with user_errors(database), Quarantine(database) as kept:
        entries = kept.entries(tenant) if replay_all else [_entry(ctx, i, kept) for i in entry_ids]
        with read_side_of(ctx) as side:
            outcomes = [replay(side.ledger, kept, entry, views=side) for entry in entries]
    for outcome in outcomes:
        click.echo(dumps(outcome.to_json()))
    unreadable = sum(outcome.unreadable is not None for outcome in outcomes)
    if unreadable:
        raise click.ClickException(
            f"{unreadable} of {len(outcomes)} entries still cannot be read; they stay in the "
            "quarantine (see each line's reason)"
        )


def _entry(ctx: click.Context, entry_id: str, kept: Quarantine | None = None) -> Entry:
    if kept is None:
        database = database_of(ctx)
        with user_errors(database), Quarantine(database) as opened:
            found = opened.entry(entry_id, None)
    else:
        found = kept.entry(entry_id, None)
    if found is None:
        raise click.ClickException(f"no quarantine entry {entry_id}; see 'quarantine list'")
    return found
