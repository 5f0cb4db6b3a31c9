"""Errors about input files, naming the file, the line and the field, and how to read them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import IO, TypeVar

from pydantic import BaseModel, ValidationError

from domain.errors import InvalidObservationError

M = TypeVar("M", bound=BaseModel)
V = TypeVar("V")


class InputError(ValueError):
    """One record of an input could not be read; nothing of that input was recorded."""

    def __init__(self, source: str, line: int, field: str | None, problem: str) -> None:
        where = f"{source}:{line}"
        what = f"field '{field}': {problem}" if field else problem
        super().__init__(f"{where}: {what}")
        self.source = source
        self.line = line
        self.field = field


def describe_validation_error(error: ValidationError) -> tuple[str | None, str]:
    """The first problem pydantic found, as (field path, message)."""
    first = error.errors(include_url=False)[0]
    field = ".".join(str(part) for part in first["loc"]) or None
    if first["type"] == "json_invalid":
        return None, f"not valid JSON ({first['ctx'].get('error', 'syntax error')})"
    if first["type"] == "model_type":
        return None, "expected a JSON object"
    return field, str(first["msg"])


def validation_message(error: ValidationError) -> str:
    """The first problem pydantic found, as "field 'a.b': problem" or the problem alone."""
    field, problem = describe_validation_error(error)
    return f"field {field!r}: {problem}" if field else problem


def read_json_lines(
    stream: IO[bytes],
    source: str,
    model: type[M],
    convert: Callable[[M], V],
) -> Iterator[V]:
    """Each non-blank line validated by ``model`` and turned into a value by ``convert``."""
    for number, raw in enumerate(stream, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InputError(
                source, number, None, f"not UTF-8 text (byte {error.start + 1})"
            ) from None
        if line.strip():
            yield parse_record(line, source, number, model, convert)


def parse_record(
    text: str | bytes,
    source: str,
    line: int,
    model: type[M],
    convert: Callable[[M], V],
) -> V:
    """One JSON record validated and converted; every failure becomes an InputError."""
    try:
        return convert(model.model_validate_json(text))
    except ValidationError as error:
        field, problem = describe_validation_error(error)
        raise InputError(source, line, field, problem) from None
    except InvalidObservationError as error:
        raise InputError(source, line, error.field, error.problem) from None


def read_all(records: Iterable[V]) -> list[V]:
    """Every record, so that a bad one stops the input before anything is recorded."""
    return list(records)
