"""``mailledger addresses show|check|lift|prefer``, ``suppressions`` and ``policy``: one
tenant's addresses, its suppression list and its rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import click

from adapters.cli.presenters import dumps, history_json
from adapters.cli.support import read_side_of
from adapters.cli.tenancy import receiving_tenant, tenant_option
from adapters.storage.read_side import ReadSide
from adapters.storage.tenant_policies import TenantPolicy
from domain.address import NotSuppressedError, Preference
from domain.address_book import UnknownAddressError
from domain.errors import InvalidObservationError
from domain.suppression import Reason, SuppressionPolicy
from domain.values import normalise_address
from projections.address_queries import SuppressionQuery, status_item
from projections.queries import MAX_PAGE_SIZE

OPERATOR = "command line"
"""Who a lift or a preference from the command line is recorded as made by."""


def address_shape(side: ReadSide, tenant: str, address: str) -> dict[str, Any]:
    """The address's status from the views and its history from the log (the API's shape);
    UnknownAddressError when the tenant has nothing recorded about it."""
    book = side.address_book
    rows = side.address_queries.statuses(tenant, [book.id_of(tenant, address)])
    history = history_json(book.history(tenant, address))
    if not rows:
        raise UnknownAddressError
    return {**status_item(next(iter(rows.values())), datetime.now(UTC)), "history": history}


def policy_json(found: TenantPolicy) -> dict[str, Any]:
    """A tenant's rules, as the API and the command line show them."""
    policy = found.policy
    return {
        "soft_failures": policy.soft_failures,
        "window_days": policy.window.total_seconds() / 86_400,
        "suppress_on_block": policy.suppress_on_block,
        "expiry_days": policy.expiry.total_seconds() / 86_400 if policy.expiry else None,
        "own": found.own,
        "updated_at": found.updated_at.isoformat() if found.updated_at else None,
        "updated_by": found.updated_by,
    }


def _address(value: str) -> str:
    try:
        return normalise_address(value, "address")
    except InvalidObservationError as error:
        raise click.BadParameter(error.problem) from None


@click.group()
def addresses() -> None:
    """One tenant's recipient addresses: status, the pre-send check, lifts, preferences."""


@addresses.command("show")
@click.argument("address")
@tenant_option("Whose address (or MAILLEDGER_DEFAULT_TENANT).")
@click.pass_context
def show_address(ctx: click.Context, address: str, tenant: str | None) -> None:
    """The address as JSON: suppressed or not, why, since, its preference and history."""
    owner = receiving_tenant(ctx, tenant)
    with read_side_of(ctx) as side:
        try:
            shape = address_shape(side, owner, _address(address))
        except UnknownAddressError as error:
            raise click.ClickException(f"{error} for tenant {owner}") from None
    click.echo(dumps(shape))


@addresses.command("check")
@click.argument("candidates", nargs=-1, required=True, metavar="ADDRESS...")
@tenant_option("Whose addresses (or MAILLEDGER_DEFAULT_TENANT).")
@click.pass_context
def check_addresses(ctx: click.Context, candidates: tuple[str, ...], tenant: str | None) -> None:
    """One JSON line per address: may the platform send to it. Exits 1 when some may not."""
    owner = receiving_tenant(ctx, tenant)
    refused = 0
    with read_side_of(ctx) as side:
        now = datetime.now(UTC)
        for candidate in candidates:
            try:
                key = side.address_book.id_of(owner, candidate)
            except InvalidObservationError as error:
                refused += 1
                click.echo(dumps({"address": candidate, "allowed": False, "reason": error.problem}))
                continue
            verdict = side.address_queries.check(owner, [key], now)[key]
            refused += not verdict.allowed
            click.echo(
                dumps({"address": candidate, "allowed": verdict.allowed, "reason": verdict.reason})
            )
    if refused:
        raise click.ClickException(f"{refused} of {len(candidates)} addresses may not be sent to")


@addresses.command("lift")
@click.argument("address")
@click.option("--reason", required=True, help="Why it may be sent to again (kept).")
@tenant_option("Whose address (or MAILLEDGER_DEFAULT_TENANT).")
@click.pass_context
def lift_address(ctx: click.Context, address: str, reason: str, tenant: str | None) -> None:
    """Lift the address's suppression; what happened before no longer counts."""
    owner = receiving_tenant(ctx, tenant)
    target = _address(address)
    with read_side_of(ctx) as side:
        try:
            side.address_book.lift(owner, target, by=OPERATOR, reason=reason, at=datetime.now(UTC))
        except (UnknownAddressError, NotSuppressedError) as error:
            raise click.ClickException(f"{error} ({target}, tenant {owner})") from None
        side.catch_up()
        click.echo(dumps(address_shape(side, owner, target)))


@addresses.command("prefer")
@click.argument("address")
@click.argument("preference", type=click.Choice([p.value for p in Preference]))
@tenant_option("Whose address (or MAILLEDGER_DEFAULT_TENANT).")
@click.pass_context
def prefer_address(ctx: click.Context, address: str, preference: str, tenant: str | None) -> None:
    """Record whether the recipient wants e-mail: yes, no, not_applicable."""
    owner = receiving_tenant(ctx, tenant)
    target = _address(address)
    with read_side_of(ctx) as side:
        side.address_book.prefer(
            owner, target, Preference(preference), by=OPERATOR, at=datetime.now(UTC)
        )
        side.catch_up()
        click.echo(dumps(address_shape(side, owner, target)))


@click.command("suppressions")
@tenant_option("Whose list (or MAILLEDGER_DEFAULT_TENANT).")
@click.option("--reason", type=click.Choice([r.value for r in Reason]), help="Only this reason.")
@click.option("--domain", help="Only addresses of this domain.")
@click.option("--limit", type=click.IntRange(1, MAX_PAGE_SIZE), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON line per address.")
@click.pass_context
def suppressions(
    ctx: click.Context,
    tenant: str | None,
    reason: str | None,
    domain: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """The tenant's suppressed addresses, most recently suppressed first."""
    owner = receiving_tenant(ctx, tenant)
    with read_side_of(ctx) as side:
        page = side.address_queries.suppressions(
            SuppressionQuery(
                tenant=owner, now=datetime.now(UTC), reason=reason, domain=domain, limit=limit
            )
        )
    for item in page.items:
        if as_json:
            click.echo(dumps(item))
        else:
            click.echo(f"{item['since'][:16]}  {item['reason']:<14}  {item['address']}")


@click.group()
def policy() -> None:
    """A tenant's suppression rules (by default the installation's, from its settings)."""


@policy.command("show")
@tenant_option("Whose rules (or MAILLEDGER_DEFAULT_TENANT).")
@click.pass_context
def show_policy(ctx: click.Context, tenant: str | None) -> None:
    """The rules as JSON; ``own`` false when the installation's apply."""
    owner = receiving_tenant(ctx, tenant)
    with read_side_of(ctx) as side:
        click.echo(dumps(policy_json(side.tenant_policies.get(owner))))


@policy.command("set")
@tenant_option("Whose rules (or MAILLEDGER_DEFAULT_TENANT).")
@click.option("--soft-failures", type=click.IntRange(1, 1000), required=True)
@click.option("--window-days", type=click.FloatRange(0, 3650, min_open=True), required=True)
@click.option("--suppress-on-block/--no-suppress-on-block", default=False, show_default=True)
@click.option("--expiry-days", type=click.FloatRange(0, 36500, min_open=True), default=None)
@click.pass_context
def set_policy(
    ctx: click.Context,
    tenant: str | None,
    soft_failures: int,
    window_days: float,
    suppress_on_block: bool,
    expiry_days: float | None,
) -> None:
    """Save the tenant's own rules; they apply to facts settled from now on."""
    owner = receiving_tenant(ctx, tenant)
    try:
        rules = SuppressionPolicy(
            soft_failures=soft_failures,
            window=timedelta(days=window_days),
            suppress_on_block=suppress_on_block,
            expiry=timedelta(days=expiry_days) if expiry_days is not None else None,
        )
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    with read_side_of(ctx) as side:
        click.echo(dumps(policy_json(side.tenant_policies.set(owner, rules, by=OPERATOR))))


@policy.command("reset")
@tenant_option("Whose rules (or MAILLEDGER_DEFAULT_TENANT).")
@click.pass_context
def reset_policy(ctx: click.Context, tenant: str | None) -> None:
    """Forget the tenant's own rules: the installation's apply again."""
    owner = receiving_tenant(ctx, tenant)
    with read_side_of(ctx) as side:
        click.echo(dumps(policy_json(side.tenant_policies.reset(owner))))
