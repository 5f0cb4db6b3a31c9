"""``mailledger bench``: the benchmark commands."""

from __future__ import annotations

import click

from adapters.bench.append import append
from adapters.bench.consume import consume
from adapters.bench.parse import parse
from adapters.bench.query import query


@click.group()
def bench() -> None:
    """Measure throughput against a ceiling measured in the same run."""


bench.add_command(append)
bench.add_command(consume)
bench.add_command(parse)
bench.add_command(query)
