"""A bounded cache of recently saved messages, for a writer that owns their keys.

A Kafka consumer owns the messages of its partitions: while it holds them nobody else
appends to those messages, so the copy it saved last is current and need not be read back.
Should another writer append after all (a rebalance it has not heard of yet), the save
fails on the version, and the ledger drops the cached copies and reads them again.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from uuid import UUID

from domain.message import Message


class MessageCache:
    """The most recently used messages, at most ``max_messages`` of them."""

    def __init__(self, max_messages: int) -> None:
        if max_messages < 1:
            raise ValueError(f"a cache holds at least one message, not {max_messages}")
        self.max_messages = max_messages
        self._messages: OrderedDict[UUID, Message] = OrderedDict()

    def __len__(self) -> int:
        return len(self._messages)

    def take(self, message_ids: Iterable[UUID]) -> dict[UUID, Message]:
        """The cached messages among these ids, removed from the cache while in use.

        Taking them out means a batch that fails leaves no half-applied copy behind.
        """
        taken: dict[UUID, Message] = {}
        for message_id in message_ids:
            message = self._messages.pop(message_id, None)
            if message is not None:
                taken[message_id] = message
        return taken

    def put(self, messages: Iterable[Message]) -> None:
        """Keep these saved messages, forgetting the least recently used beyond the bound."""
        for message in messages:
            self._messages[message.id] = message
            self._messages.move_to_end(message.id)
        while len(self._messages) > self.max_messages:
            self._messages.popitem(last=False)

    def clear(self) -> None:
        """Forget every message, e.g. when partitions, and so their keys, change hands."""
        self._messages.clear()
