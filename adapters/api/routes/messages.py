"""The sent-mail list and a message's detail, from the views, for the key's tenant only."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from adapters.api.auth import MessagesReader
from adapters.api.context import Context
from adapters.api.errors import ApiError, documented
from adapters.api.models import MessageDetail, MessagePage
from adapters.api.references import SentFrom, SentUntil, message_id_of
from adapters.api.responses import json_response
from domain.kinds import EventKind, Outcome
from projections.queries import MAX_PAGE_SIZE, InvalidCursorError, MessageQuery
from projections.query_limits import MAX_FILTER_TEXT, MAX_TAG_FILTERS, QueryLimitError

router = APIRouter(prefix="/v1", tags=["messages"])


@router.get(
    "/messages",
    response_model=MessagePage,
    responses=documented(400, 401, 403, 422, 503),
    summary="The sent-mail list, newest first",
)
def list_messages(
    key: MessagesReader,
    context: Context,
    filter_: Annotated[
        Literal["failed", "all"],
        Query(
            alias="filter",
            description="failed (default): messages where a recipient failed; all: every one.",
        ),
    ] = "failed",
    outcome: Annotated[Outcome | None, Query(description="Only this outcome.")] = None,
    status: Annotated[
        EventKind | None, Query(description="Some recipient is now in this status.")
    ] = None,
    dossier: Annotated[str | None, Query(description="Only this dossier's messages.")] = None,
    category: Annotated[
        str | None,
        Query(description="Only sends registered with this category (the kind of e-mail)."),
    ] = None,
    template: Annotated[
        str | None, Query(description="Only sends rendered from this template.")
    ] = None,
    templated: Annotated[
        bool | None,
        Query(description="true: only sends from a template (any); false: only those from none."),
    ] = None,
    recipient: Annotated[
        str | None, Query(description="An exact address, or a domain (example.com).")
    ] = None,
    sender: Annotated[str | None, Query(description="The sender's address.")] = None,
    subject: Annotated[
        str | None,
        Query(
            description=f"Text the subject contains, in any case; at most {MAX_FILTER_TEXT} "
            "characters."
        ),
    ] = None,
    sent_from: SentFrom = None,
    sent_until: SentUntil = None,
    tag: Annotated[
        list[str] | None,
        Query(
            description=f"Repeatable, up to {MAX_TAG_FILTERS} times; every one must be on the "
            "message."
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Rows per page.")] = 50,
    cursor: Annotated[
        str | None, Query(description="The next_cursor of the previous page.")
    ] = None,
) -> Response:
    """Failed messages by default, as administrators' logs show them; ``filter=all`` for all."""
    if template is not None and templated is False:
        raise ApiError(
            400,
            "template and templated=false exclude each other: a send from a template is "
            "never from none",
            where="query.templated",
        )
    query = MessageQuery(
        tenant=key.tenant,
        failed_only=filter_ == "failed",
        outcome=outcome,
        status=status,
        dossier_id=dossier,
        category=category,
        template=template,
        templated=templated,
        recipient=recipient,
        sender=sender,
        subject=subject,
        sent_from=sent_from,
        sent_until=sent_until,
        tags=tuple(tag or ()),
        limit=limit,
        cursor=cursor,
    )
    try:
        page = context.read_side.queries.list_messages(query)
    except InvalidCursorError as error:
        raise ApiError(400, _cursor_problem(error), where="query.cursor") from None
    except QueryLimitError as error:
        raise ApiError(400, str(error), where=f"query.{error.parameter}") from None
    return json_response({"items": page.items, "next_cursor": page.next_cursor})


@router.get(
    "/messages/{ref}",
    response_model=MessageDetail,
    responses=documented(400, 401, 403, 404, 503),
    summary="A message and each recipient's timeline",
)
def message_detail(ref: str, key: MessagesReader, context: Context) -> Response:
    """``ref`` is the message's UUID or ``provider:provider_message_id``. ``content`` says
    whether a copy of the e-mail is kept; each recipient's ``contact_url`` is the tenant's
    contact link filled in."""
    message_id = message_id_of(ref, key.tenant)
    shown = context.read_side.queries.message(
        message_id, key.tenant, contact_template=context.contact_links.template_of(key.tenant)
    )
    if shown is None:
        raise ApiError(404, f"no message {ref}", where="path.ref")
    return json_response(shown)


def _cursor_problem(error: InvalidCursorError) -> str:
    text = str(error)
    return text if text else "the cursor is not one this listing handed out"
