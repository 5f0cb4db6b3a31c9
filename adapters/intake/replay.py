"""A quarantined event read again, once the cause is fixed (a parser that now reads it).

The event's bytes are read as a body of its provider's format, received by its tenant, and
recorded like any other; an event recorded before is a duplicate, so replaying twice records
it once. Its signature was checked when its body was received (and the event alone no longer
carries one), so a replay is not verified again.
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters.intake.bodies import Body, BodyReadError, read_body
from adapters.intake.recording import Batch, Views, record_batch
from adapters.storage.quarantine import Entry, Quarantine
from domain.ledger import Ledger
from domain.values import utc_now


@dataclass(frozen=True)
class Replayed:
    """What replaying one entry did; ``unreadable`` says why it is still kept, if it is."""

    entry_id: str
    recorded: int = 0
    duplicates: int = 0
    unreadable: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.entry_id,
            "replayed": self.unreadable is None,
            "recorded": self.recorded,
            "duplicates": self.duplicates,
            "reason": self.unreadable,
        }


def replay(
    ledger: Ledger, quarantine: Quarantine, entry: Entry, *, views: Views | None = None
) -> Replayed:
    """Read the entry's event again: recorded and marked replayed, or kept with the reason
    it still cannot be read."""
    body = Body(f"quarantine:{entry.entry_id}", entry.data, entry.received_at, tenant=entry.tenant)
    try:
        # read_body, not read_bodies: an event still unreadable is not quarantined again.
        parsed = read_body(entry.provider, body)
    except BodyReadError as error:
        return Replayed(entry.entry_id, unreadable=str(error.error))
    if parsed.rejected:
        return Replayed(entry.entry_id, unreadable=parsed.rejected[0].reason)
    results = record_batch(ledger, Batch(observations=parsed.observations), views=views)
    quarantine.mark_replayed(entry.entry_id, utc_now())
    duplicates = sum(result.duplicate for result in results)
    return Replayed(entry.entry_id, len(results) - duplicates, duplicates)
