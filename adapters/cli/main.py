"""The ``mailledger`` command line: the entry point that wires settings, storage and output."""

from __future__ import annotations

import os
import sys
from datetime import datetime
from typing import IO

import click
import structlog

from adapters.cli.presenters import (
    dumps,
    format_history,
    format_list,
    format_message,
    history_json,
    message_json,
)
from adapters.cli.support import (
    header_option,
    ledger_of,
    read_side_of,
    source_name,
    user_errors,
)
from adapters.intake.bodies import Body, read_bodies
from adapters.intake.input_errors import read_all, read_json_lines
from adapters.intake.registrations import RegistrationIn
from adapters.logging import configure_logging
from adapters.providers.registry import PROVIDER_NAMES
from adapters.storage.database import DEFAULT_DATABASE_URL
from adapters.verification.registry import verifier_for
from domain.errors import UnknownMessageError
from domain.identity import parse_message_reference
from domain.kinds import EventKind, Outcome
from domain.values import utc_now
from projections.queries import MAX_PAGE_SIZE, MessageQuery, every_item

log = structlog.get_logger()


def _parse_time(_: click.Context, __: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO-8601 time") from None
    if moment.tzinfo is None:
        raise click.BadParameter(f"{value!r} has no UTC offset; add one, e.g. 'Z' or '+01:00'")
    return moment


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--database",
    "database_url",
    envvar="MAILLEDGER_DATABASE_URL",
    default=DEFAULT_DATABASE_URL,
    show_default=True,
    help="sqlite:///path or postgresql://user:pass@host:port/db (env MAILLEDGER_DATABASE_URL).",
)
@click.option(
    "--log-level",
    envvar="MAILLEDGER_LOG_LEVEL",
    default="warning",
    show_default=True,
    type=click.Choice(["debug", "info", "warning", "error"], case_sensitive=False),
    help="Log lines on stderr at this level and above (env MAILLEDGER_LOG_LEVEL).",
)
@click.version_option(package_name="mailledger")
@click.pass_context
def main(ctx: click.Context, database_url: str, log_level: str) -> None:
    """mailledger: did the e-mail arrive? Every provider event, recorded once, replayable."""
    configure_logging(log_level)
    ctx.ensure_object(dict)
    ctx.obj["database_url"] = database_url


@main.command()
@click.argument("file", type=click.File("rb"), default="-")
@click.pass_context
def register(ctx: click.Context, file: IO[bytes]) -> None:
    """Register sends: JSON lines, one send each; the whole file or nothing."""
    source = source_name(file)
    with user_errors():
        sends = read_all(read_json_lines(file, source, RegistrationIn, RegistrationIn.to_send))
    with read_side_of(ctx) as side:
        results = side.ledger.register(sends)
        side.catch_up()
    for send, result in zip(sends, results, strict=True):
        click.echo(
            dumps(
                {
                    "id": result.message_id,
                    "external_ref": send.external_ref,
                    "duplicate": result.duplicate,
                }
            )
        )
    log.info(
        "registrations.recorded",
        source=source,
        sends=len(sends),
        duplicates=sum(r.duplicate for r in results),
    )


@main.command()
@click.option(
    "--provider",
    type=click.Choice(PROVIDER_NAMES),
    required=True,
    help="Who posted the bodies; 'generic' is mailledger's own JSON lines.",
)
@click.option(
    "--verify",
    is_flag=True,
    help="Check each body's signature or credentials with the provider's key from the "
    "environment (see docs/providers.md), as received now.",
)
@header_option
@click.argument("files", nargs=-1, type=click.File("rb"))
@click.pass_context
def ingest(
    ctx: click.Context,
    provider: str,
    verify: bool,
    headers: dict[str, str],
    files: tuple[IO[bytes], ...],
) -> None:
    """Record provider webhook bodies, one per FILE (or stdin); all of them or nothing.

    Duplicates are ignored; events of types mailledger does not know are skipped with a
    warning that names them.
    """
    streams: tuple[IO[bytes], ...] = files or (sys.stdin.buffer,)
    with user_errors():
        verifier = verifier_for(provider, os.environ) if verify else None
        received_at = utc_now()
        bodies = (
            Body(source_name(stream), stream.read(), received_at, headers) for stream in streams
        )
        read = read_bodies(provider, bodies, verifier)
    with read_side_of(ctx) as side:
        results = side.ledger.record(read.observations)
        side.catch_up()
    for observation, result in zip(read.observations, results, strict=True):
        click.echo(
            dumps(
                {
                    "id": result.message_id,
                    "recipient": observation.recipient,
                    "kind": observation.kind,
                    "raw_type": observation.raw_type,
                    "duplicate": result.duplicate,
                }
            )
        )
    log.info(
        "observations.recorded",
        provider=provider,
        bodies=len(streams),
        observations=len(read.observations),
        duplicates=sum(r.duplicate for r in results),
        skipped=len(read.notices),
    )


@main.command()
@click.argument("message")
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of text.")
@click.pass_context
def show(ctx: click.Context, message: str, as_json: bool) -> None:
    """Show a message (UUID or PROVIDER:PROVIDER_MESSAGE_ID) and each recipient's timeline."""
    with user_errors():
        message_id = parse_message_reference(message)
    with read_side_of(ctx) as side:
        shape = side.queries.message(message_id, tenant=None)
    if shape is None:
        with user_errors():
            raise UnknownMessageError(message_id, message)
    click.echo(dumps(shape) if as_json else format_message(shape))


@main.command()
@click.option("--all", "show_all", is_flag=True, help="Every message, not only failed ones.")
@click.option(
    "--failed",
    "failed_only",
    is_flag=True,
    help="Only messages where a recipient failed (the default).",
)
@click.option("--dossier", help="Only this dossier's messages.")
@click.option(
    "--status",
    type=click.Choice([k.value for k in EventKind]),
    help="Only messages with a recipient in this status.",
)
@click.option(
    "--outcome",
    type=click.Choice([o.value for o in Outcome]),
    help="Only messages with this outcome.",
)
@click.option("--tenant", help="Only this tenant's messages.")
@click.option("--recipient", help="Only messages to this address, or to this domain.")
@click.option("--json", "as_json", is_flag=True, help="A JSON array instead of a table.")
@click.pass_context
def messages(
    ctx: click.Context,
    show_all: bool,
    failed_only: bool,
    dossier: str | None,
    status: str | None,
    outcome: str | None,
    tenant: str | None,
    recipient: str | None,
    as_json: bool,
) -> None:
    """The sent-mail list, newest first: failed messages by default, --all for every one."""
    if show_all and failed_only:
        raise click.UsageError("--all and --failed exclude each other")
    query = MessageQuery(
        tenant=tenant,
        failed_only=not show_all,
        dossier_id=dossier,
        status=EventKind(status) if status else None,
        outcome=Outcome(outcome) if outcome else None,
        recipient=recipient,
        limit=MAX_PAGE_SIZE,
    )
    with read_side_of(ctx) as side:
        items = list(every_item(side.queries, query))
    if as_json:
        click.echo(dumps(items))
    else:
        click.echo(format_list(items, utc_now().astimezone()))


@main.command()
@click.argument("message")
@click.option(
    "--at", callback=_parse_time, help="State as the ledger knew it at this ISO-8601 time."
)
@click.option("--version", type=click.IntRange(min=1), help="State at this version of the message.")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of text.")
@click.pass_context
def history(
    ctx: click.Context, message: str, at: datetime | None, version: int | None, as_json: bool
) -> None:
    """For auditors: every stored event in log order, or the state at a time or version."""
    if at is not None and version is not None:
        raise click.UsageError("--at and --version exclude each other")
    with user_errors():
        message_id = parse_message_reference(message)
    with ledger_of(ctx) as ledger:
        if at is None and version is None:
            rows = history_json(ledger.get_history(message_id, reference=message))
            click.echo(dumps(rows) if as_json else format_history(rows))
            return
        state = ledger.get_message_at(message_id, version=version, at=at, reference=message)
    shape = message_json(state)
    click.echo(dumps(shape) if as_json else format_message(shape))


def _register_subcommands() -> None:
    # Imported here so `mailledger --help` stays fast and the modules stay independent.
    from adapters.cli.demo import demo
    from adapters.cli.kafka import dead_letters, publish
    from adapters.cli.keys import keys
    from adapters.cli.projections import projections
    from adapters.cli.serve import serve
    from consumers.command import consume

    main.add_command(demo)
    main.add_command(publish)
    main.add_command(consume)
    main.add_command(dead_letters)
    main.add_command(projections)
    main.add_command(keys)
    main.add_command(serve)


_register_subcommands()


def run() -> None:
    """The console script: every error, usage mistakes included, as one line on stderr."""
    try:
        code = main.main(standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as error:
        click.echo(error.format_message(), err=True)
        sys.exit(error.exit_code)
    except click.UsageError as error:
        hint = f" (see '{error.ctx.command_path} --help')" if error.ctx else ""
        click.echo(f"Error: {error.format_message()}{hint}", err=True)
        sys.exit(error.exit_code)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
