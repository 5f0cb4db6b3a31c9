"""Reading a verifier's secret or key from its settings, with errors that say what to set."""

from __future__ import annotations

from collections.abc import Mapping

from adapters.errors import SettingError


def required(environ: Mapping[str, str], variable: str, what: str) -> str:
    """The value of ``variable``; missing or blank, a SettingError that says what it holds."""
    value = environ.get(variable, "").strip()
    if not value:
        raise SettingError(variable, f"not set; set it to {what}")
    return value


def seconds(environ: Mapping[str, str], variable: str, default: int) -> int:
    """A whole number of seconds from ``variable``, or ``default`` when it is not set."""
    raw = environ.get(variable, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise SettingError(variable, f"{raw!r} is not a whole number of seconds")
    return int(raw)
