"""The consumer's decoding over mutated envelopes and registration records: nothing
escapes. Every record becomes observations, events set aside, sends or poison with a
reason, and none is lost.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.errors import SettingError
from adapters.intake.from_kafka import Verifiers, decode_events, decode_sends
from adapters.kafka.envelope import Envelope
from adapters.providers.registry import PROVIDER_NAMES
from tests.conftest import T0, TENANT
from tests.unit.fuzz.budget import fuzzing
from tests.unit.fuzz.mutations import mutated_bodies, mutated_documents, written
from tests.unit.fuzz.mutations import seeds as corpus_seeds
from tests.unit.providers.payloads import JUNK


@dataclass(frozen=True)
class FakeRecord:
    """A Kafka record as the consumer sees one."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


def records(values: list[bytes | None]) -> list[FakeRecord]:
    return [FakeRecord("events", 0, offset, None, value) for offset, value in enumerate(values)]


@st.composite
def envelopes(draw: st.DrawFn) -> bytes | None:
    """A provider-events record's value: a real body enveloped, the envelope mutated."""
    provider = draw(st.sampled_from(PROVIDER_NAMES), label="provider")
    seed = draw(st.sampled_from(corpus_seeds(provider)), label="seed")
    data = draw(st.one_of(st.just(written(provider, seed)), mutated_bodies(provider)))
    envelope = json.loads(Envelope.of(provider, data, T0, tenant=TENANT, source="fuzz").to_bytes())
    shape = draw(st.sampled_from(["as is", "mutated", "mutated", "junk", "bytes", "tombstone"]))
    if shape == "as is":
        return json.dumps(envelope).encode()
    if shape == "mutated":
        return written("envelope", draw(mutated_documents(envelope)), 2_000)
    if shape == "junk":
        return json.dumps(draw(JUNK)).encode()
    if shape == "bytes":
        return draw(st.binary(max_size=100))
    return None


REGISTRATION: dict[str, Any] = {
    "tenant": TENANT,
    "external_ref": "inv-1",
    "dossier_id": "DOS-1",
    "category": "invoice",
    "template": "invoice-v3",
    "subject": "Invoice 1",
    "sender": "billing@acme.example",
    "recipients": [{"address": "ana@example.com"}, {"address": "bo@example.com", "type": "cc"}],
    "provider": "sendgrid",
    "provider_message_id": "msg-1",
    "sent_at": "2026-11-23T09:00:00Z",
    "tags": ["a"],
}


@st.composite
def registrations(draw: st.DrawFn) -> bytes | None:
    shape = draw(st.sampled_from(["mutated", "mutated", "mutated", "junk", "bytes", "tombstone"]))
    if shape == "mutated":
        return written("registration", draw(mutated_documents(REGISTRATION)), 2_000)
    if shape == "junk":
        return json.dumps(draw(JUNK)).encode()
    if shape == "bytes":
        return draw(st.binary(max_size=100))
    return None


@pytest.mark.parametrize("verifying", [False, True])
@fuzzing(150)
@given(values=st.lists(envelopes(), min_size=1, max_size=4))
def test_decode_events_turns_every_record_into_something(
    verifying: bool, values: list[bytes | None]
) -> None:
    batch = records(values)
    # Verifying with no settings: a record that needs a verifier is poison or stops the
    # consumer with a SettingError, which names the setting (no fault of the record).
    verifiers = Verifiers({}) if verifying else None
    try:
        decoded = decode_events(batch, verifiers, default_tenant=None)
    except SettingError:
        assert verifying
        return
    poisoned = {id(poison.record) for poison in decoded.poison}
    assert len(poisoned) == len(decoded.poison)
    assert all(poison.reason for poison in decoded.poison)
    for observation in decoded.observations:
        assert observation.tenant == TENANT


@fuzzing(200)
@given(values=st.lists(registrations(), min_size=1, max_size=4))
def test_decode_sends_turns_every_record_into_a_send_or_poison(values: list[bytes | None]) -> None:
    batch = records(values)
    decoded = decode_sends(batch)
    assert len(decoded.sends) + len(decoded.poison) == len(batch)
    assert all(poison.reason for poison in decoded.poison)
