"""One event a body cannot read never refuses the body: it is set aside, the rest is read.

The bodies are the real ones of ``tests/fixtures/<provider>/corpus/`` and the events their
sources trimmed of their ids (``trimmed/``); see each provider's ``SOURCES.md``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.providers import postmark, ses, sparkpost
from adapters.providers.errors import BodyError
from adapters.providers.parsed import Parsed
from domain.kinds import EventKind
from tests.unit.providers.bodies import FIXTURES


def real(provider: str, folder: str, name: str) -> bytes:
    return (FIXTURES / provider / folder / f"{name}.json").read_bytes()


def elements(provider: str, folder: str, name: str) -> list[Any]:
    found = json.loads(real(provider, folder, name))
    return found if isinstance(found, list) else [found]


SPARKPOST_GOOD = [
    element
    for path in sorted((FIXTURES / "sparkpost" / "corpus").glob("*.json"))
    for element in json.loads(path.read_bytes())
]
SPARKPOST_ODD = [
    *elements("sparkpost", "trimmed", "anymail_open"),
    *elements("sparkpost", "trimmed", "anymail_amp_events"),
]


def assert_one_outcome_per_element(parsed: Parsed, count: int) -> None:
    """Every element yields one observation, one notice or one rejected, never two."""
    assert len(parsed.observations) + len(parsed.notices) + len(parsed.rejected) == count
    indexes = [n.index for n in parsed.notices] + [r.index for r in parsed.rejected]
    assert len(set(indexes)) == len(indexes)


def test_a_sparkpost_event_without_any_message_id_is_set_aside_and_the_rest_recorded() -> None:
    batch = [*elements("sparkpost", "corpus", "anymail_injection")]
    batch += elements("sparkpost", "trimmed", "anymail_open")
    batch += elements("sparkpost", "corpus", "anymail_delivery")
    parsed = sparkpost.parse(json.dumps(batch).encode())
    assert [o.kind for o in parsed.observations] == [EventKind.SENT, EventKind.DELIVERED]
    (rejected,) = parsed.rejected
    assert (rejected.index, rejected.raw_type) == (1, "open")
    assert "field 'msys.track_event.transmission_id': missing" in rejected.reason
    assert json.loads(rejected.data) == [batch[1]]
    assert_one_outcome_per_element(parsed, len(batch))


@given(
    st.lists(
        st.one_of(
            st.sampled_from(SPARKPOST_GOOD).map(lambda e: (e, True)),
            st.sampled_from(SPARKPOST_ODD).map(lambda e: (e, False)),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_any_mix_of_real_and_odd_sparkpost_events_sets_aside_exactly_the_odd_ones(
    batch: list[tuple[Any, bool]],
) -> None:
    parsed = sparkpost.parse(json.dumps([element for element, _ in batch]).encode())
    assert_one_outcome_per_element(parsed, len(batch))
    odd = [index for index, (_, good) in enumerate(batch) if not good]
    assert [rejected.index for rejected in parsed.rejected] == odd
    for rejected in parsed.rejected:
        assert json.loads(rejected.data) == [batch[rejected.index][0]]


def test_a_sparkpost_body_that_is_no_array_is_still_refused_whole() -> None:
    (element,) = elements("sparkpost", "corpus", "anymail_delivery")
    with pytest.raises(BodyError) as caught:
        sparkpost.parse(json.dumps(element).encode())
    assert caught.value.index is None


def test_a_postmark_array_with_an_inbound_payload_sets_that_one_aside() -> None:
    # Posted to a tracking endpoint by a misconfigured inbound webhook (django-anymail's
    # test_misconfigured_inbound): no RecordType, no MessageStream.
    inbound = {"FromFull": {"Email": "from@example.org"}}
    batch = [
        *elements("postmark", "corpus", "spatie_open"),
        inbound,
        *elements("postmark", "corpus", "anymail_bounce"),
    ]
    parsed = postmark.parse(json.dumps(batch).encode())
    assert [o.kind for o in parsed.observations] == [EventKind.OPENED, EventKind.HARD_BOUNCE]
    (rejected,) = parsed.rejected
    assert rejected.index == 1
    assert rejected.reason.startswith("postmark event 1: field 'RecordType': missing")
    assert json.loads(rejected.data) == [inbound]
    assert_one_outcome_per_element(parsed, len(batch))


def test_a_single_odd_postmark_record_is_set_aside_as_the_body_it_came_in() -> None:
    raw = json.dumps({"FromFull": {"Email": "from@example.org"}}).encode()
    parsed = postmark.parse(raw)
    assert (parsed.observations, parsed.notices) == ([], [])
    assert [(r.index, r.data) for r in parsed.rejected] == [(0, raw)]


def test_an_ses_notification_whose_record_cannot_be_read_is_set_aside_whole() -> None:
    raw = real("ses", "trimmed", "anymail_complaint")
    parsed = ses.parse(raw)
    assert (parsed.observations, parsed.notices) == ([], [])
    (rejected,) = parsed.rejected
    assert (rejected.index, rejected.data, rejected.raw_type) == (0, raw, "Complaint")
    assert rejected.reason.startswith("ses event 0: field 'Message.mail.timestamp'")


def test_a_body_that_is_no_sns_message_is_still_refused() -> None:
    record = json.loads(real("ses", "corpus", "event_publishing_send"))["Message"]
    with pytest.raises(BodyError):
        ses.parse(record.encode())


POSTMARK_GOOD = [
    json.loads(path.read_bytes())
    for path in sorted((FIXTURES / "postmark" / "corpus").glob("*.json"))
]
POSTMARK_ODD = [
    {"FromFull": {"Email": "from@example.org"}},
    {**POSTMARK_GOOD[0], "MessageID": None},
    "Delivery",
]


@given(
    st.lists(
        st.one_of(
            st.sampled_from(POSTMARK_GOOD).map(lambda e: (e, True)),
            st.sampled_from(POSTMARK_ODD).map(lambda e: (e, False)),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_any_mix_of_real_and_odd_postmark_records_sets_aside_exactly_the_odd_ones(
    batch: list[tuple[Any, bool]],
) -> None:
    parsed = postmark.parse(json.dumps([record for record, _ in batch]).encode())
    assert_one_outcome_per_element(parsed, len(batch))
    odd = [index for index, (_, good) in enumerate(batch) if not good]
    assert [rejected.index for rejected in parsed.rejected] == odd
    for rejected in parsed.rejected:
        assert json.loads(rejected.data) == [batch[rejected.index][0]]
