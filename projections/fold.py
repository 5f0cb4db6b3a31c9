"""A message's state folded one event at a time, in constant space per recipient.

The domain derives a recipient's state from the whole set of its facts (domain.state). A read
model sees the events one by one and keeps only what decides the state: the latest fact and the
latest delivery fact, by the domain's own order (provider time, then the kind's rank, then the
event id). Taking a maximum does not depend on arrival order, so the fold gives what the domain
gives for any order of the same facts; a property test holds the two together.

A fact about the whole message (a send the provider refused, naming no recipient) is folded once,
apart, and joined to each recipient's own fold when a state is asked for: a maximum of the two
maxima is the maximum over the union, so a recipient registered later gets it too.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from domain.kinds import DELIVERIES, DELIVERY_FACTS, FAILURES, EventKind, Outcome

MACHINE_OPENED = "machine_opened"
"""What ``seen`` holds for an open a machine made (``details.machine``): still a proof of
delivery and the recipient's latest status ``opened``, but never counted as a person's open."""

FactKey = tuple[int, int, str]
"""(occurred_at in microseconds since the epoch, the kind's rank, the event id)."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros(moment: datetime) -> int:
    """Microseconds since the epoch: an exact, sortable integer on both databases."""
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(value: int) -> datetime:
    """The aware UTC instant ``micros`` gave."""
    seconds, rest = divmod(value, 1_000_000)
    return datetime.fromtimestamp(seconds, UTC).replace(microsecond=rest)


def fact_key(kind: EventKind, occurred_at: datetime, event_id: str) -> FactKey:
    """The domain's order of facts (Fact.sort_key), as plain values."""
    return (micros(occurred_at), kind.rank, event_id)


@dataclass
class RecipientFold:
    """What decides one recipient's status, delivered and failed flags."""

    type: str = "to"
    latest: tuple[FactKey, str] | None = None
    decisive: tuple[FactKey, str] | None = None
    seen: set[str] = field(default_factory=set)

    def add(self, kind: EventKind, key: FactKey, *, machine: bool = False) -> None:
        """Take one fact into account; ``machine`` for an open a machine made."""
        self.seen.add(MACHINE_OPENED if machine and kind is EventKind.OPENED else kind.value)
        if self.latest is None or key > self.latest[0]:
            self.latest = (key, kind.value)
        if kind in DELIVERY_FACTS and (self.decisive is None or key > self.decisive[0]):
            self.decisive = (key, kind.value)

    def status(self, refused: bool) -> EventKind:
        """The kind of the latest fact; error for a refused send without facts, else queued."""
        if self.latest is not None:
            return EventKind(self.latest[1])
        return EventKind.ERROR if refused else EventKind.QUEUED

    def failed(self, refused: bool) -> bool:
        """The latest delivery fact is a failure (or the send was refused and nothing came)."""
        if self.decisive is None:
            return refused
        # Kinds are str enums: a kind's value is found in a set of kinds as it is.
        return self.decisive[1] in FAILURES

    def delivered(self) -> bool:
        """The latest delivery fact proves the message reached the mailbox."""
        return self.decisive is not None and self.decisive[1] in DELIVERIES

    def joined(self, other: RecipientFold) -> RecipientFold:
        """This recipient's fold with the facts of ``other`` too (those about every recipient)."""
        return RecipientFold(
            self.type,
            max(self.latest, other.latest, key=_fact_order),
            max(self.decisive, other.decisive, key=_fact_order),
            self.seen | other.seen,
        )

    def to_json(self) -> list[Any]:
        return [
            self.type,
            [*self.latest[0], self.latest[1]] if self.latest else None,
            [*self.decisive[0], self.decisive[1]] if self.decisive else None,
            sorted(self.seen),
        ]

    @classmethod
    def from_json(cls, value: list[Any]) -> RecipientFold:
        recipient_type, latest, decisive, seen = value
        return cls(
            recipient_type,
            ((latest[0], latest[1], latest[2]), latest[3]) if latest else None,
            ((decisive[0], decisive[1], decisive[2]), decisive[3]) if decisive else None,
            set(seen),
        )


def _fact_order(fact: tuple[FactKey, str] | None) -> tuple[bool, FactKey]:
    # No fact comes before any fact.
    return (False, (0, 0, "")) if fact is None else (True, fact[0])


@dataclass
class Registration:
    """The fields of the platform's registration a read model keeps."""

    tenant: str
    external_ref: str
    dossier_id: str | None
    category: str | None
    subject: str
    sender: str
    tags: list[str]
    sent_us: int
    error: str | None
    addresses: list[str]
    refused: bool
    """No provider accepted the send (it has no provider message id): every recipient failed."""
    template: str | None = None
    """Last, with a default: a fold stored before templates existed has none."""
    content: dict[str, Any] | None = None
    """The copy's reference (domain/content.py ContentRef as JSON); None: no copy, or a fold
    stored before copies were kept."""
    contact_refs: dict[str, str] = field(default_factory=dict)
    """Per address, the contact_ref the registration gave (none: not there)."""


@dataclass
class MessageFold:
    """A message's registration and the fold of each recipient."""

    provider: str
    provider_message_id: str
    registration: Registration | None = None
    first_seen_us: int | None = None
    recipients: dict[str, RecipientFold] = field(default_factory=dict)
    tenant: str | None = None
    """From the message's creation; None only for a log written before ids named tenants."""
    everyone: RecipientFold = field(default_factory=RecipientFold)
    """The facts about the whole message, which hold for every recipient."""

    @property
    def owner(self) -> str | None:
        """Whose message it is: the creation's tenant, else the registration's."""
        if self.tenant is not None:
            return self.tenant
        return self.registration.tenant if self.registration else None

    def register(self, payload: dict[str, Any]) -> None:
        """Apply the Registered event's fields."""
        # A registration may name an address twice; the domain keeps it once.
        addresses = list(dict.fromkeys(r["address"] for r in payload["recipients"]))
        self.registration = Registration(
            tenant=payload["tenant"],
            external_ref=payload["external_ref"],
            dossier_id=payload["dossier_id"],
            category=payload["category"],
            subject=payload["subject"],
            sender=payload["sender"],
            tags=list(payload["tags"]),
            sent_us=micros(payload["sent_at"]),
            error=payload["error"],
            addresses=addresses,
            refused=payload["provider_message_id"] is None,
            template=payload["template"],
            content=payload.get("content"),
            contact_refs={
                r["address"]: r["contact_ref"] for r in payload["recipients"] if "contact_ref" in r
            },
        )
        for recipient in payload["recipients"]:
            self.recipients.setdefault(recipient["address"], RecipientFold()).type = recipient[
                "type"
            ]

    def observe(
        self,
        recipient: str | None,
        kind: EventKind,
        occurred_at: datetime,
        event_id: str,
        *,
        machine: bool = False,
    ) -> None:
        """Apply one provider event (``recipient`` None: about every recipient); ``machine``
        for an open a machine made."""
        key = fact_key(kind, occurred_at, event_id)
        if self.first_seen_us is None or key[0] < self.first_seen_us:
            self.first_seen_us = key[0]
        fold = (
            self.everyone
            if recipient is None
            else self.recipients.setdefault(recipient, RecipientFold())
        )
        fold.add(kind, key, machine=machine)

    @property
    def refused(self) -> bool:
        return self.registration is not None and self.registration.refused

    def ordered(self) -> list[tuple[str, RecipientFold]]:
        """Registered recipients in registration order, then the others by address, each
        with the facts about every recipient joined to its own."""
        registered = self.registration.addresses if self.registration else []
        others = sorted(set(self.recipients) - set(registered))
        return [
            (address, self.recipients[address].joined(self.everyone))
            for address in [*registered, *others]
        ]

    def _basis(self) -> list[RecipientFold]:
        # Until a recipient is known, the facts about the whole message decide the outcome.
        folds = [fold for _, fold in self.ordered()]
        if not folds and self.everyone.latest is not None:
            return [self.everyone]
        return folds

    @property
    def sent_us(self) -> int | None:
        """The registration's sent time, else the first provider event's time."""
        return self.registration.sent_us if self.registration else self.first_seen_us

    def outcome(self) -> Outcome:
        """The domain's roll-up: error when all failed, alert when some, delivered when all."""
        refused = self.refused
        folds = self._basis()
        failed = [f.failed(refused) for f in folds]
        if refused or (folds and all(failed)):
            return Outcome.ERROR
        if any(failed):
            return Outcome.ALERT
        if folds and all(f.delivered() for f in folds):
            return Outcome.DELIVERED
        return Outcome.PENDING

    def last_status(self) -> EventKind:
        """The kind of the latest fact across recipients."""
        latest = max((f.latest for f in self._basis() if f.latest), default=None)
        if latest is not None:
            return EventKind(latest[1])
        return EventKind.ERROR if self.refused else EventKind.QUEUED

    def status_counts(self) -> dict[str, int]:
        """How many recipients are in each status."""
        return dict(
            sorted(Counter(f.status(self.refused).value for _, f in self.ordered()).items())
        )

    def to_json(self) -> dict[str, Any]:
        registration = self.registration
        return {
            "provider": self.provider,
            "provider_message_id": self.provider_message_id,
            "registration": None if registration is None else registration.__dict__,
            "first_seen_us": self.first_seen_us,
            "recipients": {a: f.to_json() for a, f in sorted(self.recipients.items())},
            "tenant": self.tenant,
            # Only when there are any: the folds stored before such facts existed stay as
            # they were, byte for byte.
            **({"everyone": self.everyone.to_json()} if self.everyone.latest else {}),
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> MessageFold:
        registration = value["registration"]
        return cls(
            provider=value["provider"],
            provider_message_id=value["provider_message_id"],
            registration=None if registration is None else Registration(**registration),
            first_seen_us=value["first_seen_us"],
            recipients={a: RecipientFold.from_json(f) for a, f in value["recipients"].items()},
            tenant=value.get("tenant"),
            everyone=RecipientFold.from_json(value["everyone"])
            if "everyone" in value
            else RecipientFold(),
        )
