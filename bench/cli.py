"""``python -m bench``: the benchmark commands."""

from __future__ import annotations

import click

from bench.append import append
from bench.consume import consume
from bench.parse import parse
from bench.policies import policies
from bench.query import query


@click.group()
def bench() -> None:
    """Measure throughput against a ceiling measured in the same run."""


bench.add_command(append)
bench.add_command(consume)
bench.add_command(parse)
bench.add_command(policies)
bench.add_command(query)
