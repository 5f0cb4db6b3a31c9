"""What every page handler starts from: the server's context, the templates, the viewer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from adapters.access.roles import Permission
from adapters.api.context import ApiContext, context_of
from adapters.console.errors import PageError
from adapters.console.i18n import N_
from adapters.console.rendering import Pages
from adapters.console.signing_in import viewer_of
from adapters.console.viewer import Viewer


@dataclass(frozen=True)
class Console:
    """A request's view of the console: the server's resources and who is looking."""

    context: ApiContext
    pages: Pages
    viewer: Viewer
    request: Request

    def require(self, permission: Permission) -> None:
        """Refuse the page (403, in words) when the viewer's role does not grant it."""
        if not self.viewer.may(permission):
            raise PageError(
                403,
                N_(
                    "Your role does not let you see this page. Ask an administrator of your "
                    "organisation to grant it."
                ),
            )


def console_of(request: Request) -> Console:
    """The console of a signed-in request; a request without a session goes to sign in."""
    context: ApiContext = context_of(request)
    pages: Pages = request.app.state.pages
    return Console(context, pages, viewer_of(context, request), request)


SignedIn = Annotated[Console, Depends(console_of)]
"""A page parameter: the console of the signed-in viewer."""
