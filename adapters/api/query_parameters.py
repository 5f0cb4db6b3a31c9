"""Query parameters a route does not take are refused, not ignored.

A misspelt or unsupported filter (``?categroy=reminder``) silently ignored would answer with
every row, which reads as if the filter had matched them all. Only reads are checked: a
provider's webhook URL is the operator's to write, and a query string on it changes nothing.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from adapters.api.errors import ApiError


def _declared(dependant: Dependant) -> set[str]:
    names = {parameter.alias for parameter in dependant.query_params}
    for dependency in dependant.dependencies:
        names |= _declared(dependency)
    return names


async def refuse_unknown_query_parameters(request: Request) -> None:
    """400 naming every query parameter a read route does not declare."""
    route = request.scope.get("route")
    if request.method not in ("GET", "HEAD") or not isinstance(route, APIRoute):
        return
    declared = _declared(route.dependant)
    unknown = sorted(set(request.query_params) - declared)
    if unknown:
        takes = f"it takes {', '.join(sorted(declared))}" if declared else "it takes none"
        raise ApiError(
            400,
            f"unknown query parameter{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(unknown)} for {request.method} {route.path}; {takes}",
            where=f"query.{unknown[0]}",
        )
