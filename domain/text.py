"""Text fields people read hold no control characters: no NUL, tab, newline or DEL.

Subjects arrive unfolded (RFC 5322 folding is undone before a platform registers one), ids,
names and tags are single-line by nature, and a NUL cannot be stored in a PostgreSQL text
column at all. Provider details (multi-line SMTP diagnostics) are kept as the provider sent
them and are not checked.
"""

from __future__ import annotations

import re

from domain.errors import InvalidObservationError

_CONTROL = re.compile("[\x00-\x1f\x7f]")


def check_text(field_name: str, value: str | None) -> None:
    """Refuse ``value`` when it holds a C0 control character or DEL, naming the first."""
    if value is None:
        return
    found = _CONTROL.search(value)
    if found is not None:
        raise InvalidObservationError(
            field_name,
            f"holds the control character U+{ord(found.group()):04X} at position "
            f"{found.start()}; text holds no control characters (NUL, tab, newline, DEL…)",
        )
