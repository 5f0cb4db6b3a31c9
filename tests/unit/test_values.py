from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest

from domain.errors import InvalidObservationError
from domain.kinds import EventKind
from domain.message import payload_of_send, send_of_payload
from domain.values import Observation, Send, normalise_address
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


CONTROLS = ["\x00", "\t", "\n", "\r", "\x1b", "\x7f"]


@pytest.mark.parametrize("control", CONTROLS)
@pytest.mark.parametrize(
    "field", ["tenant", "external_ref", "dossier_id", "category", "template", "subject", "sender"]
)
def test_a_send_with_a_control_character_in_a_text_field_is_refused(
    field: str, control: str
) -> None:
    changed: dict[str, Any] = {field: f"a{control}b"}
    with pytest.raises(InvalidObservationError, match=f"field '{field}'.*U\\+{ord(control):04X}"):
        dataclasses.replace(a_send(), **changed)


@pytest.mark.parametrize("control", CONTROLS)
def test_a_send_with_a_control_character_in_a_tag_or_its_id_is_refused(control: str) -> None:
    with pytest.raises(InvalidObservationError, match=r"field 'tags\.1'"):
        dataclasses.replace(a_send(), tags=("ok", f"bad{control}"))
    with pytest.raises(InvalidObservationError, match="field 'provider_message_id'"):
        a_send(provider_message_id=f"m{control}1")


@pytest.mark.parametrize("control", CONTROLS)
def test_an_observation_with_a_control_character_in_its_ids_is_refused(control: str) -> None:
    with pytest.raises(InvalidObservationError, match="field 'provider_message_id'"):
        an_observation(EventKind.SENT, 0, provider_message_id=f"m{control}1")
    with pytest.raises(InvalidObservationError, match="field 'recipient'"):
        an_observation(EventKind.SENT, 0, recipient=f"a{control}@x.example")


def test_multi_line_provider_details_are_kept_as_sent() -> None:
    observation = an_observation(EventKind.HARD_BOUNCE, 0, details={"smtp": "550-a\r\n550 b"})
    assert observation.details["smtp"] == "550-a\r\n550 b"


def test_a_registration_recorded_before_the_check_is_read_back_as_it_was() -> None:
    payload = payload_of_send(a_send())
    payload["subject"] = "old\x00subject"
    assert send_of_payload(payload).subject == "old\x00subject"
    assert isinstance(send_of_payload(payload), Send)
