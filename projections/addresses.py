"""The address statuses: one row per tenant's address, its suppression and its preference.

The suppression list, the pre-send check and an address's page read it. A suppression is
in force while ``suppressed`` is 1 and its ``until`` (when the tenant's rules set an expiry)
has not passed: the queries compare ``until`` with the time they are asked at, so an expiry
needs no event.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import orjson

from domain.address import Address
from projections.fold import micros
from projections.read_model import ReadModel
from projections.view import Tx

TABLE = "address_status"

COLUMNS = (
    "address_id",
    "tenant",
    "address",
    "domain",
    "suppressed",
    "reason",
    "since_us",
    "until_us",
    "failures",
    "lifted_by",
    "lifted_reason",
    "lifted_us",
    "preference",
    "preference_by",
    "preference_us",
    "facts",
    "version",
)


def empty_row(event: Address.Created) -> dict[str, Any]:
    address: str = event.address
    return {
        "address_id": str(event.originator_id),
        "tenant": event.tenant,
        "address": address,
        "domain": address.rpartition("@")[2],
        "suppressed": 0,
        "reason": None,
        "since_us": None,
        "until_us": None,
        "failures": "[]",
        "lifted_by": None,
        "lifted_reason": None,
        "lifted_us": None,
        "preference": None,
        "preference_by": None,
        "preference_us": None,
        "facts": 0,
        "version": event.originator_version,
    }


def apply_event(row: dict[str, Any], event: Any) -> None:
    """What one of the address's events changes in its row."""
    if isinstance(event, Address.FactNoted):
        row["facts"] += 1
    elif isinstance(event, Address.Suppressed):
        row.update(
            suppressed=1,
            reason=event.reason,
            since_us=micros(event.since),
            until_us=micros(event.until) if event.until is not None else None,
            failures=orjson.dumps(event.failures, option=orjson.OPT_SORT_KEYS).decode(),
        )
    elif isinstance(event, Address.Reinstated):
        row.update(suppressed=0, reason=None, since_us=None, until_us=None, failures="[]")
    elif isinstance(event, Address.Lifted):
        row.update(
            suppressed=0,
            reason=None,
            since_us=None,
            until_us=None,
            failures="[]",
            lifted_by=event.by,
            lifted_reason=event.reason,
            lifted_us=micros(event.at),
        )
    elif isinstance(event, Address.PreferenceSet):
        new = (micros(event.at), event.by, event.preference)
        current = row["preference_us"], row["preference_by"], row["preference"]
        # The latest by its own time wins, as the aggregate decides, whatever the log order.
        if current[0] is None or new > current:
            row.update(preference=event.preference, preference_by=event.by, preference_us=new[0])
    row["version"] = event.originator_version


class AddressStatus(ReadModel):
    """Per tenant's address: suppressed or not, why, since when, and the preference."""

    name = "addresses"
    tables = (TABLE,)
    follows: ClassVar[tuple[type, ...]] = (Address.Event,)

    def schema(self) -> list[str]:
        table = self.t(TABLE)
        return [
            f"CREATE TABLE IF NOT EXISTS {table} ("
            "address_id TEXT PRIMARY KEY, tenant TEXT NOT NULL, address TEXT NOT NULL, "
            "domain TEXT NOT NULL, suppressed INTEGER NOT NULL, reason TEXT, since_us BIGINT, "
            "until_us BIGINT, failures TEXT NOT NULL, lifted_by TEXT, lifted_reason TEXT, "
            "lifted_us BIGINT, preference TEXT, preference_by TEXT, preference_us BIGINT, "
            "facts BIGINT NOT NULL, version BIGINT NOT NULL)",
            f"CREATE INDEX IF NOT EXISTS address_status_suppressed ON {table} "
            "(tenant, since_us DESC, address_id DESC) WHERE suppressed = 1",
        ]

    def apply(self, tx: Tx, events: Sequence[Any]) -> None:
        table = self.t(TABLE)
        ids = {str(event.originator_id) for event in events}
        rows = {
            row["address_id"]: row
            for row in self.select_in(tx, f"SELECT * FROM {table} WHERE address_id", ids)
        }
        for event in events:
            key = str(event.originator_id)
            if isinstance(event, Address.Created):
                rows.setdefault(key, empty_row(event))
                continue
            row = rows[key]
            if event.originator_version <= row["version"]:
                continue
            apply_event(row, event)
        tx.upsert(
            TABLE,
            COLUMNS,
            ("address_id",),
            [[rows[key][column] for column in COLUMNS] for key in sorted(rows)],
        )
