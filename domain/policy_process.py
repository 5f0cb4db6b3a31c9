"""The policy process: follows the messages' events and keeps each address's record.

It reads the ledger's log after the position it last recorded, turns each provider event about
a recipient that bears on suppression into a fact of that recipient's Address, settles each
address touched (recording Suppressed or Reinstated when the derived suppression changed), and
saves the addresses' events with the position it reached, in one transaction. A crash replays
the page, whose position was not recorded, so every fact is kept once, and a second process
following the same log finds the page's position taken and reads on.
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.utils import get_topic

from domain.address import Address, address_id
from domain.ledger import Ledger
from domain.message import OBSERVED_EVENTS, Message
from domain.suppression import FOLLOWED, AddressFact, SuppressionPolicy

PROCESS_NAME = "policies"
"""The name its position is tracked under, beside the consumers' ``topic:partition`` names."""

PAGE_SIZE = 2000
"""Log events read per transaction."""

TENANTS_CACHED = 65_536
"""Messages whose tenant is remembered, so a page's facts rarely read a Created event back."""

MAX_CONFLICT_RETRIES = 5

_CREATED_TOPIC = get_topic(Message.Created)
_FOLLOWED_TOPICS = frozenset(
    get_topic(cls) for kind, cls in OBSERVED_EVENTS.items() if kind in FOLLOWED
)
_TOPICS = _FOLLOWED_TOPICS | {_CREATED_TOPIC}


@dataclass(frozen=True)
class Noted:
    """A fact for one tenant's address."""

    tenant: str
    address: str
    fact: AddressFact


@dataclass(frozen=True)
class Settled:
    """What a catch-up did: log events read, facts kept, addresses newly suppressed."""

    read: int = 0
    facts: int = 0
    suppressed: int = 0

    def __add__(self, other: Settled) -> Settled:
        return Settled(
            self.read + other.read, self.facts + other.facts, self.suppressed + other.suppressed
        )


class PolicyProcess:
    """Brings the addresses up to date with the ledger's log."""

    def __init__(
        self,
        ledger: Ledger,
        key: bytes,
        policy_for: Callable[[str], SuppressionPolicy],
        *,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.ledger = ledger
        self.key = key
        self.policy_for = policy_for
        self.page_size = page_size
        self._tenants: OrderedDict[UUID, str | None] = OrderedDict()

    def position(self) -> int:
        """The last log position whose events were taken into account."""
        return self.ledger.tracked_position(PROCESS_NAME) or 0

    def catch_up(self) -> Settled:
        """Take every event after the position into account, the addresses' own events it
        writes meanwhile included, so that its position ends at the log's head."""
        total = Settled()
        position = self.position()
        while True:
            end, noted, count = self._page(position)
            if count == 0:
                return total
            total += self._save(noted, end) or Settled()
            total += Settled(read=count)
            position = max(end, self.position())

    def _page(self, after: int) -> tuple[int, list[Noted], int]:
        """The page's last position, its facts, and how many of the log's events it spans."""
        recorder = self.ledger.recorder
        # Read every topic to know where the page ends; decode only the ones that matter.
        notifications = recorder.select_notifications(
            after, self.page_size, inclusive_of_start=False
        )
        if not notifications:
            return after, [], 0
        noted: list[Noted] = []
        mapper = self.ledger.mapper
        for notification in notifications:
            if notification.topic not in _TOPICS:
                continue
            event = mapper.to_domain_event(notification)
            if isinstance(event, Message.Created):
                self._remember(event.originator_id, getattr(event, "tenant", None))
                continue
            noted.extend(self._facts_of(event))
        return notifications[-1].id, noted, len(notifications)

    def _facts_of(self, event: Any) -> Iterator[Noted]:
        if event.recipient is None:
            # A fact about the whole message (the provider refused the send) is not the
            # address's doing.
            return
        tenant = self._tenant_of(event.originator_id)
        if tenant is None:
            return
        yield Noted(
            tenant,
            event.recipient,
            AddressFact(event.kind, event.occurred_at, event.originator_id, event.event_id),
        )

    def _save(self, noted: list[Noted], end: int) -> Settled | None:
        """Keep the page's facts with its position; None when another process took it first."""
        by_address: dict[UUID, list[Noted]] = defaultdict(list)
        for item in noted:
            by_address[address_id(self.key, item.tenant, item.address)].append(item)
        for attempt in range(MAX_CONFLICT_RETRIES + 1):
            loaded = self.ledger.load_aggregates(list(by_address))
            changed: list[Address] = []
            facts = suppressed = 0
            for key, items in by_address.items():
                address = loaded.get(key) or Address.start(
                    self.key, items[0].tenant, items[0].address
                )
                facts += sum(address.note(item.fact) for item in items)
                if address.settle(self.policy_for(address.tenant)) is not None:
                    suppressed += 1
                changed.append(address)
            try:
                self.ledger.save_tracked(changed, Tracking(PROCESS_NAME, end))
            except IntegrityError:
                if self.position() >= end:
                    return None
                if attempt == MAX_CONFLICT_RETRIES:
                    raise
                continue  # an admin's lift or preference came first: reload and redo
            return Settled(facts=facts, suppressed=suppressed)
        raise AssertionError("unreachable")  # pragma: no cover

    def _remember(self, message_id: UUID, tenant: str | None) -> None:
        self._tenants[message_id] = tenant
        self._tenants.move_to_end(message_id)
        if len(self._tenants) > TENANTS_CACHED:
            self._tenants.popitem(last=False)

    def _tenant_of(self, message_id: UUID) -> str | None:
        if message_id in self._tenants:
            self._tenants.move_to_end(message_id)
            return self._tenants[message_id]
        created = next(iter(self.ledger.events.get(message_id, lte=1)), None)
        tenant = getattr(created, "tenant", None)
        self._remember(message_id, tenant)
        return tenant
