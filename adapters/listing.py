"""The sent-mail list, read by replaying each message (until the read-model projection lands)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from domain.kinds import EventKind, Outcome
from domain.ledger import Ledger
from domain.state import MessageState

_EPOCH = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class MessageFilter:
    """Which messages the list shows; by default only those where some recipient failed."""

    failed_only: bool = True
    dossier_id: str | None = None
    status: EventKind | None = None
    outcome: Outcome | None = None

    def accepts(self, state: MessageState) -> bool:
        """True when the message belongs in the list."""
        send = state.registration
        return (
            (not self.failed_only or state.failed)
            and (
                self.dossier_id is None or (send is not None and send.dossier_id == self.dossier_id)
            )
            and (self.outcome is None or state.outcome == self.outcome)
            and (self.status is None or any(r.status == self.status for r in state.recipients))
        )


def newest_first(states: Iterable[MessageState]) -> list[MessageState]:
    """Messages by sent time, newest first; ties by id so the order is stable."""
    return sorted(states, key=lambda s: (s.sent_at or _EPOCH, str(s.id)), reverse=True)


def list_messages(ledger: Ledger, message_filter: MessageFilter) -> list[MessageState]:
    """The messages the filter accepts, newest first."""
    states = ledger.get_messages(list(ledger.message_ids()))
    return newest_first(state for state in states if message_filter.accepts(state))
