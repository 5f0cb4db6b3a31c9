"""Whose messages a command works on: ``--tenant``, the installation's default tenant, and
message references (``PROVIDER:ID``) that only a tenant makes unambiguous."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

import click

from adapters.cli.support import settings_of
from domain.errors import InvalidObservationError, UnknownMessageError
from domain.identity import PLATFORM, check_tenant, normalise_identity, parse_message_reference
from projections.queries import ReadModels

F = TypeVar("F", bound=Callable[..., Any])


def _checked(_: click.Context, __: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return check_tenant(value)
    except InvalidObservationError as error:
        raise click.BadParameter(error.problem) from None


def tenant_option(help_text: str) -> Callable[[F], F]:
    """The ``--tenant`` option, checked against the tenant rule."""
    return click.option("--tenant", callback=_checked, metavar="TENANT", help=help_text)


def receiving_tenant(ctx: click.Context, tenant: str | None) -> str:
    """The tenant that receives what the command records: ``--tenant``, else the default
    tenant of a single-tenant installation; never guessed from a body."""
    chosen = tenant or settings_of(ctx).default_tenant
    if chosen is None:
        raise click.UsageError(
            "give --tenant TENANT: provider bodies do not say whose they are (a single-tenant "
            "installation may set MAILLEDGER_DEFAULT_TENANT instead)"
        )
    return chosen


def resolve_message(queries: ReadModels, reference: str, tenant: str | None) -> UUID:
    """The message a reference names. A UUID is itself; ``PROVIDER:ID`` and
    ``platform:EXTERNAL_REF`` are the tenant's when a tenant is given, else the one message
    the views hold under that name; a name several tenants hold asks for ``--tenant``."""
    if tenant is not None:
        return parse_message_reference(reference, tenant)
    try:
        return UUID(reference.strip())
    except ValueError:
        pass
    provider, sep, key = reference.strip().partition(":")
    if not sep or not provider or not key:
        # Let the domain say what a reference looks like.
        return parse_message_reference(reference, "-")
    name = provider.strip().lower()
    if name != PLATFORM:
        name, key = normalise_identity(provider, key)
    found = queries.messages_named(name, key)
    if len(found) == 1:
        return found[0][0]
    if not found:
        raise UnknownMessageError(parse_message_reference(reference, "-"), reference)
    tenants = sorted({owner or "?" for _, owner in found})
    raise click.UsageError(
        f"{reference} names messages of {len(tenants)} tenants ({', '.join(tenants)}); "
        "give --tenant TENANT to choose one"
    )
