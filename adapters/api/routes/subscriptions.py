"""The tenant's webhook subscriptions to signals, for its admins: created (the secret shown
once), listed, removed, enabled again, their delivery logs read, deliveries sent again.

Another tenant's subscription is 404 like one that does not exist, in every route.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import structlog
from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from adapters.api.auth import SubscriptionManager
from adapters.api.bodies import parse_json, read_limited, validated
from adapters.api.context import ApiContext, Context
from adapters.api.errors import ApiError, documented
from adapters.api.models import (
    DeliveryAttemptOut,
    DeliveryPage,
    SubscriptionCreated,
    SubscriptionList,
    SubscriptionOut,
    SubscriptionRequest,
)
from adapters.signals.delivery_log import MAX_LISTED, InvalidLogCursorError
from adapters.signals.subscriptions import Subscription, SubscriptionInputError, parse_kinds
from adapters.signals.urls import UrlRefusedError
from domain.values import utc_now

log = structlog.get_logger()

router = APIRouter(prefix="/v1", tags=["subscriptions"])

MAX_SUBSCRIPTION_REQUEST_BYTES = 16 * 1024
"""A URL, a few kinds and two filters: anything larger is not a subscription."""

_OPENAPI_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/SubscriptionRequest"}}
        },
    }
}


@router.post(
    "/subscriptions",
    status_code=201,
    response_model=SubscriptionCreated,
    responses=documented(400, 401, 403, 413, 422, 503),
    openapi_extra=_OPENAPI_BODY,
    summary="Subscribe a URL to the tenant's signals; its secret is shown this once",
)
async def create_subscription(
    request: Request, key: SubscriptionManager, context: Context
) -> dict[str, Any]:
    """The URL must be https to a public address (checked now and before every delivery);
    the subscription receives the signals decided from now on."""
    body = await read_limited(request, MAX_SUBSCRIPTION_REQUEST_BYTES)
    wanted = validated(SubscriptionRequest, parse_json(body))
    try:
        kinds = parse_kinds(wanted.kinds)
        created = await run_in_threadpool(
            lambda: context.dispatcher.subscribe(
                key.tenant,
                wanted.url,
                kinds=kinds,
                category=wanted.category,
                template=wanted.template,
                at=utc_now(),
            )
        )
    except UrlRefusedError as error:
        raise ApiError(422, str(error), where="body.url") from None
    except SubscriptionInputError as error:
        where = f"body.{error.field}" if error.field else "body"
        raise ApiError(422, str(error), where=where) from None
    log.info("api.subscription_created", subscription_id=created.subscription.subscription_id)
    return {"subscription": created.subscription.to_json(), "secret": created.secret}


@router.get(
    "/subscriptions",
    response_model=SubscriptionList,
    responses=documented(401, 403, 503),
    summary="The tenant's webhook subscriptions, oldest first",
)
def list_subscriptions(key: SubscriptionManager, context: Context) -> dict[str, Any]:
    """Never a secret."""
    listed = context.dispatcher.stores.subscriptions.listed(key.tenant)
    return {"items": [s.to_json() for s in listed]}


@router.get(
    "/subscriptions/{subscription_id}",
    response_model=SubscriptionOut,
    responses=documented(401, 403, 404, 503),
    summary="One webhook subscription",
)
def show_subscription(
    subscription_id: str, key: SubscriptionManager, context: Context
) -> dict[str, Any]:
    """Its state: active, the failure streak, the pause before the next attempt."""
    return _subscription(context, subscription_id, key.tenant).to_json()


@router.delete(
    "/subscriptions/{subscription_id}",
    response_model=SubscriptionOut,
    responses=documented(401, 403, 404, 503),
    summary="Remove a webhook subscription and its delivery log",
)
def remove_subscription(
    subscription_id: str, key: SubscriptionManager, context: Context
) -> dict[str, Any]:
    """Nothing more is sent to it; the subscription as it was is returned."""
    found = _subscription(context, subscription_id, key.tenant)
    context.dispatcher.remove(found.subscription_id)
    log.info("api.subscription_removed", subscription_id=found.subscription_id)
    return found.to_json()


@router.post(
    "/subscriptions/{subscription_id}/enable",
    response_model=SubscriptionOut,
    responses=documented(401, 403, 404, 503),
    summary="Deliver to a disabled subscription again",
)
def enable_subscription(
    subscription_id: str, key: SubscriptionManager, context: Context
) -> dict[str, Any]:
    """With a clean failure streak; the signals that waited go first."""
    found = _subscription(context, subscription_id, key.tenant)
    context.dispatcher.stores.subscriptions.enable(found.subscription_id)
    return _subscription(context, subscription_id, key.tenant).to_json()


@router.get(
    "/subscriptions/{subscription_id}/deliveries",
    response_model=DeliveryPage,
    responses=documented(400, 401, 403, 404, 422, 503),
    summary="The subscription's delivery log, newest attempt first",
)
def list_deliveries(
    subscription_id: str,
    key: SubscriptionManager,
    context: Context,
    limit: Annotated[int, Query(ge=1, le=MAX_LISTED, description="Attempts per page.")] = 50,
    cursor: Annotated[
        str | None, Query(description="The next_cursor of the previous page.")
    ] = None,
) -> dict[str, Any]:
    """Each attempt: the signal, its number, when, the status code or the error, and when
    the next attempt is due."""
    found = _subscription(context, subscription_id, key.tenant)
    try:
        page = context.dispatcher.stores.log.attempts(found.subscription_id, limit, cursor)
    except InvalidLogCursorError as error:
        raise ApiError(400, str(error), where="query.cursor") from None
    return {"items": [a.to_json() for a in page.items], "next_cursor": page.next_cursor}


@router.post(
    "/subscriptions/{subscription_id}/deliveries/{signal_id}/resend",
    response_model=DeliveryAttemptOut,
    responses=documented(401, 403, 404, 503),
    summary="Send a signal to the subscription again, now",
)
async def resend_delivery(
    subscription_id: str, signal_id: str, key: SubscriptionManager, context: Context
) -> dict[str, Any]:
    """One attempt, made before the answer; if it fails, retries follow for 24 hours."""
    found = _subscription(context, subscription_id, key.tenant)
    unknown = ApiError(
        404, f"no delivery of signal {signal_id} to this subscription", where="path.signal_id"
    )
    try:
        identity = UUID(signal_id)
    except ValueError:
        raise unknown from None
    attempt = await run_in_threadpool(
        context.dispatcher.resend, found.subscription_id, identity, utc_now()
    )
    if attempt is None:
        raise unknown
    return attempt.to_json()


def _subscription(context: ApiContext, subscription_id: str, tenant: str) -> Subscription:
    found = context.dispatcher.stores.subscriptions.get(subscription_id, tenant)
    if found is None:
        raise ApiError(404, f"no subscription {subscription_id}", where="path.subscription_id")
    return found
