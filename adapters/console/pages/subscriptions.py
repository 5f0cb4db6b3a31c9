"""The tenant's webhook subscriptions to signals: their state (why one was disabled), the
kinds they take, their last deliveries; forms to enable a disabled one again and to send a
delivery that failed again, as the API offers. A subscription's secret is never shown.

Another tenant's subscription or delivery is answered as one that does not exist.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from uuid import UUID

import structlog
from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from adapters.access.roles import Permission
from adapters.console.errors import PageError
from adapters.console.forms import Form, check_origin, check_token, read_form
from adapters.console.i18n import N_
from adapters.console.pages.support import Console, SignedIn
from adapters.signals.delivery_log import Attempt, Outcome
from adapters.signals.subscriptions import Subscription
from domain.values import utc_now

log = structlog.get_logger()

router = APIRouter()

LAST_ATTEMPTS = 10
"""Attempts of each subscription's delivery log shown, newest first."""

NO_SUBSCRIPTION = N_("There is no such subscription.")
NO_DELIVERY = N_("There is no such delivery to this subscription.")

CONFIRMATIONS = {
    "enabled": N_("The subscription is enabled again: the signals that waited are sent first."),
    "delivered": N_("The signal was sent again and delivered."),
    "retrying": N_("The signal was sent again but not delivered; it will be retried for 24 hours."),
    "failed": N_("The signal was sent again but not delivered."),
}
"""What a form's redirect says it did, by the ``done`` of the page's URL."""


def _shown(subscription: Subscription, attempts: list[Attempt]) -> dict[str, Any]:
    """A subscription as the page shows it (``to_json`` holds no secret), with its last
    attempts, each marked when it is the newest of a signal not delivered (it may be resent)."""
    seen: set[UUID] = set()
    rows = []
    for attempt in attempts:
        newest = attempt.signal_id not in seen
        seen.add(attempt.signal_id)
        rows.append(
            {
                **attempt.to_json(),
                "resendable": newest and attempt.outcome is not Outcome.DELIVERED,
            }
        )
    return {**subscription.to_json(), "attempts": rows}


@router.get("/subscriptions")
def subscription_list(console: SignedIn) -> Response:
    console.require(Permission.MANAGE_SUBSCRIPTIONS)
    viewer = console.viewer
    stores = console.context.dispatcher.stores
    shown = [
        _shown(s, stores.log.attempts(s.subscription_id, LAST_ATTEMPTS).items)
        for s in stores.subscriptions.listed(viewer.tenant)
    ]
    return console.pages.render(
        console.request,
        "subscriptions.html",
        language=viewer.language,
        viewer=viewer,
        subscriptions=shown,
        confirmation=CONFIRMATIONS.get(console.request.query_params.get("done", "")),
    )


async def _posted(console: Console) -> tuple[Form, Subscription]:
    """The form of a post from this console and session, by a viewer who manages the
    subscriptions, and the tenant's subscription it names."""
    check_origin(console.request)
    form = await read_form(console.request)
    check_token(form, console.viewer.csrf_token)
    console.require(Permission.MANAGE_SUBSCRIPTIONS)
    found = await run_in_threadpool(
        console.context.dispatcher.stores.subscriptions.get,
        form.get("subscription", ""),
        console.viewer.tenant,
    )
    if found is None:
        raise PageError(404, NO_SUBSCRIPTION)
    return form, found


def _back(done: str) -> Response:
    return RedirectResponse(f"/subscriptions?{urlencode({'done': done})}", status_code=303)


@router.post("/subscriptions/enable")
async def enable_subscription(console: SignedIn) -> Response:
    """With a clean failure streak, as over the API."""
    _, found = await _posted(console)
    await run_in_threadpool(
        console.context.dispatcher.stores.subscriptions.enable, found.subscription_id
    )
    log.info("console.subscription_enabled", subscription_id=found.subscription_id)
    return _back("enabled")


@router.post("/subscriptions/resend")
async def resend_delivery(console: SignedIn) -> Response:
    """One attempt now, the same bytes signed anew; if it fails, retries follow for 24 hours."""
    form, found = await _posted(console)
    try:
        signal_id = UUID(form.get("signal", ""))
    except ValueError:
        raise PageError(404, NO_DELIVERY) from None
    attempt = await run_in_threadpool(
        console.context.dispatcher.resend, found.subscription_id, signal_id, utc_now()
    )
    if attempt is None:
        raise PageError(404, NO_DELIVERY)
    log.info(
        "console.delivery_resent",
        subscription_id=found.subscription_id,
        outcome=attempt.outcome.value,
    )
    return _back(attempt.outcome.value)
