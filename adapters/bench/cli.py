"""``mailledger bench``: the benchmark commands."""

from __future__ import annotations

import click


@click.group()
def bench() -> None:
    """Measure throughput against a ceiling measured in the same run."""
