"""Errors every layer of the adapters shares, and how an exception reads on one line."""

from __future__ import annotations

import re

_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s:/@]*:)\S*@", re.IGNORECASE)
"""``scheme://user:password@``, up to the last ``@`` of the word: a password is hidden even
when it holds ``/``, ``?``, ``#`` or ``@`` unencoded."""


def hide_passwords(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ***."""
    return _URL_PASSWORD.sub(r"\1***@", text)


def first_line(error: BaseException) -> str:
    """The error's first line of text, or its type's name when it has none.

    Drivers' messages run over several lines (a hint, the statement); one is what a person
    needs and what keeps a command's error to a single line. A driver may quote the URL it
    was given, so any password in it is hidden.
    """
    text = hide_passwords(str(error)).strip()
    return text.splitlines()[0] if text else type(error).__name__


class SettingError(ValueError):
    """A setting is missing, malformed or contradicts another; it names the variable."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable
