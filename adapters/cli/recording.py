"""``mailledger register`` and ``mailledger ingest``: sends and provider bodies from files."""

from __future__ import annotations

import sys
from typing import IO

import click
import structlog

from adapters.cli.presenters import dumps
from adapters.cli.support import (
    database_of,
    header_option,
    read_side_of,
    settings_of,
    source_name,
    user_errors,
)
from adapters.cli.tenancy import receiving_tenant, tenant_option
from adapters.intake.bodies import Body, read_bodies
from adapters.intake.input_errors import read_all, read_json_lines
from adapters.intake.recording import Batch, record_batch
from adapters.intake.registrations import RegistrationIn
from adapters.providers.registry import PROVIDER_NAMES
from adapters.storage.contents import ContentStore
from adapters.storage.quarantine import Quarantine
from adapters.verification.registry import verifier_for
from domain.values import utc_now

log = structlog.get_logger()


@click.command()
@click.argument("file", type=click.File("rb"), default="-")
@click.pass_context
def register(ctx: click.Context, file: IO[bytes]) -> None:
    """Register sends: JSON lines, one send each; the whole file or nothing."""
    source = source_name(file)
    with user_errors():
        sends = read_all(read_json_lines(file, source, RegistrationIn, RegistrationIn.to_send))
    with read_side_of(ctx) as side, ContentStore(database_of(ctx)) as contents:
        results = record_batch(side.ledger, Batch(sends=sends), views=side, contents=contents)
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


@click.command()
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
@tenant_option(
    "The tenant that received the bodies, whose messages they are recorded into. "
    "Default: MAILLEDGER_DEFAULT_TENANT."
)
@click.argument("files", nargs=-1, type=click.File("rb"))
@click.pass_context
def ingest(
    ctx: click.Context,
    provider: str,
    verify: bool,
    headers: dict[str, str],
    tenant: str | None,
    files: tuple[IO[bytes], ...],
) -> None:
    """Record provider webhook bodies, one per FILE (or stdin); all of them or nothing.

    Duplicates are ignored; events of types mailledger does not know are skipped with a
    warning that names them.
    """
    streams: tuple[IO[bytes], ...] = files or (sys.stdin.buffer,)
    receiver = receiving_tenant(ctx, tenant)
    with user_errors():
        verifier = verifier_for(provider, settings_of(ctx).verification()) if verify else None
        received_at = utc_now()
        bodies = (
            Body(source_name(stream), stream.read(), received_at, headers, tenant=receiver)
            for stream in streams
        )
        read = read_bodies(provider, bodies, verifier)
    with read_side_of(ctx) as side:
        results = record_batch(side.ledger, Batch(observations=read.observations), views=side)
        if read.set_aside:
            with Quarantine(database_of(ctx)) as quarantine:
                quarantine.add(read.set_aside, utc_now())
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
        quarantined=len(read.set_aside),
    )
