"""The registration format: one JSON object per send, as ``mailledger register`` reads it."""

from __future__ import annotations

from typing import Any, Literal

import orjson
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from domain.content import Attachment, MessageContent
from domain.message import payload_of_send
from domain.values import Recipient, RecipientType, Send, normalise_address

MAX_CONTACT_REF = 200
"""The most characters of a recipient's contact_ref."""


class RecipientIn(BaseModel):
    """A recipient: a bare address (a "to"), or an object with its type."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    address: str
    type: Literal["to", "cc", "bcc"] = "to"
    contact_ref: str | None = Field(default=None, min_length=1, max_length=MAX_CONTACT_REF)
    """The platform's id of the recipient's contact record (see docs/api.md, contact links)."""

    @model_validator(mode="before")
    @classmethod
    def _bare_address(cls, value: Any) -> Any:
        return {"address": value} if isinstance(value, str) else value


class AttachmentIn(BaseModel):
    """An attachment of the copy: its name, size and type; never its bytes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    size: int = Field(ge=0)
    content_type: str | None = None


class ContentIn(BaseModel):
    """The copy of the e-mail as sent (the limits are the domain's: domain/content.py)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str | None = None
    html: str | None = None
    attachments: list[AttachmentIn] = Field(default_factory=list)

    def to_content(self) -> MessageContent:
        return MessageContent(
            text=self.text,
            html=self.html,
            attachments=tuple(Attachment(a.name, a.size, a.content_type) for a in self.attachments),
        )


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
    content: ContentIn | None = None

    def to_send(self) -> Send:
        """The domain's Send, with addresses normalised."""
        recipients = tuple(
            Recipient(
                normalise_address(r.address, f"recipients.{i}"),
                RecipientType(r.type),
                r.contact_ref,
            )
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
            content=self.content.to_content() if self.content is not None else None,
        )


def registration_line(send: Send) -> bytes:
    """The send as one line of this format: the fields its Registered event keeps, and the
    copy itself (the consumer stores it) where the event keeps only its reference.

    ``template`` and ``content`` only when there is one: such a line reads the same as before
    they existed, so a consumer of the previous version still reads it during an upgrade.
    """
    payload = payload_of_send(send)
    if payload["template"] is None:
        del payload["template"]
    del payload["content"]
    if send.content is not None:
        payload["content"] = send.content.to_json()
    return orjson.dumps(payload, option=orjson.OPT_UTC_Z)
