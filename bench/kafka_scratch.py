"""Throwaway topics and a consumer group on the real broker, deleted afterwards."""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import click
from kafka import KafkaAdminClient
from kafka.admin import MemberToRemove
from kafka.errors import KafkaError

from adapters.kafka.settings import KafkaSettings
from adapters.kafka.topics import ensure_topics


@dataclass(frozen=True)
class ScratchKafka:
    """The run's topics (in ``settings``) and the consumer group its consumers join."""

    settings: KafkaSettings
    group_id: str

    @property
    def topics(self) -> list[str]:
        """The three topics, input ones first."""
        return [*self.settings.input_topics, self.settings.dead_letter_topic]


@contextmanager
def kafka_scratch(
    bootstrap_servers: str, partitions: int, *, static_members: Sequence[str] = ()
) -> Iterator[ScratchKafka]:
    """Topics ``mailledger-bench-<hex>.*`` created with ``partitions`` partitions; deleted
    afterwards with the group, once its ``static_members`` are removed from it (a static
    member stays in its group after its process exits, until the session times out)."""
    prefix = f"mailledger-bench-{secrets.token_hex(4)}"
    settings = KafkaSettings(
        bootstrap_servers=bootstrap_servers,
        provider_events_topic=f"{prefix}.provider-events",
        messages_topic=f"{prefix}.messages",
        dead_letter_topic=f"{prefix}.dead-letter",
        partitions=partitions,
    )
    scratch = ScratchKafka(settings, f"{prefix}.consumers")
    # Outside the clean-up: a broker that cannot be reached here has nothing to delete.
    ensure_topics(settings)
    try:
        yield scratch
    finally:
        _delete(scratch, static_members)


def _delete(scratch: ScratchKafka, static_members: Sequence[str]) -> None:
    settings = scratch.settings
    admin: KafkaAdminClient | None = None
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=settings.servers,
            client_id="mailledger-bench-admin",
            request_timeout_ms=settings.request_timeout_ms,
        )
        existing = set(admin.list_topics())
        doomed = [t for t in scratch.topics if t in existing]
        if doomed:
            admin.delete_topics(doomed, timeout_ms=settings.request_timeout_ms)
        _delete_group(admin, scratch.group_id, static_members)
    except KafkaError as error:
        click.echo(
            f"[kafka] could not delete all of {', '.join(scratch.topics)} and group "
            f"{scratch.group_id}: {error}; delete them with the broker's tools",
            err=True,
        )
    finally:
        if admin is not None:
            admin.close()


def _delete_group(admin: KafkaAdminClient, group_id: str, static_members: Sequence[str]) -> None:
    if static_members:
        # Results per member are not checked: one already gone is as good as removed.
        admin.remove_group_members(
            group_id, [MemberToRemove(group_instance_id=m) for m in static_members]
        )
    outcome = admin.delete_groups([group_id]).get(group_id)
    # kafka-python names the outcome: "OK", or the error's class name.
    if outcome not in (None, "OK", "GroupIdNotFoundError"):
        raise KafkaError(f"group {group_id}: {outcome}")
