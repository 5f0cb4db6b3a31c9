"""The message cache keeps the most recently saved messages, and hands each out only once."""

from __future__ import annotations

import pytest

from domain.cache import MessageCache
from domain.message import Message


def _message(n: int) -> Message:
    return Message.start("acme", "sendgrid", f"msg-{n}")


def test_it_forgets_the_least_recently_used_beyond_its_bound() -> None:
    cache = MessageCache(2)
    one, two, three = _message(1), _message(2), _message(3)
    cache.put([one, two])
    cache.put([cache.take([one.id])[one.id]])  # used again: now the most recent
    cache.put([three])

    assert len(cache) == 2
    assert set(cache.take([one.id, two.id, three.id])) == {one.id, three.id}


def test_a_taken_message_is_out_of_the_cache_until_put_back() -> None:
    cache = MessageCache(5)
    message = _message(1)
    cache.put([message])

    assert cache.take([message.id]) == {message.id: message}
    assert cache.take([message.id]) == {}


def test_clear_forgets_everything() -> None:
    cache = MessageCache(5)
    cache.put([_message(1), _message(2)])
    cache.clear()
    assert len(cache) == 0


def test_it_holds_at_least_one_message() -> None:
    with pytest.raises(ValueError, match="at least one"):
        MessageCache(0)
