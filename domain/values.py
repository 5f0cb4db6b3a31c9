"""Value objects: what a platform sends and what a provider observes."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import InitVar, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any
from uuid import UUID

from domain.canonical_json import UnencodableError, encode
from domain.content import ContentRef, MessageContent
from domain.errors import InvalidObservationError
from domain.identity import (
    NORMALISED_CACHE_SIZE,
    PLATFORM,
    aggregate_id,
    check_tenant,
    message_id,
    normalise_identity,
)
from domain.kinds import EventKind
from domain.text import check_text

MAX_ADDRESS_LENGTH = 320
_RESERVED_KEYS = frozenset({"_type_", "_data_"})


class RecipientType(StrEnum):
    """How a recipient was addressed."""

    TO = "to"
    CC = "cc"
    BCC = "bcc"


@lru_cache(maxsize=NORMALISED_CACHE_SIZE)
def normalise_address(raw: str, field_name: str = "recipient") -> str:
    """An e-mail address trimmed and lower-cased, as providers report it back (cached: a
    body names the same recipients again and again)."""
    address = raw.strip().lower()
    local, at, domain = address.rpartition("@")
    if (
        not at
        or not local
        or not domain
        or len(address) > MAX_ADDRESS_LENGTH
        or address.split() != [address]  # any whitespace inside
    ):
        raise InvalidObservationError(field_name, f"{raw!r} is not an e-mail address")
    check_text(field_name, address)
    return address


def aware_utc(value: datetime, field_name: str) -> datetime:
    """The instant in UTC; a time without offset is refused rather than guessed."""
    if value.tzinfo is UTC:  # what parsers give: nothing to convert
        return value
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidObservationError(
            field_name, f"{value.isoformat()} has no UTC offset; add one, e.g. 'Z' or '+01:00'"
        )
    return value.astimezone(UTC)


def check_details(details: Mapping[str, Any], field_name: str = "details") -> dict[str, Any]:
    """A JSON-safe copy of provider details; keys the event store's codec reserves are refused."""
    copy = dict(details)
    for key, value in copy.items():
        # Nearly every value is plain (or a list of tags); only the others need the full,
        # recursive check.
        plain = type(value) in _PLAIN or (
            type(value) is list and all(type(item) is str for item in value)
        )
        if not plain or type(key) is not str or key in _RESERVED_KEYS:
            _check_json_value({key: value}, field_name)
    return copy


_PLAIN = frozenset({str, int, bool, type(None)})


def _check_json_value(value: Any, path: str) -> None:
    # Exact type checks first: details are checked for every event, and nearly all of their
    # values are plain, so the slower isinstance checks are for the rare rest.
    kind = type(value)
    if kind in _PLAIN:
        return
    if kind is list or kind is tuple or isinstance(value, list | tuple):
        for index, item in enumerate(value):
            if type(item) not in _PLAIN:
                _check_json_value(item, f"{path}[{index}]")
        return
    if kind is dict or isinstance(value, Mapping):
        for key, item in value.items():
            if type(key) is str and type(item) in _PLAIN and key not in _RESERVED_KEYS:
                continue
            if not isinstance(key, str):
                raise InvalidObservationError(path, f"key {key!r} is not a string")
            # The stored-event codec reads an object with these keys as a typed value.
            if key in _RESERVED_KEYS:
                raise InvalidObservationError(f"{path}.{key}", "this key is reserved")
            _check_json_value(item, f"{path}.{key}")
        return
    if isinstance(value, str | bool | int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidObservationError(path, f"{value!r} is not a finite number")
        return
    raise InvalidObservationError(path, f"{type(value).__name__} is not a JSON value")


@dataclass(frozen=True)
class Recipient:
    """One addressee of a send."""

    address: str
    type: RecipientType = RecipientType.TO
    contact_ref: str | None = None
    """The platform's id of the recipient's contact record, when it gave one."""


_SEND_TEXTS = (
    "tenant",
    "external_ref",
    "provider",
    "provider_message_id",
    "dossier_id",
    "category",
    "template",
    "subject",
    "sender",
)
"""The text fields of a send that hold no control characters (``error`` may quote a
provider's multi-line answer and is kept as given)."""


@dataclass(frozen=True)
class Send:
    """A platform's registration of one e-mail it sent (or tried to send)."""

    tenant: str
    external_ref: str
    recipients: tuple[Recipient, ...]
    sent_at: datetime
    provider: str | None = None
    provider_message_id: str | None = None
    dossier_id: str | None = None
    category: str | None = None
    """The kind of e-mail (invoice, contract, convocation…)."""
    subject: str = ""
    sender: str = ""
    tags: tuple[str, ...] = ()
    error: str | None = None
    template: str | None = None
    """The name or id of the template the platform rendered the e-mail from; None: none."""
    content: MessageContent | None = None
    """The copy of the e-mail as sent, when intake received it (never read back from the log:
    the log keeps only ``content_ref``)."""
    content_ref: ContentRef | None = None
    """What the Registered event keeps of the copy: always ``content``'s own when it is given."""
    checked: InitVar[bool] = True
    """False only for a registration read back from the log, kept as it was recorded."""

    def __post_init__(self, checked: bool) -> None:
        if self.content is not None:
            # Always the copy's own: a send copied with another copy (dataclasses.replace)
            # never keeps the reference of the one it replaced.
            object.__setattr__(self, "content_ref", self.content.ref)
        if checked:
            self._check_texts()
            # The tenant is part of the message's id; a registration read back from the log
            # keeps the tenant it was recorded with.
            check_tenant(self.tenant)
        elif not self.tenant.strip():
            raise InvalidObservationError("tenant", "must not be empty")
        if not self.external_ref.strip():
            raise InvalidObservationError("external_ref", "must not be empty")
        if not self.recipients:
            raise InvalidObservationError("recipients", "a send needs at least one recipient")
        object.__setattr__(self, "sent_at", aware_utc(self.sent_at, "sent_at"))
        if self.provider_message_id is None:
            if self.error is None:
                raise InvalidObservationError(
                    "provider_message_id",
                    "missing; a send the provider refused has no id but must carry an 'error'",
                )
            return
        if self.provider is None:
            raise InvalidObservationError("provider", "required with a provider_message_id")
        provider, provider_message_id = normalise_identity(self.provider, self.provider_message_id)
        object.__setattr__(self, "provider", provider)
        object.__setattr__(self, "provider_message_id", provider_message_id)

    def _check_texts(self) -> None:
        for name in _SEND_TEXTS:
            check_text(name, getattr(self, name))
        for index, tag in enumerate(self.tags):
            check_text(f"tags.{index}", tag)
        for index, recipient in enumerate(self.recipients):
            check_text(f"recipients.{index}.contact_ref", recipient.contact_ref)

    @property
    def refused(self) -> bool:
        """True when no provider accepted the send."""
        return self.provider_message_id is None

    @property
    def identity(self) -> tuple[str, str]:
        """(provider, provider message id), or the platform's own reference for a refused send."""
        if self.provider is None or self.provider_message_id is None:
            return PLATFORM, self.external_ref
        return self.provider, self.provider_message_id

    @property
    def message_id(self) -> UUID:
        """The aggregate id this send is recorded under: the tenant's, never another's."""
        return aggregate_id(self.tenant, *self.identity)


@dataclass(frozen=True)
class Fact:
    """One provider event about one recipient, as the message keeps it."""

    kind: EventKind
    occurred_at: datetime
    event_id: str
    raw_type: str
    details: Mapping[str, Any] = field(default_factory=dict)
    metadata: Mapping[str, str] = field(default_factory=dict)

    def sort_key(self) -> tuple[datetime, int, str]:
        """Provider time, then the fixed rank of kinds, then the event id: never arrival order."""
        return (self.occurred_at, self.kind.rank, self.event_id)


@dataclass(frozen=True)
class Observation:
    """A normalised provider event: one fact about one recipient of one message, or, with
    ``recipient`` None, about the whole message (a send the provider refused outright names
    no recipient: the fact holds for every recipient, those registered later included).

    A provider's body does not say whose it is: parsers make observations without a tenant,
    and intake binds them to the tenant that received them (``for_tenant``) before anything
    is recorded. An unbound observation has no message id.
    """

    provider: str
    provider_message_id: str
    recipient: str | None
    kind: EventKind
    occurred_at: datetime
    event_id: str | None = None
    raw_type: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    metadata: Mapping[str, str] = field(default_factory=dict)
    tenant: str = ""

    def __post_init__(self) -> None:
        check_text("provider_message_id", self.provider_message_id)
        provider, provider_message_id = normalise_identity(self.provider, self.provider_message_id)
        if self.tenant:
            check_tenant(self.tenant)
        kind = self.kind if type(self.kind) is EventKind else EventKind(self.kind)
        # One update of the instance's dict: a frozen dataclass's fields are set only here.
        self.__dict__.update(
            provider=provider,
            provider_message_id=provider_message_id,
            recipient=None if self.recipient is None else normalise_address(self.recipient),
            kind=kind,
            occurred_at=aware_utc(self.occurred_at, "occurred_at"),
            details=check_details(self.details),
            metadata=dict(self.metadata),
        )
        if self.raw_type is None:
            self.__dict__["raw_type"] = kind.value
        if self.event_id is None or not self.event_id.strip():
            self.__dict__["event_id"] = self.content_hash()

    @property
    def message_wide(self) -> bool:
        """True when the fact is about every recipient of the message, not one."""
        return self.recipient is None

    @property
    def message_id(self) -> UUID:
        """The aggregate id this observation is recorded under."""
        if not self.tenant:
            raise InvalidObservationError(
                "tenant", "the observation is bound to no tenant; intake binds it on receipt"
            )
        return message_id(self.tenant, self.provider, self.provider_message_id)

    def for_tenant(self, tenant: str) -> Observation:
        """This observation as received by ``tenant`` (everything else already checked, so
        a copy, not a new validation)."""
        bound = object.__new__(Observation)
        bound.__dict__.update(self.__dict__, tenant=check_tenant(tenant))
        return bound

    def content_hash(self) -> str:
        """Stands in for the provider's event id when it sends none.

        The recipient is left out on purpose: duplicates are detected per recipient anyway,
        and a plain hash over an address could be reversed with a dictionary after erasure.
        """
        kind = self.kind.value
        canonical = [
            self.provider,
            self.provider_message_id,
            kind,
            self.occurred_at,
            self.raw_type or kind,
            self.details,
        ]
        try:
            # Sorted keys and no spaces: the same event always gives the same bytes.
            encoded = encode(canonical)
        except UnencodableError as error:
            raise InvalidObservationError("details", f"cannot be stored: {error}") from None
        return "sha256:" + hashlib.sha256(encoded).hexdigest()[:32]


def utc_now() -> datetime:
    """The current instant, aware, in UTC."""
    return datetime.now(UTC)
