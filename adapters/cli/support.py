"""What the commands share: one-line errors, the ledger of the command line, input helpers."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, NoReturn

import click

from adapters.errors import SettingError, first_line
from adapters.intake.bodies import BodyReadError
from adapters.intake.input_errors import InputError
from adapters.settings import Settings
from adapters.storage.database import (
    DATABASE_ERRORS,
    Database,
    DatabaseUrlError,
    open_ledger,
    parse_database_url,
)
from adapters.verification.registry import UnverifiableProviderError
from domain.errors import MailledgerError
from domain.ledger import Ledger

if TYPE_CHECKING:
    from adapters.storage.read_side import ReadSide


@contextmanager
def user_errors(database: Database | None = None) -> Iterator[None]:
    """Turn expected failures into one line on stderr and a non-zero exit."""
    try:
        yield
    except (
        InputError,
        BodyReadError,
        SettingError,
        UnverifiableProviderError,
        MailledgerError,
        DatabaseUrlError,
    ) as error:
        raise click.ClickException(str(error)) from None
    except DATABASE_ERRORS as error:
        where = database.display if database else "the database"
        raise click.ClickException(
            f"cannot use {where}: {first_line(error)}; check --database or MAILLEDGER_DATABASE_URL"
        ) from None


def settings_of(ctx: click.Context) -> Settings:
    """The settings the entry point read for this process."""
    settings = ctx.find_object(Settings)
    if settings is None:
        raise RuntimeError("commands run under the mailledger entry point, which reads settings")
    return settings


def database_of(ctx: click.Context) -> Database:
    """The database the settings (or --database) name; a bad URL is one line."""
    with user_errors():
        return parse_database_url(settings_of(ctx).database_url)


@contextmanager
def ledger_of(ctx: click.Context) -> Iterator[Ledger]:
    """The Ledger on the database the command line names, closed afterwards."""
    database = database_of(ctx)
    with user_errors(database):
        ledger = open_ledger(database)
        try:
            yield ledger
        finally:
            ledger.close()


def source_name(stream: IO[bytes]) -> str:
    name = getattr(stream, "name", "-")
    return "stdin" if name in ("-", "<stdin>") else str(name)


def parse_headers(_: click.Context, __: click.Parameter, values: tuple[str, ...]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for value in values:
        name, colon, content = value.partition(":")
        if not colon or not name.strip():
            raise click.BadParameter(f"{value!r} is not 'Name: value'")
        headers[name.strip()] = content.strip()
    return headers


header_option = click.option(
    "--header",
    "headers",
    multiple=True,
    callback=parse_headers,
    metavar="'NAME: VALUE'",
    help="A header of the request that posted the bodies (signatures, credentials); repeatable.",
)
"""``--header 'Name: value'``, repeatable, given to the command as a dict ``headers``."""


@contextmanager
def read_side_of(ctx: click.Context) -> Iterator[ReadSide]:
    """The ledger and the views of the command line's database, views caught up on entry.

    Commands that write call ``catch_up()`` again before they return, so the views are current
    whenever a command has finished, on SQLite too, where nothing else follows the log.
    """
    from adapters.storage.read_side import open_read_side

    database = database_of(ctx)
    with user_errors(database):
        side = open_read_side(database, policies=settings_of(ctx).policy_defaults())
        try:
            side.catch_up()
            yield side
        finally:
            side.close()


def run_in_one_line(command: click.Command, prog_name: str | None = None) -> NoReturn:
    """Run a command line, every error, usage mistakes included, as one line on stderr."""
    try:
        code = command.main(prog_name=prog_name, standalone_mode=False)
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
