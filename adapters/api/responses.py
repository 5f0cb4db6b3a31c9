"""Read routes' answers, encoded once by orjson.

The read models already hold plain JSON values, shaped as the response models document them.
Returning a Response skips FastAPI's validation and re-serialisation of the payload through
the response model, which took longer than the query on a page of fifty rows; the models
still document the routes in the OpenAPI document, and tests hold the payloads to them.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Response


def json_response(payload: Any) -> Response:
    """A 200 answer with ``payload`` (plain JSON values) as its body."""
    return Response(orjson.dumps(payload), media_type="application/json")
