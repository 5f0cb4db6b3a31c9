"""An observation's content hash never changes: events recorded under it must stay duplicates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from enum import IntEnum
from typing import Any

import pytest

from domain.errors import InvalidObservationError
from domain.kinds import EventKind
from domain.values import Observation


class Priority(IntEnum):
    HIGH = 1


class Meters(float):
    pass


class Key(str):
    pass


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
