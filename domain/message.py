"""The Message aggregate: one send through one provider, and every event about it."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.content import ContentRef
from domain.errors import RegistrationConflictError, TenantMismatchError
from domain.identity import aggregate_id
from domain.kinds import EventKind
from domain.state import MessageState, derive_recipient_state, last_status, roll_up
from domain.values import Fact, Observation, Recipient, RecipientType, Send


class Message(Aggregate):
    """Created on first contact from either side: a registration or a provider event."""

    @staticmethod
    def create_id(tenant: str, provider: str, provider_message_id: str) -> UUID:
        """The same id the registration and every provider event compute."""
        return aggregate_id(tenant, provider, provider_message_id)

    class Created(Aggregate.Created):
        """The ledger first heard of this message."""

        provider: str
        provider_message_id: str
        tenant: str

    @classmethod
    def start(
        cls,
        tenant: str,
        provider: str,
        provider_message_id: str,
        *,
        recorded_at: datetime | None = None,
    ) -> Message:
        """A new message of ``tenant``, its creation stamped ``recorded_at`` (by default, now)."""
        return cls._create(
            cls.Created,
            provider=provider,
            provider_message_id=provider_message_id,
            tenant=tenant,
            timestamp=recorded_at,
        )

    def __init__(self, provider: str, provider_message_id: str, tenant: str | None = None) -> None:
        self.provider = provider
        self.provider_message_id = provider_message_id
        # None only in a log written before ids named their tenant.
        self.tenant = tenant
        self.registration_payload: dict[str, Any] | None = None
        # Per recipient, per event id: [kind, occurred_at (ISO-8601), raw_type, details,
        # metadata]. Plain JSON values, so a long message's snapshot decodes without a
        # call-back per fact; facts_of() turns them into Facts when state is asked for.
        # Facts about the whole message are kept under EVERY_RECIPIENT, a key no address can
        # be, so that snapshots taken before such facts existed still decode.
        self.facts: dict[str, dict[str, list[Any]]] = {}

    class Registered(Aggregate.Event):
        """The platform said what it sent, to whom, about which dossier."""

        personal_data: ClassVar[tuple[str, ...]] = ("recipients", "subject", "sender")
        class_version = 3
        """Version 2 added ``template``, version 3 ``content``; events stored before are
        upcast (eventsourcing reads ``class_version`` and calls ``upcast_v1_v2``, then
        ``upcast_v2_v3``, on their stored state)."""

        tenant: str
        external_ref: str
        dossier_id: str | None
        category: str | None
        subject: str
        sender: str
        recipients: list[dict[str, str]]
        """Each {"address", "type"}, and "contact_ref" only when the platform gave one."""
        provider: str | None
        provider_message_id: str | None
        sent_at: datetime
        tags: list[str]
        error: str | None
        template: str | None
        content: dict[str, Any] | None
        """The copy's ContentRef as JSON (never the copy itself); None: no copy was sent."""

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """A registration stored before templates existed was from no template."""
            state["template"] = None

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            """A registration stored before copies were kept came with none."""
            state["content"] = None

        def apply(self, aggregate: Message) -> None:
            aggregate.registration_payload = registration_payload_of(self)

    class Observed(Aggregate.Event):
        """A provider event about one recipient, or, with ``recipient`` None, about the whole
        message (it holds for every recipient); subclasses name the normalised kind."""

        kind: ClassVar[EventKind]
        personal_data: ClassVar[tuple[str, ...]] = ("recipient", "details")

        recipient: str | None
        occurred_at: datetime
        event_id: str
        raw_type: str
        details: dict[str, Any]
        metadata: dict[str, str]

        def apply(self, aggregate: Message) -> None:
            aggregate.facts.setdefault(facts_key(self.recipient), {})[self.event_id] = [
                self.kind.value,
                self.occurred_at.isoformat(),
                self.raw_type,
                self.details,
                self.metadata,
            ]

    class Queued(Observed):
        kind = EventKind.QUEUED

    class Sent(Observed):
        kind = EventKind.SENT

    class Deferred(Observed):
        kind = EventKind.DEFERRED

    class SoftBounced(Observed):
        kind = EventKind.SOFT_BOUNCE

    class Delivered(Observed):
        kind = EventKind.DELIVERED

    class Opened(Observed):
        kind = EventKind.OPENED

    class Clicked(Observed):
        kind = EventKind.CLICKED

    class Unsubscribed(Observed):
        kind = EventKind.UNSUBSCRIBED

    class MarkedAsSpam(Observed):
        kind = EventKind.SPAM

    class Blocked(Observed):
        kind = EventKind.BLOCKED

    class FoundInvalid(Observed):
        kind = EventKind.INVALID_EMAIL

    class HardBounced(Observed):
        kind = EventKind.HARD_BOUNCE

    class Failed(Observed):
        kind = EventKind.ERROR

    def observe(self, observation: Observation, *, recorded_at: datetime | None = None) -> bool:
        """Record a provider event; False, recording nothing, when it was already recorded.

        ``recorded_at`` stamps the event (a batch shares one instant); by default, now.
        """
        self._check_tenant(observation.tenant)
        if observation.event_id in self.facts.get(facts_key(observation.recipient), {}):
            return False
        self.trigger_event(
            OBSERVED_EVENTS[observation.kind],
            recipient=observation.recipient,
            occurred_at=observation.occurred_at,
            event_id=observation.event_id,
            raw_type=observation.raw_type,
            details=dict(observation.details),
            metadata=dict(observation.metadata),
            timestamp=recorded_at,
        )
        return True

    def register(self, send: Send, *, recorded_at: datetime | None = None) -> bool:
        """Record the platform's registration; False when the same one was already recorded."""
        self._check_tenant(send.tenant)
        payload = payload_of_send(send)
        if self.registration_payload is not None:
            # A payload restored from a snapshot taken before templates (or copies) existed
            # has none: .get() reads it as None, the same as a registration without one.
            # The copy is compared by its hash, so the same copy again is a duplicate and
            # another copy (or one where there was none) a conflict naming "content".
            differing = sorted(
                key for key, value in payload.items() if self.registration_payload.get(key) != value
            )
            if differing:
                raise RegistrationConflictError(self.id, send.external_ref, differing)
            return False
        self.trigger_event(self.Registered, timestamp=recorded_at, **payload)
        return True

    def _check_tenant(self, tenant: str) -> None:
        # Ids name their tenant, so this never fails through the ledger; it keeps any other
        # way in from mixing two tenants' facts.
        if self.tenant is not None and tenant != self.tenant:
            raise TenantMismatchError(self.id)

    @property
    def registration(self) -> Send | None:
        """The platform's registration of this send, if it arrived."""
        if self.registration_payload is None:
            return None
        return send_of_payload(self.registration_payload)

    def facts_of(self, recipient: str | None) -> list[Fact]:
        """The facts recorded about the recipient alone (None: about the whole message), in
        no particular order."""
        return [
            Fact(EventKind(kind), datetime.fromisoformat(at), event_id, raw_type, details, metadata)
            for event_id, (kind, at, raw_type, details, metadata) in self.facts.get(
                facts_key(recipient), {}
            ).items()
        ]

    @property
    def message_wide_facts(self) -> list[Fact]:
        """The facts about the whole message, which hold for every recipient."""
        return self.facts_of(None)

    def state(self) -> MessageState:
        """Recipient states and outcome, derived from the set of facts."""
        send = self.registration
        refused = send is not None and send.refused
        addressed = {r.address: r.type for r in send.recipients} if send else {}
        observed_only = sorted(set(self.facts) - set(addressed) - {EVERY_RECIPIENT})
        everyone = self.message_wide_facts
        recipients = tuple(
            derive_recipient_state(
                address,
                addressed.get(address, RecipientType.TO),
                [*self.facts_of(address), *everyone],
                refused=refused,
            )
            for address in [*addressed, *observed_only]
        )
        # Until a recipient is known, the facts about the whole message decide its outcome.
        basis = recipients or (
            (derive_recipient_state(EVERY_RECIPIENT, RecipientType.TO, everyone, refused=refused),)
            if everyone
            else ()
        )
        first_seen = min((r.facts[0].occurred_at for r in basis if r.facts), default=None)
        return MessageState(
            id=self.id,
            provider=self.provider,
            provider_message_id=self.provider_message_id,
            registration=send,
            recipients=recipients,
            outcome=roll_up(basis, refused=refused),
            last_status=last_status(basis, refused=refused),
            sent_at=send.sent_at if send else first_seen,
            version=self.version,
            tenant=self.tenant if self.tenant is not None else (send.tenant if send else None),
        )


EVERY_RECIPIENT = ""
"""Where a message keeps its facts about every recipient: no address is empty."""


def facts_key(recipient: str | None) -> str:
    """The key of the message's facts about ``recipient`` (None: about every recipient)."""
    return EVERY_RECIPIENT if recipient is None else recipient


OBSERVED_EVENTS: dict[EventKind, type[Message.Observed]] = {
    cls.kind: cls for cls in Message.Observed.__subclasses__()
}
"""One event class per normalised kind; their import paths are stored, so never rename them."""


REGISTRATION_FIELDS = tuple(
    f.name
    for f in fields(Message.Registered)
    if f.name not in {f.name for f in fields(Message.Event)}
)
"""Names of the Registered event's own fields, in declaration order."""


def payload_of_send(send: Send) -> dict[str, Any]:
    """The Registered event's fields for a send."""
    return {
        "tenant": send.tenant,
        "external_ref": send.external_ref,
        "dossier_id": send.dossier_id,
        "category": send.category,
        "subject": send.subject,
        "sender": send.sender,
        "recipients": [recipient_payload(r) for r in send.recipients],
        "provider": send.provider,
        "provider_message_id": send.provider_message_id,
        "sent_at": send.sent_at,
        "tags": list(send.tags),
        "error": send.error,
        "template": send.template,
        "content": send.content_ref.to_json() if send.content_ref is not None else None,
    }


def recipient_payload(recipient: Recipient) -> dict[str, str]:
    """A recipient as the Registered event keeps it: ``contact_ref`` only when given, so a
    registration without one stores what it did before contact links existed."""
    payload = {"address": recipient.address, "type": recipient.type.value}
    if recipient.contact_ref is not None:
        payload["contact_ref"] = recipient.contact_ref
    return payload


def registration_payload_of(event: Message.Registered) -> dict[str, Any]:
    """The fields of a stored Registered event, as payload_of_send gives them."""
    return {name: getattr(event, name) for name in REGISTRATION_FIELDS}


def send_of_payload(payload: dict[str, Any]) -> Send:
    """The Send a registration payload describes."""
    return Send(
        tenant=payload["tenant"],
        external_ref=payload["external_ref"],
        recipients=tuple(
            Recipient(r["address"], RecipientType(r["type"]), r.get("contact_ref"))
            for r in payload["recipients"]
        ),
        sent_at=payload["sent_at"],
        provider=payload["provider"],
        provider_message_id=payload["provider_message_id"],
        dossier_id=payload["dossier_id"],
        category=payload["category"],
        subject=payload["subject"],
        sender=payload["sender"],
        tags=tuple(payload["tags"]),
        error=payload["error"],
        # A snapshot taken before templates existed holds a payload without one.
        template=payload.get("template"),
        content_ref=ContentRef.from_json(content) if (content := payload.get("content")) else None,
        # Checked when it came in, or recorded before text was checked: kept as it is.
        checked=False,
    )
