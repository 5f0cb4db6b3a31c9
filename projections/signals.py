"""Signals decided from the log: an outcome that became alert or error, a recipient that
failed after it was delivered, an address that became suppressed.

The projection folds each message as the sent-mail list does, one event at a time, and
compares what the event changed, once the message is registered (before that, the recipients
the provider named so far may not be all of them, and an outcome would be a guess). Every
transition is decided by the log's order alone, so a replay or a rebuild decides the same
ones, and a signal's id, derived from the event that caused it, is written to the outbox once
(``projections/signal_outbox.py``). The outbox is not among the tables a rebuild drops: the
senders' cursors point into it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar
from uuid import UUID

import orjson

from domain.address import Address
from domain.kinds import DELIVERIES, Outcome
from domain.message import Message
from projections.fold import MACHINE_OPENED, FactKey, MessageFold, from_micros
from projections.read_model import ReadModel
from projections.sent_mail import dumps, fold_events
from projections.signal_outbox import OUTBOX_TABLE, SignalKind, add_signal, outbox_schema
from projections.view import Tx

STATE_TABLE = "signal_folds"
ADDRESS_NAMES = "signal_addresses"

FAILED_OUTCOMES = {Outcome.ALERT: SignalKind.MESSAGE_ALERT, Outcome.ERROR: SignalKind.MESSAGE_ERROR}

_PROOFS = frozenset({kind.value for kind in DELIVERIES} | {MACHINE_OPENED})
"""What ``RecipientFold.seen`` holds for a fact that proves the message reached the mailbox."""


class SignalDecisions(ReadModel):
    """Decides the signals and writes them to the outbox."""

    name = "signals"
    tables = (STATE_TABLE, ADDRESS_NAMES)
    follows: ClassVar[tuple[type, ...]] = (Message.Event, Address.Event)

    def schema(self) -> list[str]:
        return [
            f"CREATE TABLE IF NOT EXISTS {self.t(STATE_TABLE)} ("
            "message_id TEXT PRIMARY KEY, version BIGINT NOT NULL, outcome TEXT NOT NULL, "
            "fold TEXT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {self.t(ADDRESS_NAMES)} ("
            "address_id TEXT PRIMARY KEY, tenant TEXT NOT NULL, address TEXT NOT NULL)",
            *outbox_schema(self.t(OUTBOX_TABLE), postgres=self.view.postgres),
        ]

    def apply(self, tx: Tx, events: Sequence[Any]) -> None:
        messages = [e for e in events if isinstance(e, Message.Event)]
        ids = {event.originator_id for event in messages}
        folds: dict[UUID, tuple[MessageFold, int]] = {}
        outcomes: dict[UUID, str] = {}
        for row in self.select_in(tx, f"SELECT * FROM {self.t(STATE_TABLE)} WHERE message_id", ids):
            key = UUID(row["message_id"])
            folds[key] = (MessageFold.from_json(orjson.loads(row["fold"])), row["version"])
            outcomes[key] = row["outcome"]
        for event in events:
            if isinstance(event, Address.Created):
                tx.execute(
                    f"INSERT INTO {self.t(ADDRESS_NAMES)} (address_id, tenant, address) "
                    "VALUES (%s, %s, %s) ON CONFLICT (address_id) DO NOTHING",
                    [str(event.originator_id), event.tenant, event.address],
                )
                continue
            if isinstance(event, Address.Suppressed):
                self._suppressed(tx, event)
                continue
            if not isinstance(event, Message.Event):
                continue
            key = event.originator_id
            if key in folds and event.originator_version <= folds[key][1]:
                continue  # applied already
            registered = key in folds and folds[key][0].registration is not None
            # Before its registration nothing was decided about a message.
            late_before = _late_failures(folds[key][0], event) if registered else {}
            fold_events(folds, [event])
            fold = folds[key][0]
            if fold.registration is None or fold.owner is None:
                # Until the platform says whom it sent to, an outcome is a guess from the
                # recipients the provider named so far: decided once the registration is in.
                outcomes[key] = Outcome.PENDING.value
                continue
            before = outcomes.get(key, Outcome.PENDING.value)
            outcome = fold.outcome()
            outcomes[key] = outcome.value
            if outcome.value != before and outcome in FAILED_OUTCOMES:
                self._message_signal(tx, event, fold, FAILED_OUTCOMES[outcome])
            for address, failure in _late_failures(fold, event).items():
                # Once per failure: a later failure of the same recipient is a signal of its own.
                if late_before.get(address) != failure:
                    self._late_failure(tx, event, fold, address, failure)
        tx.upsert(
            STATE_TABLE,
            ("message_id", "version", "outcome", "fold"),
            ("message_id",),
            [
                [str(key), version, outcomes[key], dumps(fold.to_json())]
                for key, (fold, version) in sorted(folds.items())
            ],
        )

    def _message_signal(self, tx: Tx, event: Any, fold: MessageFold, kind: SignalKind) -> None:
        cause = f"{event.originator_id}:{event.originator_version}:{kind.value}"
        self._about_message(tx, event, fold, kind, cause, {})

    def _late_failure(
        self, tx: Tx, event: Any, fold: MessageFold, address: str, failure: tuple[FactKey, str]
    ) -> None:
        (occurred_us, _, event_id), status = failure
        kind = SignalKind.RECIPIENT_FAILED_AFTER_DELIVERY
        recipient = {
            "address": address,
            "status": status,
            "occurred_at": from_micros(occurred_us).isoformat(),
            "event_id": event_id,
        }
        cause = f"{event.originator_id}:{address}:{event_id}:{kind.value}"
        self._about_message(tx, event, fold, kind, cause, {"recipient": recipient})

    def _about_message(
        self,
        tx: Tx,
        event: Any,
        fold: MessageFold,
        kind: SignalKind,
        cause: str,
        more: dict[str, Any],
    ) -> None:
        """Write a signal about the registered message ``fold`` holds."""
        registration = fold.registration
        assert registration is not None  # message signals wait for the registration
        add_signal(
            tx,
            self.t(OUTBOX_TABLE),
            cause=cause,
            tenant=str(fold.owner),
            kind=kind,
            message_id=event.originator_id,
            category=registration.category,
            template=registration.template,
            document={
                "decided_at": event.timestamp.isoformat(),
                "message": message_document(event.originator_id, fold),
                **more,
            },
        )

    def _suppressed(self, tx: Tx, event: Any) -> None:
        kind = SignalKind.ADDRESS_SUPPRESSED
        tenant, address = self._address_of(tx, event)
        add_signal(
            tx,
            self.t(OUTBOX_TABLE),
            cause=f"{event.originator_id}:{event.originator_version}:{kind.value}",
            tenant=tenant,
            kind=kind,
            message_id=None,
            category=None,
            template=None,
            document={
                "decided_at": event.timestamp.isoformat(),
                "address": {
                    "address": address,
                    "reason": event.reason,
                    "since": event.since.isoformat(),
                    "until": event.until.isoformat() if event.until else None,
                    "failures": event.failures,
                },
            },
        )

    def _address_of(self, tx: Tx, event: Any) -> tuple[str, str]:
        # The address's creation came earlier in the log; this view keeps its names itself,
        # since the addresses view may be behind or being rebuilt.
        rows = tx.fetchall(
            f"SELECT tenant, address FROM {self.t(ADDRESS_NAMES)} WHERE address_id = %s",
            [str(event.originator_id)],
        )
        return rows[0]["tenant"], rows[0]["address"]


def _late_failures(fold: MessageFold, event: Any) -> dict[str, tuple[FactKey, str]]:
    """Of the recipients the event may change (every one, for the registration), those that
    failed after a delivery, with the failure that decides it (the facts about everyone
    joined to each recipient's own)."""
    if isinstance(event, Message.Registered):
        touched = None
    elif isinstance(event, Message.Observed):
        touched = event.recipient
    else:
        return {}
    return {
        address: recipient.decisive
        for address, recipient in fold.ordered()
        if (touched is None or address == touched)
        and recipient.decisive is not None
        and recipient.failed(fold.refused)
        and recipient.seen & _PROOFS
    }


def message_document(message_id: UUID, fold: MessageFold) -> dict[str, Any]:
    """What a message signal says of its message."""
    registration = fold.registration
    return {
        "id": str(message_id),
        "provider": fold.provider,
        "provider_message_id": fold.provider_message_id,
        "external_ref": registration.external_ref if registration else None,
        "dossier_id": registration.dossier_id if registration else None,
        "category": registration.category if registration else None,
        "template": registration.template if registration else None,
        "subject": registration.subject if registration else None,
        "outcome": fold.outcome().value,
        "recipients": [
            {
                "address": address,
                "status": recipient.status(fold.refused).value,
                "failed": recipient.failed(fold.refused),
            }
            for address, recipient in fold.ordered()
        ],
    }
