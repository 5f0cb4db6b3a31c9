"""The console inside the API's application: its pages, its static files, its error pages."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from adapters.api.context import ApiContext
from adapters.api.errors import http_error_answer
from adapters.console.errors import NotSignedIn, PageError
from adapters.console.i18n import N_
from adapters.console.pages import (
    addresses,
    dossier,
    language,
    log,
    message,
    sign_in,
    stats,
    subscriptions,
    users,
)
from adapters.console.rendering import Pages
from adapters.console.signing_in import language_of, viewer_of

PROGRAMS_PATHS = ("/v1/", "/docs", "/redoc", "/openapi.json", "/static/")
"""Where an unknown address is a program's mistake, answered in the API's error shape."""


def _is_a_missing_page(request: Request, error: HTTPException) -> bool:
    """A browser asked for a console address that does not exist (no route at all)."""
    return (
        error.status_code == 404
        and error.detail == "Not Found"
        and not request.url.path.startswith(PROGRAMS_PATHS)
        and "text/html" in request.headers.get("accept", "")
    )


def install_console(app: FastAPI, context: ApiContext) -> None:
    """Serve the console's pages at ``/`` beside the API (left out of the OpenAPI document)."""
    pages = Pages()
    app.state.pages = pages
    app.mount(
        "/static",
        StaticFiles(packages=[("adapters.console", "static")]),
        name="console-static",
    )
    for module in (
        sign_in,
        language,
        log,
        message,
        dossier,
        stats,
        users,
        addresses,
        subscriptions,
    ):
        app.include_router(module.router, include_in_schema=False)

    @app.exception_handler(NotSignedIn)
    async def to_sign_in(request: Request, error: NotSignedIn) -> Response:
        return RedirectResponse(f"/sign-in?next={quote(error.next_path, safe='')}", status_code=303)

    @app.exception_handler(HTTPException)
    async def missing_page(request: Request, error: HTTPException) -> Response:
        # A mistyped or outdated link in a browser gets a page, not the API's JSON.
        if _is_a_missing_page(request, error):
            return await error_page(request, PageError(404, N_("There is no such page.")))
        return await http_error_answer(request, error)

    @app.exception_handler(PageError)
    async def error_page(request: Request, error: PageError) -> Response:
        try:
            viewer = viewer_of(context, request)
        except NotSignedIn:
            viewer = None
        chosen = viewer.language if viewer else language_of(request)
        _ = pages.gettext(chosen)
        return pages.render(
            request,
            "error.html",
            language=chosen,
            viewer=viewer,
            status=error.status,
            message=_(error.message).format(**error.values),
        )
