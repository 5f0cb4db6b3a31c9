"""The ``mailledger`` command: reads the settings once, sets up logging, runs one command.

Every command is a click command of ``adapters/cli`` or, for the long-running processes, of
this package; each receives the process's ``Settings`` as its context object.
"""

from __future__ import annotations

import click

from adapters.cli.addresses import addresses, policy, suppressions
from adapters.cli.contact_links import contact_link
from adapters.cli.demo import demo
from adapters.cli.kafka import dead_letters, publish
from adapters.cli.keys import keys
from adapters.cli.projections import projections
from adapters.cli.quarantine import quarantine
from adapters.cli.reading import categories, history, messages, show, stats, templates
from adapters.cli.recording import ingest, register
from adapters.cli.subscriptions import subscriptions
from adapters.cli.support import run_in_one_line, user_errors
from adapters.cli.users import users
from adapters.intake.fast_hashing import use_fast_hashing
from adapters.logging import configure_logging
from adapters.settings import LogLevel, load_settings, variable
from adapters.storage.database import DEFAULT_DATABASE_URL
from consumers.consume import consume
from consumers.projection_runner import run as run_projections
from consumers.serve import serve
from consumers.signal_sender import signals

LONG_RUNNING = frozenset({"consume", "serve", "projections", "signals"})
"""Commands whose log lines are how an operator follows them: info unless told otherwise."""


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--database",
    "database_url",
    help="sqlite:///path or postgresql://user:pass@host:port/db "
    f"[default: {DEFAULT_DATABASE_URL}] (env {variable('database_url')}).",
)
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"], case_sensitive=False),
    help="Log lines on stderr at this level and above [default: info for consume, serve and "
    f"projections, else warning] (env {variable('log_level')}).",
)
@click.version_option(package_name="mailledger")
@click.pass_context
def main(ctx: click.Context, database_url: str | None, log_level: str | None) -> None:
    """mailledger: did the e-mail arrive? Every provider event, recorded once, replayable."""
    with user_errors():
        settings = load_settings(
            database_url=database_url, log_level=log_level.lower() if log_level else None
        )
    configure_logging(settings.log_level or _default_level(ctx.invoked_subcommand))
    use_fast_hashing()
    ctx.obj = settings


def _default_level(command: str | None) -> LogLevel:
    return "info" if command in LONG_RUNNING else "warning"


for command in (register, ingest, show, messages, history, demo, publish, consume, serve, keys):
    main.add_command(command)
for command in (categories, templates, stats):
    main.add_command(command)
main.add_command(dead_letters)
main.add_command(quarantine)
main.add_command(subscriptions)
main.add_command(users)
main.add_command(signals)
main.add_command(addresses)
main.add_command(suppressions)
main.add_command(policy)
main.add_command(contact_link)
projections.add_command(run_projections)
main.add_command(projections)


def run() -> None:
    """The console script: every error, usage mistakes included, as one line on stderr."""
    run_in_one_line(main)
