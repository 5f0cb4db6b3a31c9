"""``mailledger users``: the console's accounts, created, listed, disabled, granted roles.

A password is never an option (it would stay in the shell's history and in the process
list): it is read from standard input with ``--password-stdin``, or asked twice, hidden, on
a terminal. Neither a password nor its hash is ever printed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import click

from adapters.access.users import (
    PERSON_ROLES,
    User,
    UserInputError,
    UserNotFoundError,
    UserStore,
    check_password,
    check_tenant,
    normalise_email,
)
from adapters.cli.access_stores import format_table, opened_store, utc_time
from adapters.cli.presenters import dumps
from domain.values import utc_now

_ROLE_NAMES = sorted(role.value for role in PERSON_ROLES)


@contextmanager
def _user_store(ctx: click.Context) -> Iterator[UserStore]:
    with opened_store(ctx, UserStore, (UserInputError, UserNotFoundError)) as store:
        yield store


def _change(
    ctx: click.Context, tenant: str, email: str, change: Callable[[UserStore, str, str], User]
) -> User:
    """One account, found by tenant and e-mail, changed in its store."""
    tenant, email = _checked(tenant, email)
    with _user_store(ctx) as store:
        return change(store, tenant, email)


def _checked(tenant: str, email: str) -> tuple[str, str]:
    # Before the database is opened, so a typo creates no SQLite file.
    try:
        return check_tenant(tenant), normalise_email(email)
    except UserInputError as error:
        raise click.ClickException(str(error)) from None


def _password(from_stdin: bool) -> str:
    """The password from standard input, or asked twice on a terminal; checked either way."""
    if from_stdin:
        text = sys.stdin.read()
        # One line as `echo` or a secret manager writes it: the line break is not the password.
        password = text.removesuffix("\n").removesuffix("\r")
    elif sys.stdin.isatty():
        password = click.prompt(
            "Password", hide_input=True, confirmation_prompt="Repeat the password"
        )
    else:
        raise click.ClickException(
            "standard input is not a terminal: pass the password on it with --password-stdin"
        )
    try:
        return check_password(password)
    except UserInputError as error:
        raise click.ClickException(str(error)) from None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _status(user: User, now: datetime) -> str:
    if not user.active:
        return "disabled"
    if user.locked_until is not None and user.locked_until > now:
        return "locked"
    return "active"


def user_json(user: User, now: datetime) -> dict[str, Any]:
    """An account as ``users list --json`` shows it: never the password hash."""
    return {
        "user_id": user.user_id,
        "tenant": user.tenant,
        "email": user.email,
        "role": user.role.value,
        "name": user.name,
        "status": _status(user, now),
        "created_at": user.created_at.isoformat(),
        "disabled_at": _iso(user.disabled_at),
        "failed_sign_ins": user.failed_sign_ins,
        "locked_until": _iso(user.locked_until),
        "last_sign_in_at": _iso(user.last_sign_in_at),
        "language": user.language,
    }


def format_users(users: Sequence[User], now: datetime) -> str:
    """The accounts as a table, times in UTC; the name, free text, comes last."""
    if not users:
        return "No users."
    header = ("USER ID", "ROLE", "STATUS", "CREATED", "LAST SIGN-IN", "EMAIL", "NAME")
    rows = [
        (
            u.user_id,
            u.role.value,
            _status(u, now),
            utc_time(u.created_at),
            utc_time(u.last_sign_in_at),
            u.email,
            u.name or "",
        )
        for u in users
    ]
    return format_table(header, rows)


tenant_option = click.option("--tenant", required=True, help="The tenant the account belongs to.")
email_option = click.option("--email", required=True, help="The account's e-mail address.")
role_option = click.option(
    "--role",
    type=click.Choice(_ROLE_NAMES),
    required=True,
    help="What the person may do in the console (see docs/security.md).",
)
password_stdin_option = click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input (one line) instead of asking on the terminal.",
)


@click.group()
def users() -> None:
    """The people who sign in to the console: one account per tenant and e-mail."""


@users.command("create")
@tenant_option
@email_option
@role_option
@click.option("--name", help="How the console greets the person; up to 200 characters.")
@password_stdin_option
@click.pass_context
def create_user(
    ctx: click.Context,
    tenant: str,
    email: str,
    role: str,
    name: str | None,
    password_stdin: bool,
) -> None:
    """Create an account; its password is read, never shown, and stored as an argon2id hash."""
    tenant, email = _checked(tenant, email)
    password = _password(password_stdin)
    with _user_store(ctx) as store:
        user = store.create(tenant, email, role, password, name=name)
    click.echo(f"created user {user.user_id} (role {user.role.value}, tenant {user.tenant})")


@users.command("list")
@click.option("--tenant", required=True, help="The tenant whose accounts to list.")
@click.option("--json", "as_json", is_flag=True, help="A JSON array instead of a table.")
@click.pass_context
def list_users(ctx: click.Context, tenant: str, as_json: bool) -> None:
    """The tenant's accounts, oldest first, disabled ones too."""
    try:
        tenant = check_tenant(tenant)
    except UserInputError as error:
        raise click.ClickException(str(error)) from None
    with _user_store(ctx) as store:
        found = store.list(tenant)
    now = utc_now()
    click.echo(dumps([user_json(u, now) for u in found]) if as_json else format_users(found, now))


@users.command("disable")
@tenant_option
@email_option
@click.pass_context
def disable_user(ctx: click.Context, tenant: str, email: str) -> None:
    """Disable an account: it signs in no more and its sessions end at once."""
    user = _change(ctx, tenant, email, UserStore.disable)
    click.echo(f"disabled user {user.user_id}")


@users.command("enable")
@tenant_option
@email_option
@click.pass_context
def enable_user(ctx: click.Context, tenant: str, email: str) -> None:
    """Enable a disabled account again (and lift a lock-out)."""
    user = _change(ctx, tenant, email, UserStore.enable)
    click.echo(f"enabled user {user.user_id}")


@users.command("grant")
@tenant_option
@email_option
@role_option
@click.pass_context
def grant_role(ctx: click.Context, tenant: str, email: str, role: str) -> None:
    """Give an account another role; its open sessions end, so it applies at once."""
    user = _change(ctx, tenant, email, lambda store, t, e: store.grant(t, e, role))
    click.echo(f"user {user.user_id} now has role {user.role.value}")


@users.command("set-password")
@tenant_option
@email_option
@password_stdin_option
@click.pass_context
def set_password(ctx: click.Context, tenant: str, email: str, password_stdin: bool) -> None:
    """Replace an account's password; its sessions end and any lock-out is lifted."""
    _checked(tenant, email)  # a typo is told before the password is asked
    password = _password(password_stdin)
    user = _change(ctx, tenant, email, lambda store, t, e: store.set_password(t, e, password))
    click.echo(f"set the password of user {user.user_id}")
