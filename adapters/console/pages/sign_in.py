"""Signing in and out.

One answer for every refusal (unknown organisation, unknown e-mail, wrong password, disabled
account), so the form tells no one which organisations or people exist. After repeated
failures the account is locked for a while (``adapters/access/users.py``); the page then says
to wait, which tells only what the attempts themselves already showed.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from adapters.access.users import Outcome
from adapters.api.context import ApiContext, context_of
from adapters.console.errors import NotSignedIn
from adapters.console.forms import (
    PRE_SESSION_COOKIE,
    check_origin,
    check_token,
    pre_session_token,
    read_form,
)
from adapters.console.rendering import Pages
from adapters.console.signing_in import (
    LONG_COOKIE_SECONDS,
    SESSION_COOKIE,
    ZONE_COOKIE,
    clear_session_cookie,
    language_of,
    set_cookie,
    viewer_of,
)
from domain.values import utc_now

router = APIRouter()

ORGANISATION_COOKIE = "mailledger_organisation"
"""The organisation last signed in to, to fill the form in next time."""


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this console only, never another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _show_form(
    request: Request,
    *,
    status: int = 200,
    problem: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    pages: Pages = request.app.state.pages
    language = language_of(request)
    token = pre_session_token(request)
    _ = pages.gettext(language)
    response = pages.render(
        request,
        "sign_in.html",
        language=language,
        csrf=token,
        status=status,
        problem=_(problem).format(**(values or {})) if problem else None,
        organisation=request.cookies.get(ORGANISATION_COOKIE, ""),
        next_path=safe_next(request.query_params.get("next")),
    )
    set_cookie(response, request, PRE_SESSION_COOKIE, token, max_age=LONG_COOKIE_SECONDS)
    return response


@router.get("/sign-in")
def sign_in_form(request: Request) -> Response:
    context: ApiContext = context_of(request)
    try:
        viewer_of(context, request)
    except NotSignedIn:
        return _show_form(request)
    return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    check_origin(request)
    form = await read_form(request)
    check_token(form, request.cookies.get(PRE_SESSION_COOKIE))
    context: ApiContext = context_of(request)
    organisation = form.get("organisation", "").strip()
    email = form.get("email", "").strip()
    now = utc_now()
    result = await run_in_threadpool(
        context.users.sign_in, organisation, email, form.get("password", ""), now
    )
    if result.outcome is Outcome.LOCKED:
        minutes = max(1, result.minutes_left(now))
        return _show_form(
            request,
            status=429,
            problem="Too many failed attempts. Try again in {minutes} minutes.",
            values={"minutes": str(minutes)},
        )
    if not result.signed_in or result.user is None:
        return _show_form(
            request,
            status=401,
            problem="The organisation, e-mail address or password is not right.",
        )
    token, session = await run_in_threadpool(context.sessions.open, result.user, now)
    response = RedirectResponse(safe_next(form.get("next")), status_code=303)
    lifetime = int((session.expires_at - now).total_seconds())
    set_cookie(response, request, SESSION_COOKIE, token, max_age=lifetime)
    set_cookie(response, request, ORGANISATION_COOKIE, organisation, max_age=LONG_COOKIE_SECONDS)
    if form.get("zone"):
        set_cookie(response, request, ZONE_COOKIE, form["zone"][:64], max_age=LONG_COOKIE_SECONDS)
    return response


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    check_origin(request)
    form = await read_form(request)
    context: ApiContext = context_of(request)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        try:
            viewer = await run_in_threadpool(viewer_of, context, request)
        except NotSignedIn:
            viewer = None
        if viewer is not None:
            check_token(form, viewer.csrf_token)
            await run_in_threadpool(context.sessions.close, token)
    response = RedirectResponse("/sign-in", status_code=303)
    clear_session_cookie(response, request)
    return response
