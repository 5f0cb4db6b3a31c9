"""One part per message: a body that holds several messages is cut along them.

Both input topics are keyed by the message's aggregate id, so that the consumer owning a
message sees all of its events. Most bodies hold one message (Mailgun, SES, a single
Postmark or Brevo event) and travel exactly as posted. A SendGrid or SparkPost batch, a
JSON array of Postmark or Brevo events, or generic JSON lines may hold many: their events
are grouped by message, each group a body of its own in the provider's format (the
array's elements re-encoded, or the generic lines exactly as they were).

The cut uses the body's one parse: every element of an array, and every non-blank generic
line, yields exactly one observation, one notice or one rejected event (both carry their
element's index), so the observations fall on the other elements, in order. An element
that records nothing goes with its neighbour, so that its consumer still logs it, or sets
it aside in the quarantine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar
from uuid import UUID

from adapters.providers import json_values
from adapters.providers.generic import NAME as GENERIC
from adapters.providers.generic import is_blank
from adapters.providers.parsed import Parsed

T = TypeVar("T")


@dataclass(frozen=True)
class Part:
    """A body, or the part of one, that concerns one message (None: it records nothing)."""

    message_id: UUID | None
    data: bytes
    events: int


class SplitError(ValueError):
    """A body with several messages that is not in a form that can be cut."""


def split_by_message(provider: str, data: bytes, parsed: Parsed) -> list[Part]:
    """The body as one part per message it concerns, in the order they first appear.

    ``parsed`` is the whole body's parse, which the caller already has; nothing is parsed
    again.
    """
    message_ids = list(dict.fromkeys(o.message_id for o in parsed.observations))
    if len(message_ids) <= 1:
        only = message_ids[0] if message_ids else None
        return [Part(only, data, _elements(parsed))]
    if provider == GENERIC:
        lines = [line for line in data.splitlines() if not is_blank(line)]
        groups = _grouped(lines, _owners(parsed, len(lines)))
        return [Part(key, b"\n".join(group) + b"\n", len(group)) for key, group in groups]
    elements = json_values.loads(data)
    if not isinstance(elements, list):
        raise SplitError(f"a {provider} body with several messages must be a JSON array")
    groups_of = _grouped(elements, _owners(parsed, len(elements)))
    return [Part(key, json_values.dumps(group), len(group)) for key, group in groups_of]


def _elements(parsed: Parsed) -> int:
    return len(parsed.observations) + len(parsed.notices) + len(parsed.rejected)


def _owners(parsed: Parsed, elements: int) -> list[UUID | None]:
    """The message of each element; None for one that yields a notice or is rejected."""
    if _elements(parsed) != elements:
        raise SplitError(
            f"{elements} elements yielded {len(parsed.observations)} observations, "
            f"{len(parsed.notices)} notices and {len(parsed.rejected)} rejected events; each "
            "must yield exactly one to be cut"
        )
    noticed = {notice.index for notice in parsed.notices} | {r.index for r in parsed.rejected}
    observations = iter(parsed.observations)
    return [
        None if index in noticed else next(observations).message_id for index in range(elements)
    ]


def _grouped(
    items: Sequence[T], owners: Sequence[UUID | None]
) -> list[tuple[UUID | None, list[T]]]:
    groups: dict[UUID | None, list[T]] = {}
    last: UUID | None = None
    for item, owner in zip(items, owners, strict=True):
        # An element that records nothing (an unknown type, a notice) goes with its neighbour,
        # so that it is still seen, and logged, by the consumer of that message.
        key = owner if owner is not None else last
        groups.setdefault(key, []).append(item)
        last = key
    return list(groups.items())
