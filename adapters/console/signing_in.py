"""The session cookie: who a request comes from, and the cookies a sign-in sets.

The cookie holds only a random token; the session it names (its user, role, CSRF token,
lifetime) is kept server-side by ``adapters/access/sessions.py``, so signing out, disabling a
user or changing their role ends it at once. It is HttpOnly and SameSite=Lax, and Secure
unless the console is reached on a loopback address (where browsers take no Secure cookie
over plain http): anywhere else the console must be served over https.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime
from urllib.parse import unquote

import structlog
from starlette.requests import Request
from starlette.responses import Response

from adapters.access.sessions import Session
from adapters.api.context import ApiContext
from adapters.console.errors import NotSignedIn
from adapters.console.i18n import negotiate
from adapters.console.moments import zone_of
from adapters.console.viewer import Viewer
from domain.values import utc_now

SESSION_COOKIE = "mailledger_session"
LANGUAGE_COOKIE = "mailledger_language"
ZONE_COOKIE = "mailledger_zone"
"""The browser's time zone, set by the console's script; times are shown in it."""
LONG_COOKIE_SECONDS = 365 * 24 * 3600
"""How long the language and zone cookies last: they hold no secret."""


def is_loopback(request: Request) -> bool:
    """True when the browser reached the console on a loopback address."""
    host = request.url.hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def language_of(request: Request, session: Session | None = None) -> str:
    """The chosen language (cookie, else the user's preference), else the browser's."""
    chosen = request.cookies.get(LANGUAGE_COOKIE) or (session.language if session else None)
    return negotiate(request.headers.get("accept-language"), chosen)


def viewer_of(context: ApiContext, request: Request, now: datetime | None = None) -> Viewer:
    """The signed-in person; NotSignedIn (back to this page after) when there is none.

    Resolved once per request: an error page drawn for the same request finds it again.
    """
    known = getattr(request.state, "viewer", None)
    if isinstance(known, Viewer):
        return known
    token = request.cookies.get(SESSION_COOKIE)
    session = context.sessions.resolve(token, now or utc_now()) if token else None
    if session is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise NotSignedIn(target)
    # As for API keys: the access log line names the tenant, and so does every other line.
    request.state.tenant = session.tenant
    structlog.contextvars.bind_contextvars(tenant=session.tenant, user_id=session.user_id)
    viewer = Viewer(
        tenant=session.tenant,
        user_id=session.user_id,
        email=session.email,
        name=session.name,
        role=session.role,
        language=language_of(request, session),
        zone=zone_of(unquote(request.cookies.get(ZONE_COOKIE, "")).strip('"') or None),
        csrf_token=session.csrf_token,
    )
    request.state.viewer = viewer
    return viewer


def set_cookie(
    response: Response, request: Request, name: str, value: str, *, max_age: int | None
) -> None:
    """A cookie of the console: HttpOnly, SameSite=Lax, Secure off loopback."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=name != ZONE_COOKIE,  # the script sets and reads the zone; it is no secret
        secure=not is_loopback(request),
        samesite="lax",
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    """Tell the browser to forget the session."""
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=not is_loopback(request), httponly=True, samesite="lax"
    )
