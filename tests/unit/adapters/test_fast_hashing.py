"""The entry point hashes with orjson: the very hashes, and refusals, of the domain's encoder."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.intake.fast_hashing import orjson_canonical_json, use_fast_hashing
from domain.canonical_json import UnencodableError, canonical_json, encode, use_encoder
from tests.unit.test_canonical_json import RECORDED_HASHES, an_observation_of, json_values, keys


@pytest.fixture
def fast() -> Iterator[None]:
    use_fast_hashing()
    try:
        yield
    finally:
        use_encoder(None)


@pytest.mark.usefixtures("fast")
@pytest.mark.parametrize(("fields", "recorded"), RECORDED_HASHES)
def test_the_recorded_hashes_are_the_same_with_orjson(
    fields: dict[str, Any], recorded: str
) -> None:
    assert an_observation_of(fields).event_id == recorded


def _either(encoder: Any, value: Any) -> bytes | str:
    try:
        return bytes(encoder(value))
    except UnencodableError as error:
        return f"refused: {error}"


@given(st.dictionaries(keys, json_values, max_size=8))
def test_orjson_and_the_domain_write_and_refuse_alike(details: dict[Any, Any]) -> None:
    assert _either(orjson_canonical_json, ["p", details]) == _either(canonical_json, ["p", details])


def test_without_it_the_domain_uses_its_own_encoder() -> None:
    use_encoder(None)

    assert encode(["a", {"b": 1e-05}]) == canonical_json(["a", {"b": 1e-05}])
