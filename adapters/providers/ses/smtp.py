"""The SMTP reply codes in SES's delivery responses and DSN diagnostics."""

from __future__ import annotations


def smtp_code(text: str | None) -> int | None:
    """The basic reply code a response or diagnostic starts with ('smtp; 550 5.1.1 …' → 550)."""
    if not text:
        return None
    # A DSN's Diagnostic-Code is typed ('smtp; 550 …'); a delivery's smtpResponse is not.
    prefix, typed, rest = text.partition(";")
    label = prefix.strip()
    head = rest if typed and label and " " not in label and not label[0].isdigit() else text
    head = head.lstrip()
    code = head[:3]
    if code.isdigit() and code[0] in "245" and head[3:4] in {"", " ", "-"}:
        return int(code)
    return None


def enhanced_status(text: str | None) -> str | None:
    """The enhanced status code ('2.6.0') that follows the reply code of an SMTP response."""
    if smtp_code(text) is None or text is None:
        return None
    parts = text.split(None, 2)
    candidate = parts[1] if len(parts) > 1 else ""
    pieces = candidate.split(".")
    if len(pieces) == 3 and all(piece.isdigit() for piece in pieces) and pieces[0] in "245":
        return candidate
    return None
