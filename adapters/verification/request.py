"""A webhook request as verifiers see it: the exact body bytes, the headers, when it came."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class WebhookRequest:
    """What a provider posted; header names are matched without regard to case."""

    body: bytes
    received_at: datetime
    headers: Mapping[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        """The value of header ``name``, or None."""
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return None
