"""The command-line options that say where Kafka is and what its topics are called."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click

from adapters.kafka.settings import (
    DEFAULT_DEAD_LETTER_TOPIC,
    DEFAULT_MESSAGES_TOPIC,
    DEFAULT_PARTITIONS,
    DEFAULT_PROVIDER_EVENTS_TOPIC,
    KafkaSettings,
)

F = TypeVar("F", bound=Callable[..., Any])


def kafka_options(command: F) -> F:
    """Adds the broker and topic options; the command receives them as ``kafka``."""
    options = [
        click.option(
            "--bootstrap-servers",
            envvar="MAILLEDGER_KAFKA_BOOTSTRAP_SERVERS",
            required=True,
            metavar="HOST:PORT[,…]",
            help="The Kafka brokers to start from (env MAILLEDGER_KAFKA_BOOTSTRAP_SERVERS).",
        ),
        click.option(
            "--provider-events-topic",
            envvar="MAILLEDGER_KAFKA_PROVIDER_EVENTS_TOPIC",
            default=DEFAULT_PROVIDER_EVENTS_TOPIC,
            show_default=True,
            help="Provider bodies in envelopes (env MAILLEDGER_KAFKA_PROVIDER_EVENTS_TOPIC).",
        ),
        click.option(
            "--messages-topic",
            envvar="MAILLEDGER_KAFKA_MESSAGES_TOPIC",
            default=DEFAULT_MESSAGES_TOPIC,
            show_default=True,
            help="Registrations of sends (env MAILLEDGER_KAFKA_MESSAGES_TOPIC).",
        ),
        click.option(
            "--dead-letter-topic",
            envvar="MAILLEDGER_KAFKA_DEAD_LETTER_TOPIC",
            default=DEFAULT_DEAD_LETTER_TOPIC,
            show_default=True,
            help="Records that could not be used (env MAILLEDGER_KAFKA_DEAD_LETTER_TOPIC).",
        ),
        click.option(
            "--partitions",
            envvar="MAILLEDGER_KAFKA_PARTITIONS",
            type=click.IntRange(min=1),
            default=DEFAULT_PARTITIONS,
            show_default=True,
            help="Partitions of each topic mailledger creates (env MAILLEDGER_KAFKA_PARTITIONS).",
        ),
    ]
    wrapped: Callable[..., Any] = _collect(command)
    for option in reversed(options):
        wrapped = option(wrapped)
    return wrapped  # type: ignore[return-value]


def _collect(command: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(command)
    def with_settings(
        *args: Any,
        bootstrap_servers: str,
        provider_events_topic: str,
        messages_topic: str,
        dead_letter_topic: str,
        partitions: int,
        **kwargs: Any,
    ) -> Any:
        kafka = KafkaSettings(
            bootstrap_servers=bootstrap_servers,
            provider_events_topic=provider_events_topic,
            messages_topic=messages_topic,
            dead_letter_topic=dead_letter_topic,
            partitions=partitions,
        )
        return command(*args, kafka=kafka, **kwargs)

    return with_settings
