"""Pages rendered from the Jinja2 templates, one environment per language, built at start."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from adapters.console.i18n import (
    LANGUAGES,
    environment,
    outcome_name,
    status_name,
    translations,
)
from adapters.console.moments import full, when
from adapters.console.viewer import Viewer
from domain.values import utc_now

SECURITY_HEADERS = {
    # Pages run only their own script and style; the copy of an e-mail has its own, stricter
    # policy (pages/message.py). No page may be framed by another site.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
"""Headers of every page: they show personal data, so no cache keeps them either."""

UTC_ZONE = ZoneInfo("UTC")
"""The zone of times shown before the browser said its own."""


class Pages:
    """The templates in every language, and how a page is made from one."""

    def __init__(self) -> None:
        loader = jinja2.PackageLoader("adapters.console", "templates")
        self._environments = {language: environment(loader, language) for language in LANGUAGES}

    def gettext(self, language: str) -> Callable[[str], str]:
        """The translation function of ``language``, for text made outside templates."""
        translate: Callable[[str], str] = translations(language).gettext
        return translate

    def render(
        self,
        request: Request,
        template: str,
        *,
        language: str,
        viewer: Viewer | None = None,
        csrf: str | None = None,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        **values: Any,
    ) -> HTMLResponse:
        """The page ``template`` shows with ``values``, with the headers of every page."""
        env = self._environments[language]
        now = utc_now()
        zone = viewer.zone if viewer is not None else UTC_ZONE
        _ = self.gettext(language)

        def shown_when(moment: datetime | str | None) -> str:
            if moment is None:
                return ""
            at = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
            return when(at, now, zone, language)

        def shown_full(moment: datetime | str | None) -> str:
            if moment is None:
                return ""
            at = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
            return full(at, zone, language)

        html = env.get_template(template).render(
            request_path=request.url.path,
            viewer=viewer,
            language=language,
            languages=LANGUAGES,
            csrf=csrf if csrf is not None else (viewer.csrf_token if viewer else ""),
            when=shown_when,
            full=shown_full,
            status_name=lambda kind: status_name(kind, _),
            outcome_name=lambda outcome: outcome_name(outcome, _),
            url=url,
            **values,
        )
        response = HTMLResponse(html, status_code=status, headers={**SECURITY_HEADERS})
        for name, value in (headers or {}).items():
            response.headers[name] = value
        return response


def url(path: str, **query: Any) -> str:
    """A console path with its query, leaving out empty values (so URLs stay short)."""
    kept = [(name, value) for name, value in query.items() if value not in (None, "", False)]
    return f"{path}?{urlencode(kept, doseq=True)}" if kept else path
