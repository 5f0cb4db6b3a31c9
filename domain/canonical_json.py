"""Canonical JSON: the bytes an observation's content hash is taken over.

An observation without a provider event id is recorded under a hash of these bytes, and a
duplicate is recognised by that hash; so the bytes must never change, or events already
recorded would be recorded again. They are byte for byte what orjson's
``dumps(value, option=OPT_SORT_KEYS)`` wrote before the domain kept to the standard library
(as 3.12 and 3.13 wrote them; 3.10.0 and 3.11.0 wrote a positive exponent without its sign,
``1e16``), and a value orjson refused is refused here, with orjson's words:

- no spaces; keys sorted by code point (the same order as orjson's sort by UTF-8 bytes);
- strings in UTF-8, escaping only ``"``, ``\\`` and the control characters below U+0020;
  a lone surrogate is refused;
- floats as their shortest repr, but ``0.00001`` rather than ``1e-05``, and exponents
  without zero padding (``1.5e-7``); NaN and infinities as ``null``;
- integers from -2**63 to 2**64 - 1, larger ones refused;
- datetimes as a string of their ``isoformat()``;
- subclasses of str, int, list and dict as their base type, other enums as their value;
  anything else refused, float and tuple subclasses among them;
- a list or dict at exactly the 255th level of nesting refused (tuples count as a level but
  are never refused themselves, so deeper nesting through a tuple passes, as it did).

Not reproduced, as no observation can hold them: dates, times, UUIDs and dataclasses (which
orjson wrote and this refuses) and datetimes whose offset has seconds (which it wrote
otherwise); the content hash only ever sees a UTC datetime.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from enum import EnumType
from json.encoder import encode_basestring
from math import isfinite
from typing import Any

RECURSION_LIMIT = 255
"""The level of nesting at which orjson refused a list or a dict."""

_SMALLEST = -(2**63)
_LARGEST = 2**64 - 1
_MINUTE = timedelta(minutes=1)
_HEAP_TYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE: a class defined in Python
_CONTAINERS = frozenset({list, dict, tuple})

_SURROGATES = "str is not valid UTF-8: surrogates not allowed"
_KEY_NOT_STR = "Dict key must be str"
_INTEGER_RANGE = "Integer exceeds 64-bit range"
_RECURSION = "Recursion limit reached"


class UnencodableError(ValueError):
    """A value that has no canonical JSON form; the message is orjson's."""


def canonical_json(value: object) -> bytes:
    """The canonical JSON encoding of a value, as UTF-8 bytes."""
    out: list[str] = []
    _write(value, 0, out)
    # Every string was checked for lone surrogates on the way, so this cannot fail.
    return "".join(out).encode()


def _write(value: Any, depth: int, out: list[str]) -> None:
    # ``depth`` counts the containers around ``value``. One call a level, as in the domain's
    # check of details: nesting that check accepts fits Python's recursion limit here too
    # (give or take the two calls above this one).
    kind = type(value)
    while kind not in _CONTAINERS:
        leaf = _LEAVES.get(kind)
        if leaf is not None:
            out.append(leaf(value))
            return
        value = _as_exact(value)
        kind = type(value)
    depth += 1
    # A tuple is a level of nesting that, unlike a list or a dict, orjson never refused.
    if depth == RECURSION_LIMIT and kind is not tuple:
        raise UnencodableError(_RECURSION)
    # Plain values are written in the loops rather than by another call, and ASCII strings,
    # the most common of them, without any: they are nearly all.
    if kind is dict:
        _check_keys(value)
        separator = "{"
        for key in sorted(value):
            item = value[key]
            if type(item) is str and item.isascii():
                out.append(f"{separator}{encode_basestring(key)}:{encode_basestring(item)}")
            elif (leaf := _LEAVES.get(type(item))) is not None:
                out.append(f"{separator}{encode_basestring(key)}:{leaf(item)}")
            else:
                out.append(f"{separator}{encode_basestring(key)}:")
                _write(item, depth, out)
            separator = ","
        out.append("}" if value else "{}")
    else:
        separator = "["
        for item in value:
            if type(item) is str and item.isascii():
                out.append(separator + encode_basestring(item))
            elif (leaf := _LEAVES.get(type(item))) is not None:
                out.append(separator + leaf(item))
            else:
                out.append(separator)
                _write(item, depth, out)
            separator = ","
        out.append("]" if value else "[]")


def _as_exact(value: Any) -> Any:
    # orjson's order: a subclass of str, int, list or dict as its base type (its own data,
    # whatever it overrides), then an enum as its value; nothing else.
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, list):
        return list.copy(value)
    if isinstance(value, dict):
        return dict(dict.items(value))
    if type(type(value)) is EnumType:  # orjson's test: enums of another metaclass were refused
        return value.value
    raise UnencodableError(f"Type is not JSON serializable: {_type_name(type(value))}")


def _check_keys(value: dict[Any, Any]) -> None:
    # Every key is checked before any value is written, as orjson did.
    for key in value:
        if type(key) is not str:
            raise UnencodableError(_KEY_NOT_STR)
        if not key.isascii():
            _string(key)


def _string(value: str) -> str:
    # isascii() reads a flag CPython keeps; only other strings can hold a surrogate.
    if not value.isascii():
        try:
            value.encode()
        except UnicodeEncodeError:
            raise UnencodableError(_SURROGATES) from None
    return encode_basestring(value)


def _integer(value: int) -> str:
    if _SMALLEST <= value <= _LARGEST:
        return int.__repr__(value)
    raise UnencodableError(_INTEGER_RANGE)


def _float(value: float) -> str:
    if not isfinite(value):
        return "null"
    text = float.__repr__(value)
    mantissa, e, exponent = text.partition("e")
    if not e:
        return text
    if exponent == "-05":  # the one power repr writes with an exponent and orjson without
        digits = mantissa.replace(".", "")
        if digits[0] == "-":
            return "-0.0000" + digits[1:]
        return "0.0000" + digits
    return mantissa + "e" + exponent[0] + exponent[1:].lstrip("0")


def _datetime(value: datetime) -> str:
    offset = None if value.tzinfo is UTC else value.utcoffset()
    if offset is not None and offset % _MINUTE:
        raise UnencodableError(f"{value.isoformat()} has an offset of seconds")
    return '"' + value.isoformat() + '"'


def _boolean(value: bool) -> str:
    return "true" if value else "false"


def _null(value: None) -> str:
    return "null"


_LEAVES: dict[type, Callable[[Any], str]] = {
    str: _string,
    int: _integer,
    bool: _boolean,
    type(None): _null,
    float: _float,
    datetime: _datetime,
}
"""How a value of each exact type that holds no other value is written."""


def _type_name(kind: type) -> str:
    # orjson named a type as CPython's tp_name does: a Python class by its name, a type
    # written in C with its module.
    if kind.__flags__ & _HEAP_TYPE or kind.__module__ == "builtins":
        return kind.__name__
    return f"{kind.__module__}.{kind.__name__}"


Encoder = Callable[[object], bytes]
"""Writes a value's canonical JSON, or raises UnencodableError in orjson's words."""

_encoders: list[Encoder] = [canonical_json]


def use_encoder(encoder: Encoder | None) -> None:
    """Encode with ``encoder`` from now on; None goes back to this module's own.

    The domain keeps to the standard library. A process may plug in a faster encoder of the
    same bytes, as the entry point does with orjson's (tests/unit/test_canonical_json.py
    proves orjson writes exactly these bytes and refuses exactly these values).
    """
    _encoders[0] = encoder or canonical_json


def encode(value: object) -> bytes:
    """The canonical JSON of a value, by the encoder in use."""
    return _encoders[0](value)
