"""From a partition's records to what the ledger records, and the records it cannot use.

A provider-events record is an envelope around a body exactly as posted: opened, it is read
as every body is (verified when asked, parsed once). A registration record is one line of
``mailledger register``'s format.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from adapters.intake.bodies import Body, BodyReadError, read_bodies
from adapters.intake.input_errors import InputError, parse_record
from adapters.intake.registrations import RegistrationIn
from adapters.kafka.envelope import Envelope, EnvelopeError
from adapters.storage.quarantine import SetAside
from adapters.verification.mailgun import TokenClaims
from adapters.verification.registry import (
    UnverifiableProviderError,
    Verifier,
    configured_verifiers,
    verifier_for,
)
from adapters.verification.replays import with_seen_tokens
from domain.values import Observation, Send


@dataclass(frozen=True)
class Poison:
    """A record that cannot be used, and why."""

    record: Any
    reason: str


@dataclass
class DecodedEvents:
    """The observations of a run of provider-events records, and the poison among them."""

    observations: list[Observation] = field(default_factory=list)
    poison: list[Poison] = field(default_factory=list)
    set_aside: list[SetAside] = field(default_factory=list)
    """Events of readable bodies that could not be read themselves, for the quarantine."""


@dataclass
class DecodedSends:
    """The sends of a run of registration records (each with its record), and the poison."""

    sends: list[tuple[Send, Any]] = field(default_factory=list)
    poison: list[Poison] = field(default_factory=list)


class Verifiers:
    """Each provider's verifier: those configured built at once, any other when first needed."""

    def __init__(self, settings: Mapping[str, str]) -> None:
        self._settings = settings
        self._verifiers: dict[str, Verifier] = configured_verifiers(settings)
        self._seen: TokenClaims | None = None

    def remember_tokens(self, seen: TokenClaims) -> None:
        """From now on, a signature token reused with another body is refused."""
        self._seen = seen
        self._verifiers = {name: with_seen_tokens(v, seen) for name, v in self._verifiers.items()}

    def of(self, provider: str) -> Verifier:
        """The provider's verifier; SettingError names a missing variable, which is no
        fault of the record, so it stops the consumer rather than dead-lettering."""
        if provider not in self._verifiers:
            verifier = verifier_for(provider, self._settings)
            self._verifiers[provider] = (
                with_seen_tokens(verifier, self._seen) if self._seen else verifier
            )
        return self._verifiers[provider]


NO_TENANT = (
    "the envelope (format 1) names no tenant, and this consumer has no default: set "
    "MAILLEDGER_DEFAULT_TENANT to record such envelopes as that tenant's, or publish them "
    "again with a tenant (format 2)"
)


def position(record: Any) -> str:
    """``topic:partition@offset``: where a record is, for messages and logs."""
    return f"{record.topic}:{record.partition}@{record.offset}"


def decode_events(
    records: Sequence[Any], verifiers: Verifiers | None, default_tenant: str | None = None
) -> DecodedEvents:
    """Envelopes opened, verified when asked and not done by the producer, and parsed.

    An envelope's events are its tenant's; one of format 1, which names none, is
    ``default_tenant``'s, and without a default it is poison.
    """
    decoded = DecodedEvents()
    for record in records:
        try:
            envelope = Envelope.from_bytes(record.value)
        except EnvelopeError as error:
            decoded.poison.append(Poison(record, str(error)))
            continue
        tenant = envelope.tenant or default_tenant
        if tenant is None:
            decoded.poison.append(Poison(record, NO_TENANT))
            continue
        verifier = None
        if verifiers is not None and not envelope.verified:
            if envelope.split:
                decoded.poison.append(
                    Poison(
                        record,
                        "a body split by its producer cannot be verified here; verify it "
                        "where it is received (mailledger publish --verify, or the webhook)",
                    )
                )
                continue
            try:
                verifier = verifiers.of(envelope.provider)
            except UnverifiableProviderError as error:
                decoded.poison.append(Poison(record, str(error)))
                continue
        body = Body(
            position(record),
            envelope.data,
            envelope.received_at,
            envelope.headers,
            tenant=tenant,
        )
        try:
            read = read_bodies(envelope.provider, [body], verifier)
        except BodyReadError as error:
            decoded.poison.append(Poison(record, str(error)))
            continue
        decoded.observations.extend(read.observations)
        decoded.set_aside.extend(read.set_aside)
    return decoded


def decode_sends(records: Sequence[Any]) -> DecodedSends:
    """Registration records, each one line of ``mailledger register``'s format."""
    decoded = DecodedSends()
    for record in records:
        if record.value is None:
            decoded.poison.append(Poison(record, "the record has no value (a tombstone)"))
            continue
        try:
            send = parse_record(
                record.value, position(record), 1, RegistrationIn, RegistrationIn.to_send
            )
        except InputError as error:
            reason = str(error).replace(f"{position(record)}:1: ", f"{position(record)}: ", 1)
            decoded.poison.append(Poison(record, reason))
            continue
        decoded.sends.append((send, record))
    return decoded
