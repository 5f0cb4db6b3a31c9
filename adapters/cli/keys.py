"""``mailledger keys``: issue, list and revoke the API keys of the database the CLI names."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import click
import psycopg

from adapters.access.keys import ApiKey, KeyInputError, KeyNotFoundError, KeyStore, check_tenant
from adapters.access.roles import Role
from adapters.cli.presenters import dumps
from adapters.cli.support import database_of, user_errors
from adapters.errors import first_line
from adapters.storage.database import Database


@contextmanager
def _key_errors(database: Database) -> Iterator[None]:
    try:
        yield
    except (KeyInputError, KeyNotFoundError) as error:
        raise click.ClickException(str(error)) from None
    except (psycopg.Error, sqlite3.Error) as error:
        # Beyond an unreachable server (which user_errors words): a schema that does not
        # exist, a role without rights on it, a file that is not a database.
        raise click.ClickException(f"cannot use {database.display}: {first_line(error)}") from None


@contextmanager
def _key_store(ctx: click.Context) -> Iterator[KeyStore]:
    database = database_of(ctx)
    with user_errors(database), _key_errors(database):
        store = KeyStore(database)
        try:
            yield store
        finally:
            store.close()


def _time(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else "-"


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
        (k.key_id, k.tenant, k.role.value, _time(k.created_at), _time(k.revoked_at), k.label)
        for k in keys
    ]
    table = [header, *rows]
    # The label is free text and comes last, unpadded; the other columns fit their longest cell.
    widths = [max(len(row[i]) for row in table) for i in range(len(header) - 1)]
    lines = []
    for row in table:
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return "\n".join(lines)


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
