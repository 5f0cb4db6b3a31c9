"""Switching the console's language: kept in a cookie, and as the user's preference."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from adapters.api.context import ApiContext, context_of
from adapters.console.errors import NotSignedIn, PageError
from adapters.console.forms import PRE_SESSION_COOKIE, check_origin, check_token, read_form
from adapters.console.i18n import LANGUAGES, N_
from adapters.console.pages.sign_in import safe_next
from adapters.console.signing_in import LANGUAGE_COOKIE, LONG_COOKIE_SECONDS, set_cookie, viewer_of

router = APIRouter()


@router.post("/language")
async def choose_language(request: Request) -> Response:
    check_origin(request)
    form = await read_form(request)
    chosen = form.get("language", "")
    if chosen not in LANGUAGES:
        raise PageError(400, N_("The console speaks only English and French."))
    context: ApiContext = context_of(request)
    try:
        viewer = await run_in_threadpool(viewer_of, context, request)
    except NotSignedIn:
        viewer = None
    check_token(form, viewer.csrf_token if viewer else request.cookies.get(PRE_SESSION_COOKIE))
    if viewer is not None:
        await run_in_threadpool(context.users.set_language, viewer.tenant, viewer.user_id, chosen)
    response = RedirectResponse(safe_next(form.get("next")), status_code=303)
    set_cookie(response, request, LANGUAGE_COOKIE, chosen, max_age=LONG_COOKIE_SECONDS)
    return response
