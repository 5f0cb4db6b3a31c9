"""A dossier's e-mails and its full event history, each step explained: the side panel the
notarial software shows in a dossier; and the lookup an auditor starts from."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter
from starlette.responses import RedirectResponse, Response

from adapters.access.roles import Permission
from adapters.console.errors import PageError
from adapters.console.explanations import explain
from adapters.console.i18n import N_
from adapters.console.pages.support import SignedIn
from projections.queries import InvalidCursorError, MessageQuery
from projections.query_limits import MAX_FILTER_TEXT

router = APIRouter()

HISTORY_PAGE = 100
"""Events of the dossier's history per page."""


@router.get("/dossiers/{dossier_id}")
def dossier_page(dossier_id: str, console: SignedIn) -> Response:
    """Listing the e-mails needs the log's permission; the history, which shows the same
    events message by message, is shown to those who read the log or audit histories."""
    viewer = console.viewer
    reads_log = viewer.may(Permission.READ_MESSAGES)
    if not (reads_log or viewer.may(Permission.READ_HISTORY)):
        console.require(Permission.READ_MESSAGES)
    if len(dossier_id) > MAX_FILTER_TEXT:
        raise PageError(404, N_("There is no such dossier."))
    queries = console.context.read_side.queries
    params = console.request.query_params
    items: list[dict[str, object]] = []
    statuses: dict[str, list[dict[str, object]]] = {}
    if reads_log:
        query = MessageQuery(
            tenant=viewer.tenant, failed_only=False, dossier_id=dossier_id, limit=200
        )
        items = queries.list_messages(query).items
        statuses = queries.recipient_statuses([str(item["id"]) for item in items])
    try:
        history = queries.dossier_history(
            viewer.tenant, dossier_id, cursor=params.get("cursor") or None, limit=HISTORY_PAGE
        )
    except InvalidCursorError:
        raise PageError(
            400, N_("This page of the list no longer exists; start from the first.")
        ) from None
    if not items and not history.items:
        raise PageError(404, N_("There is no such dossier."))
    _ = console.pages.gettext(viewer.language)
    steps = [
        {**event, "explained": explain(str(event["kind"]), event.get("details") or {}, _)}
        for event in history.items
    ]
    return console.pages.render(
        console.request,
        "dossier.html",
        language=viewer.language,
        viewer=viewer,
        dossier_id=dossier_id,
        items=items,
        statuses=statuses,
        steps=steps,
        next_cursor=history.next_cursor,
        first_page=not params.get("cursor"),
    )


@router.get("/lookup")
def lookup(console: SignedIn) -> Response:
    """Open a message by its id or reference, or a dossier, as of a moment if given."""
    viewer = console.viewer
    if not (viewer.may(Permission.READ_MESSAGES) or viewer.may(Permission.READ_HISTORY)):
        console.require(Permission.READ_HISTORY)
    params = console.request.query_params
    ref = params.get("message", "").strip()
    dossier = params.get("dossier", "").strip()
    at = params.get("at", "").strip()
    if ref:
        target = f"/messages/{quote(ref, safe=':@')}"
        return RedirectResponse(target + (f"?at={quote(at)}" if at else ""), status_code=303)
    if dossier:
        return RedirectResponse(f"/dossiers/{quote(dossier, safe='')}", status_code=303)
    return console.pages.render(
        console.request, "lookup.html", language=viewer.language, viewer=viewer
    )
