"""A dead letter keeps the original record's bytes and place, and gives them back for replay."""

from __future__ import annotations

import orjson
from hypothesis import given
from hypothesis import strategies as st

from adapters.kafka.dead_letters import DeadLetter, _stored
from tests.conftest import T0


@given(key=st.none() | st.binary(max_size=40), value=st.none() | st.binary(max_size=200))
def test_a_dead_letter_keeps_the_original_bytes(key: bytes | None, value: bytes | None) -> None:
    letter = DeadLetter.of(
        reason="not an envelope",
        topic="events",
        partition=2,
        offset=41,
        key=key,
        value=value,
        failed_at=T0,
    )

    record = letter.record("dead")
    stored = _stored(0, 7, record.value)

    assert record.topic == "dead"
    assert record.key == key
    assert stored.letter == letter
    assert (stored.letter.key, stored.letter.value) == (key, value)
    assert stored.letter.position == ("events", 2, 41)


def test_replay_gives_the_original_record_for_its_topic_or_another() -> None:
    letter = DeadLetter.of(
        reason="r", topic="events", partition=0, offset=3, key=b"k", value=b"v", failed_at=T0
    )

    assert (letter.replay_record().topic, letter.replay_record().key) == ("events", b"k")
    assert letter.replay_record("fixed").topic == "fixed"
    assert letter.replay_record().value == b"v"


def test_a_record_of_the_topic_that_is_no_dead_letter_is_reported_not_raised() -> None:
    stored = _stored(1, 9, orjson.dumps({"something": "else"}))

    assert stored.letter is None
    assert stored.unreadable and "reason" in stored.unreadable
