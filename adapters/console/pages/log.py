"""The sent-mail log: failed e-mails by default, one click for all, filters in the URL, and
the same list as CSV."""

from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter
from starlette.responses import RedirectResponse, Response, StreamingResponse

from adapters.access.roles import Permission
from adapters.console.csv_export import csv_lines, export_name
from adapters.console.errors import PageError
from adapters.console.i18n import N_
from adapters.console.log_filters import PAGE_SIZE, message_query, read_filters
from adapters.console.pages.support import SignedIn
from adapters.console.rendering import url
from domain.kinds import EventKind, Outcome
from projections.queries import InvalidCursorError, every_item
from projections.query_limits import QueryLimitError

router = APIRouter()

EXPORT_PAGE = 500
"""Rows read per query while a CSV export streams."""


@router.get("/")
def home(console: SignedIn) -> Response:
    """The log for those who may read it; an auditor starts from the history lookup."""
    if console.viewer.may(Permission.READ_MESSAGES):
        return RedirectResponse("/messages", status_code=303)
    return RedirectResponse("/lookup", status_code=303)


@router.get("/messages")
def sent_mail_log(console: SignedIn) -> Response:
    console.require(Permission.READ_MESSAGES)
    viewer = console.viewer
    params = dict(console.request.query_params)
    if any(value == "" for value in params.values()):
        # The filters form sends every field, the empty ones too: the address bar keeps
        # only the filters set, so that the URL says what the list shows.
        kept = {name: value for name, value in params.items() if value != ""}
        return RedirectResponse(url("/messages", **kept), status_code=303)
    read = read_filters(params)
    cursor = params.get("cursor") or None
    query = message_query(read.filters, viewer.tenant, viewer.zone, cursor=cursor, limit=PAGE_SIZE)
    queries = console.context.read_side.queries
    try:
        page = queries.list_messages(query)
    except InvalidCursorError:
        raise PageError(
            400, N_("This page of the list no longer exists; start from the first.")
        ) from None
    except QueryLimitError as error:
        raise PageError(400, N_("A filter is too long: {detail}"), detail=str(error)) from None
    statuses = queries.recipient_statuses([item["id"] for item in page.items])
    return console.pages.render(
        console.request,
        "log.html",
        language=viewer.language,
        viewer=viewer,
        filters=read.filters,
        problems=read.problems,
        items=page.items,
        statuses=statuses,
        next_cursor=page.next_cursor,
        first_page=cursor is None,
        kinds=list(EventKind),
        outcomes=list(Outcome),
    )


@router.get("/messages.csv")
def export(console: SignedIn) -> Response:
    """Every message the filters match, streamed page after page: any size, constant memory."""
    console.require(Permission.READ_MESSAGES)
    viewer = console.viewer
    read = read_filters(dict(console.request.query_params))
    query = message_query(read.filters, viewer.tenant, viewer.zone, cursor=None, limit=EXPORT_PAGE)
    queries = console.context.read_side.queries
    try:
        queries.list_messages(replace(query, limit=1))
    except QueryLimitError as error:
        raise PageError(400, N_("A filter is too long: {detail}"), detail=str(error)) from None
    _ = console.pages.gettext(viewer.language)
    rows = csv_lines(every_item(queries, query), queries, _)
    return StreamingResponse(
        rows,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{export_name(viewer.tenant)}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
