"""The registration format: one JSON object per send, as ``mailledger register`` reads it."""

from __future__ import annotations

from typing import Any, Literal

import orjson
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from domain.message import payload_of_send
from domain.values import Recipient, RecipientType, Send, normalise_address


class RecipientIn(BaseModel):
    """A recipient: a bare address (a "to"), or an object with its type."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    address: str
    type: Literal["to", "cc", "bcc"] = "to"

    @model_validator(mode="before")
    @classmethod
    def _bare_address(cls, value: Any) -> Any:
        return {"address": value} if isinstance(value, str) else value


class RegistrationIn(BaseModel):
    """One send, as the platform registers it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tenant: str = Field(min_length=1)
    external_ref: str = Field(min_length=1)
    dossier_id: str | None = None
    category: str | None = None
    subject: str = ""
    sender: str = ""
    recipients: list[RecipientIn] = Field(min_length=1)
    provider: str | None = None
    provider_message_id: str | None = None
    sent_at: AwareDatetime
    tags: list[str] = Field(default_factory=list)
    error: str | None = None
    template: str | None = None

    def to_send(self) -> Send:
        """The domain's Send, with addresses normalised."""
        recipients = tuple(
            Recipient(normalise_address(r.address, f"recipients.{i}"), RecipientType(r.type))
            for i, r in enumerate(self.recipients)
        )
        return Send(
            tenant=self.tenant,
            external_ref=self.external_ref,
            recipients=recipients,
            sent_at=self.sent_at,
            provider=self.provider,
            provider_message_id=self.provider_message_id,
            dossier_id=self.dossier_id,
            category=self.category,
            subject=self.subject,
            sender=self.sender,
            tags=tuple(self.tags),
            error=self.error,
            template=self.template,
        )


def registration_line(send: Send) -> bytes:
    """The send as one line of this format: the fields its Registered event keeps.

    ``template`` only when there is one: a line from no template reads the same as before
    templates existed, so a consumer of the previous version still reads it during an upgrade.
    """
    payload = payload_of_send(send)
    if payload["template"] is None:
        del payload["template"]
    return orjson.dumps(payload, option=orjson.OPT_UTC_Z)
