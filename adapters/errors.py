"""How an exception reads on one line of stderr or in one log field."""

from __future__ import annotations


def first_line(error: BaseException) -> str:
    """The error's first line of text, or its type's name when it has none.

    Drivers' messages run over several lines (a hint, the statement); one is what a person
    needs and what keeps a command's error to a single line.
    """
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
