"""Provider webhooks: the body verified and parsed as ``ingest`` does, then stored or published.

Mailgun, SendGrid and SES sign their bodies: the signature is checked with the settings of
the server's settings, as ``ingest --verify`` does. Postmark, Brevo and SparkPost sign nothing;
what proves them is the secret they send in ``Authorization``, and over the API that secret
is the API key itself (Basic with the key as the password, or Bearer), already checked
before the body is read. The generic format has neither and is taken on the key alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from adapters.api.auth import WebhookIngester
from adapters.api.bodies import read_limited
from adapters.api.context import ApiContext, Context
from adapters.api.errors import BEARER_CHALLENGE, ApiError, documented
from adapters.api.models import WebhookAccepted, WebhookRecorded
from adapters.api.writes import publish, store_observations
from adapters.errors import SettingError
from adapters.intake.bodies import Body, BodyReadError, read_bodies
from adapters.intake.to_kafka import provider_records
from adapters.providers.registry import PROVIDER_NAMES
from adapters.verification import sendgrid
from adapters.verification.errors import AuthenticityError
from adapters.verification.registry import Verifier, verifier_for
from adapters.verification.request import WebhookRequest
from domain.values import utc_now

log = structlog.get_logger()

router = APIRouter(prefix="/v1", tags=["ingest"])

SIGNATURE_HEADERS: dict[str, tuple[str, ...]] = {
    "mailgun": (),
    "sendgrid": (sendgrid.SIGNATURE_HEADER, sendgrid.TIMESTAMP_HEADER),
    "ses": (),
}
"""The providers that sign their bodies, and the headers their signature travels in.

Only these headers go with a body to Kafka: the Authorization header holds the API key.
"""

SOURCE = "webhook"


class KeyAuthenticated:
    """The verification of a provider whose only proof is its credential: the API key.

    The key was checked before the body was read, so there is nothing left to check; given to
    the Kafka records, it marks the body as verified by its producer.
    """

    def verify(self, request: WebhookRequest) -> None:
        """Accept: the request's API key was already authenticated."""


_OPENAPI_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The body exactly as the provider posts it (JSON; JSON lines for "
        "generic), at most 5 MB. See docs/providers.md.",
        "content": {"application/json": {"schema": {}}},
    }
}


@router.post(
    "/webhooks/{provider}",
    response_model=WebhookRecorded,
    responses={
        202: {"model": WebhookAccepted, "description": "Published to Kafka (when configured)."},
        **documented(400, 401, 403, 404, 413, 503),
    },
    openapi_extra=_OPENAPI_BODY,
    summary="A provider's webhook body, recorded (or published) whole or not at all",
)
async def receive_webhook(
    provider: str, request: Request, key: WebhookIngester, context: Context
) -> Any:
    """``provider`` is brevo, mailgun, postmark, sendgrid, ses, sparkpost or generic."""
    if provider not in PROVIDER_NAMES:
        raise ApiError(
            404,
            f"unknown provider {provider!r}; known ones are {', '.join(PROVIDER_NAMES)}",
            where="path.provider",
        )
    verifier = _verifier(provider, context)
    data = await read_limited(request)
    # The body's events are the key's tenant's: a body never says whose it is.
    body = Body(
        SOURCE, data, utc_now(), _signature_headers(provider, request.headers), tenant=key.tenant
    )
    try:
        if context.kafka is not None:
            accepted = await run_in_threadpool(_publish, context, provider, body, verifier)
            _log(provider, data, "published", records=accepted.records, events=accepted.events)
            return JSONResponse(accepted.model_dump(), status_code=202)
        recorded = await run_in_threadpool(_store, context, provider, body, verifier)
    except BodyReadError as error:
        _log(provider, data, "refused", reason=str(error.error))
        if isinstance(error.error, AuthenticityError):
            raise ApiError(
                401, str(error.error), headers={"WWW-Authenticate": BEARER_CHALLENGE}
            ) from None
        raise ApiError(400, str(error.error), where="body") from None
    _log(provider, data, "recorded", **recorded.model_dump())
    return recorded


def _signature_headers(provider: str, headers: Mapping[str, str]) -> dict[str, str]:
    wanted = {name.lower(): name for name in SIGNATURE_HEADERS.get(provider, ())}
    return {
        wanted[name.lower()]: value for name, value in headers.items() if name.lower() in wanted
    }


def _verifier(provider: str, context: ApiContext) -> Verifier:
    if provider not in SIGNATURE_HEADERS:
        return KeyAuthenticated()
    configured = context.verifiers.get(provider)
    if configured is not None:
        return configured
    try:
        # Not configured: this names the setting that is missing.
        return verifier_for(provider, context.verification)
    except SettingError as error:
        # The server's configuration, not the caller's mistake: the provider may retry later.
        log.error("webhook.not_configured", provider=provider, variable=error.variable)
        raise ApiError(
            503,
            f"{provider} webhooks cannot be verified: this server's setting {error.variable} "
            "is missing or invalid; ask its operator to set it",
        ) from None


def _store(context: ApiContext, provider: str, body: Body, verifier: Verifier) -> WebhookRecorded:
    read = read_bodies(provider, [body], verifier)
    results = store_observations(context, read.observations)
    # After the readable events: an event set aside twice is one entry, so a provider's
    # retry after a failure here loses nothing and keeps nothing twice.
    context.quarantine.add(read.set_aside, utc_now())
    duplicates = sum(result.duplicate for result in results)
    return WebhookRecorded(
        recorded=len(results) - duplicates,
        duplicates=duplicates,
        skipped=len(read.notices),
        quarantined=len(read.set_aside),
    )


def _publish(context: ApiContext, provider: str, body: Body, verifier: Verifier) -> WebhookAccepted:
    assert context.kafka is not None
    # Every record built (so the body is verified and parsed whole) before any is sent.
    records = list(
        provider_records(context.kafka.provider_events_topic, provider, [body], verifier)
    )
    published = publish(context, records)
    return WebhookAccepted(records=published, events=sum(r.events for r in records))


def _log(provider: str, data: bytes, outcome: str, **fields: Any) -> None:
    # Never the body: it holds recipients' addresses.
    report = log.warning if outcome == "refused" else log.info
    report("webhook.received", provider=provider, bytes=len(data), outcome=outcome, **fields)
