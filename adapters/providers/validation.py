"""Pydantic validation of a body, with failures told as the provider, event index and field."""

from __future__ import annotations

from typing import TypeVar

from pydantic import TypeAdapter, ValidationError

from adapters.providers.errors import BodyError
from adapters.providers.schema import Schema

T = TypeVar("T")


def validate_body(provider: str, adapter: TypeAdapter[T], body: bytes | str, *, batch: bool) -> T:
    """``body`` validated as JSON by ``adapter``.

    For a ``batch`` (a JSON array of events) the first element of an error's location is the
    event's index; for a single-event body the event is number 0.
    """
    try:
        return adapter.validate_json(body)
    except ValidationError as error:
        raise body_error(provider, error, batch=batch) from None


def body_error(provider: str, error: ValidationError, *, batch: bool) -> BodyError:
    """The first problem pydantic found, told as a BodyError."""
    first = error.errors(include_url=False)[0]
    location = list(first["loc"])
    if first["type"] == "json_invalid":
        return BodyError(provider, None, None, f"not valid JSON ({first['ctx'].get('error')})")
    index: int | None = None
    if batch and location and isinstance(location[0], int):
        index = int(location.pop(0))
    elif not batch:
        index = 0
    field = ".".join(str(part) for part in location) or None
    if first["type"] in {"model_type", "dict_type", "model_attributes_type"} and field is None:
        return BodyError(provider, index, None, "expected a JSON object")
    if first["type"] == "list_type" and field is None:
        return BodyError(provider, None, None, "expected a JSON array of events")
    return BodyError(provider, index, field, str(first["msg"]))


def event_error(provider: str, error: ValidationError, index: int) -> BodyError:
    """The first problem pydantic found in event ``index`` of a batch, validated on its own."""
    first = error.errors(include_url=False)[0]
    field = ".".join(str(part) for part in first["loc"]) or None
    if first["type"] in {"model_type", "dict_type", "model_attributes_type"} and field is None:
        return BodyError(provider, index, None, "expected a JSON object")
    return BodyError(provider, index, field, str(first["msg"]))


def validate_fast(provider: str, schema: Schema[T], body: bytes | str, *, batch: bool) -> T:
    """``body`` validated into ``schema``'s TypedDicts (the fast path every body takes).

    Only a body they refuse is validated again by ``schema``'s models, so that the error is
    worded as the models word it; the TypedDicts' own error is the fallback should the models
    take the body.
    """
    try:
        return schema.read(body)
    except ValidationError as error:
        validate_body(provider, schema.models, body, batch=batch)
        raise body_error(provider, error, batch=batch) from None


def is_array(body: bytes) -> bool:
    """True when the body is a JSON array (of events) rather than one event's object."""
    # An object body starts at once: only other bodies need looking past whitespace.
    return False if body[:1] == b"{" else body.lstrip()[:1] == b"["
