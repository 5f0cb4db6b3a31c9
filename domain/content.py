"""The copy of an e-mail as sent: its text and HTML bodies and its attachments' names.

The copy is personal data kept beside the log, never in it: a Registered event holds only
its ``ContentRef`` (the SHA-256 of the copy's canonical JSON and a small summary), so the
log stays small and a copy can be erased without rewriting events. Attachments are known by
name, size and type only; their bytes are never kept.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from domain.canonical_json import UnencodableError, encode
from domain.errors import InvalidObservationError
from domain.text import check_text

MAX_CONTENT_BYTES = 512 * 1024
"""The most UTF-8 bytes the text and the HTML body hold together."""
MAX_ATTACHMENTS = 100
"""The most attachments one copy names."""
MAX_ATTACHMENT_NAME = 255
"""The most characters of an attachment's name (and of its content type)."""


class ContentTooLargeError(InvalidObservationError):
    """A copy past one of the limits: refused as too large (HTTP 413), not as malformed."""


@dataclass(frozen=True)
class Attachment:
    """One attachment as the e-mail named it: never its bytes."""

    name: str
    size: int
    content_type: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "size": self.size, "content_type": self.content_type}


@dataclass(frozen=True)
class ContentRef:
    """What a Registered event keeps of a copy: where to find it and what it holds."""

    sha256: str
    size: int
    """UTF-8 bytes of the text and the HTML body together (what the limit counts)."""
    has_text: bool
    has_html: bool
    attachments: int

    def to_json(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "size": self.size,
            "has_text": self.has_text,
            "has_html": self.has_html,
            "attachments": self.attachments,
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> ContentRef:
        return cls(
            sha256=value["sha256"],
            size=int(value["size"]),
            has_text=bool(value["has_text"]),
            has_html=bool(value["has_html"]),
            attachments=int(value["attachments"]),
        )


@dataclass(frozen=True)
class MessageContent:
    """The e-mail as sent: a text body, an HTML body, or both, and its attachments."""

    text: str | None = None
    html: str | None = None
    attachments: tuple[Attachment, ...] = ()

    def __post_init__(self) -> None:
        if self.text is None and self.html is None:
            raise InvalidObservationError("content", "needs a 'text' or an 'html' body, or both")
        if len(self.attachments) > MAX_ATTACHMENTS:
            raise ContentTooLargeError(
                "content.attachments",
                f"{len(self.attachments)} attachments; a copy names at most {MAX_ATTACHMENTS}",
            )
        for index, attachment in enumerate(self.attachments):
            place = f"content.attachments.{index}"
            if not attachment.name.strip():
                raise InvalidObservationError(f"{place}.name", "must not be empty")
            if len(attachment.name) > MAX_ATTACHMENT_NAME:
                raise ContentTooLargeError(
                    f"{place}.name",
                    f"{len(attachment.name)} characters; a name has at most {MAX_ATTACHMENT_NAME}",
                )
            if attachment.content_type is not None and (
                len(attachment.content_type) > MAX_ATTACHMENT_NAME
            ):
                raise ContentTooLargeError(
                    f"{place}.content_type",
                    f"more than {MAX_ATTACHMENT_NAME} characters",
                )
            if attachment.size < 0:
                raise InvalidObservationError(f"{place}.size", "must not be negative")
            check_text(f"{place}.name", attachment.name)
            check_text(f"{place}.content_type", attachment.content_type)
        size = self.size
        if size > MAX_CONTENT_BYTES:
            raise ContentTooLargeError(
                "content",
                f"text and html hold {size} bytes of UTF-8 together; at most "
                f"{MAX_CONTENT_BYTES} (512 KiB)",
            )

    @property
    def size(self) -> int:
        """UTF-8 bytes of the text and the HTML body together."""
        total = 0
        for name in ("text", "html"):
            body: str | None = getattr(self, name)
            if body is None:
                continue
            try:
                total += len(body.encode("utf-8"))
            except UnicodeEncodeError:
                raise InvalidObservationError(
                    f"content.{name}", "holds a lone surrogate: not valid UTF-8"
                ) from None
        return total

    def to_json(self) -> dict[str, Any]:
        """The copy as the registration format and the content store write it."""
        return {
            "text": self.text,
            "html": self.html,
            "attachments": [attachment.to_json() for attachment in self.attachments],
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> MessageContent:
        return cls(
            text=value.get("text"),
            html=value.get("html"),
            attachments=tuple(
                Attachment(a["name"], int(a["size"]), a.get("content_type"))
                for a in value.get("attachments", ())
            ),
        )

    @property
    def sha256(self) -> str:
        """The hex SHA-256 of the copy's canonical JSON: the same copy, the same hash."""
        try:
            encoded = encode(self.to_json())
        except UnencodableError as error:
            raise InvalidObservationError("content", f"cannot be stored: {error}") from None
        return hashlib.sha256(encoded).hexdigest()

    @property
    def ref(self) -> ContentRef:
        """What a Registered event keeps of this copy."""
        return ContentRef(
            sha256=self.sha256,
            size=self.size,
            has_text=self.text is not None,
            has_html=self.html is not None,
            attachments=len(self.attachments),
        )
