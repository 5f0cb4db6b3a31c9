"""The copy of a sent e-mail, for the key's tenant only; never logged."""

from __future__ import annotations

from fastapi import APIRouter

from adapters.api.auth import ContentReader
from adapters.api.context import Context
from adapters.api.errors import ApiError, documented
from adapters.api.models import MessageContentOut
from adapters.api.references import message_id_of

router = APIRouter(prefix="/v1", tags=["messages"])


@router.get(
    "/messages/{ref}/content",
    response_model=MessageContentOut,
    responses=documented(400, 401, 403, 404, 503),
    summary="The copy of the e-mail as sent: text, HTML, attachments' names",
)
def message_content(ref: str, key: ContentReader, context: Context) -> MessageContentOut:
    """404 when the message is not the key's tenant's or no copy of it was registered;
    the two read the same."""
    message_id = message_id_of(ref, key.tenant)
    shown = context.read_side.queries.message(message_id, key.tenant)
    summary = shown.get("content") if shown is not None else None
    content = context.contents.get(key.tenant, summary["sha256"]) if summary is not None else None
    if shown is None or summary is None or content is None:
        raise ApiError(404, f"no copy of message {ref}", where="path.ref")
    return MessageContentOut.model_validate(
        {
            "message_id": shown["id"],
            "subject": shown["subject"],
            **content.to_json(),
            "sha256": summary["sha256"],
            "size": content.size,
        }
    )
