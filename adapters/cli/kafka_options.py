"""The command-line options that say where Kafka is and what its topics are called.

Each overrides the setting of the same name (``MAILLEDGER_KAFKA_*``); the command receives
the result as ``kafka``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click

from adapters.cli.support import settings_of, user_errors
from adapters.kafka.settings import (
    DEFAULT_DEAD_LETTER_TOPIC,
    DEFAULT_MESSAGES_TOPIC,
    DEFAULT_PARTITIONS,
    DEFAULT_PROVIDER_EVENTS_TOPIC,
)
from adapters.settings import variable

F = TypeVar("F", bound=Callable[..., Any])

FIELDS = (
    "kafka_bootstrap_servers",
    "kafka_provider_events_topic",
    "kafka_messages_topic",
    "kafka_dead_letter_topic",
    "kafka_partitions",
)
"""The settings these options override."""


def kafka_options(command: F) -> F:
    """The broker and topic options, the broker required; the command gets ``kafka``."""
    return _with_options(command, "The Kafka brokers to start from", required=True)


def optional_kafka_options(servers_help: str) -> Callable[[F], F]:
    """The same options, where no broker means ``kafka=None`` (work without Kafka)."""
    return functools.partial(_with_options, servers_help=servers_help, required=False)


def _option(name: str, field: str, help_text: str, default: object, **kwargs: Any) -> Any:
    shown = f" [default: {default}]" if default is not None else ""
    return click.option(name, field, help=f"{help_text}{shown} (env {variable(field)}).", **kwargs)


def _with_options(command: F, servers_help: str, *, required: bool) -> F:
    options = [
        _option(
            "--bootstrap-servers",
            "kafka_bootstrap_servers",
            servers_help,
            None,
            metavar="HOST:PORT[,…]",
        ),
        _option(
            "--provider-events-topic",
            "kafka_provider_events_topic",
            "Provider bodies in envelopes",
            DEFAULT_PROVIDER_EVENTS_TOPIC,
        ),
        _option(
            "--messages-topic",
            "kafka_messages_topic",
            "Registrations of sends",
            DEFAULT_MESSAGES_TOPIC,
        ),
        _option(
            "--dead-letter-topic",
            "kafka_dead_letter_topic",
            "Records that could not be used",
            DEFAULT_DEAD_LETTER_TOPIC,
        ),
        _option(
            "--partitions",
            "kafka_partitions",
            "Partitions of each topic mailledger creates",
            DEFAULT_PARTITIONS,
            type=click.IntRange(min=1),
        ),
    ]

    @functools.wraps(command)
    def with_kafka(*args: Any, **kwargs: Any) -> Any:
        given = {name: kwargs.pop(name) for name in FIELDS}
        with user_errors():
            settings = settings_of(click.get_current_context()).overridden(**given)
            if required and settings.kafka_bootstrap_servers is None:
                raise click.UsageError(
                    "Missing option '--bootstrap-servers' "
                    f"(or set {variable('kafka_bootstrap_servers')})"
                )
            kafka = settings.kafka(required=required)
        return command(*args, kafka=kafka, **kwargs)

    wrapped: Callable[..., Any] = with_kafka
    for option in reversed(options):
        wrapped = option(wrapped)
    return wrapped  # type: ignore[return-value]
