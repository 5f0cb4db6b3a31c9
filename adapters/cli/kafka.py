"""``mailledger publish`` and ``mailledger dead-letters``: the producer side, and the operator's."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

import click
import structlog
from kafka.errors import KafkaError

from adapters.cli.kafka_options import kafka_options
from adapters.cli.presenters import dumps
from adapters.cli.support import header_option, settings_of, source_name, user_errors
from adapters.cli.tenancy import receiving_tenant, tenant_option
from adapters.intake.bodies import Body
from adapters.intake.input_errors import parse_record, read_all
from adapters.intake.registrations import RegistrationIn
from adapters.intake.to_kafka import provider_records, registration_record
from adapters.kafka.dead_letters import StoredDeadLetter, read_dead_letters
from adapters.kafka.publisher import Published, Publisher, PublishError
from adapters.kafka.records import Record
from adapters.kafka.settings import KafkaSettings
from adapters.kafka.topics import TopicLayoutError, ensure_topics
from adapters.providers.registry import PROVIDER_NAMES
from adapters.verification.registry import verifier_for
from domain.values import utc_now

log = structlog.get_logger()


@contextmanager
def kafka_errors(kafka: KafkaSettings) -> Iterator[None]:
    """Broker failures as one line that names the broker and the setting to check."""
    try:
        yield
    except (PublishError, TopicLayoutError, TimeoutError) as error:
        raise click.ClickException(str(error)) from None
    except KafkaError as error:
        raise click.ClickException(
            f"Kafka at {kafka.bootstrap_servers}: {error}; check --bootstrap-servers or "
            "MAILLEDGER_KAFKA_BOOTSTRAP_SERVERS"
        ) from None


def _echo_published(published: Published) -> None:
    record = published.record
    click.echo(
        dumps(
            {
                "topic": record.topic,
                "partition": published.partition,
                "offset": published.offset,
                "key": record.key.decode("ascii") if record.key else None,
                "source": record.source,
                "events": record.events,
            }
        )
    )


def _registration_records(kafka: KafkaSettings, stream: IO[bytes]) -> Iterator[Record]:
    source = source_name(stream)
    for number, raw in enumerate(stream, start=1):
        if raw.strip():
            send = parse_record(raw, source, number, RegistrationIn, RegistrationIn.to_send)
            yield registration_record(kafka.messages_topic, send, raw, f"{source}:{number}")


@click.command()
@click.option(
    "--provider",
    type=click.Choice(PROVIDER_NAMES),
    help="Who posted the bodies; 'generic' is mailledger's own JSON lines.",
)
@click.option(
    "--registrations",
    is_flag=True,
    help="Publish sends (JSON lines, as 'mailledger register' reads them) instead of bodies.",
)
@click.option(
    "--verify",
    is_flag=True,
    help="Check each body's signature here, as received now (see docs/providers.md).",
)
@header_option
@tenant_option(
    "The tenant that received the bodies (with --provider; registrations name their own). "
    "Default: MAILLEDGER_DEFAULT_TENANT."
)
@click.argument("files", nargs=-1, type=click.File("rb"))
@kafka_options
@click.pass_context
def publish(
    ctx: click.Context,
    kafka: KafkaSettings,
    provider: str | None,
    registrations: bool,
    verify: bool,
    headers: dict[str, str],
    tenant: str | None,
    files: tuple[IO[bytes], ...],
) -> None:
    """Put provider bodies (one per FILE, or stdin) or registrations on their Kafka topic.

    Every input is read and checked first; nothing is published when one is bad. Records are
    keyed by message id, a body holding several messages split into one record per message.
    Prints one JSON line per record: topic, partition, offset, key, source, events.
    """
    if registrations == (provider is not None):
        raise click.UsageError("give either --provider P or --registrations")
    streams: tuple[IO[bytes], ...] = files or (sys.stdin.buffer,)
    with user_errors():
        if registrations:
            if verify or headers or tenant:
                raise click.UsageError(
                    "--verify, --header and --tenant go with --provider; registrations name "
                    "their tenant"
                )
            records = read_all(
                r for stream in streams for r in _registration_records(kafka, stream)
            )
        else:
            assert provider is not None
            receiver = receiving_tenant(ctx, tenant)
            verifier = verifier_for(provider, settings_of(ctx).verification()) if verify else None
            received_at = utc_now()
            bodies = (
                Body(source_name(stream), stream.read(), received_at, headers, tenant=receiver)
                for stream in streams
            )
            records = read_all(
                provider_records(kafka.provider_events_topic, provider, bodies, verifier)
            )
    with kafka_errors(kafka):
        ensure_topics(kafka)
        with Publisher(kafka) as publisher:
            count = publisher.publish(records, on_published=_echo_published)
    log.info(
        "records.published",
        topic=kafka.messages_topic if registrations else kafka.provider_events_topic,
        records=count,
        events=sum(r.events for r in records),
    )


@click.group("dead-letters")
def dead_letters() -> None:
    """Look at the records consumers set aside, and send them again after a fix."""


def _letter_json(stored: StoredDeadLetter, *, with_value: bool) -> dict[str, object]:
    at = {"partition": stored.partition, "offset": stored.offset}
    if stored.letter is None:
        return {**at, "unreadable": stored.unreadable}
    letter = stored.letter
    row: dict[str, object] = {
        **at,
        "from": f"{letter.topic}:{letter.partition}@{letter.offset}",
        "failed_at": letter.failed_at,
        "reason": letter.reason,
    }
    if with_value:
        row["key_base64"] = letter.key_base64
        row["value_base64"] = letter.value_base64
    return row


@dead_letters.command("list")
@click.option("--json", "as_json", is_flag=True, help="JSON lines, with the original bytes.")
@kafka_options
def list_dead_letters(kafka: KafkaSettings, as_json: bool) -> None:
    """Every dead letter, oldest first per partition: where it came from and why."""
    with kafka_errors(kafka):
        for stored in read_dead_letters(kafka):
            row = _letter_json(stored, with_value=as_json)
            if as_json:
                click.echo(dumps(row))
            else:
                where = f"{stored.partition}@{stored.offset}"
                what = row.get("reason") or f"unreadable: {row.get('unreadable')}"
                click.echo(f"{where:<10} {row.get('from', '-')!s:<40} {what}")


def _parse_at(
    _: click.Context, __: click.Parameter, values: tuple[str, ...]
) -> set[tuple[int, int]]:
    wanted: set[tuple[int, int]] = set()
    for value in values:
        partition, at, offset = value.partition("@")
        # Kafka offsets are 64-bit: more than 19 digits is no position (and thousands of
        # them would make int() itself fail).
        if (
            not at
            or not (partition.isascii() and partition.isdigit() and len(partition) <= 10)
            or not (offset.isascii() and offset.isdigit() and len(offset) <= 19)
        ):
            raise click.BadParameter(f"{value[:40]!r} is not PARTITION@OFFSET, e.g. 0@12")
        wanted.add((int(partition), int(offset)))
    return wanted


@dead_letters.command("replay")
@click.option("--all", "replay_all", is_flag=True, help="Every dead letter, each position once.")
@click.option(
    "--at",
    "positions",
    multiple=True,
    callback=_parse_at,
    metavar="PARTITION@OFFSET",
    help="The dead letter at this place of the dead-letter topic (see 'list'); repeatable.",
)
@click.option("--to-topic", help="Publish to this topic instead of the one each came from.")
@kafka_options
def replay_dead_letters(
    kafka: KafkaSettings,
    replay_all: bool,
    positions: set[tuple[int, int]],
    to_topic: str | None,
) -> None:
    """Publish dead letters' original records again, e.g. after fixing a setting.

    A record that still cannot be used is dead-lettered again by the consumer.
    """
    if replay_all == bool(positions):
        raise click.UsageError("give either --all or --at PARTITION@OFFSET")
    with kafka_errors(kafka):
        chosen = []
        seen: set[tuple[str, int, int]] = set()
        for stored in read_dead_letters(kafka):
            letter = stored.letter
            if letter is None or letter.position in seen:
                continue
            if replay_all or (stored.partition, stored.offset) in positions:
                seen.add(letter.position)
                chosen.append(letter.replay_record(to_topic))
        found = len(chosen) if replay_all else len(positions)
        if not replay_all and len(chosen) < found:
            raise click.ClickException(
                f"{found - len(chosen)} of the --at positions hold no readable dead letter; "
                "see 'mailledger dead-letters list'"
            )
        with Publisher(kafka) as publisher:
            count = publisher.publish(chosen, on_published=_echo_published)
    log.info("dead_letters.replayed", records=count)
