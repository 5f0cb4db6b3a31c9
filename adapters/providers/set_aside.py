"""An event of a batch that cannot be read, set aside as a body of its own."""

from __future__ import annotations

from typing import Any

from adapters.providers import json_values
from adapters.providers.errors import BodyError
from adapters.providers.parsed import Rejected


def set_aside(error: BodyError, index: int, element: Any, raw_type: str | None) -> Rejected:
    """The rejected event ``element`` of a JSON array, alone in an array of its own.

    ``error`` says why it cannot be read; the one-element array is what the provider would
    have posted for it alone, so it can be replayed as it is once the cause is fixed.
    """
    return Rejected(index, str(error), json_values.dumps([element]), raw_type)


def whole_body_aside(error: BodyError, body: bytes, raw_type: str | None) -> Rejected:
    """The rejected event of a body that is one event (SES, a single Postmark record)."""
    return Rejected(0, str(error), body, raw_type)


def raw_type_of(element: Any, *path: str) -> str | None:
    """The text at ``path`` in a decoded event, if the event has one there."""
    value = element
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value if isinstance(value, str) else None
