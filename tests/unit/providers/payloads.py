"""JSON payloads drawn from a payload declaration's shape: well-formed, and mutated off it.

A declaration is what ``adapters.providers.schema.Schema`` takes: TypedDicts (with aliases,
``Required`` keys, constraints) and the types inside them. A mutated payload has keys
missing, values null or of another JSON type (numeric text, booleans, arrays, objects...)
and keys the declaration does not name.
"""

from __future__ import annotations

import json
from functools import cache
from types import NoneType, UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from hypothesis import strategies as st
from pydantic import AliasChoices
from pydantic.fields import FieldInfo
from typing_extensions import is_typeddict

from adapters.providers.schema import fields_of

Strategy = st.SearchStrategy[Any]

_SCALARS: Strategy = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=6),
    # Text a lax validator might take for a number or a boolean.
    st.sampled_from(["", "0", "12", "-3", "1.5", "1e3", "true", "false", "null", " 7 "]),
)
JUNK: Strategy = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
"""Any JSON value."""


@cache
def bodies(declaration: Any) -> st.SearchStrategy[bytes]:
    """Payloads of ``declaration``, as JSON bytes, half of them mutated."""
    documents = st.one_of(_shaped(declaration, False), _shaped(declaration, True))
    return documents.map(lambda document: json.dumps(document).encode())


def _shaped(hint: Any, mutate: bool) -> Strategy:
    """A value of ``hint``; with ``mutate``, any part of it may be off the declaration."""
    if is_typeddict(get_origin(hint) or hint):
        return _object(hint, mutate)
    origin, args = get_origin(hint), get_args(hint)
    if origin is Annotated:
        return _shaped(args[0], mutate)
    if origin in (Union, UnionType):
        return st.one_of([_shaped(arg, mutate) for arg in args])
    if origin is list:
        return st.lists(_value(args[0], mutate), max_size=3)
    if origin is dict:
        return st.dictionaries(st.text(max_size=6), _value(args[1], mutate), max_size=3)
    return _LEAVES.get(hint, JUNK)


_LEAVES: dict[Any, Strategy] = {
    NoneType: st.none(),
    bool: st.booleans(),
    int: st.integers(min_value=-(2**40), max_value=2**40),
    float: st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers()),
    str: st.text(max_size=8),
    Any: JUNK,
}


def _value(hint: Any, mutate: bool) -> Strategy:
    """A value in a field or an array: mutated, one time in five it is null or any JSON."""
    if not mutate:
        return _shaped(hint, mutate)
    shaped = _shaped(hint, mutate)
    return st.one_of(shaped, shaped, shaped, shaped, st.one_of(st.none(), JUNK))


def _object(typed_dict: Any, mutate: bool) -> Strategy:
    """A JSON object of the TypedDict's keys (by alias), plus keys it does not declare."""
    required: dict[str, Strategy] = {}
    optional: dict[str, Strategy] = {}
    for key, (hint, is_required) in fields_of(typed_dict).items():
        for name in _json_names(key, hint):
            strategy = _value(hint, mutate)
            (required if is_required and not mutate else optional)[name] = strategy
    declared_keys = st.fixed_dictionaries(required, optional=optional)
    extra = st.dictionaries(st.text(max_size=6), JUNK, max_size=2)
    return st.tuples(extra, declared_keys).map(lambda parts: {**parts[0], **parts[1]})


def _json_names(key: str, hint: Any) -> list[str]:
    """The names a key may have in JSON: its alias, each of its alias choices, or itself."""
    for info in getattr(hint, "__metadata__", ()):
        if isinstance(info, FieldInfo):
            if isinstance(info.validation_alias, AliasChoices):
                return [str(choice) for choice in info.validation_alias.choices]
            if info.alias:
                return [info.alias]
    return [key]
