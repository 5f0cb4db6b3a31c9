"""``mailledger subscriptions add|list|show|remove|enable|deliveries|resend``: the tenants'
webhook subscriptions to signals, for an operator of the database the CLI names."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

import click

from adapters.cli.presenters import dumps
from adapters.cli.support import database_of, settings_of, user_errors
from adapters.cli.tenancy import tenant_option
from adapters.signals.delivery import Dispatcher
from adapters.signals.delivery_log import MAX_LISTED, InvalidLogCursorError
from adapters.signals.stores import SignalStores
from adapters.signals.subscriptions import Subscription, SubscriptionInputError, parse_kinds
from adapters.signals.urls import UrlRefusedError
from domain.values import utc_now
from projections.signal_outbox import SignalKind


@contextmanager
def _dispatcher(ctx: click.Context) -> Iterator[Dispatcher]:
    database = database_of(ctx)
    settings = settings_of(ctx)
    with user_errors(database), SignalStores(database) as stores:
        try:
            yield Dispatcher(
                stores, settings.url_policy(), timeout=settings.signals_delivery_timeout
            )
        except (UrlRefusedError, SubscriptionInputError, InvalidLogCursorError) as error:
            raise click.ClickException(str(error)) from None


def _found(dispatcher: Dispatcher, subscription_id: str) -> Subscription:
    found = dispatcher.stores.subscriptions.get(subscription_id, None)
    if found is None:
        raise click.ClickException(
            f"no subscription {subscription_id}; 'mailledger subscriptions list' shows them"
        )
    return found


@click.group()
def subscriptions() -> None:
    """Webhook subscriptions: where each tenant's signals are POSTed, signed."""


@subscriptions.command("add")
@click.argument("url")
@tenant_option("The tenant whose signals go to URL (required).")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice([k.value for k in SignalKind]),
    help="A signal kind to send (repeatable); none: every kind.",
)
@click.option("--category", help="Only signals about messages of this category.")
@click.option("--template", help="Only signals about messages of this template.")
@click.pass_context
def add(
    ctx: click.Context,
    url: str,
    tenant: str | None,
    kinds: tuple[str, ...],
    category: str | None,
    template: str | None,
) -> None:
    """Subscribe URL (https, public) to a tenant's signals; prints it as JSON with its
    secret, which is shown this once."""
    if tenant is None:
        raise click.UsageError("give --tenant TENANT: a subscription is one tenant's")
    with _dispatcher(ctx) as dispatcher:
        created = dispatcher.subscribe(
            tenant,
            url,
            kinds=parse_kinds(kinds),
            category=category,
            template=template,
            at=utc_now(),
        )
    click.echo(dumps({"subscription": created.subscription.to_json(), "secret": created.secret}))
    click.echo(
        "Keep the secret now: it verifies Mailledger-Signature and is not shown again.", err=True
    )


@subscriptions.command("list")
@tenant_option("Only this tenant's subscriptions.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines.")
@click.pass_context
def list_subscriptions(ctx: click.Context, tenant: str | None, as_json: bool) -> None:
    """Oldest first: id, tenant, state, failures, kinds, URL."""
    with _dispatcher(ctx) as dispatcher:
        listed = dispatcher.stores.subscriptions.listed(tenant)
    for subscription in listed:
        if as_json:
            click.echo(dumps(subscription.to_json()))
            continue
        state = "active" if subscription.active else "disabled"
        kinds = ",".join(sorted(subscription.kinds)) or "*"
        click.echo(
            f"{subscription.subscription_id}  {subscription.tenant}  {state}  "
            f"failures={subscription.failures}  {kinds}  {subscription.url}"
        )


@subscriptions.command("show")
@click.argument("subscription_id")
@click.pass_context
def show(ctx: click.Context, subscription_id: str) -> None:
    """One subscription as JSON, never its secret."""
    with _dispatcher(ctx) as dispatcher:
        click.echo(dumps(_found(dispatcher, subscription_id).to_json()))


@subscriptions.command("remove")
@click.argument("subscription_id")
@click.pass_context
def remove(ctx: click.Context, subscription_id: str) -> None:
    """Delete a subscription and its delivery log; prints it as it was."""
    with _dispatcher(ctx) as dispatcher:
        found = _found(dispatcher, subscription_id)
        dispatcher.remove(subscription_id)
    click.echo(dumps(found.to_json()))


@subscriptions.command("enable")
@click.argument("subscription_id")
@click.pass_context
def enable(ctx: click.Context, subscription_id: str) -> None:
    """Deliver to a disabled subscription again, from a clean failure streak."""
    with _dispatcher(ctx) as dispatcher:
        _found(dispatcher, subscription_id)
        dispatcher.stores.subscriptions.enable(subscription_id)
        click.echo(dumps(_found(dispatcher, subscription_id).to_json()))


@subscriptions.command("deliveries")
@click.argument("subscription_id")
@click.option("--limit", type=click.IntRange(1, MAX_LISTED), default=50, show_default=True)
@click.option("--cursor", help="The next_cursor the previous page printed.")
@click.pass_context
def deliveries(ctx: click.Context, subscription_id: str, limit: int, cursor: str | None) -> None:
    """The delivery log, newest attempt first: one JSON line per attempt, then the next
    page's cursor on stderr when there is one."""
    with _dispatcher(ctx) as dispatcher:
        _found(dispatcher, subscription_id)
        page = dispatcher.stores.log.attempts(subscription_id, limit, cursor)
    for attempt in page.items:
        click.echo(dumps(attempt.to_json()))
    if page.next_cursor:
        click.echo(f"next page: --cursor {page.next_cursor}", err=True)


@subscriptions.command("resend")
@click.argument("subscription_id")
@click.argument("signal_id", type=click.UUID)
@click.pass_context
def resend(ctx: click.Context, subscription_id: str, signal_id: UUID) -> None:
    """Send a signal to the subscription again now; prints the attempt. Exits 1 when the
    receiver did not answer 2xx (retries follow, as for any failure)."""
    with _dispatcher(ctx) as dispatcher:
        _found(dispatcher, subscription_id)
        attempt = dispatcher.resend(subscription_id, signal_id, utc_now())
    if attempt is None:
        raise click.ClickException(
            f"no delivery of signal {signal_id} to {subscription_id}; see 'subscriptions "
            "deliveries'"
        )
    click.echo(dumps(attempt.to_json()))
    if attempt.outcome.value != "delivered":
        raise click.ClickException(
            f"the receiver did not take it ({attempt.status or attempt.error}); it is retried"
        )
