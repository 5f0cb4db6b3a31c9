"""The record a provider-events topic holds: the body exactly as posted, and how it came.

```json
{"format": 2, "tenant": "acme", "provider": "sendgrid", "received_at": "2026-11-23T09:00:00Z",
 "source": "webhook", "headers": {"X-Twilio-Email-Event-Webhook-Signature": "..."},
 "body": "[{...}]", "verified": false, "split": false}
```

``format`` is the envelope's version. Format 2 names the ``tenant`` that received the body,
whose messages its events are recorded into. Format 1 (no ``format`` field, no tenant) is
still read: its events go to the consumer's default tenant, and without one the record is
dead-lettered, never guessed.

``body`` is the posted bytes as UTF-8 text; a body that is not UTF-8 travels as
``body_base64`` instead. ``split`` is true when the producer cut a body that held several
messages into one record per message (its signature then no longer covers it), and
``verified`` when the producer checked the signature before publishing.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

import orjson
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, model_validator

from adapters.intake.input_errors import validation_message
from adapters.providers.registry import PROVIDER_NAMES
from domain.errors import InvalidObservationError
from domain.identity import check_tenant

FORMAT = 2
"""The envelope format written; readers take formats 1 and 2."""

_FORMATS = (1, 2)


class EnvelopeError(ValueError):
    """A record's value is not a provider-events envelope; the message says what is wrong."""


class Envelope(BaseModel):
    """One provider body on its way from the webhook (or a file) to a consumer."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: int = 1
    tenant: str | None = None
    provider: str
    received_at: AwareDatetime
    source: str = "kafka"
    headers: dict[str, str] = Field(default_factory=dict)
    body: str | None = None
    body_base64: str | None = None
    verified: bool = False
    split: bool = False

    @model_validator(mode="after")
    def _one_body(self) -> Envelope:
        if self.format not in _FORMATS:
            raise ValueError(
                f"format {self.format} is unknown; this version of mailledger reads formats "
                f"{' and '.join(map(str, _FORMATS))}: upgrade the consumer"
            )
        if self.format >= 2:
            if self.tenant is None:
                raise ValueError(f"format {self.format} needs a 'tenant'")
            try:
                check_tenant(self.tenant)
            except InvalidObservationError as error:
                raise ValueError(f"'tenant': {error.problem}") from None
        elif self.tenant is not None:
            raise ValueError("format 1 has no 'tenant'; write \"format\": 2 with it")
        if (self.body is None) == (self.body_base64 is None):
            raise ValueError("needs exactly one of 'body' and 'body_base64'")
        if self.provider not in PROVIDER_NAMES:
            raise ValueError(
                f"provider {self.provider!r} is unknown; use one of {', '.join(PROVIDER_NAMES)}"
            )
        return self

    @classmethod
    def of(
        cls,
        provider: str,
        data: bytes,
        received_at: datetime,
        *,
        tenant: str,
        source: str,
        headers: dict[str, str] | None = None,
        verified: bool = False,
        split: bool = False,
    ) -> Envelope:
        """The envelope of a body, as text when it is UTF-8, else base64."""
        try:
            text: str | None = data.decode("utf-8")
            encoded = None
        except UnicodeDecodeError:
            text, encoded = None, base64.b64encode(data).decode("ascii")
        return cls(
            format=FORMAT,
            tenant=tenant,
            provider=provider,
            received_at=received_at,
            source=source,
            headers=headers or {},
            body=text,
            body_base64=encoded,
            verified=verified,
            split=split,
        )

    @property
    def data(self) -> bytes:
        """The body's bytes exactly as posted."""
        if self.body is not None:
            return self.body.encode("utf-8")
        assert self.body_base64 is not None
        return base64.b64decode(self.body_base64)

    def to_bytes(self) -> bytes:
        """The record's value: compact JSON, fields left out where they hold their default."""
        value: dict[str, Any] = {"format": self.format}
        if self.tenant is not None:
            value["tenant"] = self.tenant
        value |= {
            "provider": self.provider,
            "received_at": self.received_at,
            "source": self.source,
        }
        if self.headers:
            value["headers"] = self.headers
        value["body" if self.body is not None else "body_base64"] = (
            self.body if self.body is not None else self.body_base64
        )
        if self.verified:
            value["verified"] = True
        if self.split:
            value["split"] = True
        return orjson.dumps(value, option=orjson.OPT_UTC_Z)

    @classmethod
    def from_bytes(cls, value: bytes | None) -> Envelope:
        """The envelope in a record's value; EnvelopeError says why it is not one."""
        if value is None:
            raise EnvelopeError("the record has no value (a tombstone), not an envelope")
        try:
            envelope = cls.model_validate_json(value)
        except ValidationError as error:
            raise EnvelopeError(
                f"not a provider-events envelope: {validation_message(error)}"
            ) from None
        if envelope.body_base64 is not None:
            try:
                base64.b64decode(envelope.body_base64, validate=True)
            except (binascii.Error, ValueError):
                # Text that is not ASCII is a ValueError of its own, not binascii's.
                raise EnvelopeError("field 'body_base64': not valid base64") from None
        return envelope
