"""The benchmark's traffic: realistic sends and exactly as many provider events as asked for."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from adapters.cli.sample_traffic import arrival_order, observations_of, synthetic_sends
from domain.values import Observation, Send

START = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
"""When the synthetic day of sending begins; fixed, so a seed gives the same bytes."""

_OBSERVATIONS_PER_SEND_GUESS = 4
"""About what one synthetic send yields (2.5 recipients, ~3 events each); too low is fine."""


@dataclass(frozen=True)
class ObservedSend:
    """One send and the provider events the benchmark records about it."""

    send: Send
    observations: tuple[Observation, ...]


@dataclass(frozen=True)
class Traffic:
    """Messages, each registered once, and their events, cut to an exact number of events."""

    messages: tuple[ObservedSend, ...]

    @property
    def sends(self) -> list[Send]:
        """The registrations, one per message."""
        return [m.send for m in self.messages]

    @property
    def observation_count(self) -> int:
        """How many provider events the traffic holds."""
        return sum(len(m.observations) for m in self.messages)

    def batches(self, messages_per_batch: int, rng: random.Random) -> list[list[Observation]]:
        """The events of each run of ``messages_per_batch`` messages, shuffled as they arrive."""
        return [
            arrival_order(
                [o for m in self.messages[i : i + messages_per_batch] for o in m.observations],
                rng,
                duplicate_share=0.0,
            )
            for i in range(0, len(self.messages), messages_per_batch)
        ]

    def observations(self) -> list[Observation]:
        """Every event, message after message."""
        return [o for m in self.messages for o in m.observations]


def generate(seed: int, *counts: int) -> list[Traffic]:
    """Disjoint traffics of exactly ``counts[i]`` events each, from one synthetic day of sends."""
    needed = sum(counts)
    sends = max(16, needed // _OBSERVATIONS_PER_SEND_GUESS)
    while True:
        messages = _observed_sends(random.Random(seed), sends)
        if sum(len(m.observations) for m in messages) >= needed:
            break
        sends *= 2
    traffics = []
    for count in counts:
        taken, messages = _take(messages, count)
        traffics.append(Traffic(tuple(taken)))
    return traffics


def _observed_sends(rng: random.Random, count: int) -> list[ObservedSend]:
    return [
        ObservedSend(planned.send, tuple(observations_of(planned)))
        for planned in synthetic_sends(rng, count, START)
    ]


def _take(
    messages: Sequence[ObservedSend], count: int
) -> tuple[list[ObservedSend], list[ObservedSend]]:
    """The first messages holding ``count`` events (the last one cut short), and the rest."""
    taken: list[ObservedSend] = []
    total = 0
    for index, message in enumerate(messages):
        if total >= count:
            return taken, list(messages[index:])
        keep = message.observations[: count - total]
        taken.append(ObservedSend(message.send, keep))
        total += len(keep)
    return taken, []
