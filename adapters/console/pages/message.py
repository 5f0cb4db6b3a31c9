"""A message: its facts, the copy of the e-mail, every recipient's timeline explained, and
the same as the ledger knew it at a chosen moment (the audit replay)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from starlette.responses import HTMLResponse, Response

from adapters.access.roles import Permission
from adapters.cli.presenters import history_json, message_json
from adapters.console.errors import PageError
from adapters.console.explanations import explain
from adapters.console.i18n import N_
from adapters.console.pages.support import Console, SignedIn
from domain.errors import InvalidObservationError, UnknownMessageError
from domain.identity import parse_message_reference
from domain.values import utc_now
from projections.address_queries import in_force

router = APIRouter()

COPY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
    "form-action 'none'; frame-ancestors 'self'; sandbox"
)
"""The copy of an e-mail loads nothing from outside (no tracking pixel fires, no remote image
shows), runs no script, sends no form, and is framed only by the console's own page."""


def known_message(console: Console, ref: str) -> tuple[UUID, dict[str, Any]]:
    """The viewer's tenant's message ``ref`` names, with its detail; 404 for any other, the
    same words whether it does not exist or is another tenant's."""
    try:
        message_id = parse_message_reference(ref, console.viewer.tenant)
    except InvalidObservationError:
        raise PageError(404, N_("There is no such e-mail.")) from None
    tenant = console.viewer.tenant
    shown = console.context.read_side.queries.message(
        message_id, tenant, contact_template=console.context.contact_links.template_of(tenant)
    )
    if shown is None:
        raise PageError(404, N_("There is no such e-mail."))
    return message_id, shown


def _moment(text: str, console: Console) -> datetime:
    """A moment typed in the viewer's zone (``2026-12-03T10:30``), or with an offset."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise PageError(
            400, N_("{value} is not a date and time (year-month-dayThour:minute)."), value=text
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=console.viewer.zone)
    return moment


def _contact_template(console: Console) -> str | None:
    return console.context.contact_links.template_of(console.viewer.tenant)


@router.get("/messages/{ref}")
def message_page(ref: str, console: SignedIn) -> Response:
    viewer = console.viewer
    if not (viewer.may(Permission.READ_MESSAGES) or viewer.may(Permission.READ_HISTORY)):
        console.require(Permission.READ_MESSAGES)
    message_id, shown = known_message(console, ref)
    at_text = console.request.query_params.get("at", "")
    as_of: datetime | None = None
    ledger = console.context.ledger
    if at_text:
        console.require(Permission.READ_HISTORY)
        as_of = _moment(at_text, console)
        try:
            shown = message_json(
                ledger.get_message_at(message_id, at=as_of, reference=ref),
                _contact_template(console),
            )
        except UnknownMessageError:
            shown = {**shown, "recipients": [], "nothing_yet": True}
    elif not viewer.may(Permission.READ_MESSAGES):
        # An auditor reads what was stored: the replay of the whole log, not the views.
        shown = message_json(ledger.get_message(message_id), _contact_template(console))
    _ = console.pages.gettext(viewer.language)
    timelines = [
        {
            **recipient,
            "steps": [
                {**event, "explained": explain(event["kind"], event.get("details") or {}, _)}
                for event in recipient.get("events", [])
            ],
        }
        for recipient in shown["recipients"]
    ]
    history = (
        history_json(console.context.ledger.get_history(message_id, reference=ref))
        if viewer.may(Permission.READ_HISTORY)
        else None
    )
    content = shown.get("content")
    return console.pages.render(
        console.request,
        "message.html",
        language=viewer.language,
        viewer=viewer,
        message=shown,
        message_id=str(message_id),
        timelines=timelines,
        address_pages=_address_pages(console, shown["recipients"]),
        history=history,
        as_of=as_of,
        at_text=at_text,
        content=content if viewer.may(Permission.READ_CONTENT) else None,
        copy=_copy_of(console, content)
        if content and viewer.may(Permission.READ_CONTENT)
        else None,
    )


def _address_pages(console: Console, recipients: list[dict[str, Any]]) -> set[str]:
    """The recipients whose address page is worth a link: those that failed or are
    suppressed, of which the tenant has a record, for a viewer who may read addresses."""
    if not console.viewer.may(Permission.READ_ADDRESSES):
        return set()
    tenant = console.viewer.tenant
    side = console.context.read_side
    ids: dict[str, UUID] = {}
    for recipient in recipients:
        try:
            ids[recipient["address"]] = side.address_book.id_of(tenant, recipient["address"])
        except InvalidObservationError:
            continue
    rows = side.address_queries.statuses(tenant, list(ids.values()))
    now = utc_now()
    failed = {r["address"] for r in recipients if r.get("failed")}
    return {
        address
        for address, key in ids.items()
        if key in rows and (address in failed or in_force(rows[key], now))
    }


def _copy_of(console: Console, content: dict[str, Any]) -> Any:
    return console.context.contents.get(console.viewer.tenant, content["sha256"])


@router.get("/messages/{ref}/copy")
def message_copy(ref: str, console: SignedIn) -> Response:
    """The HTML of the e-mail as sent, for the message page's sandboxed frame only."""
    console.require(Permission.READ_CONTENT)
    _, shown = known_message(console, ref)
    content = shown.get("content")
    copy = _copy_of(console, content) if content else None
    if copy is None or not copy.html:
        raise PageError(404, N_("There is no copy of this e-mail."))
    return HTMLResponse(
        copy.html,
        headers={
            "Content-Security-Policy": COPY_POLICY,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store",
        },
    )
