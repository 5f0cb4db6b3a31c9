"""How many examples each fuzz property runs: bounded for the suite, longer on request.

The counts below keep the whole fuzz directory near a minute and a half on a two-core
machine. ``MAILLEDGER_FUZZ_SCALE`` multiplies every one of them (``MAILLEDGER_FUZZ_SCALE=20
pytest tests/unit/fuzz`` runs twenty times as many), for a longer run by hand.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

SCALE_VARIABLE = "MAILLEDGER_FUZZ_SCALE"


def _scale() -> float:
    raw = os.environ.get(SCALE_VARIABLE, "").strip()
    if not raw:
        return 1.0
    try:
        scale = float(raw)
    except ValueError:
        raise ValueError(f"{SCALE_VARIABLE}: {raw!r} is not a number") from None
    if scale <= 0:
        raise ValueError(f"{SCALE_VARIABLE}: {raw!r} must be above 0")
    return scale


SCALE = _scale()


def fuzzing(examples: int) -> settings:
    """Settings for a property that runs ``examples`` (times the scale) examples.

    Inputs are big on purpose (very long strings, deep nesting), so the health checks that
    object to slow or large data are off, and there is no deadline.
    """
    return settings(
        max_examples=max(1, round(examples * SCALE)),
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.function_scoped_fixture,
        ],
    )
