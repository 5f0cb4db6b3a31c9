"""The Ledger application: records sends and provider events, answers what happened."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Tracking
from eventsourcing.utils import get_topic

from domain.errors import UnknownMessageError, UnknownVersionError
from domain.message import Message, MessageState
from domain.transcodings import FactAsDict
from domain.values import Observation, Send

T = TypeVar("T", Observation, Send)

SNAPSHOT_INTERVAL = 100
"""Every so many events a message is snapshotted, so replaying a long history stays fast."""

MAX_CONFLICT_RETRIES = 5
"""How often a batch is reloaded and retried when another writer appended to one of its messages."""


@dataclass(frozen=True)
class Recorded:
    """What became of one observation or send in a batch."""

    message_id: UUID
    duplicate: bool


class Ledger(Application[UUID]):
    """The append-only log of every message's registration and provider events."""

    name = "mailledger"
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {Message: SNAPSHOT_INTERVAL}

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(FactAsDict())

    def register(
        self, sends: Sequence[Send], *, tracking: Tracking | None = None
    ) -> list[Recorded]:
        """Record sends in one transaction; a send already registered identically is a duplicate."""

        def apply(message: Message, send: Send) -> bool:
            return message.register(send)

        return self._apply_batch(
            [(s.message_id, *self._identity_of_send(s), s) for s in sends], apply, tracking
        )

    def record(
        self, observations: Sequence[Observation], *, tracking: Tracking | None = None
    ) -> list[Recorded]:
        """Record provider events in one transaction; duplicates record nothing."""

        def apply(message: Message, observation: Observation) -> bool:
            return message.observe(observation)

        return self._apply_batch(
            [(o.message_id, o.provider, o.provider_message_id, o) for o in observations],
            apply,
            tracking,
        )

    def get_message(self, message_id: UUID, *, reference: str | None = None) -> MessageState:
        """The message's current state."""
        return self._load(message_id, reference=reference).state()

    def get_message_at(
        self,
        message_id: UUID,
        *,
        version: int | None = None,
        at: datetime | None = None,
        reference: str | None = None,
    ) -> MessageState:
        """The state as it was at a version, or as the ledger knew it at a moment."""
        if at is not None:
            known = [
                e.originator_version
                for e in self.events.get(message_id)
                if isinstance(e, Message.Event) and e.timestamp <= at
            ]
            if not known:
                raise UnknownMessageError(message_id, reference)
            version = known[-1]
        message = self._load(message_id, version=version, reference=reference)
        if version is not None and message.version < version:
            raise UnknownVersionError(message_id, version, message.version)
        return message.state()

    def get_history(
        self, message_id: UUID, *, reference: str | None = None
    ) -> list[DomainEventProtocol[UUID]]:
        """Every stored event of the message, in log order."""
        events = list(self.events.get(message_id))
        if not events:
            raise UnknownMessageError(message_id, reference)
        return events

    def message_ids(self, batch_size: int = 1000) -> Iterator[UUID]:
        """Every recorded message's id, in the order the ledger first heard of them."""
        topic = get_topic(Message.Created)
        start = 1
        while True:
            notifications = self.recorder.select_notifications(
                start=start, limit=batch_size, topics=[topic]
            )
            for notification in notifications:
                yield notification.originator_id  # type: ignore[misc]
            if len(notifications) < batch_size:
                return
            start = notifications[-1].id + 1

    def _load(
        self, message_id: UUID, *, version: int | None = None, reference: str | None = None
    ) -> Message:
        try:
            message: Message = self.repository.get(message_id, version=version)
        except AggregateNotFoundError:
            raise UnknownMessageError(message_id, reference) from None
        return message

    @staticmethod
    def _identity_of_send(send: Send) -> tuple[str, str]:
        if send.provider is None or send.provider_message_id is None:
            return "platform", f"{send.tenant}:{send.external_ref}"
        return send.provider, send.provider_message_id

    def _apply_batch(
        self,
        items: Sequence[tuple[UUID, str, str, T]],
        apply: Callable[[Message, T], bool],
        tracking: Tracking | None,
    ) -> list[Recorded]:
        for attempt in range(MAX_CONFLICT_RETRIES + 1):
            messages: dict[UUID, Message] = {}
            results: list[Recorded] = []
            for message_id, provider, provider_message_id, item in items:
                message = messages.get(message_id)
                if message is None:
                    try:
                        message = self.repository.get(message_id)
                    except AggregateNotFoundError:
                        message = Message(
                            provider=provider, provider_message_id=provider_message_id
                        )
                    messages[message_id] = message
                results.append(Recorded(message_id, duplicate=not apply(message, item)))
            processing = ProcessingEvent[UUID](tracking)
            processing.collect_events(*messages.values())
            try:
                recordings = self._record(processing)
            except IntegrityError:
                # Another writer appended to one of these messages first: reload and redo.
                if attempt == MAX_CONFLICT_RETRIES:
                    raise
                continue
            self._take_snapshots(processing)
            self._notify(recordings)
            return results
        raise AssertionError("unreachable")  # pragma: no cover
