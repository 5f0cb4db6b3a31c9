"""The ledger's orjson decoder reads every stored event exactly as eventsourcing's own does."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, JSONTranscoder, UUIDAsHex
from hypothesis import given
from hypothesis import strategies as st

from adapters.storage.transcoder import FastJSONTranscoder


def _registered(transcoder: JSONTranscoder) -> JSONTranscoder:
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        transcoder.register(transcoding)
    return transcoder


REFERENCE = _registered(JSONTranscoder())
FAST = _registered(FastJSONTranscoder())

keys = st.sampled_from(["_type_", "_data_", "a", "b", "details", "timestamp"]) | st.text(max_size=8)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["_type_", '"_type_"', "1234567890123456789012"])
    | st.datetimes(timezones=st.just(UTC))
    | st.uuids()
    | st.decimals(allow_nan=False, allow_infinity=False, places=3)
)
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4),
    max_leaves=12,
)


def _decoded(transcoder: JSONTranscoder, data: bytes) -> tuple[str, Any]:
    try:
        return "value", transcoder.decode(data)
    except (TypeError, KeyError):
        # What eventsourcing itself cannot read (a marker naming no transcoding) must not
        # read here either; the exact exception does not matter.
        return "unreadable", None


@given(st.dictionaries(keys, values, max_size=6) | values)
def test_any_encoded_value_decodes_as_the_standard_decoder_decodes_it(value: Any) -> None:
    data = REFERENCE.encode(value)

    assert _decoded(FAST, data) == _decoded(REFERENCE, data)


def test_an_event_with_times_at_the_top_and_nested_markers_both_decode() -> None:
    at = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    flat = {"timestamp": at, "details": {"reason": "mailbox full"}, "n": 2**70}
    nested = {"timestamp": at, "details": {"when": at, "ids": [UUID(int=7)], "d": Decimal("1.5")}}

    for value in (flat, nested):
        data = REFERENCE.encode(value)
        assert FAST.decode(data) == REFERENCE.decode(data) == value
