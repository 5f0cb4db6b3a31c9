"""JSON read and written again where a body's events are taken apart, whatever they hold.

orjson is fast but narrower than JSON itself: it refuses integers beyond 64 bits and
numbers beyond a double on reading, and lone surrogate escapes on writing. A body the
payload validation accepted (or set aside) must still be readable here, so what orjson
refuses is done again by the standard library, which takes every such value.
"""

from __future__ import annotations

import json
from typing import Any

import orjson


def loads(data: bytes | str) -> Any:
    """The JSON value of ``data``; a value orjson cannot hold is read by the standard library."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


def dumps(value: Any) -> bytes:
    """``value`` as compact JSON; one orjson cannot write (an integer beyond 64 bits, a lone
    surrogate) is written by the standard library, ASCII-escaped."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, separators=(",", ":")).encode()
