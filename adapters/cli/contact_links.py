"""``mailledger contact-link show|set|reset``: a tenant's link from recipients to contacts."""

from __future__ import annotations

import click

from adapters.cli.addresses import OPERATOR
from adapters.cli.presenters import dumps
from adapters.cli.support import database_of, user_errors
from adapters.cli.tenancy import receiving_tenant, tenant_option
from adapters.storage.contact_links import ContactLinks
from domain.contact_links import InvalidContactTemplateError

_WHOSE = "Whose contact link (or MAILLEDGER_DEFAULT_TENANT)."


@click.group("contact-link")
def contact_link() -> None:
    """A tenant's contact URL template: recipients' links to their contact records."""


@contact_link.command("show")
@tenant_option(_WHOSE)
@click.pass_context
def show_contact_link(ctx: click.Context, tenant: str | None) -> None:
    """The template as JSON; ``template`` null when none is set."""
    owner = receiving_tenant(ctx, tenant)
    database = database_of(ctx)
    with user_errors(database), ContactLinks(database) as links:
        click.echo(dumps(links.get(owner).to_json()))


@contact_link.command("set")
@tenant_option(_WHOSE)
@click.argument("template")
@click.pass_context
def set_contact_link(ctx: click.Context, tenant: str | None, template: str) -> None:
    """Save TEMPLATE: an http(s) URL with {contact_ref} and {address} as placeholders,
    e.g. 'https://crm.example/contacts/{contact_ref}'."""
    owner = receiving_tenant(ctx, tenant)
    database = database_of(ctx)
    with user_errors(database), ContactLinks(database) as links:
        try:
            saved = links.set(owner, template, by=OPERATOR)
        except InvalidContactTemplateError as error:
            raise click.BadParameter(str(error), param_hint="TEMPLATE") from None
        click.echo(dumps(saved.to_json()))


@contact_link.command("reset")
@tenant_option(_WHOSE)
@click.pass_context
def reset_contact_link(ctx: click.Context, tenant: str | None) -> None:
    """Forget the tenant's template: recipients have no contact link."""
    owner = receiving_tenant(ctx, tenant)
    database = database_of(ctx)
    with user_errors(database), ContactLinks(database) as links:
        click.echo(dumps(links.reset(owner).to_json()))
