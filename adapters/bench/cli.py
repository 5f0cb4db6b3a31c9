"""``mailledger bench``: the benchmark commands."""

from __future__ import annotations

import click

from adapters.bench.append import append


@click.group()
def bench() -> None:
    """Measure throughput against a ceiling measured in the same run."""


bench.add_command(append)
