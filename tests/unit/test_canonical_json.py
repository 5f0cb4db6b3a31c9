"""An observation's content hash never changes: events recorded under it must stay duplicates.

The hash is taken over canonical JSON that orjson wrote until the domain kept to the standard
library; the encoder that replaced it is proven here to write the same bytes, or to refuse
with the same words, for any value the hash can be given.
"""

from __future__ import annotations

import hashlib
import math
import struct
from collections import UserDict, namedtuple
from datetime import UTC, datetime, timedelta, timezone
from enum import Enum, IntEnum, StrEnum
from types import MappingProxyType
from typing import Any

import orjson
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from domain.canonical_json import RECURSION_LIMIT, UnencodableError, canonical_json
from domain.errors import InvalidObservationError
from domain.kinds import EventKind
from domain.values import Observation
from tests.conftest import TENANT


class Priority(IntEnum):
    HIGH = 1
    BEYOND_64_BITS = 2**64


class Colour(StrEnum):
    RED = "red"


class Ratio(float, Enum):
    HALF = 0.5


class Span(tuple[int, int], Enum):
    WEEK = (1, 7)


class Meters(float):
    pass


class Key(str):
    pass


class Count(int):
    pass


class Tags(list[Any]):
    pass


class Fields(dict[str, Any]):
    pass


class Moment(datetime):
    pass


Pair = namedtuple("Pair", "left right")


def nested_lists(levels: int) -> Any:
    """A 1 inside ``levels`` lists."""
    value: Any = 1
    for _ in range(levels):
        value = [value]
    return value


# Hashes as orjson's encoding gave them; an event recorded under one is recognised by it.
RECORDED_HASHES = [
    pytest.param(
        {
            "provider": "SendGrid",
            "provider_message_id": "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0",
            "kind": EventKind.HARD_BOUNCE,
            "occurred_at": datetime(2026, 11, 23, 9, 0, 12, tzinfo=UTC),
            "raw_type": "bounce",
            "details": {
                "smtp_code": 550,
                "smtp_status": "5.1.1",
                "diagnostic": "550 5.1.1 The email account that you tried to reach does not exist.",
                "bounce_type": "bounce",
                "remote_mta": "mx.example.com",
                "tags": ["invoice", "monthly"],
            },
        },
        "sha256:4b40faeacb15b0aaac05c7aae345bfb0",
        id="bounce",
    ),
    pytest.param(
        {
            "provider": "mailgun",
            "provider_message_id": "<20261123090012.1.ABC@mg.example.com>",
            "kind": EventKind.CLICKED,
            "occurred_at": datetime(
                2026, 11, 23, 10, 0, 12, 345678, tzinfo=timezone(timedelta(hours=1))
            ),
            "raw_type": "clicked",
            "details": {
                "url": 'https://example.com/faktura/1?ü=ö&x="y"',
                "user_agent": "Mozilla/5.0 (Macintosh) Safari/605.1.15",
                "ip": "198.51.100.1",
                "proxy_open": False,
                "machine_open": None,
            },
        },
        "sha256:f916cff5cbff26307cceaa9c52d84050",
        id="click-with-microseconds-and-an-offset",
    ),
    pytest.param(
        {
            "provider": "ses",
            "provider_message_id": "0100018c-abc",
            "kind": EventKind.DELIVERED,
            "occurred_at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
            "raw_type": "",
        },
        "sha256:9a44500251d93d8f0529b6d3c3395c77",
        id="no-details",
    ),
    pytest.param(
        {
            "provider": "generic",
            "provider_message_id": "m-1",
            "kind": EventKind.OPENED,
            "occurred_at": datetime(2026, 11, 23, 9, 0, 0, 1, tzinfo=UTC),
            "details": {
                "floats": [
                    *(0.25, 1e-05, 2.5e-05, 1.5e-07, 1e-4, 1e16, 1e15, -0.0, 0.0),
                    *(123456789.125, 5e-324, 1.7976931348623157e308, 0.1 + 0.2),
                ],
                "ints": [0, -1, 2**63 - 1, 2**64 - 1, -(2**63)],
                "text": (
                    "tab\t nl\n nul\x00 us\x1f del\x7f ls\u2028 ps\u2029 "
                    'quote" back\\ slash/ ß 漢字 😀'
                ),
                "nested": {
                    "z": 1,
                    "é": {"b": [], "a": {}},
                    "😀": None,
                    "Z": True,
                    "": "empty",
                    "\uffff": 2,
                    "\ue000": 3,
                },
                "pair": ("a", 1),
                "kind": EventKind.OPENED,
                "priority": Priority.HIGH,
            },
        },
        "sha256:6347b21c6cd6251bd86b9943e6a5add8",
        id="every-kind-of-value",
    ),
    pytest.param(
        {
            "provider": "generic",
            "provider_message_id": "m-1",
            "kind": EventKind.OPENED,
            "occurred_at": datetime(2026, 1, 1, tzinfo=UTC),
            # With the hashed list and the details around them: 254 levels, the most accepted.
            "details": {"deep": nested_lists(252)},
        },
        "sha256:6f230629fe2d601ccef74d853af0886e",
        id="deepest-nesting",
    ),
]


def an_observation_of(fields: dict[str, Any]) -> Observation:
    """An observation without a provider event id, so that its content hash stands in."""
    return Observation(recipient="ana@example.com", **fields)


@pytest.mark.parametrize(("fields", "recorded"), RECORDED_HASHES)
def test_the_content_hash_is_the_one_recorded(fields: dict[str, Any], recorded: str) -> None:
    observation = an_observation_of(fields)
    assert observation.event_id == recorded
    assert observation.content_hash() == recorded


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"details": {"n": 2**64}}, "Integer exceeds 64-bit range"),
        ({"details": {"n": -(2**63) - 1}}, "Integer exceeds 64-bit range"),
        ({"provider_message_id": "m-\ud800"}, "str is not valid UTF-8: surrogates not allowed"),
        ({"raw_type": "raw\ud800"}, "str is not valid UTF-8: surrogates not allowed"),
        ({"details": {"t": "\udfff"}}, "str is not valid UTF-8: surrogates not allowed"),
        ({"details": {"deep": nested_lists(253)}}, "Recursion limit reached"),
        ({"details": {"d": Meters(1.5)}}, "Type is not JSON serializable: Meters"),
        ({"details": {"p": (1, Meters(2.0))}}, "Type is not JSON serializable: Meters"),
        ({"details": {Key("k"): 1}}, "Dict key must be str"),
    ],
)
def test_what_could_not_be_hashed_is_still_refused(fields: dict[str, Any], problem: str) -> None:
    values: dict[str, Any] = {
        "provider": "generic",
        "provider_message_id": "m-1",
        "kind": EventKind.OPENED,
        "occurred_at": datetime(2026, 1, 1, tzinfo=UTC),
    }
    with pytest.raises(InvalidObservationError) as refused:
        an_observation_of(values | fields)
    assert refused.value.field == "details"
    assert refused.value.problem == f"cannot be stored: {problem}"


def orjson_wrote(value: Any) -> bytes | str:
    """orjson's bytes with sorted keys, or the words it refused the value with."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError as error:
        return str(error)


def written(value: Any) -> bytes | str:
    """The canonical JSON of the value, or the words it is refused with."""
    try:
        return canonical_json(value)
    except UnencodableError as error:
        return str(error)


def assert_written_as_orjson_wrote(value: Any) -> None:
    """The same bytes as orjson, or a refusal in orjson's words."""
    assert written(value) == orjson_wrote(value)


def float_of_bits(bits: int) -> float:
    """The double whose IEEE 754 bits these are: every sign, exponent and mantissa alike."""
    value: float = struct.unpack("<d", struct.pack("<Q", bits))[0]
    return value


# The characters orjson and the standard library might write differently.
SPECIAL_CHARACTERS = st.sampled_from(
    [chr(code) for code in range(0x20)]
    + ['"', "\\", "/", "\x7f", "\x80", "\u2028", "\u2029", "\ufeff", "\uffff", "é", "😀"]
)
valid_texts = st.text(st.characters(exclude_categories=["Cs"]) | SPECIAL_CHARACTERS, max_size=12)
# Texts that often hold a lone surrogate, which orjson refused.
texts = st.lists(
    st.one_of(st.characters(exclude_categories=["Cs"]), st.characters(categories=["Cs"])),
    max_size=12,
).map("".join)
floats = st.one_of(
    st.floats(),  # nan, infinities, -0.0 and subnormals among them
    st.integers(min_value=0, max_value=2**64 - 1).map(float_of_bits),
    # Around each power of ten, where the choice between fixed and exponent form is made.
    st.builds(
        lambda power, nudge: (
            math.nextafter(10.0**power, math.inf if nudge else 0.0)
            if nudge is not None
            else 10.0**power
        ),
        st.integers(min_value=-324, max_value=308),
        st.sampled_from([None, True, False]),
    ),
    st.integers(min_value=-(10**17), max_value=10**17).map(float),
)
integers = st.one_of(
    st.integers(),
    st.integers(min_value=-(2**65), max_value=2**65),
    st.sampled_from([-(2**63) - 1, -(2**63), 2**63 - 1, 2**63, 2**64 - 1, 2**64]),
)
offsets = st.integers(min_value=-1439, max_value=1439).map(lambda m: timezone(timedelta(minutes=m)))
datetimes = st.one_of(
    st.datetimes(timezones=st.just(UTC)),  # what the content hash is given
    st.datetimes(timezones=offsets),
    st.datetimes(),
    st.datetimes(timezones=st.just(UTC)).map(
        lambda moment: Moment.fromisoformat(moment.isoformat())  # refused: a subclass
    ),
)
# Values of other types that a provider's details might hold: written as their base type or
# value, or refused.
odd_values = st.one_of(
    st.sampled_from([Colour.RED, Priority.HIGH, Priority.BEYOND_64_BITS, Ratio.HALF, Span.WEEK]),
    st.builds(Key, texts),
    st.builds(Count, integers),
    st.builds(Meters, floats),
    st.builds(Pair, st.integers(), st.integers()),
    st.just(MappingProxyType({"a": 1})),
    st.just(UserDict({"a": 1})),
)
plain_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    floats,
    valid_texts,
    st.datetimes(timezones=st.just(UTC)),
)


def weighted(*choices: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """One of the strategies, each drawn about as often as its weight says."""
    table = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.sampled_from(table).flatmap(lambda strategy: strategy)


# Mostly values orjson wrote, so that most examples compare bytes rather than refusals.
leaves = weighted((20, plain_values), (1, integers), (1, texts), (1, datetimes), (2, odd_values))
keys = weighted(
    (20, valid_texts),
    (1, texts),
    (1, st.builds(Key, valid_texts)),  # refused: not exactly a str
    (1, st.integers()),
)


def containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Lists, tuples and dicts of ``children``, and their subclasses."""
    return st.one_of(
        st.lists(children, max_size=5),
        st.lists(children, max_size=5).map(tuple),
        st.dictionaries(keys, children, max_size=5),
        st.lists(children, max_size=3).map(Tags),
        st.dictionaries(valid_texts, children, max_size=3).map(Fields),
    )


json_values = st.recursive(leaves, containers, max_leaves=40)


@given(json_values)
@example({"b": 2**64, "a": "\ud800"})  # orjson names the first it meets, in key order
@example({"a": 2**64, 1: 2})  # every key is checked before any value
@example({"a": 2**64, "b\ud800": 1})
@example([1e-05, -1.2345e-05, 1.5e-07, 1e16, 1e-4, 9.999999999999999e-05, -0.0, 5e-324])
@example({"é": 1, "z": 2, "\uffff": 3, "😀": 4, "\ue000": 5, "Z": 6})
def test_any_value_is_written_as_orjson_wrote_it(value: Any) -> None:
    assert_written_as_orjson_wrote(value)


@given(st.integers(min_value=0, max_value=2**64 - 1).map(float_of_bits))
def test_any_float_is_written_as_orjson_wrote_it(value: float) -> None:
    assert_written_as_orjson_wrote(value)


@given(
    st.lists(texts, min_size=4, max_size=4),
    st.datetimes(timezones=st.just(UTC)),
    st.dictionaries(keys, json_values, max_size=8),
)
def test_a_hashed_list_is_written_as_orjson_wrote_it(
    names: list[str], occurred_at: datetime, details: dict[Any, Any]
) -> None:
    provider, message, kind, raw_type = names
    assert_written_as_orjson_wrote([provider, message, kind, occurred_at, raw_type, details])


@given(
    st.sampled_from(list(EventKind)),
    datetimes.filter(lambda moment: moment.utcoffset() is not None),
    valid_texts,
    st.dictionaries(valid_texts, json_values, max_size=8),
)
def test_any_observation_hashes_as_it_did(
    kind: EventKind, occurred_at: datetime, raw_type: str, details: dict[str, Any]
) -> None:
    canonical = [
        "generic",
        "m-1",
        kind.value,
        occurred_at if occurred_at.tzinfo is UTC else occurred_at.astimezone(UTC),
        raw_type or kind.value,
        details,
    ]
    try:
        observation = Observation(
            tenant=TENANT,
            provider="generic",
            provider_message_id="m-1",
            recipient="a@x.example",
            kind=kind,
            occurred_at=occurred_at,
            raw_type=raw_type,
            details=details,
        )
    except InvalidObservationError as error:
        # Details the domain's own check refuses are never hashed.
        assume(error.problem.startswith("cannot be stored: "))
        outcome: str | tuple[str, str] = (error.field, error.problem)
    else:
        assert observation.event_id is not None
        outcome = observation.event_id
    expected = orjson_wrote(canonical)
    if isinstance(expected, bytes):
        assert outcome == "sha256:" + hashlib.sha256(expected).hexdigest()[:32]
    else:
        assert outcome == ("details", f"cannot be stored: {expected}")


def nested(kinds: str, inner: Any = 1) -> Any:
    """``inner`` inside containers, outermost first: l a list, d a dict, t a tuple."""
    value = inner
    for kind in reversed(kinds):
        if kind == "l":
            value = [value]
        elif kind == "d":
            value = {"k": value}
        else:
            value = (value,)
    return value


@pytest.mark.parametrize(
    "kinds",
    [
        "l" * (RECURSION_LIMIT - 1),
        "l" * RECURSION_LIMIT,  # refused
        "d" * RECURSION_LIMIT,  # refused
        "t" * RECURSION_LIMIT,
        "t" * 400,
        "tl" * 127,
        "tl" * 128,  # refused: a list at the limit
        "lt" * 128,  # a tuple at the limit
        "l" * (RECURSION_LIMIT - 1) + "t" + "l" * 300,  # deeper, through a tuple at the limit
        "l" * 100 + "tt" + "l" * 152,  # refused
    ],
)
@pytest.mark.parametrize("inner", [1, [], {}, (), [1], {"k": 1}, Span.WEEK])
def test_nesting_is_refused_where_orjson_refused_it(kinds: str, inner: Any) -> None:
    assert_written_as_orjson_wrote(nested(kinds, inner))
