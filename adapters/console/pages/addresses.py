"""The tenant's suppressed addresses, and one address: whether it may be sent to, why not,
since when, what led there and its preference; with the forms that lift its suppression and
record the recipient's preference.

An address is always the viewer's tenant's: one the tenant has nothing about is answered
exactly as a string that is not an address, whatever other tenants hold.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import structlog
from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from adapters.access.roles import Permission
from adapters.cli.addresses import address_shape
from adapters.console.errors import PageError
from adapters.console.forms import Form, check_origin, check_token, read_form
from adapters.console.i18n import N_
from adapters.console.pages.support import Console, SignedIn
from domain.address import NotSuppressedError, Preference
from domain.address_book import UnknownAddressError
from domain.errors import InvalidObservationError
from domain.suppression import Reason
from domain.values import normalise_address, utc_now
from projections.address_queries import SuppressionQuery
from projections.queries import InvalidCursorError
from projections.query_limits import MAX_FILTER_TEXT

log = structlog.get_logger()

router = APIRouter()

PAGE_SIZE = 50
"""Addresses per page of the suppression list."""

MAX_LIFT_REASON = 500
"""The longest reason a lift keeps, as over the API."""

NOTHING_RECORDED = N_("Nothing is recorded about this address.")

CONFIRMATIONS = {
    "lifted": N_("The suppression was lifted: this address may be sent to again."),
    "preference": N_("The recipient's preference was saved."),
}
"""What a form's redirect says it did, by the ``done`` of the address page's URL."""


@router.get("/suppressions")
def suppression_list(console: SignedIn) -> Response:
    """Newest suppression first, a page at a time; the filters live in the URL."""
    console.require(Permission.READ_ADDRESSES)
    viewer = console.viewer
    params = console.request.query_params
    reason = params.get("reason", "").strip()
    domain = params.get("domain", "").strip()
    problems: list[tuple[str, dict[str, object]]] = []
    if reason and reason not in {r.value for r in Reason}:
        problems.append(
            (N_("There is no reason {value}; that filter was left out."), {"value": reason})
        )
        reason = ""
    if len(domain) > MAX_FILTER_TEXT:
        problems.append((N_("The domain is too long; that filter was left out."), {}))
        domain = ""
    cursor = params.get("cursor") or None
    query = SuppressionQuery(
        tenant=viewer.tenant,
        now=utc_now(),
        reason=reason or None,
        domain=domain or None,
        limit=PAGE_SIZE,
        cursor=cursor,
    )
    try:
        page = console.context.read_side.address_queries.suppressions(query)
    except InvalidCursorError:
        raise PageError(
            400, N_("This page of the list no longer exists; start from the first.")
        ) from None
    filters = {"reason": reason, "domain": domain}
    return console.pages.render(
        console.request,
        "suppressions.html",
        language=viewer.language,
        viewer=viewer,
        items=page.items,
        filters=filters,
        narrowed=bool(reason or domain),
        problems=problems,
        next_cursor=page.next_cursor,
        first_page=cursor is None,
        reasons=[r.value for r in Reason],
    )


def recorded_address(console: Console, given: str) -> tuple[str, dict[str, Any]]:
    """The viewer's tenant's address ``given`` names, normalised, with its status and history;
    404 in the same words when it is not an address or the tenant has nothing about it."""
    try:
        address = normalise_address(given, "address")
    except InvalidObservationError:
        raise PageError(404, NOTHING_RECORDED) from None
    try:
        return address, address_shape(console.context.read_side, console.viewer.tenant, address)
    except UnknownAddressError:
        raise PageError(404, NOTHING_RECORDED) from None


@router.get("/addresses")
def address_page(console: SignedIn) -> Response:
    console.require(Permission.READ_ADDRESSES)
    viewer = console.viewer
    params = console.request.query_params
    address, shape = recorded_address(console, params.get("address", ""))
    preferences = [
        event["payload"] for event in shape["history"] if event["type"] == "Address.PreferenceSet"
    ]
    done = CONFIRMATIONS.get(params.get("done", ""))
    return console.pages.render(
        console.request,
        "address.html",
        language=viewer.language,
        viewer=viewer,
        address=address,
        shown=shape,
        preferences=list(reversed(preferences)),
        confirmation=done,
        preference_values=[p.value for p in Preference],
    )


async def _posted_form(console: Console, permission: Permission) -> Form:
    """The form of a post from this console and session, by a viewer who may make it."""
    check_origin(console.request)
    form = await read_form(console.request)
    check_token(form, console.viewer.csrf_token)
    console.require(permission)
    return form


def _back_to(address: str, done: str) -> Response:
    query = urlencode({"address": address, "done": done})
    return RedirectResponse(f"/addresses?{query}", status_code=303)


@router.post("/addresses/lift")
async def lift_suppression(console: SignedIn) -> Response:
    """Recorded as the signed-in user's decision, with their reason, as a lift over the API."""
    form = await _posted_form(console, Permission.MANAGE_POLICIES)
    address, _ = await run_in_threadpool(recorded_address, console, form.get("address", ""))
    reason = form.get("reason", "").strip()
    if not reason:
        raise PageError(400, N_("Say why this address may be sent to again: the reason is kept."))
    if len(reason) > MAX_LIFT_REASON:
        raise PageError(
            400, N_("The reason is too long (at most {limit} characters)."), limit=MAX_LIFT_REASON
        )
    context, viewer = console.context, console.viewer

    def lift() -> None:
        with context.write_lock:
            try:
                context.read_side.address_book.lift(
                    viewer.tenant,
                    address,
                    by=f"user {viewer.user_id}",
                    reason=reason,
                    at=utc_now(),
                )
            except UnknownAddressError:
                raise PageError(404, NOTHING_RECORDED) from None
            except NotSuppressedError:
                raise PageError(
                    409, N_("This address is not suppressed: there is nothing to lift.")
                ) from None
            context.read_side.catch_up()

    await run_in_threadpool(lift)
    # Never the address itself in a log line: it is personal data.
    log.info("console.suppression_lifted", tenant=viewer.tenant, user_id=viewer.user_id)
    return _back_to(address, "lifted")


@router.post("/addresses/preference")
async def set_preference(console: SignedIn) -> Response:
    """Yes, no or not applicable; setting the current value again records nothing."""
    form = await _posted_form(console, Permission.SET_PREFERENCES)
    address, _ = await run_in_threadpool(recorded_address, console, form.get("address", ""))
    try:
        preference = Preference(form.get("preference", ""))
    except ValueError:
        raise PageError(400, N_("Choose yes, no or not applicable.")) from None
    context, viewer = console.context, console.viewer

    def prefer() -> None:
        with context.write_lock:
            context.read_side.address_book.prefer(
                viewer.tenant, address, preference, by=f"user {viewer.user_id}", at=utc_now()
            )
            context.read_side.catch_up()

    await run_in_threadpool(prefer)
    log.info(
        "console.preference_set",
        tenant=viewer.tenant,
        user_id=viewer.user_id,
        preference=preference.value,
    )
    return _back_to(address, "preference")
