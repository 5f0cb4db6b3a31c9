"""How much a sent-mail query may ask for: text and tag filters within what SQL plans cheaply.

A subject filter is a LIKE pattern and each tag four of them: SQLite refuses patterns longer
than 50,000 bytes and expression trees deeper than 1,000, long before PostgreSQL would
struggle, so both databases get the same documented limits, checked before any SQL is built.
"""

from __future__ import annotations

from collections.abc import Sequence

MAX_FILTER_TEXT = 200
"""The most characters a subject filter, or any one tag filter, may hold."""
MAX_TAG_FILTERS = 20
"""The most tags one query may require."""


class QueryLimitError(ValueError):
    """A filter beyond its documented limit; ``parameter`` names it as the API and CLI do."""

    def __init__(self, parameter: str, problem: str) -> None:
        super().__init__(f"{parameter}: {problem}")
        self.parameter = parameter
        self.problem = problem


def check_filters(subject: str | None, tags: Sequence[str]) -> None:
    """Refuse a subject or tag filter that is too long, or too many tags."""
    if subject is not None and len(subject) > MAX_FILTER_TEXT:
        raise QueryLimitError(
            "subject", f"{len(subject)} characters; a filter holds at most {MAX_FILTER_TEXT}"
        )
    if len(tags) > MAX_TAG_FILTERS:
        raise QueryLimitError(
            "tag", f"{len(tags)} tags; a query requires at most {MAX_TAG_FILTERS}"
        )
    for tag in tags:
        if len(tag) > MAX_FILTER_TEXT:
            raise QueryLimitError(
                "tag", f"a tag of {len(tag)} characters; a filter holds at most {MAX_FILTER_TEXT}"
            )
