"""``mailledger keys``: issue, list and revoke the API keys of the database the CLI names."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click

from adapters.access.keys import ApiKey, KeyInputError, KeyNotFoundError, KeyStore, check_tenant
from adapters.access.roles import Role
from adapters.cli.access_stores import format_table, opened_store, utc_time
from adapters.cli.presenters import dumps


@contextmanager
def _key_store(ctx: click.Context) -> Iterator[KeyStore]:
    with opened_store(ctx, KeyStore, (KeyInputError, KeyNotFoundError)) as store:
        yield store


def key_json(key: ApiKey) -> dict[str, Any]:
    """A key as ``keys list --json`` shows it: never the secret, which is not stored."""
    return {
        "key_id": key.key_id,
        "tenant": key.tenant,
        "role": key.role.value,
        "label": key.label,
        "created_at": key.created_at.isoformat(),
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
    }


def format_keys(keys: Sequence[ApiKey]) -> str:
    """The keys as a table, times in UTC."""
    if not keys:
        return "No keys."
    header = ("KEY ID", "TENANT", "ROLE", "CREATED", "REVOKED", "LABEL")
    rows = [
        (k.key_id, k.tenant, k.role.value, utc_time(k.created_at), utc_time(k.revoked_at), k.label)
        for k in keys
    ]
    return format_table(header, rows)


@click.group()
def keys() -> None:
    """API keys of the HTTP API: each for one tenant and one role, stored hashed."""


@keys.command("create")
@click.option("--tenant", required=True, help="The one tenant the key may see and act for.")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    required=True,
    help="What the key may do (see docs/access.md).",
)
@click.option("--label", default="", help="Who or what holds the key; up to 200 characters.")
@click.pass_context
def create_key(ctx: click.Context, tenant: str, role: str, label: str) -> None:
    """Issue a key and print its token, shown this once.

    The token goes to stdout alone, so it can be piped into a secret store; a note naming
    the key goes to stderr. Only a hash of the token is kept: it cannot be shown again.
    """
    # Checked before the database is opened, so a typo creates no SQLite file.
    try:
        check_tenant(tenant)
    except KeyInputError as error:
        raise click.ClickException(str(error)) from None
    with _key_store(ctx) as store:
        issued = store.create(tenant, Role(role), label)
    click.echo(issued.secret)
    click.echo(
        f"created key {issued.key.key_id} (role {issued.key.role.value}, tenant {tenant}); "
        "the key is shown once, store it now",
        err=True,
    )


@keys.command("list")
@click.option("--tenant", help="Only this tenant's keys.")
@click.option("--json", "as_json", is_flag=True, help="A JSON array instead of a table.")
@click.pass_context
def list_keys(ctx: click.Context, tenant: str | None, as_json: bool) -> None:
    """Every key, oldest first, revoked ones too; never a secret."""
    with _key_store(ctx) as store:
        found = store.list(tenant)
    click.echo(dumps([key_json(k) for k in found]) if as_json else format_keys(found))


@keys.command("revoke")
@click.argument("key_id")
@click.pass_context
def revoke_key(ctx: click.Context, key_id: str) -> None:
    """Revoke a key for good.

    The API refuses the key from the next request on; the key stays listed, with the time
    it was revoked.
    """
    with _key_store(ctx) as store:
        key = store.revoke(key_id)
    click.echo(f"revoked {key.key_id}")
