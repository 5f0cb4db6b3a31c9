"""``bench query``'s data: realistic messages built by the domain, written to the log by COPY.

Each message lives through the domain itself (``Message.start``, ``register``, ``observe``),
its events are mapped by the ledger's own mapper and written with the recorder's COPY, a few
thousand messages per transaction. ``Ledger.register``/``record`` are not used: they read every
message back before appending, which is what ``bench append`` measures, not what this
benchmark needs (a large, realistic log to rebuild and query).

The shape, per message (sent times spread over ``DAYS`` days, in order):

* one of ``TENANTS`` tenants, and one of its dossiers (``DOSSIER_MESSAGES`` messages each on
  average; each tenant fills several at once, so that a dossier's mails spread over time);
* ``--recipients`` recipients drawn from each tenant's pool of customers (each address gets
  about ``MAILS_PER_ADDRESS`` mails), over ``DOMAINS`` domains of Zipf-like popularity;
* per recipient: 90 % delivered (a third of them opened, a third of those clicked), 6 % a
  soft bounce then a hard bounce, 2 % blocked, 2 % invalid;
* ``LATE_REGISTRATION_SHARE`` of registrations arrive minutes after the provider's first
  events, as when the platform registers in batches.

Every event is stamped with the time it arrived, and the log is written in arrival order
across messages (a message's opens and bounces come hours after its send, between other
messages' events), so a rebuild meets messages again and again, as it would in production.

Building the events (the domain, then the mapper's JSON) is most of the load's time, so it is
spread over worker processes, a chunk of ``CHUNK_MESSAGES`` messages at a time; each chunk
draws from a random generator seeded by the seed and the chunk's number, so the same seed
gives the same log whatever the number of processes. This process merges the chunks into
arrival order and writes them.
"""

from __future__ import annotations

import gc
import heapq
import multiprocessing
import random
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.pool import AsyncResult
from multiprocessing.util import Finalize
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent

from adapters.storage.database import Database, open_ledger
from domain.kinds import EventKind
from domain.ledger import Ledger
from domain.message import Message
from domain.values import Observation, Recipient, RecipientType, Send

START = datetime(2025, 1, 6, tzinfo=UTC)
"""When the first message is sent; fixed, so that a seed always gives the same log."""

DAYS = 90
TENANTS = 5
DOMAINS = 200
DOSSIER_MESSAGES = 10
"""Messages per dossier on average (1 to 19)."""

MAILS_PER_ADDRESS = 4
"""About how many mails each customer address receives over the period."""

LATE_REGISTRATION_SHARE = 0.05
"""Messages whose registration arrives after the provider's first events."""

CHUNK_MESSAGES = 1000
"""Messages built together from one random generator, by one worker process."""

PROVIDERS = ("sendgrid", "mailgun", "postmark", "brevo", "ses")
CATEGORIES = ("invoice", "contract", "reminder", "invitation")

SECOND = 1_000_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE

_DETAILS: dict[EventKind, dict[str, Any]] = {
    EventKind.SENT: {"smtp_response": "250 2.0.0 OK queued"},
    EventKind.DELIVERED: {"smtp_response": "250 2.0.0 OK", "mx": "mx1.example.net"},
    EventKind.OPENED: {"user_agent": "Mozilla/5.0", "ip": "198.51.100.7"},
    EventKind.CLICKED: {"url": "https://pay.example.com/invoice", "user_agent": "Mozilla/5.0"},
    EventKind.SOFT_BOUNCE: {"smtp_code": 452, "reason": "4.2.2 mailbox full"},
    EventKind.HARD_BOUNCE: {"smtp_code": 550, "reason": "5.1.1 user unknown"},
    EventKind.BLOCKED: {"smtp_code": 554, "reason": "5.7.1 rejected by recipient policy"},
    EventKind.INVALID_EMAIL: {"reason": "mailbox does not exist"},
}

Progress = Callable[[int, int], None]
"""Told (messages done, messages in all) now and then."""

_Item = tuple[int, int, Send | Observation]
"""(arrival in µs after START, order within the message, the registration or the event)."""

_Event = tuple[int, int, str, bytes]
"""A stored event as it travels between processes: arrival (µs after START), version, topic,
state. Plain tuples pickle some twenty times faster than StoredEvents."""

_Queued = tuple[int, int, int, StoredEvent]
"""(arrival in µs after START, message number, version, stored event): the log's order."""


@dataclass(frozen=True)
class LoadFigures:
    """What the load wrote, and how long it took."""

    messages: int
    recipients_per_message: int
    events: int
    provider_events: int
    late_registrations: int
    """Messages whose provider events came before their registration."""
    dossiers: int
    transactions: int
    processes: int
    """Processes that built the events (the domain and the mapper)."""
    seconds: float
    insert_seconds: float
    """The COPY transactions' share of ``seconds``."""

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else float("inf")


@dataclass(frozen=True)
class Built:
    """One chunk's messages, each as (number, id, its events in arrival order)."""

    messages: list[tuple[int, bytes, list[_Event]]]
    provider_events: int
    late_registrations: int
    dossiers: int


class Workload:
    """The messages of one seed, in order of their sent time, a chunk at a time."""

    def __init__(self, seed: int, messages: int, recipients: int) -> None:
        self.seed = seed
        self.messages = messages
        self.recipients = recipients
        self.step_us = max(1, DAYS * 24 * HOUR // max(messages, 1))
        """Each message is sent within a slot of this many µs: sent times only grow."""
        self.pool = max(20, messages * recipients // (TENANTS * MAILS_PER_ADDRESS))
        """Customer addresses per tenant."""
        names = [f"d{rank:03d}.example" for rank in range(DOMAINS)]
        weights = [1 / (rank + 1) for rank in range(DOMAINS)]
        self._domains = random.Random(seed).choices(names, weights, k=self.pool * TENANTS)

    @property
    def chunks(self) -> int:
        return -(-self.messages // CHUNK_MESSAGES)

    def frontier_us(self, chunk: int) -> int:
        """No message after this chunk has an event that arrives before this instant."""
        return min(self.messages, (chunk + 1) * CHUNK_MESSAGES) * self.step_us

    def chunk(self, index: int) -> _Chunk:
        """The generator of one chunk's messages."""
        return _Chunk(self, index)


class _Chunk:
    """Draws the messages of one chunk from a random generator of its own."""

    def __init__(self, workload: Workload, index: int) -> None:
        self.workload = workload
        self.index = index
        self.rng = random.Random(f"{workload.seed}/{index}")
        self.random = self.rng.random
        # Enough open dossiers per tenant that a dossier fills over a good part of the chunk.
        self.active = max(1, CHUNK_MESSAGES // (TENANTS * 2 * DOSSIER_MESSAGES))
        self.open_dossiers: list[list[list[Any]]] = [[] for _ in range(TENANTS)]
        self.dossiers = 0
        self.late_registrations = 0

    @property
    def numbers(self) -> range:
        first = self.index * CHUNK_MESSAGES
        return range(first, min(self.workload.messages, first + CHUNK_MESSAGES))

    def between(self, low: int, high: int) -> int:
        """A whole number in [low, high): ``randrange`` costs ten times more."""
        return low + int(self.random() * (high - low))

    def message(self, number: int) -> tuple[str, str, list[_Item]]:
        """Provider, provider message id, and the registration and provider events of
        message ``number`` in arrival order."""
        step = self.workload.step_us
        sent_us = number * step + self.between(0, step)
        tenant = self.between(0, TENANTS)
        provider = PROVIDERS[self.between(0, len(PROVIDERS))]
        provider_message_id = f"{provider}-{number:010d}"
        addresses = self._addresses(tenant)
        category = CATEGORIES[number % len(CATEGORIES)]
        send = Send(
            tenant=f"tenant-{tenant + 1}",
            external_ref=f"{category}-{number:09d}",
            recipients=tuple(
                Recipient(a, RecipientType.TO if i == 0 else RecipientType.CC)
                for i, a in enumerate(addresses)
            ),
            sent_at=START + timedelta(microseconds=sent_us),
            provider=provider,
            provider_message_id=provider_message_id,
            dossier_id=self._dossier(tenant),
            category=category,
            subject=f"{category.capitalize()} {number}",
            sender=f"billing@tenant-{tenant + 1}.example",
            tags=(category,),
        )
        if self.random() < LATE_REGISTRATION_SHARE:
            registered_us = sent_us + self.between(2 * MINUTE, 30 * MINUTE)
            self.late_registrations += 1
        else:
            registered_us = sent_us + self.between(0, 2 * SECOND)
        items: list[_Item] = [(registered_us, 0, send)]
        for index, address in enumerate(addresses):
            for kind, occurred_us in self._scenario(sent_us):
                items.append(
                    (
                        occurred_us + self.between(0, 5 * SECOND),
                        len(items),
                        Observation(
                            provider=provider,
                            provider_message_id=provider_message_id,
                            recipient=address,
                            kind=kind,
                            occurred_at=START + timedelta(microseconds=occurred_us),
                            event_id=f"{provider_message_id}-{index}-{len(items)}",
                            raw_type=kind.value,
                            details=_DETAILS[kind],
                            tenant=send.tenant,
                        ),
                    )
                )
        items.sort(key=lambda item: (item[0], item[1]))
        return provider, provider_message_id, items

    def _addresses(self, tenant: int) -> list[str]:
        workload = self.workload
        chosen: list[str] = []
        while len(chosen) < workload.recipients:
            index = self.between(0, workload.pool) * TENANTS + tenant
            address = f"c{index:08d}@{workload._domains[index]}"
            if address not in chosen:
                chosen.append(address)
        return chosen

    def _dossier(self, tenant: int) -> str:
        """One of the tenant's open dossiers with room left, or a new one."""
        open_dossiers = self.open_dossiers[tenant]
        slot = self.between(0, self.active)
        if slot >= len(open_dossiers):
            open_dossiers.append(self._new_dossier(tenant))
            slot = len(open_dossiers) - 1
        elif open_dossiers[slot][1] == 0:
            open_dossiers[slot] = self._new_dossier(tenant)
        dossier = open_dossiers[slot]
        dossier[1] -= 1
        return str(dossier[0])

    def _new_dossier(self, tenant: int) -> list[Any]:
        self.dossiers += 1
        size = self.between(1, 2 * DOSSIER_MESSAGES)
        return [f"D{tenant + 1}-{self.index:06d}-{self.dossiers:04d}", size]

    def _scenario(self, sent_us: int) -> list[tuple[EventKind, int]]:
        """One recipient's provider events and when they occurred (µs after START)."""
        between = self.between
        sent = (EventKind.SENT, sent_us + between(2 * SECOND, 10 * SECOND))
        roll = self.random()
        if roll < 0.90:
            delivered_us = sent_us + between(15 * SECOND, 3 * MINUTE)
            events = [sent, (EventKind.DELIVERED, delivered_us)]
            if self.random() < 1 / 3:
                opened_us = delivered_us + between(MINUTE, 20 * HOUR)
                events.append((EventKind.OPENED, opened_us))
                if self.random() < 1 / 3:
                    clicked_us = opened_us + between(5 * SECOND, 10 * MINUTE)
                    events.append((EventKind.CLICKED, clicked_us))
            return events
        if roll < 0.96:
            soft_us = sent_us + between(MINUTE, 5 * MINUTE)
            hard_us = soft_us + between(HOUR, 6 * HOUR)
            return [sent, (EventKind.SOFT_BOUNCE, soft_us), (EventKind.HARD_BOUNCE, hard_us)]
        if roll < 0.98:
            return [sent, (EventKind.BLOCKED, sent_us + between(10 * SECOND, MINUTE))]
        return [(EventKind.INVALID_EMAIL, sent_us + between(SECOND, 10 * SECOND))]


def build(workload: Workload, mapper: Mapper[UUID], index: int) -> Built:
    """Every message of a chunk through the domain, its events mapped to stored events."""
    chunk = workload.chunk(index)
    to_stored = mapper.to_stored_event
    built: list[tuple[int, bytes, list[_Event]]] = []
    provider_events = 0
    for number in chunk.numbers:
        provider, provider_message_id, items = chunk.message(number)
        first_us = items[0][0]
        tenant = next(item for _, _, item in items if isinstance(item, Send)).tenant
        message = Message.start(
            tenant,
            provider,
            provider_message_id,
            recorded_at=START + timedelta(microseconds=first_us),
        )
        arrivals = [first_us]
        for arrival_us, _, item in items:
            recorded_at = START + timedelta(microseconds=arrival_us)
            if isinstance(item, Send):
                message.register(item, recorded_at=recorded_at)
            else:
                message.observe(item, recorded_at=recorded_at)
            arrivals.append(arrival_us)
        events: list[_Event] = []
        for arrival_us, event in zip(arrivals, message.collect_events(), strict=True):
            stored = to_stored(event)
            events.append((arrival_us, stored.originator_version, stored.topic, stored.state))
        built.append((number, message.id.bytes, events))
        provider_events += len(items) - 1
    return Built(built, provider_events, chunk.late_registrations, chunk.dossiers)


_worker: tuple[Workload, Mapper[UUID]] | None = None
"""A worker process's workload and the mapper of its own ledger on the same database."""


def _start_worker(seed: int, messages: int, recipients: int, database: Database) -> None:
    global _worker
    # Collections would walk every object a chunk holds, and nothing here forms a cycle.
    gc.disable()
    ledger = open_ledger(database)
    Finalize(ledger, ledger.close, exitpriority=10)
    _worker = (Workload(seed, messages, recipients), ledger.mapper)


def _build_in_worker(index: int) -> Built:
    assert _worker is not None, "the worker was not started"
    return build(*_worker, index)


def load(
    ledger: Ledger,
    database: Database,
    workload: Workload,
    *,
    batch_messages: int,
    processes: int,
    progress: Progress,
) -> LoadFigures:
    """Build every message through the domain and write the log in arrival order.

    With ``processes`` above 1 the chunks are built by that many worker processes (each
    with a ledger of its own on ``database``, for its mapper); this one writes.
    """
    started = time.perf_counter()
    queued: list[_Queued] = []
    events = provider_events = late = dossiers = transactions = 0
    insert_seconds = 0.0
    unwritten = 0
    # Nothing built here forms a reference cycle, and every collection pass would walk the
    # queue of events waiting for their arrival: a cost of the benchmark, not of the domain.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for index, built in enumerate(_chunks(ledger, database, workload, processes)):
            for number, id_bytes, message_events in built.messages:
                originator_id = UUID(bytes=id_bytes)
                for arrival_us, version, topic, state in message_events:
                    heapq.heappush(
                        queued,
                        (
                            arrival_us,
                            number,
                            version,
                            StoredEvent(originator_id, version, topic, state),
                        ),
                    )
                events += len(message_events)
            provider_events += built.provider_events
            late += built.late_registrations
            dossiers += built.dossiers
            unwritten += len(built.messages)
            last = index == workload.chunks - 1
            if unwritten >= batch_messages or last:
                batch = _due(queued, None if last else workload.frontier_us(index))
                if batch:
                    inserting = time.perf_counter()
                    ledger.recorder.insert_events(batch)
                    insert_seconds += time.perf_counter() - inserting
                    transactions += 1
                unwritten = 0
            progress(min(workload.messages, (index + 1) * CHUNK_MESSAGES), workload.messages)
    finally:
        if gc_was_enabled:
            gc.enable()
    return LoadFigures(
        messages=workload.messages,
        recipients_per_message=workload.recipients,
        events=events,
        provider_events=provider_events,
        late_registrations=late,
        dossiers=dossiers,
        transactions=transactions,
        processes=processes,
        seconds=time.perf_counter() - started,
        insert_seconds=insert_seconds,
    )


def _chunks(
    ledger: Ledger, database: Database, workload: Workload, processes: int
) -> Iterator[Built]:
    """Every chunk built, in order: here, or by worker processes a few chunks ahead."""
    if processes <= 1:
        for index in range(workload.chunks):
            yield build(workload, ledger.mapper, index)
        return
    # Spawned, not forked: a fork would copy this process's open database connections.
    context = multiprocessing.get_context("spawn")
    pool = context.Pool(
        processes,
        initializer=_start_worker,
        initargs=(workload.seed, workload.messages, workload.recipients, database),
    )
    try:
        ahead: deque[AsyncResult[Built]] = deque()
        submitted = 0
        for _ in range(workload.chunks):
            # A few chunks ahead keep the workers busy while memory stays bounded.
            while submitted < workload.chunks and len(ahead) < 2 * processes + 1:
                ahead.append(pool.apply_async(_build_in_worker, (submitted,)))
                submitted += 1
            yield ahead.popleft().get()
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()


def _due(queued: list[_Queued], frontier: int | None) -> list[StoredEvent]:
    """The queued events that arrived before ``frontier`` (all when None), in arrival order."""
    due: list[StoredEvent] = []
    while queued and (frontier is None or queued[0][0] < frontier):
        due.append(heapq.heappop(queued)[3])
    return due
