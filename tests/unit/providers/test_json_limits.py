"""Values orjson cannot hold (integers beyond 64 bits, numbers beyond a double) in a batch:
the odd event is set aside or read, never a crash, and a batch of several messages is still
cut by message. Found by fuzzing (``tests/unit/fuzz/``)."""

from __future__ import annotations

import json

import pytest

from adapters.intake.splitting import split_by_message
from adapters.providers.registry import parser_for
from tests.conftest import TENANT
from tests.unit.providers.bodies import body

HUGE = 10**400
DELIVERED = {
    "brevo": "delivered",
    "postmark": "delivery",
    "sparkpost": "delivery",
    "sendgrid": "delivered",
}


@pytest.mark.parametrize("provider", sorted(DELIVERED))
def test_a_huge_number_in_place_of_an_event_sets_that_event_aside(provider: str) -> None:
    good = json.loads(body(provider, DELIVERED[provider]))
    events = good if isinstance(good, list) else [good]
    data = json.dumps([*events, HUGE, -(2**63) - 1]).encode()

    parsed = parser_for(provider)(data)

    assert len(parsed.observations) == len(events)
    assert [r.index for r in parsed.rejected] == [len(events), len(events) + 1]
    assert [json.loads(r.data) for r in parsed.rejected] == [[HUGE], [-(2**63) - 1]]


def test_a_batch_of_two_messages_with_a_huge_number_is_cut_by_message() -> None:
    [event] = json.loads(body("sendgrid", "delivered"))
    other = {**event, "sg_message_id": "other.filter0001.1.1", "huge": HUGE}
    data = json.dumps([event, other]).encode()
    parsed = parser_for("sendgrid")(data)
    bound = parsed.__class__(
        [o.for_tenant(TENANT) for o in parsed.observations], parsed.notices, parsed.rejected
    )

    parts = split_by_message("sendgrid", data, bound)

    assert [json.loads(part.data) for part in parts] == [[event], [other]]


@pytest.mark.parametrize("huge", [10**400, 2**1100])
def test_an_epoch_beyond_a_double_is_refused_as_a_time(huge: int) -> None:
    from adapters.providers.errors import BodyError
    from adapters.providers.timestamps import from_epoch, from_epoch_either

    for read in (from_epoch, from_epoch_either):
        with pytest.raises(BodyError, match="is not a time"):
            read(huge, "sparkpost", 0, "timestamp")
