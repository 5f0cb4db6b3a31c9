"""Form posts: read with a size limit, and refused unless they carry the session's CSRF token.

Every form of the console carries a hidden ``csrf`` field. Signed in, it is the session's own
token (kept server-side with the session); before signing in, it is a random token also set
as a cookie (double submit), so a page of another site cannot post the sign-in form either.
A post whose ``Origin`` names another site is refused before its token is looked at.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request

from adapters.console.errors import PageError
from adapters.console.i18n import N_

MAX_FORM_BYTES = 16 * 1024
"""The largest form post read; the console's forms are a few fields each."""

PRE_SESSION_COOKIE = "mailledger_form"
"""The double-submit token of forms shown before signing in (sign-in, language)."""

Form = dict[str, str]


async def read_form(request: Request) -> Form:
    """The fields of a urlencoded post (the last value of each name); 413 past the limit."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise PageError(413, N_("This form is too large."))
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_FORM_BYTES:
            raise PageError(413, N_("This form is too large."))
    if not body:
        return {}
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise PageError(415, N_("This page takes only its own forms."))
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise PageError(400, N_("This form was not sent as UTF-8.")) from None
    return {name: values[-1] for name, values in parse_qs(text, keep_blank_values=True).items()}


def check_origin(request: Request) -> None:
    """Refuse a post that says it comes from another site (Origin, else Referer)."""
    claimed = request.headers.get("origin") or request.headers.get("referer")
    if not claimed or claimed == "null":
        return
    parts = urlsplit(claimed)
    if (parts.scheme, parts.netloc) != (request.url.scheme, request.url.netloc):
        raise PageError(403, N_("This form was sent from another site; it was refused."))


def check_token(form: Form, expected: str | None) -> None:
    """Refuse a form whose ``csrf`` field is missing or not ``expected``."""
    given = form.get("csrf", "")
    if not expected or not given or not hmac.compare_digest(given, expected):
        raise PageError(
            403, N_("This form has expired or was not sent from this console. Reload the page.")
        )


def pre_session_token(request: Request) -> str:
    """The double-submit token of this browser: its cookie's, or a new one to set."""
    current = request.cookies.get(PRE_SESSION_COOKIE, "")
    return current if 20 <= len(current) <= 100 else secrets.token_urlsafe(32)
