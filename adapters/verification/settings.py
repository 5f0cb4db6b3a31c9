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


MAX_WINDOW_SECONDS = 7 * 24 * 3600
"""The widest replay window a setting may ask for: a week is already far too trusting, and
a window of many digits would overflow the time arithmetic of a check."""


def seconds(environ: Mapping[str, str], variable: str, default: int) -> int:
    """A whole number of seconds from ``variable`` (at most a week), or ``default``."""
    raw = environ.get(variable, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()):
        raise SettingError(variable, f"{raw[:40]!r} is not a whole number of seconds")
    if len(raw) > 7 or int(raw) > MAX_WINDOW_SECONDS:
        raise SettingError(variable, f"at most {MAX_WINDOW_SECONDS} seconds (a week)")
    return int(raw)
