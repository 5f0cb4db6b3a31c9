from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.errors import InvalidObservationError
from domain.kinds import EventKind
from domain.values import Observation, normalise_address
from tests.conftest import T0, a_send, an_observation


def test_addresses_are_trimmed_and_lower_cased() -> None:
    assert normalise_address("  Ana.Silva@Mail.Example ") == "ana.silva@mail.example"


@pytest.mark.parametrize(
    "raw", ["", "ana", "@x.example", "ana@", "a b@x.example", "a" * 321 + "@x"]
)
def test_what_is_not_an_address_is_refused(raw: str) -> None:
    with pytest.raises(InvalidObservationError, match="recipient"):
        normalise_address(raw)


def test_time_without_offset_is_refused_not_guessed() -> None:
    with pytest.raises(InvalidObservationError, match=r"occurred_at.*UTC offset"):
        Observation("sendgrid", "m", "a@x.example", EventKind.SENT, datetime(2026, 1, 1, 9))


def test_times_are_kept_in_utc() -> None:
    moment = datetime.fromisoformat("2026-11-23T10:00:00+01:00")
    observation = Observation("sendgrid", "m", "a@x.example", EventKind.SENT, moment)
    assert observation.occurred_at == T0
    assert observation.occurred_at.tzinfo is UTC


def test_details_using_the_stores_reserved_keys_are_refused() -> None:
    # The stored-event codec would read such an object back as a typed value and fail.
    with pytest.raises(InvalidObservationError, match=r"details\.meta\._type_"):
        an_observation(EventKind.SENT, 0, details={"meta": {"_type_": "uuid_hex", "_data_": "x"}})


def test_details_must_be_json_values() -> None:
    with pytest.raises(InvalidObservationError, match="not a finite number"):
        an_observation(EventKind.SENT, 0, details={"score": float("nan")})


def test_missing_provider_id_without_error_is_refused() -> None:
    with pytest.raises(InvalidObservationError, match="provider_message_id"):
        a_send(provider_message_id=None)


def test_content_hash_leaves_the_address_out() -> None:
    one = an_observation(EventKind.OPENED, 1, "a@x.example")
    other = an_observation(EventKind.OPENED, 1, "b@x.example")
    assert one.event_id == other.event_id and one.event_id is not None
    assert "a@x.example" not in one.event_id
