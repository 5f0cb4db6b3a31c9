"""Every provider parser over hostile bodies: only BodyError escapes, and what parses keeps
the splitting invariant and binds to a tenant.

Four kinds of input, per provider (the generic format included): arbitrary bytes, any JSON
value, payloads drawn from the provider's TypedDict declarations with fields mutated
(``tests/unit/providers/payloads.py``), and the provider's real corpus and fixture bodies
mutated (``mutations.py``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.intake.splitting import split_by_message
from adapters.providers import brevo, mailgun
from adapters.providers.errors import BodyError
from adapters.providers.parsed import Parsed
from adapters.providers.postmark import payload as postmark_payload
from adapters.providers.registry import PROVIDER_NAMES, parser_for
from adapters.providers.ses import payload as ses_payload
from tests.unit.fuzz.budget import fuzzing
from tests.unit.fuzz.mutations import mutated_bodies
from tests.unit.providers.payloads import JUNK, bodies

TENANT = "acme"


def _ses_notification(record: bytes) -> bytes:
    """An SNS notification whose Message is ``record``, as SNS posts SES's events."""
    return json.dumps(
        {
            "Type": "Notification",
            "MessageId": "8b3d2c90-3e4f-5051-8c1d-2e3f4a5b6c7d",
            "TopicArn": "arn:aws:sns:eu-west-1:123456789012:mailledger-ses-events",
            "Message": record.decode(),
            "Timestamp": "2026-11-23T09:04:59.512Z",
        }
    ).encode()


SHAPED: dict[str, st.SearchStrategy[bytes]] = {
    "brevo": st.one_of(bodies(brevo.SINGLE.declaration), bodies(brevo.BATCH.declaration)),
    "mailgun": bodies(mailgun.BODY.declaration),
    "postmark": st.one_of(
        bodies(postmark_payload.ONE.declaration), bodies(postmark_payload.BATCH.declaration)
    ),
    "ses": st.one_of(
        bodies(ses_payload.ENVELOPE.declaration),
        st.one_of(
            bodies(ses_payload.RECORD.declaration),
            bodies(ses_payload.RECORD_WITH_HEADERS.declaration),
        ).map(_ses_notification),
    ),
}
"""Payloads drawn from each declared provider payload (SendGrid's and SparkPost's readers,
and the generic format, declare none: their corpus mutations stand in)."""


def elements_of(provider: str, body: bytes) -> int | None:
    """How many events the body holds when it is a batch (an array, generic lines); None
    for a body that is one event."""
    if provider == "generic":
        return sum(1 for line in body.splitlines() if line.decode("utf-8", "replace").strip())
    document = json.loads(body)
    return len(document) if isinstance(document, list) else None


def check(provider: str, body: bytes) -> Parsed | None:
    """The body parsed, or None when it is refused with a BodyError; whatever parses keeps
    the invariants the rest of intake relies on."""
    try:
        parsed = parser_for(provider)(body)
    except BodyError:
        return None
    for observation in parsed.observations:
        assert observation.for_tenant(TENANT).message_id is not None
    indices = [notice.index for notice in parsed.notices] + [r.index for r in parsed.rejected]
    assert len(set(indices)) == len(indices), "an element both noticed and set aside"
    outcomes = len(parsed.observations) + len(parsed.notices) + len(parsed.rejected)
    elements = elements_of(provider, body)
    if elements is None:
        # One event: one notice or one rejected, or observations of its one message (an
        # SES bounce yields one per recipient).
        assert outcomes >= 1
        if parsed.notices or parsed.rejected:
            assert outcomes == 1
        bound = {o.for_tenant(TENANT).message_id for o in parsed.observations}
        assert len(bound) <= 1
    else:
        assert outcomes == elements, "each element yields exactly one outcome"
        assert all(0 <= index < elements for index in indices)
    # The cut the Kafka path makes from this parse must go through.
    bound_parsed = Parsed(
        [o.for_tenant(TENANT) for o in parsed.observations], parsed.notices, parsed.rejected
    )
    parts = split_by_message(provider, body, bound_parsed)
    assert sum(part.events for part in parts) == max(outcomes, elements or 0) or len(parts) == 1
    return parsed


@pytest.mark.parametrize("provider", PROVIDER_NAMES)
@fuzzing(60)
@given(body=st.binary(max_size=300))
def test_arbitrary_bytes(provider: str, body: bytes) -> None:
    check(provider, body)


def _json_body(provider: str, value: Any) -> bytes:
    if provider == "generic" and isinstance(value, list):
        return b"\n".join(json.dumps(line).encode() for line in value)
    return json.dumps(value).encode()


@pytest.mark.parametrize("provider", PROVIDER_NAMES)
@fuzzing(60)
@given(
    value=st.one_of(
        JUNK,
        st.lists(JUNK, max_size=4),
        st.lists(st.dictionaries(st.text(max_size=8), JUNK, max_size=4), max_size=4),
    )
)
def test_arbitrary_json(provider: str, value: Any) -> None:
    check(provider, _json_body(provider, value))


@pytest.mark.parametrize("provider", sorted(SHAPED))
@fuzzing(150)
@given(data=st.data())
def test_schema_shaped_payloads(provider: str, data: st.DataObject) -> None:
    check(provider, data.draw(SHAPED[provider], label="body"))


@pytest.mark.parametrize("provider", PROVIDER_NAMES)
@fuzzing(150)
@given(data=st.data())
def test_mutated_corpus_bodies(provider: str, data: st.DataObject) -> None:
    check(provider, data.draw(mutated_bodies(provider), label="body"))


@pytest.mark.parametrize("provider", PROVIDER_NAMES)
def test_the_corpus_itself_keeps_the_invariants(provider: str) -> None:
    from tests.unit.fuzz.mutations import seeds, written

    documents = seeds(provider)
    read = [check(provider, written(provider, document)) for document in documents]
    # A few corpus bodies are refused on purpose (documented as not the provider's events).
    assert sum(parsed is not None for parsed in read) > len(read) / 2
