"""The integers both databases store: SQLite's INTEGER and PostgreSQL's BIGINT are 64-bit."""

from __future__ import annotations

MAX_STORED_INTEGER = 2**63 - 1
"""The largest version, offset or position a query may compare; beyond it the driver raises
an overflow instead of finding nothing, so callers refuse such a number first."""
