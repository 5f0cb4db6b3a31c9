"""The FastAPI application: routes under /v1, one error shape, request ids, the views followed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic.json_schema import models_json_schema

from adapters.api.context import ApiContext
from adapters.api.errors import install_error_handlers
from adapters.api.follower import Follower
from adapters.api.models import Health, KeyRequest, SubscriptionRequest
from adapters.api.query_parameters import refuse_unknown_query_parameters
from adapters.api.request_ids import RequestIds
from adapters.api.routes import (
    addresses,
    contents,
    dossiers,
    history,
    keys,
    messages,
    policy,
    quarantine,
    registrations,
    settings,
    stats,
    subscriptions,
    suppressions,
    webhooks,
)
from adapters.console.app import install_console
from adapters.intake.registrations import RegistrationIn

DESCRIPTION = """\
Did the e-mail arrive? The sent-mail list, each message's timeline and audit history, daily
statistics, the webhook and registration endpoints that feed them, and webhook subscriptions
to the signals it decides.

Every route but `/v1/health` takes an API key (`Authorization: Bearer mlk_…`); each key
belongs to one tenant and sees only that tenant's data. Errors are
`{"error": {"status", "code", "message", "where", "request_id"}}`.
"""


def _version() -> str:
    try:
        return version("mailledger")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "0"


def create_app(context: ApiContext, *, follow: bool = True) -> FastAPI:
    """The API over an opened context; with ``follow``, a thread keeps the views current
    from startup to shutdown (the caller catches them up once before serving)."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        follower = Follower(context.read_side) if follow else None
        if follower is not None:
            follower.start()
        try:
            yield
        finally:
            if follower is not None:
                follower.stop()

    app = FastAPI(
        title="mailledger",
        version=_version(),
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.context = context
    app.state.database_display = context.database.display
    install_error_handlers(app)
    app.add_middleware(RequestIds)

    strict_query = [Depends(refuse_unknown_query_parameters)]

    @app.get(
        "/v1/health",
        response_model=Health,
        tags=["health"],
        summary="The server answers",
        dependencies=strict_query,
    )
    def health() -> Health:
        """No key needed: for load balancers and probes."""
        return Health()

    routes = (
        messages,
        registrations,
        history,
        dossiers,
        stats,
        webhooks,
        keys,
        quarantine,
        subscriptions,
        addresses,
        suppressions,
        policy,
        contents,
        settings,
    )
    for module in routes:
        app.include_router(module.router, dependencies=strict_query)
    install_console(app, context)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with the body formats that routes read by hand."""
    if app.openapi_schema is None:
        document = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        _, extra = models_json_schema(
            [
                (RegistrationIn, "validation"),
                (KeyRequest, "validation"),
                (SubscriptionRequest, "validation"),
            ],
            ref_template="#/components/schemas/{model}",
        )
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        schemas.update(extra.get("$defs", {}))
        app.openapi_schema = document
    return app.openapi_schema
