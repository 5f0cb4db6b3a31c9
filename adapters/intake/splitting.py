"""One record per message: a body that holds several messages is cut along them.

Both input topics are keyed by the message's aggregate id, so that the consumer owning a
message sees all of its events. Most bodies hold one message (Mailgun, SES, a single
Postmark or Brevo event) and travel exactly as posted. A SendGrid or SparkPost batch, a
JSON array of Postmark or Brevo events, or generic JSON lines may hold many: their events
are grouped by message, each group a body of its own in the provider's format (the
array's elements re-encoded, or the generic lines exactly as they were).
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import orjson

from adapters.providers.generic import NAME as GENERIC
from adapters.providers.parsed import Parsed
from adapters.providers.registry import parser_for


@dataclass(frozen=True)
class Part:
    """A body, or the part of one, that concerns one message (None: it records nothing)."""

    message_id: UUID | None
    data: bytes
    events: int


def split_by_message(provider: str, data: bytes, parsed: Parsed) -> list[Part]:
    """The body as one part per message it concerns, in the order they first appear.

    ``parsed`` is the whole body's parse, which the caller already has.
    """
    message_ids = list(dict.fromkeys(o.message_id for o in parsed.observations))
    if len(message_ids) <= 1:
        only = message_ids[0] if message_ids else None
        return [Part(only, data, len(parsed.observations) + len(parsed.notices))]
    if provider == GENERIC:
        return _split_lines(data)
    return _split_array(provider, data)


def _split_lines(data: bytes) -> list[Part]:
    parse = parser_for(GENERIC)
    groups: dict[UUID | None, list[bytes]] = {}
    for line in data.splitlines():
        if not line.strip():
            continue
        observations = parse(line).observations
        groups.setdefault(observations[0].message_id if observations else None, []).append(line)
    return [Part(key, b"\n".join(lines) + b"\n", len(lines)) for key, lines in groups.items()]


def _split_array(provider: str, data: bytes) -> list[Part]:
    parse = parser_for(provider)
    elements = orjson.loads(data)
    if not isinstance(elements, list):
        raise ValueError(f"a {provider} body with several messages must be a JSON array")
    groups: dict[UUID | None, list[object]] = {}
    last: UUID | None = None
    for element in elements:
        observations = parse(orjson.dumps([element])).observations
        # An element that records nothing (an unknown type, a notice) goes with its neighbour,
        # so that it is still seen, and logged, by the consumer of that message.
        key = observations[0].message_id if observations else last
        groups.setdefault(key, []).append(element)
        last = key
    return [Part(key, orjson.dumps(group), len(group)) for key, group in groups.items()]
