"""Postmark's webhook record, declared once: what every body is read into.

A body they refuse is told against models derived from them (see adapters.providers.schema).
A key the body lacks is left out of the dict; the fields a record type does not carry are left
out too.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AliasChoices, ConfigDict, Field
from typing_extensions import TypedDict

from adapters.providers.schema import Schema

_IGNORE = ConfigDict(extra="ignore")


class _Named(TypedDict, total=False):
    """An open's or click's e-mail client or operating system."""

    __pydantic_config__ = _IGNORE  # type: ignore[misc]
    Name: str | None


class _Geo(TypedDict, total=False):
    """Where an open or click came from."""

    __pydantic_config__ = _IGNORE  # type: ignore[misc]
    IP: str | None


class Record(TypedDict, total=False):
    """Any Postmark webhook record."""

    __pydantic_config__ = _IGNORE  # type: ignore[misc]
    RecordType: str | None
    # The webhook pages say MessageID / ServerID; Postmark's Node library types the delivery
    # payload with MessageId / ServerId. Both spellings are read.
    MessageID: Annotated[str | None, Field(validation_alias=AliasChoices("MessageID", "MessageId"))]
    ServerID: Annotated[int | None, Field(validation_alias=AliasChoices("ServerID", "ServerId"))]
    MessageStream: str | None
    Tag: str | None
    Metadata: dict[str, Any] | None
    # Delivery, Open, Click, SubscriptionChange
    Recipient: str | None
    # Bounce and SpamComplaint
    ID: int | None
    Type: str | None
    Email: str | None
    From: str | None
    Subject: str | None
    Description: str | None
    Details: str | None
    Inactive: bool | None
    CanActivate: bool | None
    # Timestamps, one per record type
    DeliveredAt: str | None
    BouncedAt: str | None
    ReceivedAt: str | None
    ChangedAt: str | None
    # Open and Click
    FirstOpen: bool | None
    ReadSeconds: int | None
    Platform: str | None
    UserAgent: str | None
    Client: _Named | None
    OS: _Named | None
    Geo: _Geo | None
    OriginalLink: str | None
    ClickLocation: str | None
    # SubscriptionChange
    Origin: str | None
    SuppressSending: bool | None
    SuppressionReason: str | None


ONE: Schema[Record] = Schema(Record, name="PostmarkEvent")
BATCH: Schema[list[Record]] = Schema(list[Record], name="PostmarkEvent")
