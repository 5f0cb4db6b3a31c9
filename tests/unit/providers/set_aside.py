"""Reading what a parser set aside: the one event of a body it could not read, and why."""

from __future__ import annotations

import re
from dataclasses import dataclass

import orjson

from adapters.providers.parsed import Parsed


@dataclass(frozen=True)
class SetAside:
    """A rejected event's index and reason, with the field its reason names."""

    provider: str
    index: int
    field: str | None
    text: str
    data: bytes


def only_set_aside(parsed: Parsed, provider: str) -> SetAside:
    """The one event ``parsed`` set aside, its reason read back into provider, index and field."""
    (rejected,) = parsed.rejected
    found = re.match(rf"{provider} event (\d+): (?:field '([^']*)': )?", rejected.reason)
    assert found is not None, rejected.reason
    assert int(found.group(1)) == rejected.index
    return SetAside(provider, rejected.index, found.group(2), rejected.reason, rejected.data)


def element_alone(data: bytes) -> object:
    """The one event of a set-aside array body."""
    (element,) = orjson.loads(data)
    return element
