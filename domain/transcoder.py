"""The ledger's JSON transcoder, decoding with orjson.

The stored format stays eventsourcing's: JSON written by its JSONTranscoder, custom values as
``{"_type_": name, "_data_": value}``. Reading it back through the standard library's decoder,
with a Python call-back for every object, was the largest cost of replaying the log into the
read models; orjson parses the same bytes in C, and one pass turns the marked objects back into
values, bottom-up as the call-back did. Bytes orjson refuses (integers beyond 64 bits, NaN)
go through the standard decoder, so every stored event still reads.
"""

from __future__ import annotations

from typing import Any

import orjson
from eventsourcing.persistence import JSONTranscoder, TranscodingNotRegisteredError


class FastJSONTranscoder(JSONTranscoder):
    """eventsourcing's JSON transcoder whose decode parses with orjson."""

    def decode(self, data: bytes) -> Any:
        try:
            value = orjson.loads(data)
        except orjson.JSONDecodeError:
            return super().decode(data)
        return self._revive(value)

    def _revive(self, value: Any) -> Any:
        kind = type(value)
        if kind is dict:
            for key, item in value.items():
                if type(item) is dict or type(item) is list:
                    value[key] = self._revive(item)
            if len(value) == 2 and "_type_" in value and "_data_" in value:
                return self._transcoded(value)
            return value
        if kind is list:
            for index, item in enumerate(value):
                if type(item) is dict or type(item) is list:
                    value[index] = self._revive(item)
        return value

    def _transcoded(self, marked: dict[str, Any]) -> Any:
        name = marked["_type_"]
        transcoding = self.names.get(name)
        if transcoding is None:
            raise TranscodingNotRegisteredError(
                f"Data serialized with name '{name}' is not deserializable. "
                "Please register a custom transcoding for this type."
            )
        return transcoding.decode(marked["_data_"])
