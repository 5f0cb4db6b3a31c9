"""The ledger's JSON transcoder, decoding with orjson.

The stored format stays eventsourcing's: JSON written by its JSONTranscoder, custom values as
``{"_type_": name, "_data_": value}``. Reading it back through the standard library's decoder,
with a Python call-back for every object, was the largest cost of replaying the log into the
read models; orjson parses the same bytes in C, and one pass turns the marked objects back into
values, bottom-up as the call-back did; when every marked value sits at the top of the object
(an event's times), the bytes say so and the rest is not walked. Bytes orjson refuses (NaN) or
would read differently (integers beyond 64 bits) go through the standard decoder, so every
stored event reads exactly as before.
"""

from __future__ import annotations

from typing import Any

import orjson
from eventsourcing.persistence import JSONTranscoder, TranscodingNotRegisteredError

_DIGITS_AS_NINES = bytes.maketrans(b"0123456789", b"9999999999")
_NINETEEN_DIGITS = b"9" * 19
"""Digits enough in a row for an integer orjson cannot hold exactly (a scan in C, where a
regular expression cost twice orjson's parse)."""

_MARKER = b'"_type_"'
"""How a marked object's key reads in the bytes; inside a string its quotes are escaped."""


class FastJSONTranscoder(JSONTranscoder):
    """eventsourcing's JSON transcoder whose decode parses with orjson."""

    def decode(self, data: bytes) -> Any:
        if _NINETEEN_DIGITS in data.translate(_DIGITS_AS_NINES):
            # orjson reads integers beyond 64 bits as floats, losing digits; the standard
            # decoder keeps them. Nineteen digits in a row (in a number or, harmlessly, in a
            # string) send the bytes there.
            return super().decode(data)
        try:
            value = orjson.loads(data)
        except orjson.JSONDecodeError:
            return super().decode(data)
        markers = data.count(_MARKER)
        if not markers:
            return value
        if type(value) is dict:
            # An event's marked values (its times) sit at the top: when the bytes hold no
            # other marker, the rest need not be walked.
            marked = [
                key
                for key, item in value.items()
                if type(item) is dict
                and len(item) == 2
                and "_type_" in item
                and "_data_" in item
                and type(item["_data_"]) is str
            ]
            if len(marked) == markers:
                for key in marked:
                    value[key] = self._transcoded(value[key])
                return value
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
