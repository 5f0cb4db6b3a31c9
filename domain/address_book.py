"""What people and platforms do to addresses: read one, lift its suppression, set a preference.

The policy process writes the facts; these commands write the decisions of people. Both append
to the same Address, so a command that finds the address moved on since it was read (the
process settled a fact meanwhile) reads it again and decides anew.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from domain.address import Address, AddressState, Preference, address_id
from domain.errors import MailledgerError
from domain.ledger import Ledger
from domain.suppression import SuppressionPolicy

MAX_CONFLICT_RETRIES = 5


class UnknownAddressError(MailledgerError, LookupError):
    """Nothing was ever recorded about this address (for this tenant)."""

    def __init__(self) -> None:
        super().__init__("nothing is recorded about this address")


class AddressBook:
    """One installation's addresses, through the ledger."""

    def __init__(
        self, ledger: Ledger, key: bytes, policy_for: Callable[[str], SuppressionPolicy]
    ) -> None:
        self.ledger = ledger
        self.key = key
        self.policy_for = policy_for

    def id_of(self, tenant: str, address: str) -> UUID:
        return address_id(self.key, tenant, address)

    def find(self, tenant: str, address: str) -> Address | None:
        try:
            found: Address = self.ledger.repository.get(self.id_of(tenant, address))
        except AggregateNotFoundError:
            return None
        return found

    def state(self, tenant: str, address: str, now: datetime) -> AddressState:
        """The address's state at ``now``; UnknownAddressError when nothing is recorded."""
        found = self.find(tenant, address)
        if found is None:
            raise UnknownAddressError
        return found.state(self.policy_for(tenant), now)

    def history(self, tenant: str, address: str) -> list[Any]:
        """Every stored event of the address, in log order."""
        events = list(self.ledger.events.get(self.id_of(tenant, address)))
        if not events:
            raise UnknownAddressError
        return events

    def lift(
        self, tenant: str, address: str, *, by: str, reason: str, at: datetime
    ) -> AddressState:
        """Lift the address's suppression (NotSuppressedError when it is not suppressed)."""

        def lift(found: Address | None) -> Address:
            if found is None:
                raise UnknownAddressError
            found.lift(by=by, reason=reason, at=at, policy=self.policy_for(tenant))
            return found

        return self._change(tenant, address, lift, at)

    def prefer(
        self, tenant: str, address: str, preference: Preference, *, by: str, at: datetime
    ) -> AddressState:
        """Record the recipient's preference (the address is created if it is new)."""

        def prefer(found: Address | None) -> Address:
            target = found or Address.start(self.key, tenant, address)
            target.prefer(preference, by=by, at=at)
            return target

        return self._change(tenant, address, prefer, at)

    def _change(
        self,
        tenant: str,
        address: str,
        change: Callable[[Address | None], Address],
        at: datetime,
    ) -> AddressState:
        for attempt in range(MAX_CONFLICT_RETRIES + 1):
            changed = change(self.find(tenant, address))
            try:
                self.ledger.save(changed)
            except IntegrityError:
                if attempt == MAX_CONFLICT_RETRIES:
                    raise
                continue
            return changed.state(self.policy_for(tenant), at)
        raise AssertionError("unreachable")  # pragma: no cover
