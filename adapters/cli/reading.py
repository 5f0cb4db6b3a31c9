"""``mailledger show``, ``messages``, ``history`` and the counts (``categories``, ``templates``,
``stats``): what the ledger knows, for people."""

from __future__ import annotations

from datetime import date, datetime

import click

from adapters.cli.presenters import (
    dumps,
    format_days,
    format_groups,
    format_history,
    format_list,
    format_message,
    history_json,
    message_json,
)
from adapters.cli.support import database_of, read_side_of, settings_of, user_errors
from adapters.cli.tenancy import resolve_message, tenant_option
from adapters.storage.contact_links import ContactLinks
from adapters.storage.integers import MAX_STORED_INTEGER
from domain.errors import UnknownMessageError
from domain.kinds import EventKind, Outcome
from domain.values import utc_now
from projections.daily_counts import GROUPINGS
from projections.queries import MAX_PAGE_SIZE, MessageQuery, every_item


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


_REFERENCE_TENANT = (
    "The tenant whose message PROVIDER:ID names (needed when several tenants hold one of that "
    "name; default: MAILLEDGER_DEFAULT_TENANT)."
)


@click.command()
@click.argument("message")
@tenant_option(_REFERENCE_TENANT)
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of text.")
@click.pass_context
def show(ctx: click.Context, message: str, tenant: str | None, as_json: bool) -> None:
    """Show a message (UUID or PROVIDER:PROVIDER_MESSAGE_ID) and each recipient's timeline."""
    tenant = tenant or settings_of(ctx).default_tenant
    with read_side_of(ctx) as side:
        message_id = resolve_message(side.queries, message, tenant)
        shape = side.queries.message(message_id, tenant=tenant)
        owner = shape["tenant"] if shape is not None else None
        if owner is not None:
            with user_errors(), ContactLinks(database_of(ctx)) as links:
                template = links.template_of(owner)
            if template is not None:
                # The message's tenant's link, whoever's default tenant the command ran as.
                shape = side.queries.message(message_id, tenant=tenant, contact_template=template)
    if shape is None:
        with user_errors():
            raise UnknownMessageError(message_id, message)
    click.echo(dumps(shape) if as_json else format_message(shape))


@click.command()
@click.option("--all", "show_all", is_flag=True, help="Every message, not only failed ones.")
@click.option(
    "--failed",
    "failed_only",
    is_flag=True,
    help="Only messages where a recipient failed (the default).",
)
@click.option("--dossier", help="Only this dossier's messages.")
@click.option("--category", help="Only sends registered with this category (kind of e-mail).")
@click.option("--template", help="Only sends rendered from this template.")
@click.option(
    "--templated/--untemplated",
    default=None,
    help="Only sends from a template (any), or only those from none.",
)
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
    category: str | None,
    template: str | None,
    templated: bool | None,
    status: str | None,
    outcome: str | None,
    tenant: str | None,
    recipient: str | None,
    as_json: bool,
) -> None:
    """The sent-mail list, newest first: failed messages by default, --all for every one."""
    if show_all and failed_only:
        raise click.UsageError("--all and --failed exclude each other")
    if template is not None and templated is False:
        raise click.UsageError("--template and --untemplated exclude each other")
    query = MessageQuery(
        tenant=tenant,
        failed_only=not show_all,
        dossier_id=dossier,
        category=category,
        template=template,
        templated=templated,
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


@click.command()
@click.argument("message")
@click.option(
    "--at", callback=_parse_time, help="State as the ledger knew it at this ISO-8601 time."
)
@click.option(
    "--version",
    type=click.IntRange(min=1, max=MAX_STORED_INTEGER),
    help="State at this version of the message.",
)
@tenant_option(_REFERENCE_TENANT)
@click.option("--json", "as_json", is_flag=True, help="JSON instead of text.")
@click.pass_context
def history(
    ctx: click.Context,
    message: str,
    at: datetime | None,
    version: int | None,
    tenant: str | None,
    as_json: bool,
) -> None:
    """For auditors: every stored event in log order, or the state at a time or version."""
    if at is not None and version is not None:
        raise click.UsageError("--at and --version exclude each other")
    tenant = tenant or settings_of(ctx).default_tenant
    with read_side_of(ctx) as side:
        message_id = resolve_message(side.queries, message, tenant)
        ledger = side.ledger
        if at is None and version is None:
            rows = history_json(ledger.get_history(message_id, reference=message))
            click.echo(dumps(rows) if as_json else format_history(rows))
            return
        state = ledger.get_message_at(message_id, version=version, at=at, reference=message)
    shape = message_json(state)
    click.echo(dumps(shape) if as_json else format_message(shape))


def _summary_command(by: str, plural: str) -> click.Command:
    """``mailledger {plural}``: each value of ``by`` among the registered sends, with counts."""

    @click.command(
        name=plural,
        help=f"Each {by} of the registered sends, with how many there were and how many failed "
        f"(some recipient did); the sends without one last, as (none).",
    )
    @click.option("--tenant", help="Only this tenant's sends (default: every tenant's).")
    @click.option("--sent-from", callback=_parse_time, help="Sent at or after this ISO-8601 time.")
    @click.option("--sent-until", callback=_parse_time, help="Sent before this ISO-8601 time.")
    @click.option("--json", "as_json", is_flag=True, help="A JSON array instead of a table.")
    @click.pass_context
    def summary(
        ctx: click.Context,
        tenant: str | None,
        sent_from: datetime | None,
        sent_until: datetime | None,
        as_json: bool,
    ) -> None:
        with read_side_of(ctx) as side:
            items = side.queries.groups(tenant, by, sent_from=sent_from, sent_until=sent_until)
        click.echo(dumps(items) if as_json else format_groups(items, by))

    return summary


categories = _summary_command("category", "categories")
templates = _summary_command("template", "templates")


@click.command()
@click.option("--tenant", help="Only this tenant's sends (default: every tenant's).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="First day (YYYY-MM-DD).")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Last day, inclusive.")
@click.option(
    "--by",
    type=click.Choice(GROUPINGS),
    help="One row per day and category (or template).",
)
@click.option("--json", "as_json", is_flag=True, help="A JSON array instead of a table.")
@click.pass_context
def stats(
    ctx: click.Context,
    tenant: str | None,
    since: datetime | None,
    until: datetime | None,
    by: str | None,
    as_json: bool,
) -> None:
    """Daily counts by the day of the send, oldest first: messages, recipients, outcomes."""
    first: date | None = since.date() if since else None
    last: date | None = until.date() if until else None
    if first is not None and last is not None and first > last:
        raise click.UsageError(f"--since ({first}) is after --until ({last}); until is inclusive")
    with read_side_of(ctx) as side:
        days = side.queries.daily_counts(tenant, since=first, until=last, by=by)
    click.echo(dumps(days) if as_json else format_days(days, by))
