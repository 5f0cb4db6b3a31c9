"""The Address aggregate: one tenant's recipient address, what happened to it, what it wants.

Its id is a keyed hash of the tenant and the address (HMAC-SHA256 with a secret of the
installation), never a plain hash: anyone holding the log, an exported proof or a signal could
otherwise reverse an id by hashing a list of likely addresses.

An address keeps the provider facts that matter to it (domain.suppression.FOLLOWED), the lifts
and the preferences; its suppression is derived from them. The policy process records each
change of that derived suppression as an event of its own (Suppressed, Reinstated), so the log
says when and why an address stopped, or started again, being sent to.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import MailledgerError
from domain.identity import check_tenant
from domain.kinds import EventKind
from domain.suppression import (
    AddressFact,
    Lift,
    Reason,
    Standing,
    Suppression,
    SuppressionPolicy,
    derive_suppression,
    standing_after,
)
from domain.values import normalise_address

MIN_KEY_BYTES = 32
"""The installation's address key is at least this long (HMAC-SHA256's block of security)."""

MAX_KEPT_FACTS = 400
"""Facts an address keeps one by one; beyond, the oldest are folded into its standing."""

KEPT_AFTER_FOLDING = 200
"""Facts kept one by one after folding: a fact that old arriving late is the rare case."""


def address_id(key: bytes, tenant: str, address: str) -> UUID:
    """The id of ``tenant``'s ``address`` (normalised first) under the installation's key."""
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"the address key must be at least {MIN_KEY_BYTES} bytes")
    text = f"{check_tenant(tenant)}:{normalise_address(address, 'address')}"
    digest = hmac.new(key, text.encode(), hashlib.sha256).digest()
    # An RFC 9562 version 8 (custom) UUID: 122 bits of the digest, the version and variant set.
    value = int.from_bytes(digest[:16])
    value = (value & ~(0xF << 76)) | (0x8 << 76)
    value = (value & ~(0x3 << 62)) | (0x2 << 62)
    return UUID(int=value)


class Preference(StrEnum):
    """Whether the recipient wants e-mail, as the platform or an admin recorded it."""

    YES = "yes"
    NO = "no"
    NOT_APPLICABLE = "not_applicable"
    """No address on file for the contact: nothing to send to."""


class NotSuppressedError(MailledgerError):
    """A lift was asked for an address that is not suppressed."""

    def __init__(self) -> None:
        super().__init__("the address is not suppressed: there is nothing to lift")


@dataclass(frozen=True)
class PreferenceChange:
    """One recorded preference: what, when, by whom."""

    preference: Preference
    at: datetime
    by: str


@dataclass(frozen=True)
class AddressState:
    """An address as its events say it is at a moment."""

    id: UUID
    tenant: str
    address: str
    suppression: Suppression | None
    """In force at the moment asked for (an expired one is None)."""
    preference: PreferenceChange | None
    facts: int
    version: int

    @property
    def allowed(self) -> bool:
        """May the platform send to it: not suppressed, and the recipient did not say no."""
        return self.suppression is None and (
            self.preference is None or self.preference.preference is not Preference.NO
        )


class Address(Aggregate):
    """Created when the first fact, lift or preference about the address is recorded."""

    class Created(Aggregate.Created):
        """The first record about this address."""

        personal_data: ClassVar[tuple[str, ...]] = ("address",)

        tenant: str
        address: str

    @classmethod
    def start(cls, key: bytes, tenant: str, address: str) -> Address:
        normalised = normalise_address(address, "address")
        return cls._create(
            cls.Created,
            id=address_id(key, tenant, normalised),
            tenant=check_tenant(tenant),
            address=normalised,
        )

    def __init__(self, tenant: str, address: str) -> None:
        self.tenant = tenant
        self.address = address
        # Plain JSON values, so snapshots decode without a call-back per fact.
        self.facts: dict[str, list[str]] = {}  # "message_id/event_id": [kind, occurred_at]
        self.lifts: list[list[str]] = []  # [at, by, reason]
        self.preferences: list[list[str]] = []  # [preference, at, by]
        self.recorded: dict[str, Any] | None = None  # the last Suppressed, until Reinstated
        # Where the rules stood after the facts no longer kept one by one (see Folded).
        self.folded: dict[str, Any] | None = None  # {"at", "standing"}

    class FactNoted(Aggregate.Event):
        """A provider event about a message to this address that bears on its suppression."""

        kind: str
        occurred_at: datetime
        message_id: UUID
        event_id: str

        def apply(self, aggregate: Address) -> None:
            key = f"{self.message_id}/{self.event_id}"
            aggregate.facts[key] = [self.kind, self.occurred_at.isoformat()]

    class Suppressed(Aggregate.Event):
        """The facts now suppress the address."""

        reason: str
        since: datetime
        until: datetime | None
        failures: list[dict[str, str]]

        def apply(self, aggregate: Address) -> None:
            aggregate.recorded = {
                "reason": self.reason,
                "since": self.since.isoformat(),
                "until": self.until.isoformat() if self.until else None,
            }

    class Reinstated(Aggregate.Event):
        """The facts no longer suppress the address: its suppression expired, or a delivery
        that happened before the failures reached the ledger after them."""

        reason: str

        def apply(self, aggregate: Address) -> None:
            aggregate.recorded = None

    class Lifted(Aggregate.Event):
        """An admin lifted the suppression."""

        by: str
        reason: str
        at: datetime

        def apply(self, aggregate: Address) -> None:
            aggregate.lifts.append([self.at.isoformat(), self.by, self.reason])
            aggregate.recorded = None

    class Folded(Aggregate.Event):
        """The oldest facts and lifts, up to ``at``, folded into where the rules stood after
        them, so that an address sent to for years stays small. A fact that happened before
        ``at`` and arrives after this is kept no more: it can no longer reorder the past."""

        at: datetime
        standing: dict[str, Any]

        def apply(self, aggregate: Address) -> None:
            at = self.at
            aggregate.facts = {
                key: fact
                for key, fact in aggregate.facts.items()
                if datetime.fromisoformat(fact[1]) > at
            }
            aggregate.lifts = [
                lift for lift in aggregate.lifts if datetime.fromisoformat(lift[0]) > at
            ]
            aggregate.folded = {"at": at.isoformat(), "standing": self.standing}

    class PreferenceSet(Aggregate.Event):
        """The platform or an admin recorded whether the recipient wants e-mail."""

        preference: str
        by: str
        at: datetime

        def apply(self, aggregate: Address) -> None:
            aggregate.preferences.append([self.preference, self.at.isoformat(), self.by])

    def note(self, fact: AddressFact) -> bool:
        """Keep a provider fact; False, recording nothing, when it is kept already."""
        key = f"{fact.message_id}/{fact.event_id}"
        if key in self.facts or (
            self.folded is not None
            and fact.occurred_at <= datetime.fromisoformat(self.folded["at"])
        ):
            return False
        self.trigger_event(
            self.FactNoted,
            kind=fact.kind.value,
            occurred_at=fact.occurred_at,
            message_id=fact.message_id,
            event_id=fact.event_id,
        )
        return True

    def settle(self, policy: SuppressionPolicy) -> Suppression | None:
        """Record a change of the derived suppression (Suppressed or Reinstated), if any;
        returns the suppression that was newly recorded."""
        self._fold(policy)
        derived = self.derived(policy)
        recorded = self.recorded
        if derived is not None:
            if recorded is not None and (recorded["since"], recorded["reason"]) == (
                derived.since.isoformat(),
                derived.reason.value,
            ):
                return None
            self.trigger_event(
                self.Suppressed,
                reason=derived.reason.value,
                since=derived.since,
                until=derived.until,
                failures=[_fact_record(f) for f in derived.failures],
            )
            return derived
        if recorded is not None:
            until = recorded["until"]
            latest = max((at for _, at in self.facts.values()), default=None)
            expired = until is not None and latest is not None and latest >= until
            self.trigger_event(self.Reinstated, reason="expired" if expired else "reordered")
        return None

    def _fold(self, policy: SuppressionPolicy) -> None:
        """Fold the oldest facts into the standing once there are too many to keep."""
        if len(self.facts) <= MAX_KEPT_FACTS:
            return
        ordered = sorted(self.address_facts(), key=lambda f: f.sort_key)
        at = ordered[-KEPT_AFTER_FOLDING - 1].occurred_at
        lifts = self.lift_records()
        standing = standing_after(
            [f for f in ordered if f.occurred_at <= at],
            [lift for lift in lifts if lift.at <= at],
            policy,
            start=self.standing(),
        )
        self.trigger_event(self.Folded, at=at, standing=standing_record(standing))

    def standing(self) -> Standing:
        """Where the rules stood after the facts folded, or nowhere yet."""
        if self.folded is None:
            return Standing()
        return standing_of_record(self.folded["standing"])

    def lift(self, *, by: str, reason: str, at: datetime, policy: SuppressionPolicy) -> None:
        """Lift the suppression in force at ``at``; NotSuppressedError when there is none."""
        suppression = self.derived(policy)
        if suppression is None or not suppression.holds_at(at):
            raise NotSuppressedError
        self.trigger_event(self.Lifted, by=by, reason=reason, at=at)

    def prefer(self, preference: Preference, *, by: str, at: datetime) -> bool:
        """Record the recipient's preference; False when it is already the current one."""
        current = self.preference()
        if current is not None and current.preference is preference:
            return False
        self.trigger_event(self.PreferenceSet, preference=preference.value, by=by, at=at)
        return True

    def address_facts(self) -> list[AddressFact]:
        """The provider facts kept, in no particular order."""
        return [
            AddressFact(EventKind(kind), datetime.fromisoformat(at), UUID(key[:36]), key[37:])
            for key, (kind, at) in self.facts.items()
        ]

    def lift_records(self) -> list[Lift]:
        return [Lift(datetime.fromisoformat(at), by, reason) for at, by, reason in self.lifts]

    def derived(self, policy: SuppressionPolicy) -> Suppression | None:
        """The suppression the facts and lifts lead to, its expiry not applied."""
        return derive_suppression(
            self.address_facts(), self.lift_records(), policy, start=self.standing()
        )

    def preference(self) -> PreferenceChange | None:
        """The latest preference recorded (by its time, then who set it, then the value)."""
        changes = [
            PreferenceChange(Preference(value), datetime.fromisoformat(at), by)
            for value, at, by in self.preferences
        ]
        return max(changes, key=lambda c: (c.at, c.by, c.preference.value), default=None)

    def state(self, policy: SuppressionPolicy, now: datetime) -> AddressState:
        suppression = self.derived(policy)
        return AddressState(
            id=self.id,
            tenant=self.tenant,
            address=self.address,
            suppression=suppression if suppression and suppression.holds_at(now) else None,
            preference=self.preference(),
            facts=len(self.facts),
            version=self.version,
        )


def standing_record(standing: Standing) -> dict[str, Any]:
    """A Standing as plain JSON values, as a Folded event stores it."""
    suppression = standing.suppression
    return {
        "suppression": None
        if suppression is None
        else {
            "reason": suppression.reason.value,
            "since": suppression.since.isoformat(),
            "until": suppression.until.isoformat() if suppression.until else None,
            "failures": [_fact_record(f) for f in suppression.failures],
        },
        "streak": [_fact_record(f) for f in standing.streak],
    }


def standing_of_record(record: dict[str, Any]) -> Standing:
    """The Standing that standing_record() gave."""
    kept = record["suppression"]
    suppression = (
        None
        if kept is None
        else Suppression(
            Reason(kept["reason"]),
            datetime.fromisoformat(kept["since"]),
            datetime.fromisoformat(kept["until"]) if kept["until"] else None,
            tuple(_fact_of_record(f) for f in kept["failures"]),
        )
    )
    return Standing(suppression, tuple(_fact_of_record(f) for f in record["streak"]))


def _fact_of_record(record: dict[str, str]) -> AddressFact:
    return AddressFact(
        EventKind(record["kind"]),
        datetime.fromisoformat(record["occurred_at"]),
        UUID(record["message_id"]),
        record["event_id"],
    )


def _fact_record(fact: AddressFact) -> dict[str, str]:
    return {
        "kind": fact.kind.value,
        "occurred_at": fact.occurred_at.isoformat(),
        "message_id": str(fact.message_id),
        "event_id": fact.event_id,
    }
