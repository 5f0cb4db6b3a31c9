"""The reply code and enhanced status of Postmark's ``smtp;550 5.1.1 ...`` diagnostics."""

from __future__ import annotations


def smtp_reply(text: str | None) -> tuple[int | None, str | None]:
    """The reply code and enhanced status of an ``smtp;550 5.1.1 ...`` diagnostic."""
    if not text or text[:5].lower() != "smtp;":
        return None, None
    words = text[5:].split(None, 2)
    first = words[0] if words else ""
    code = int(first) if len(first) == 3 and first.isascii() and first.isdigit() else None
    status = words[1] if len(words) > 1 and _enhanced(words[1]) else None
    return code, status


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _enhanced(text: str) -> bool:
    parts = text.split(".")
    return (
        len(parts) == 3 and parts[0] in ("2", "4", "5") and _digits(parts[1]) and _digits(parts[2])
    )
