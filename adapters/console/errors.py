"""Failures a page answers on purpose, shown as pages in the viewer's language."""

from __future__ import annotations


class PageError(Exception):
    """A status and a sentence (an English msgid, translated when shown)."""

    def __init__(self, status: int, message: str, **values: object) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.values = values


class NotSignedIn(Exception):  # noqa: N818 - a condition, not a fault
    """No valid session: the page sends the browser to the sign-in page and back after."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path
