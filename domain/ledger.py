"""The Ledger application: records sends and provider events, answers what happened."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Protocol, TypeVar, runtime_checkable
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProcessingEvent,
    project_aggregate,
)
from eventsourcing.compressor import ZlibCompressor
from eventsourcing.domain import Aggregate, DomainEventProtocol
from eventsourcing.persistence import (
    EventStore,
    IntegrityError,
    JSONTranscoder,
    ProcessRecorder,
    StoredEvent,
    Tracking,
    Transcoder,
)
from eventsourcing.utils import get_topic

from domain.address import Address
from domain.cache import MessageCache
from domain.errors import (
    AlreadyTrackedError,
    BatchRejectedError,
    MailledgerError,
    UnknownMessageError,
    UnknownVersionError,
)
from domain.message import Message
from domain.state import MessageState
from domain.values import Observation, Send

T = TypeVar("T", Observation, Send)

SNAPSHOT_INTERVAL = 100
"""Every so many events a message is snapshotted, so replaying a long history stays fast."""

MAX_CONFLICT_RETRIES = 5
"""How often a batch is reloaded and retried when another writer appended to one of its messages."""


@runtime_checkable
class BatchReader(Protocol):
    """A recorder that reads many aggregates per query (see the PostgreSQL adapter)."""

    def select_latest(self, originator_ids: Sequence[UUID]) -> list[StoredEvent]: ...

    def select_after(self, positions: Sequence[tuple[UUID, int]]) -> list[StoredEvent]: ...


@dataclass(frozen=True)
class Recorded:
    """What became of one observation or send in a batch."""

    message_id: UUID
    duplicate: bool


class Ledger(Application[UUID]):
    """The append-only log of every message's registration and provider events."""

    name = "mailledger"
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {
        Message: SNAPSHOT_INTERVAL,
        Address: SNAPSHOT_INTERVAL,
    }
    recorder: ProcessRecorder

    cache: MessageCache | None = None
    """Saved messages kept in memory by a writer that owns their keys (see MessageCache)."""

    def __init__(
        self, env: Mapping[str, str] | None = None, *, transcoder: JSONTranscoder | None = None
    ) -> None:
        self._transcoder = transcoder
        super().__init__(env)

    def construct_transcoder(self) -> Transcoder:
        """eventsourcing's JSON format; storage may hand in a faster reader of the same bytes."""
        transcoder = self._transcoder or JSONTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def construct_recorder(self) -> ProcessRecorder:
        """A recorder that also keeps tracking positions, so a consumer can save its place
        in the same transaction as the events it derived from there."""
        return self.factory.process_recorder()

    def tracked_position(self, name: str) -> int | None:
        """The position last recorded under this name with a batch, or None."""
        return self.recorder.max_tracking_id(name)

    def construct_snapshot_store(self) -> EventStore[UUID]:
        """Snapshots compressed, encrypted like the events.

        PostgreSQL hands bytea to the client as hex text, so fetching a long message's
        uncompressed snapshot costs more than inflating a compressed one.
        """
        mapper = self.mapper
        if mapper.compressor is None:
            mapper = type(mapper)(
                transcoder=mapper.transcoder, compressor=ZlibCompressor(), cipher=mapper.cipher
            )
        return self.factory.event_store(
            mapper=mapper, recorder=self.factory.aggregate_recorder(purpose="snapshots")
        )

    def register(
        self,
        sends: Sequence[Send],
        *,
        tracking: Tracking | None = None,
        reject_each: bool = False,
    ) -> list[Recorded]:
        """Record sends in one transaction; a send already registered identically is a duplicate.

        A send that conflicts with its message's registration raises at once, or, with
        ``reject_each``, after every send was tried, as a BatchRejectedError naming them all;
        either way nothing of the batch is saved.
        """

        def apply(message: Message, send: Send, recorded_at: datetime) -> bool:
            return message.register(send, recorded_at=recorded_at)

        return self._apply_batch(
            [(s.message_id, s.tenant, *s.identity, s) for s in sends], apply, tracking, reject_each
        )

    def record(
        self, observations: Sequence[Observation], *, tracking: Tracking | None = None
    ) -> list[Recorded]:
        """Record provider events in one transaction; duplicates record nothing."""

        def apply(message: Message, observation: Observation, recorded_at: datetime) -> bool:
            return message.observe(observation, recorded_at=recorded_at)

        return self._apply_batch(
            [(o.message_id, o.tenant, o.provider, o.provider_message_id, o) for o in observations],
            apply,
            tracking,
            reject_each=False,
        )

    def get_message(self, message_id: UUID, *, reference: str | None = None) -> MessageState:
        """The message's current state."""
        return self._load(message_id, reference=reference).state()

    def get_messages(
        self, message_ids: Sequence[UUID], batch_size: int = 1000
    ) -> Iterator[MessageState]:
        """The current state of each recorded message among these ids, loaded a batch at a time."""
        for start in range(0, len(message_ids), batch_size):
            chunk = message_ids[start : start + batch_size]
            loaded = self._load_many(chunk)
            yield from (loaded[i].state() for i in chunk if i in loaded)

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
            # Replay the events already read rather than reading them again by version.
            events = list(self.events.get(message_id))
            known = [
                n
                for n, e in enumerate(events, start=1)
                if isinstance(e, Message.Event) and e.timestamp <= at
            ]
            if not known:
                raise UnknownMessageError(message_id, reference)
            as_known: Message | None = project_aggregate(None, events[: known[-1]])
            assert as_known is not None
            return as_known.state()
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

    def load_aggregates(self, ids: Sequence[UUID]) -> dict[UUID, Any]:
        """The recorded aggregates (messages or addresses) among these ids."""
        return self._load_many(ids)

    def save_tracked(self, aggregates: Sequence[Aggregate], tracking: Tracking) -> None:
        """Save the aggregates' new events and a tracking position in one transaction (a
        process following the log records what it derived with the position it came from).

        IntegrityError when the position is recorded already or an aggregate moved on.
        """
        processing = ProcessingEvent[UUID](tracking)
        for aggregate in aggregates:
            processing.events.extend(aggregate.collect_events())
            processing.aggregates[aggregate.id] = aggregate
        recordings = self._record(processing)
        self._take_snapshots(processing)
        self._notify(recordings)

    def _load(
        self, message_id: UUID, *, version: int | None = None, reference: str | None = None
    ) -> Message:
        try:
            message: Message = self.repository.get(message_id, version=version)
        except AggregateNotFoundError:
            raise UnknownMessageError(message_id, reference) from None
        return message

    def _load_many(self, message_ids: Sequence[UUID]) -> dict[UUID, Message]:
        """The recorded messages among these ids, in two queries where the recorder can."""
        if not isinstance(self.recorder, BatchReader):
            found: dict[UUID, Message] = {}
            for message_id in message_ids:
                try:
                    found[message_id] = self.repository.get(message_id)
                except AggregateNotFoundError:
                    continue
            return found
        history: dict[UUID, list[Any]] = {message_id: [] for message_id in message_ids}
        if self.snapshots is not None and isinstance(self.snapshots.recorder, BatchReader):
            for stored in self.snapshots.recorder.select_latest(message_ids):
                snapshot = self.snapshots.mapper.to_domain_event(stored)
                history[snapshot.originator_id].append(snapshot)
        positions = [
            (i, events[0].originator_version if events else 0) for i, events in history.items()
        ]
        for stored in self.recorder.select_after(positions):
            event = self.mapper.to_domain_event(stored)
            history[event.originator_id].append(event)
        loaded: dict[UUID, Message] = {}
        for message_id, events in history.items():
            message: Message | None = None
            # What project_aggregate() does, without its per-event runtime protocol check.
            for event in events:
                message = event.mutate(message)
            if message is not None:
                loaded[message_id] = message
        return loaded

    def _apply_batch(
        self,
        items: Sequence[tuple[UUID, str, str, str, T]],
        apply: Callable[[Message, T, datetime], bool],
        tracking: Tracking | None,
        reject_each: bool,
    ) -> list[Recorded]:
        message_ids = list(dict.fromkeys(item[0] for item in items))
        for attempt in range(MAX_CONFLICT_RETRIES + 1):
            # One instant for the whole batch: its events are committed together.
            recorded_at = Message.Event.create_timestamp()
            messages = self._load_batch(message_ids)
            try:
                results = self._apply_items(items, messages, apply, recorded_at, reject_each)
                processing = ProcessingEvent[UUID](tracking)
                for message in messages.values():
                    # What collect_events() does, without its runtime protocol checks per
                    # aggregate, which cost more than the insert of a batch.
                    processing.events.extend(message.collect_events())
                    processing.aggregates[message.id] = message
                recordings = self._record(processing)
            except IntegrityError:
                if tracking is not None and self.recorder.has_tracking_id(
                    tracking.application_name, tracking.notification_id
                ):
                    raise AlreadyTrackedError(
                        tracking.application_name,
                        tracking.notification_id,
                        self.tracked_position(tracking.application_name),
                    ) from None
                # Another writer appended to one of these messages first: reload and redo.
                if attempt == MAX_CONFLICT_RETRIES:
                    raise
                continue
            # The messages were taken out of the cache while in use, so on any failure above
            # no half-applied copy stays behind; only saved ones go back.
            if self.cache is not None:
                self.cache.put(messages.values())
            self._take_snapshots(processing)
            self._notify(recordings)
            return results
        raise AssertionError("unreachable")  # pragma: no cover

    def _load_batch(self, message_ids: Sequence[UUID]) -> dict[UUID, Message]:
        if self.cache is None:
            return self._load_many(message_ids)
        messages = self.cache.take(message_ids)
        missing = [i for i in message_ids if i not in messages]
        if missing:
            messages.update(self._load_many(missing))
        return messages

    @staticmethod
    def _apply_items(
        items: Sequence[tuple[UUID, str, str, str, T]],
        messages: dict[UUID, Message],
        apply: Callable[[Message, T, datetime], bool],
        recorded_at: datetime,
        reject_each: bool,
    ) -> list[Recorded]:
        results: list[Recorded] = []
        rejected: dict[int, MailledgerError] = {}
        for index, (message_id, tenant, provider, provider_message_id, item) in enumerate(items):
            message = messages.get(message_id)
            if message is None:
                message = Message.start(
                    tenant, provider, provider_message_id, recorded_at=recorded_at
                )
                messages[message_id] = message
            try:
                results.append(
                    Recorded(message_id, duplicate=not apply(message, item, recorded_at))
                )
            except MailledgerError as error:
                # The domain refuses before it changes anything, so the others can go on.
                if not reject_each:
                    raise
                rejected[index] = error
        if rejected:
            raise BatchRejectedError(rejected)
        return results
