"""Path and query values the routes share: message references and times with offsets."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import Query
from pydantic import AwareDatetime, BeforeValidator

from adapters.api.errors import ApiError
from domain.errors import InvalidObservationError
from domain.identity import parse_message_reference


def message_id_of(ref: str, tenant: str) -> UUID:
    """The message of ``tenant`` a path's ``ref`` names: a UUID, ``provider:provider_message_id``
    or ``platform:external_ref``. A UUID may name another tenant's message: the caller checks."""
    try:
        return parse_message_reference(ref, tenant)
    except InvalidObservationError as error:
        raise ApiError(400, error.problem, where="path.ref") from None


_SPACED_OFFSET = re.compile(r"(T[0-9:.]+) ([0-9]{2}:?[0-9]{2})$")


def _restore_plus(value: Any) -> Any:
    # An unencoded "+01:00" in a query string arrives as " 01:00": put the sign back rather
    # than refuse a time the caller wrote correctly.
    if isinstance(value, str):
        return _SPACED_OFFSET.sub(r"\1+\2", value)
    return value


QueryTime = Annotated[AwareDatetime, BeforeValidator(_restore_plus)]
"""An ISO-8601 time with its UTC offset, as a query parameter."""

SentFrom = Annotated[
    QueryTime | None, Query(description="Sent at or after (ISO-8601 with offset).")
]
"""The ``sent_from`` query parameter: inclusive."""
SentUntil = Annotated[QueryTime | None, Query(description="Sent before (ISO-8601 with offset).")]
"""The ``sent_until`` query parameter: exclusive."""


def iso(moment: datetime | None) -> str | None:
    """A time as the presenters write it."""
    return moment.isoformat() if moment else None
